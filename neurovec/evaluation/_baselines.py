"""Non-deep baselines: one feature vector per neuron from its segmented traces.

Each baseline is a scikit-learn transformer on neurovec's data contract
``(n_neurons, n_segments, segment_length[, n_channels])`` (validated by
:func:`neurovec._validation.check_segmented`) returning ``(n_neurons,
n_features)``. Features are computed per valid segment and averaged over the
valid segments of each neuron, exactly as :class:`neurovec.NeuronVICRegEmbedder`
averages its segment embeddings, so that probes compare representations and not
pooling schemes.

- :class:`SummaryFeatures` — hand-made statistics (moments, event/ISI
  statistics, autocorrelation, Welch band powers), vectorised numpy.
- :class:`SegmentPCA` — PCA of standardised raw segments.
- :class:`MiniRocketFeatures`, :class:`Catch22Features` — aeon's MiniRocket and
  Catch22 (optional dependency, ``pip install "neurovec[baselines]"``).
"""

import numbers

import numpy as np
from scipy import signal
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.decomposition import PCA
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from neurovec._segment import to_aeon
from neurovec._validation import check_segmented, segment_lengths, segment_mask

__all__ = ["SummaryFeatures", "SegmentPCA", "MiniRocketFeatures", "Catch22Features"]

_AEON_HINT = (
    'requires the optional dependency aeon; install it with pip install "neurovec['
    'baselines]" (or pip install aeon).'
)


def _import_aeon(name):
    try:
        if name == "MiniRocket":
            from aeon.transformations.collection.convolution_based import MiniRocket

            return MiniRocket
        from aeon.transformations.collection.feature_based import Catch22

        return Catch22
    except ImportError as exc:
        raise ImportError(f"{name}Features {_AEON_HINT}") from exc


def _average_per_neuron(values, neuron_index, n_neurons):
    """Mean of per-segment rows ``values`` over the segments of each neuron."""
    out = np.zeros((n_neurons, values.shape[1]), dtype=np.float64)
    np.add.at(out, neuron_index, values)
    counts = np.bincount(neuron_index, minlength=n_neurons)
    return out / np.maximum(counts, 1)[:, None]


class _SegmentedTransformerMixin:
    """Shared input checks for transformers fitted on segmented traces."""

    def _check_fit_X(self, X):
        X = check_segmented(X)
        self.n_channels_in_ = X.shape[3]
        self.segment_length_ = X.shape[2]
        return X

    def _check_transform_X(self, X):
        check_is_fitted(self)
        return check_segmented(
            X,
            n_channels=self.n_channels_in_,
            expected_segment_length=self.segment_length_,
        )

    def get_feature_names_out(self, input_features=None):
        """Names of the output features.

        Parameters
        ----------
        input_features : None
            Ignored; present for API consistency.

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self)
        prefix = type(self).__name__.lower()
        return np.asarray(
            [f"{prefix}{i}" for i in range(self.n_features_out_)], dtype=object
        )


class SummaryFeatures(_SegmentedTransformerMixin, TransformerMixin, BaseEstimator):
    """Hand-made per-neuron statistics of channel 0, averaged over segments.

    For every valid segment of channel 0 (NaN padding excluded) the transformer
    computes:

    - moments: mean (the rate for binned spike counts), standard deviation,
      skewness, excess kurtosis;
    - event statistics: events are non-zero bins for count data and upward
      crossings of ``mean + event_threshold * std`` for continuous data (see
      ``data_kind``); features are the event rate, the coefficient of variation
      of inter-event intervals, the fraction of intervals of at most
      ``burst_interval`` samples (burstiness) and the mean count per event bin;
    - autocorrelation at each of ``lags``;
    - Welch power in ``n_bands`` log-spaced frequency bands (relative to the
      total) and the log total power.

    Features undefined for a segment (e.g. interval statistics with fewer than
    two events) are ignored in the average over segments, and set to 0 when
    undefined in every segment of a neuron.

    Parameters
    ----------
    lags : tuple of int, default=(1, 2, 4, 8, 16)
        Autocorrelation lags in samples; lags not shorter than a segment give 0.
    n_bands : int, default=4
        Number of log-spaced spectral bands between the lowest resolvable
        frequency and Nyquist.
    event_threshold : float, default=2.0
        Threshold in standard deviations above the segment mean defining an
        event in continuous data (calcium, voltage).
    burst_interval : int, default=2
        Inter-event interval (samples) at or below which two events count as
        part of a burst.
    data_kind : {"auto", "counts", "continuous"}, default="auto"
        How events are defined; ``"auto"`` decides at fit: counts when every
        value of channel 0 is a non-negative integer (binned spikes).

    Attributes
    ----------
    n_channels_in_ : int
        Channels seen at fit (only channel 0 is used).
    segment_length_ : int
        Segment length seen at fit.
    n_features_out_ : int
        Number of output features.
    counts_ : bool
        Whether the data are treated as spike counts.
    feature_names_ : list of str
        Name of each output feature.

    See Also
    --------
    SegmentPCA, MiniRocketFeatures, Catch22Features

    Examples
    --------
    >>> import numpy as np
    >>> from neurovec.evaluation import SummaryFeatures
    >>> X = np.random.default_rng(0).poisson(1.0, size=(6, 4, 50))
    >>> SummaryFeatures().fit_transform(X).shape
    (6, 18)
    """

    _parameter_constraints = {
        "lags": ["array-like"],
        "n_bands": [Interval(numbers.Integral, 1, None, closed="left")],
        "event_threshold": [Interval(numbers.Real, 0, None, closed="neither")],
        "burst_interval": [Interval(numbers.Integral, 1, None, closed="left")],
        "data_kind": [StrOptions({"auto", "counts", "continuous"})],
    }

    def __init__(
        self,
        *,
        lags=(1, 2, 4, 8, 16),
        n_bands=4,
        event_threshold=2.0,
        burst_interval=2,
        data_kind="auto",
    ):
        self.lags = lags
        self.n_bands = n_bands
        self.event_threshold = event_threshold
        self.burst_interval = burst_interval
        self.data_kind = data_kind

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the input; the features have no learned state.

        Parameters
        ----------
        X : array-like of shape (n_neurons, n_segments, segment_length[, n_channels])
            Segmented traces.
        y : None
            Ignored.

        Returns
        -------
        self : SummaryFeatures
        """
        X = self._check_fit_X(X)
        lags = np.asarray(self.lags)
        if lags.ndim != 1 or lags.size == 0 or lags.dtype.kind not in "iu":
            raise ValueError(
                "lags must be a non-empty 1-D sequence of positive integers; "
                f"received {self.lags!r}."
            )
        if np.any(lags < 1):
            raise ValueError(f"lags must be positive integers; received {self.lags!r}.")
        if self.data_kind == "auto":
            own = X[..., 0]
            own = own[~np.isnan(own)]
            self.counts_ = bool(np.all(own >= 0) and np.all(own == np.round(own)))
        else:
            self.counts_ = self.data_kind == "counts"
        self.feature_names_ = (
            ["mean", "std", "skew", "kurtosis"]
            + ["event_rate", "isi_cv", "burst_fraction", "count_per_event"]
            + [f"autocorr_lag{int(k)}" for k in lags]
            + [f"band_power{b}" for b in range(self.n_bands)]
            + ["log_power"]
        )
        self.n_features_out_ = len(self.feature_names_)
        return self

    def transform(self, X):
        """Compute the features of every neuron.

        Parameters
        ----------
        X : array-like of shape (n_neurons, n_segments, segment_length[, n_channels])
            Segmented traces.

        Returns
        -------
        features : ndarray of shape (n_neurons, n_features_out_), float32
        """
        X = self._check_transform_X(X)
        mask = segment_mask(X)
        neuron_index, seg_index = np.nonzero(mask)
        x = X[neuron_index, seg_index, :, 0].astype(np.float64)  # (n_seg, L)
        lengths = segment_lengths(X)[neuron_index, seg_index]
        feats = np.concatenate(
            [
                self._moments(x),
                self._events(x),
                self._autocorr(x),
                self._bands(x, lengths),
            ],
            axis=1,
        )
        # Undefined features are skipped in the mean over a neuron's segments.
        valid = np.isfinite(feats)
        total = np.zeros((X.shape[0], feats.shape[1]))
        count = np.zeros_like(total)
        np.add.at(total, neuron_index, np.where(valid, feats, 0.0))
        np.add.at(count, neuron_index, valid)
        out = np.divide(total, count, out=np.zeros_like(total), where=count > 0)
        return out.astype(np.float32)

    def get_feature_names_out(self, input_features=None):
        """Names of the output features.

        Parameters
        ----------
        input_features : None
            Ignored; present for API consistency.

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self)
        return np.asarray(self.feature_names_, dtype=object)

    @staticmethod
    def _moments(x):
        mean = np.nanmean(x, axis=1)
        c = x - mean[:, None]
        var = np.nanmean(c**2, axis=1)
        std = np.sqrt(var)
        with np.errstate(invalid="ignore", divide="ignore"):
            skew = np.nanmean(c**3, axis=1) / var**1.5
            kurt = np.nanmean(c**4, axis=1) / var**2 - 3.0
        # A constant segment has no shape: report a symmetric, normal-like one.
        flat = var <= 1e-12 * np.maximum(1.0, mean**2)
        skew[flat] = 0.0
        kurt[flat] = 0.0
        return np.stack([mean, std, skew, kurt], axis=1)

    def _events(self, x):
        finite = np.isfinite(x)
        n_valid = finite.sum(axis=1)
        xf = np.where(finite, x, 0.0)
        is_count = self.counts_
        if is_count:
            events = xf > 0
        else:
            mean = np.nanmean(x, axis=1, keepdims=True)
            std = np.nanstd(x, axis=1, keepdims=True)
            above = finite & (xf > mean + self.event_threshold * std) & (std > 0)
            # Upward crossings: above now, not above one sample before.
            events = above & ~np.pad(above, ((0, 0), (1, 0)))[:, :-1]
        n_events = events.sum(axis=1)
        rate = n_events / n_valid
        # Previous event position for every sample, by a running maximum.
        t = np.arange(x.shape[1])
        last = np.maximum.accumulate(np.where(events, t, -1), axis=1)
        prev = np.pad(last, ((0, 0), (1, 0)), constant_values=-1)[:, :-1]
        has_isi = events & (prev >= 0)
        isi = np.where(has_isi, t - prev, 0).astype(np.float64)
        n_isi = has_isi.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            isi_mean = isi.sum(axis=1) / n_isi
            isi_var = (has_isi * (isi - isi_mean[:, None]) ** 2).sum(axis=1) / n_isi
            isi_cv = np.sqrt(isi_var) / isi_mean
            burst = (has_isi & (isi <= self.burst_interval)).sum(axis=1) / n_isi
            per_event = (xf * events).sum(axis=1) / n_events
        if not is_count:
            per_event = np.where(n_events > 0, 1.0, np.nan)
        # Interval statistics need two intervals to be meaningful.
        isi_cv[n_isi < 2] = np.nan
        burst[n_isi < 1] = np.nan
        return np.stack([rate, isi_cv, burst, per_event], axis=1)

    def _autocorr(self, x):
        finite = np.isfinite(x)
        c = np.where(finite, x - np.nanmean(x, axis=1, keepdims=True), 0.0)
        denom = (c**2).sum(axis=1)
        out = []
        for k in np.asarray(self.lags, dtype=int):
            if k >= x.shape[1]:
                out.append(np.zeros(x.shape[0]))
                continue
            num = (c[:, k:] * c[:, :-k]).sum(axis=1)
            out.append(np.divide(num, denom, out=np.zeros_like(num), where=denom > 0))
        return np.stack(out, axis=1)

    def _bands(self, x, lengths):
        length = x.shape[1]
        c = np.where(np.isfinite(x), x - np.nanmean(x, axis=1, keepdims=True), 0.0)
        nperseg = min(length, 64)
        freqs, power = signal.welch(c, nperseg=nperseg, axis=1)
        # Zero padding dilutes the power of a short segment; rescale to its length.
        power = power * (length / np.maximum(lengths, 1))[:, None]
        edges = np.geomspace(max(freqs[1], 1e-6), 0.5, self.n_bands + 1)
        edges[0] = 0.0
        bands = []
        for lo, hi in zip(edges[:-1], edges[1:]):
            sel = (freqs > lo) & (freqs <= hi)
            bands.append(power[:, sel].sum(axis=1))
        bands = np.stack(bands, axis=1)
        total = bands.sum(axis=1, keepdims=True)
        rel = np.divide(bands, total, out=np.zeros_like(bands), where=total > 0)
        return np.concatenate([rel, np.log10(total + 1e-12)], axis=1)


def _standardise_segments(cases):
    """z-score every (row, channel) of an aeon-layout array."""
    mean = cases.mean(axis=-1, keepdims=True)
    std = cases.std(axis=-1, keepdims=True)
    return (cases - mean) / np.where(std > 0, std, 1.0)


class SegmentPCA(_SegmentedTransformerMixin, TransformerMixin, BaseEstimator):
    """PCA of raw segments, averaged per neuron.

    Every valid segment (all channels, trailing padding filled with 0) is
    optionally z-scored per channel, flattened, and projected on the principal
    components learned at fit; a neuron's features are the mean projection of its
    valid segments (and optionally their spread, see ``pooling``).

    Parameters
    ----------
    n_components : int, default=10
        Number of principal components (capped by the number of fitted segments
        and their dimension).
    standardize : {"channel", "segment"} or None, default="channel"
        ``"channel"``: z-score each channel with its mean and standard deviation
        over the fitted segments (keeps the rate and amplitude of a neuron
        visible); ``"segment"``: z-score each segment and channel, so that
        components describe only the shape of the activity; None: raw values.
    max_fit_segments : int or None, default=20000
        Fit the PCA on at most this many randomly chosen segments (speed).
    pooling : {"mean", "meanstd"}, default="mean"
        ``"mean"``: average projection of a neuron's segments; ``"meanstd"``:
        also their standard deviation over segments (energy along each
        component, insensitive to where in the segment activity falls), which
        doubles the number of features.
    random_state : int, RandomState instance or None, default=None
        Seeds the segment subsample and PCA's randomised solver.

    Attributes
    ----------
    pca_ : sklearn.decomposition.PCA
        The fitted PCA.
    channel_mean_, channel_std_ : ndarray of shape (n_channels,)
        Channel statistics of the fitted segments (used by
        ``standardize="channel"``).
    n_features_out_ : int
        Number of output features.
    n_channels_in_ : int
        Channels seen at fit.
    segment_length_ : int
        Segment length seen at fit.

    Examples
    --------
    >>> import numpy as np
    >>> from neurovec.evaluation import SegmentPCA
    >>> X = np.random.default_rng(0).normal(size=(8, 5, 30))
    >>> SegmentPCA(n_components=3, random_state=0).fit_transform(X).shape
    (8, 3)
    """

    _parameter_constraints = {
        "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
        "standardize": [StrOptions({"channel", "segment"}), None],
        "max_fit_segments": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "pooling": [StrOptions({"mean", "meanstd"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_components=10,
        *,
        standardize="channel",
        max_fit_segments=20000,
        pooling="mean",
        random_state=None,
    ):
        self.n_components = n_components
        self.standardize = standardize
        self.max_fit_segments = max_fit_segments
        self.pooling = pooling
        self.random_state = random_state

    def _cases(self, X):
        cases, neuron_index = to_aeon(X)
        if self.standardize == "segment":
            cases = _standardise_segments(cases)
        elif self.standardize == "channel":
            cases = (cases - self.channel_mean_[:, None]) / self.channel_std_[:, None]
        return cases.reshape(len(cases), -1), neuron_index

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn principal components of the segments.

        Parameters
        ----------
        X : array-like of shape (n_neurons, n_segments, segment_length[, n_channels])
            Segmented traces.
        y : None
            Ignored.

        Returns
        -------
        self : SegmentPCA
        """
        X = self._check_fit_X(X)
        rng = check_random_state(self.random_state)
        valid = X[segment_mask(X)]  # (n_valid, length, n_channels)
        self.channel_mean_ = np.nanmean(valid, axis=(0, 1)).astype(np.float64)
        std = np.nanstd(valid, axis=(0, 1)).astype(np.float64)
        self.channel_std_ = np.where(std > 0, std, 1.0)
        cases, _ = self._cases(X)
        if self.max_fit_segments is not None and len(cases) > self.max_fit_segments:
            rows = rng.choice(len(cases), self.max_fit_segments, replace=False)
            cases = cases[np.sort(rows)]
        n_components = min(self.n_components, cases.shape[0], cases.shape[1])
        self.pca_ = PCA(n_components=n_components, random_state=rng).fit(cases)
        self.n_features_out_ = n_components * (2 if self.pooling == "meanstd" else 1)
        return self

    def transform(self, X):
        """Mean projection of each neuron's valid segments.

        Parameters
        ----------
        X : array-like of shape (n_neurons, n_segments, segment_length[, n_channels])
            Segmented traces.

        Returns
        -------
        features : ndarray of shape (n_neurons, n_features_out_), float32
        """
        X = self._check_transform_X(X)
        cases, neuron_index = self._cases(X)
        proj = self.pca_.transform(cases)
        mean = _average_per_neuron(proj, neuron_index, X.shape[0])
        if self.pooling == "meanstd":
            sq = _average_per_neuron(proj**2, neuron_index, X.shape[0])
            std = np.sqrt(np.maximum(sq - mean**2, 0.0))
            mean = np.concatenate([mean, std], axis=1)
        return mean.astype(np.float32)


class _AeonFeatures(_SegmentedTransformerMixin, TransformerMixin, BaseEstimator):
    """Wrap an aeon collection transformer on valid segments, averaged per neuron."""

    _aeon_name = None

    def _make_aeon(self):  # pragma: no cover - every subclass defines it
        raise TypeError(f"{type(self).__name__} must define _make_aeon().")

    def _cases(self, X):
        cases, neuron_index = to_aeon(X)
        if self.channels == "own":
            cases = cases[:, :1]
        return np.ascontiguousarray(cases, dtype=np.float64), neuron_index

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the aeon transformer on the valid segments.

        Parameters
        ----------
        X : array-like of shape (n_neurons, n_segments, segment_length[, n_channels])
            Segmented traces.
        y : None
            Ignored.

        Returns
        -------
        self
        """
        _import_aeon(self._aeon_name)
        X = self._check_fit_X(X)
        cases, _ = self._cases(X)
        self.transformer_ = self._make_aeon().fit(cases)
        self.n_features_out_ = int(self.transformer_.transform(cases[:1]).shape[1])
        return self

    def transform(self, X):
        """Mean aeon features of each neuron's valid segments.

        Parameters
        ----------
        X : array-like of shape (n_neurons, n_segments, segment_length[, n_channels])
            Segmented traces.

        Returns
        -------
        features : ndarray of shape (n_neurons, n_features_out_), float32
        """
        X = self._check_transform_X(X)
        cases, neuron_index = self._cases(X)
        feats = np.asarray(self.transformer_.transform(cases), dtype=np.float64)
        # Catch22 returns NaN for degenerate (e.g. constant) segments.
        feats = np.nan_to_num(feats, nan=0.0, posinf=0.0, neginf=0.0)
        return _average_per_neuron(feats, neuron_index, X.shape[0]).astype(np.float32)


class MiniRocketFeatures(_AeonFeatures):
    """aeon's MiniRocket features of each segment, averaged per neuron.

    Requires aeon (``pip install "neurovec[baselines]"``). Trailing NaN padding
    is filled with 0 before the transform; segments must have at least 9 samples.

    Parameters
    ----------
    n_kernels : int, default=10000
        Number of MiniRocket features (rounded down to a multiple of 84 by aeon).
    channels : {"own", "all"}, default="own"
        Use only channel 0 (the neuron's own signal) or every channel.
    n_jobs : int, default=1
        Threads used by aeon.
    random_state : int or None, default=None
        Seed of MiniRocket's random biases.

    Attributes
    ----------
    transformer_ : aeon MiniRocket
        The fitted aeon transformer.
    n_features_out_ : int
        Number of output features.

    Examples
    --------
    >>> import numpy as np
    >>> from neurovec.evaluation import MiniRocketFeatures
    >>> X = np.random.default_rng(0).normal(size=(4, 3, 40))
    >>> MiniRocketFeatures(n_kernels=84, random_state=0).fit_transform(X).shape
    (4, 84)
    """

    _aeon_name = "MiniRocket"
    _parameter_constraints = {
        "n_kernels": [Interval(numbers.Integral, 84, None, closed="left")],
        "channels": [StrOptions({"own", "all"})],
        "n_jobs": [numbers.Integral],
        "random_state": [numbers.Integral, None],
    }

    def __init__(self, n_kernels=10000, *, channels="own", n_jobs=1, random_state=None):
        self.n_kernels = n_kernels
        self.channels = channels
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _check_fit_X(self, X):
        X = super()._check_fit_X(X)
        if X.shape[2] < 9:
            raise ValueError(
                "MiniRocketFeatures needs segments of at least 9 samples; received "
                f"segment_length={X.shape[2]}."
            )
        return X

    def _make_aeon(self):
        cls = _import_aeon("MiniRocket")
        return cls(
            n_kernels=self.n_kernels, n_jobs=self.n_jobs, random_state=self.random_state
        )


class Catch22Features(_AeonFeatures):
    """aeon's Catch22 features of each segment, averaged per neuron.

    Requires aeon (``pip install "neurovec[baselines]"``). Trailing NaN padding
    is filled with 0 before the transform; features that are undefined for a
    segment (NaN) count as 0.

    Parameters
    ----------
    catch24 : bool, default=False
        Add the mean and standard deviation (Catch24).
    channels : {"own", "all"}, default="own"
        Use only channel 0 (the neuron's own signal) or every channel (features
        concatenated over channels).
    n_jobs : int, default=1
        Threads used by aeon.

    Attributes
    ----------
    transformer_ : aeon Catch22
        The fitted aeon transformer.
    n_features_out_ : int
        Number of output features.

    Examples
    --------
    >>> import numpy as np
    >>> from neurovec.evaluation import Catch22Features
    >>> X = np.random.default_rng(0).normal(size=(3, 2, 40))
    >>> Catch22Features().fit_transform(X).shape
    (3, 22)
    """

    _aeon_name = "Catch22"
    _parameter_constraints = {
        "catch24": ["boolean"],
        "channels": [StrOptions({"own", "all"})],
        "n_jobs": [numbers.Integral],
    }

    def __init__(self, *, catch24=False, channels="own", n_jobs=1):
        self.catch24 = catch24
        self.channels = channels
        self.n_jobs = n_jobs

    def _make_aeon(self):
        cls = _import_aeon("Catch22")
        return cls(catch24=self.catch24, replace_nans=True, n_jobs=self.n_jobs)
