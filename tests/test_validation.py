import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from neurovec import from_aeon, from_tslearn, segment_traces
from neurovec._validation import check_segmented, segment_lengths, segment_mask


@pytest.mark.parametrize(
    "shape, kwargs, expected",
    [
        ((4, 3, 10), {}, (4, 3, 10, 1)),
        ((4, 3, 10, 2), {}, (4, 3, 10, 2)),
        ((4, 100), {"segment_length": 25}, (4, 4, 25, 1)),
        ((4, 100), {}, (4, 1, 100, 1)),
    ],
)
def test_accepted_shapes(shape, kwargs, expected):
    X = check_segmented(np.ones(shape), **kwargs)
    assert X.shape == expected
    assert X.dtype == np.float32
    assert X.flags.c_contiguous


@pytest.mark.parametrize("shape", [(5,), (2, 2, 2, 2, 2)])
def test_wrong_ndim(shape):
    with pytest.raises(ValueError, match=r"Expected X with shape .*received array"):
        check_segmented(np.ones(shape))


def test_2d_refused_when_not_allowed():
    with pytest.raises(ValueError, match="received array of shape"):
        check_segmented(np.ones((3, 10)), allow_2d=False)


@pytest.mark.parametrize("shape", [(0, 3, 10), (3, 0, 10), (0, 10)])
def test_empty(shape):
    with pytest.raises(ValueError, match="non-empty"):
        check_segmented(np.ones(shape))


@pytest.mark.parametrize("bad", [np.array([["a", "b"]]), np.array([[object()]])])
def test_non_numeric_dtype(bad):
    with pytest.raises(TypeError, match="numeric dtype"):
        check_segmented(bad)


def test_nan_inside_segment():
    X = np.ones((3, 2, 10))
    X[1, 0, 4] = np.nan
    with pytest.raises(ValueError, match=r"NaN inside a segment \(neuron 1, segment 0"):
        check_segmented(X)


def test_inf():
    X = np.ones((3, 2, 10))
    X[2, 1, 0] = np.inf
    with pytest.raises(ValueError, match="infinite value"):
        check_segmented(X)


def test_trailing_padding_and_missing_segments_are_kept():
    X = np.ones((3, 2, 10))
    X[0, 1, 6:] = np.nan
    X[1, 0] = np.nan
    out = check_segmented(X)
    assert segment_lengths(out).tolist() == [[10, 6], [0, 10], [10, 10]]
    assert segment_mask(out).tolist() == [[True, True], [False, True], [True, True]]


def test_neuron_without_valid_segment():
    X = np.ones((3, 2, 10))
    X[2] = np.nan
    with pytest.raises(ValueError, match=r"without any valid segment \(rows \[2\]"):
        check_segmented(X)


def test_too_few_neurons():
    with pytest.raises(ValueError, match="at least 2 neurons"):
        check_segmented(np.ones((1, 2, 10)), ensure_min_neurons=2)


def test_expected_segment_length_and_channels():
    X = np.ones((3, 2, 10, 2))
    with pytest.raises(
        ValueError, match="segment_length=10.*fitted with segment_length=12"
    ):
        check_segmented(X, expected_segment_length=12)
    with pytest.raises(ValueError, match="2 channel.*fitted with 1"):
        check_segmented(X, n_channels=1)


def test_context_nan_where_neuron_valid():
    X = np.ones((3, 2, 10, 2))
    X[0, 0, 3, 1] = np.nan
    with pytest.raises(ValueError, match="context channel 1"):
        check_segmented(X)


def test_ragged_list_is_nan_padded():
    X = [np.ones((2, 10)), np.ones((3, 8))]
    out = check_segmented(X)
    assert out.shape == (2, 3, 10, 1)
    assert segment_lengths(out).tolist() == [[10, 10, 0], [8, 8, 8]]


def test_ragged_channel_mismatch():
    with pytest.raises(ValueError, match="same number of channels"):
        check_segmented([np.ones((2, 10, 1)), np.ones((2, 10, 2))])


def test_segment_traces_overlap_and_incomplete():
    traces = np.arange(25, dtype=float)[None].repeat(2, 0)
    X = segment_traces(traces, 10, stride=5)
    assert X.shape == (2, 4, 10, 1)
    assert X[0, 1, 0, 0] == 5
    Xi = segment_traces(traces, 10, keep_incomplete=True)
    assert Xi.shape == (2, 3, 10, 1)
    assert segment_lengths(Xi)[0].tolist() == [10, 10, 5]


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_segment_traces_bad_length(bad):
    with pytest.raises(ValueError, match="segment_length must be a positive integer"):
        segment_traces(np.ones((2, 50)), bad)


def test_segment_traces_too_short():
    with pytest.raises(ValueError, match="fewer than segment_length"):
        segment_traces(np.ones((2, 5)), 10)


def test_layout_converters():
    ts = np.random.default_rng(0).normal(size=(4, 30, 2))
    assert from_tslearn(ts).shape == (4, 1, 30, 2)
    aeon = np.transpose(ts, (0, 2, 1))
    np.testing.assert_array_equal(from_aeon(aeon), from_tslearn(ts))
    with pytest.raises(ValueError, match="aeon collection"):
        from_aeon(np.ones((4, 30)))


@settings(max_examples=60, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(
            st.integers(1, 4), st.integers(1, 4), st.integers(1, 6), st.integers(1, 3)
        ),
        elements=st.floats(-1e6, 1e6),
    ),
    st.data(),
)
def test_property_padding_roundtrip(X, data):
    """Any trailing padding is accepted and preserved; lengths are reported."""
    n, s, L, _ = X.shape
    lengths = data.draw(
        arrays(np.int64, (n, s), elements=st.integers(0, L)), label="lengths"
    )
    lengths[:, 0] = np.maximum(lengths[:, 0], 1)  # every neuron keeps one segment
    for i in range(n):
        for j in range(s):
            X[i, j, lengths[i, j] :] = np.nan
    out = check_segmented(X)
    assert out.shape == X.shape and out.dtype == np.float32
    np.testing.assert_array_equal(segment_lengths(out), lengths)
    np.testing.assert_allclose(out, X.astype(np.float32), equal_nan=True)


@settings(max_examples=60, deadline=None)
@given(
    st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(2, 6)),
    st.data(),
)
def test_property_interior_nan_always_rejected(shape, data):
    X = np.ones(shape)
    n = data.draw(st.integers(0, shape[0] - 1))
    s = data.draw(st.integers(0, shape[1] - 1))
    t = data.draw(st.integers(0, shape[2] - 2))
    X[n, s, t] = np.nan
    with pytest.raises(ValueError, match="NaN inside a segment"):
        check_segmented(X)
