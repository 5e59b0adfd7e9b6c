"""Tests of the baseline transformers on segmented traces."""

import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from neurovec.evaluation import (
    Catch22Features,
    MiniRocketFeatures,
    SegmentPCA,
    SummaryFeatures,
)


def counts(n=6, n_seg=5, length=60, seed=0):
    rng = np.random.default_rng(seed)
    rates = np.linspace(0.2, 3.0, n)[:, None, None]
    return rng.poisson(rates, size=(n, n_seg, length)).astype(np.float32)


def with_missing(X):
    """Neuron 0 loses its last segment; neuron 1's last segment is shortened."""
    X = np.array(X, dtype=np.float32, copy=True)
    X[0, -1] = np.nan
    X[1, -1, X.shape[2] // 2 :] = np.nan
    return X


def _aeon_or_skip():
    pytest.importorskip("aeon")


BASELINES = [
    (SummaryFeatures, {}, 18),
    (SegmentPCA, {"n_components": 4, "random_state": 0}, 4),
    (MiniRocketFeatures, {"n_kernels": 84, "random_state": 0}, 84),
    (Catch22Features, {}, 22),
]


@pytest.mark.parametrize("cls, params, n_features", BASELINES)
def test_output_shape_and_nan_robustness(cls, params, n_features):
    if cls in (MiniRocketFeatures, Catch22Features):
        _aeon_or_skip()
    X = with_missing(counts())
    est = cls(**params).fit(X)
    Z = est.transform(X)
    assert Z.shape == (6, n_features)
    assert Z.dtype == np.float32
    assert np.all(np.isfinite(Z))
    assert est.get_feature_names_out().shape == (n_features,)
    # Missing segments are ignored, not averaged in as zeros.
    alone = est.transform(X[:1, :-1])
    assert_allclose(Z[0], alone[0], rtol=1e-5, atol=1e-5)
    # Context channels and a 4-D input are accepted.
    X4 = np.stack([X, np.nan_to_num(X) * 0 + 1.0], axis=-1)
    X4[np.isnan(X)] = np.nan
    assert cls(**params).fit_transform(X4).shape[0] == 6


@pytest.mark.parametrize("cls, params, n_features", BASELINES)
def test_clone_and_fit_checks(cls, params, n_features):
    if cls in (MiniRocketFeatures, Catch22Features):
        _aeon_or_skip()
    est = clone(cls(**params))
    with pytest.raises(NotFittedError):
        est.transform(counts())
    est.fit(counts())
    with pytest.raises(ValueError, match="segment_length"):
        est.transform(counts(length=40))
    with pytest.raises(ValueError, match="channel"):
        est.transform(np.zeros((2, 3, 60, 2), dtype=np.float32))
    with pytest.raises(ValueError, match="Expected X with shape"):
        est.fit(np.zeros(10))


def test_summary_features_track_rate_and_are_deterministic():
    X = counts(n=8)
    est = SummaryFeatures()
    Z = est.fit_transform(X)
    names = list(est.get_feature_names_out())
    rate = Z[:, names.index("event_rate")]
    mean = Z[:, names.index("mean")]
    assert np.all(np.diff(mean) > 0)
    assert np.all(np.diff(rate) > 0)
    assert_allclose(Z, SummaryFeatures().fit_transform(X))


def test_summary_features_autocorrelation_and_spectrum_of_a_sine():
    t = np.arange(64)
    slow = np.sin(2 * np.pi * t / 32.0)
    fast = np.sin(2 * np.pi * t / 4.0)
    X = np.stack([np.tile(slow, (3, 1)), np.tile(fast, (3, 1))])
    est = SummaryFeatures(lags=(2,), n_bands=2).fit(X)
    Z = est.transform(X)
    names = list(est.get_feature_names_out())
    ac = Z[:, names.index("autocorr_lag2")]
    assert ac[0] > 0.8 and ac[1] < -0.8
    low = Z[:, names.index("band_power0")]
    assert low[0] > 0.9 and low[1] < 0.1


def test_summary_features_constant_and_silent_segments_are_finite():
    X = np.zeros((3, 2, 30), dtype=np.float32)
    X[1] = 5.0
    X[2, 0, 10] = 1.0
    Z = SummaryFeatures().fit_transform(X)
    assert np.all(np.isfinite(Z))
    names = list(SummaryFeatures().fit(X).get_feature_names_out())
    assert Z[0, names.index("event_rate")] == 0.0
    assert Z[2, names.index("event_rate")] == pytest.approx(1 / 60)


def test_summary_features_continuous_events():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, 3, 200)).astype(np.float32)
    X[1, :, ::20] += 8.0  # regular large transients
    est = SummaryFeatures().fit(X)
    Z = est.transform(X)
    names = list(est.get_feature_names_out())
    assert Z[1, names.index("event_rate")] == pytest.approx(0.05, abs=0.01)
    assert Z[1, names.index("isi_cv")] < 0.2


def test_summary_features_invalid_params():
    with pytest.raises(ValueError, match="lags"):
        SummaryFeatures(lags=(0, 1)).fit(counts())
    with pytest.raises(ValueError, match="lags"):
        SummaryFeatures(lags=()).fit(counts())
    with pytest.raises(ValueError, match="n_bands"):
        SummaryFeatures(n_bands=0).fit(counts())


def test_ragged_list_input():
    rng = np.random.default_rng(0)
    X = [rng.poisson(1.0, size=(k, 50)) for k in (2, 4, 3)]
    assert SummaryFeatures().fit_transform(X).shape == (3, 18)
    assert SegmentPCA(2, random_state=0).fit_transform(X).shape == (3, 2)


def test_segment_pca_caps_components_and_subsamples():
    X = counts(n=3, n_seg=2, length=10)
    est = SegmentPCA(n_components=50, random_state=0).fit(X)
    assert est.n_features_out_ == 6
    est = SegmentPCA(3, max_fit_segments=4, random_state=0).fit(counts())
    assert est.pca_.n_samples_ == 4
    a = SegmentPCA(3, max_fit_segments=4, random_state=0).fit_transform(counts())
    assert_allclose(a, est.transform(counts()), rtol=1e-5)


def test_segment_pca_standardize_options():
    X = counts()
    seg = SegmentPCA(3, standardize="segment", random_state=0).fit(X)
    assert_allclose(
        np.abs(seg.transform(X)), np.abs(seg.transform(X * 10)), rtol=1e-4, atol=1e-4
    )
    for standardize in ("channel", None):
        est = SegmentPCA(3, standardize=standardize, random_state=0).fit(X)
        assert not np.allclose(est.transform(X), est.transform(X * 10))
    est = SegmentPCA(3, random_state=0).fit(X)
    assert est.channel_mean_ == pytest.approx(np.mean(X), rel=1e-5)
    with pytest.raises(ValueError, match="standardize"):
        SegmentPCA(standardize=True).fit(X)


def test_segment_pca_meanstd_pooling():
    X = with_missing(counts())
    mean = SegmentPCA(3, random_state=0).fit(X)
    both = SegmentPCA(3, pooling="meanstd", random_state=0).fit(X)
    Z = both.transform(X)
    assert Z.shape == (6, 6)
    assert both.get_feature_names_out().shape == (6,)
    assert_allclose(Z[:, :3], mean.transform(X), rtol=1e-5, atol=1e-6)
    proj = both.pca_.transform(both._cases(X[2:3, ..., None])[0])
    assert_allclose(Z[2, 3:], proj.std(axis=0), rtol=1e-4)


def test_minirocket_short_segments_raise():
    _aeon_or_skip()
    with pytest.raises(ValueError, match="at least 9 samples"):
        MiniRocketFeatures(n_kernels=84).fit(np.zeros((2, 2, 8)))


def test_aeon_channels_option():
    _aeon_or_skip()
    X = np.random.default_rng(0).normal(size=(3, 2, 30, 2))
    own = Catch22Features().fit_transform(X)
    both = Catch22Features(channels="all").fit_transform(X)
    assert own.shape == (3, 22)
    assert both.shape[1] > own.shape[1]


def test_missing_aeon_raises_install_hint(monkeypatch):
    monkeypatch.setitem(
        sys.modules, "aeon.transformations.collection.convolution_based", None
    )
    monkeypatch.setitem(
        sys.modules, "aeon.transformations.collection.feature_based", None
    )
    for cls in (MiniRocketFeatures, Catch22Features):
        with pytest.raises(ImportError, match=r"neurovec\[baselines\]"):
            cls().fit(counts())


@pytest.mark.parametrize("cls, params, n_features", BASELINES)
def test_transform_is_row_wise(cls, params, n_features):
    # A neuron's features do not depend on the other neurons of the batch.
    if cls in (MiniRocketFeatures, Catch22Features):
        _aeon_or_skip()
    X = with_missing(counts())
    est = cls(**params).fit(X)
    assert_allclose(est.transform(X[[4, 1]]), est.transform(X)[[4, 1]], rtol=1e-5)


def test_summary_features_data_kind():
    X = counts()
    assert SummaryFeatures().fit(X).counts_
    assert not SummaryFeatures().fit(X + 0.5).counts_
    est = SummaryFeatures(data_kind="continuous").fit(X)
    assert not est.counts_
    names = list(est.get_feature_names_out())
    a = est.transform(X)[:, names.index("event_rate")]
    b = SummaryFeatures().fit(X).transform(X)[:, names.index("event_rate")]
    assert not np.allclose(a, b)
    with pytest.raises(ValueError, match="data_kind"):
        SummaryFeatures(data_kind="spikes").fit(X)
