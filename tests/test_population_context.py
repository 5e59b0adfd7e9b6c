"""add_population_context: the leave-one-out population channel."""

import numpy as np
import pytest

from neurovec import add_population_context


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(7, 3, 20)).astype(np.float32)
    groups = np.array([0, 0, 0, 1, 1, 1, 2])
    return X, groups


def test_leave_one_out_mean_within_recording():
    X, groups = _data()
    out = add_population_context(X, groups, standardize=False)
    assert out.shape == (7, 3, 20, 2) and out.dtype == np.float32
    np.testing.assert_allclose(out[..., 0], X, rtol=1e-6)
    for i in range(6):
        others = [j for j in range(7) if groups[j] == groups[i] and j != i]
        np.testing.assert_allclose(out[i, ..., 1], X[others].mean(0), rtol=1e-5)
    # A neuron alone in its recording has no context: zeros.
    np.testing.assert_array_equal(out[6, ..., 1], 0.0)


def test_standardized_per_segment_and_own_signal_excluded():
    X, groups = _data()
    out = add_population_context(X, groups)
    ctx = out[:6, ..., 1]
    np.testing.assert_allclose(ctx.mean(axis=-1), 0.0, atol=1e-5)
    np.testing.assert_allclose(ctx.std(axis=-1), 1.0, atol=1e-4)
    # Changing neuron 0 changes the context of its recording mates only.
    X2 = X.copy()
    X2[0] += np.linspace(0, 5, 20, dtype=np.float32)
    out2 = add_population_context(X2, groups)
    np.testing.assert_allclose(out2[0, ..., 1], out[0, ..., 1], atol=1e-5)
    assert not np.allclose(out2[1, ..., 1], out[1, ..., 1])
    np.testing.assert_allclose(out2[3:, ..., 1], out[3:, ..., 1], atol=1e-6)


def test_padding_and_missing_segments():
    X, groups = _data()
    X = X.copy()
    X[0, 2] = np.nan  # a missing segment
    X[1, 1, 15:] = np.nan  # trailing padding
    out = add_population_context(X, groups, standardize=False)
    assert np.isnan(out[0, 2]).all()
    assert np.isnan(out[1, 1, 15:, 1]).all()
    # Missing samples of neuron 0 are left out of its mates' means.
    np.testing.assert_allclose(out[1, 2, :, 1], X[2, 2], rtol=1e-6)
    np.testing.assert_allclose(out[2, 1, 15:, 1], X[0, 1, 15:], rtol=1e-6)
    np.testing.assert_allclose(out[2, 1, :15, 1], X[[0, 1], 1, :15].mean(0), rtol=1e-5)


def test_existing_channels_are_kept_and_context_reads_channel_0():
    X, groups = _data()
    X4 = np.stack([X, 100 + X], axis=-1)
    out = add_population_context(X4, groups, standardize=False)
    assert out.shape == (7, 3, 20, 3)
    np.testing.assert_allclose(out[..., :2], X4, rtol=1e-6)
    np.testing.assert_allclose(out[0, ..., 2], X[1:3].mean(0), rtol=1e-5)


def test_constant_population_becomes_zero():
    X = np.ones((4, 2, 10))
    out = add_population_context(X, [0, 0, 1, 1])
    np.testing.assert_array_equal(out[..., 1], 0.0)


@pytest.mark.parametrize("groups", [[0, 1], np.zeros((7, 2))])
def test_bad_groups(groups):
    X, _ = _data()
    with pytest.raises(ValueError, match="one recording per neuron"):
        add_population_context(X, groups)
