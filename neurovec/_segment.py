"""Turning continuous recordings into segmented traces, and named layout converters.

A continuous recording ``(n_neurons, n_timepoints[, n_channels])`` is cut into
windows of ``segment_length`` samples every ``stride`` samples; the result follows
neurovec's data contract ``(n_neurons, n_segments, segment_length, n_channels)``.
Other libraries' layouts are converted by explicit helpers, never guessed:
tslearn's ``(n_ts, sz, d)`` by :func:`from_tslearn` and aeon's
``(n_cases, n_channels, n_timepoints)`` by :func:`from_aeon`.
:func:`add_population_context` appends, as a context channel, what the other
neurons recorded at the same time were doing.
"""

import numbers
import warnings

import numpy as np

__all__ = ["segment_traces", "from_tslearn", "from_aeon", "add_population_context"]


def segment_traces(
    traces, segment_length, stride=None, *, keep_incomplete=False, validate=True
):
    """Cut continuous traces into (possibly overlapping) segments.

    Parameters
    ----------
    traces : array-like of shape (n_neurons, n_timepoints) or \
            (n_neurons, n_timepoints, n_channels)
        Continuous recordings, one row per neuron; channel 0 is the neuron's own
        signal, further channels are context. tslearn's ``(n_ts, sz, d)`` layout
        is the same as the 3-D form. Recordings of different durations may be
        NaN-padded at their end: segments lying entirely in the padding become
        missing (all-NaN) segments.
    segment_length : int
        Samples per segment.
    stride : int or None, default=None
        Step between segment starts; ``None`` means ``segment_length``
        (non-overlapping segments).
    keep_incomplete : bool, default=False
        Keep a last, shorter segment (NaN-padded) when the recording does not
        divide into whole segments. By default the remainder is dropped.
    validate : bool, default=True
        Check the result against the data contract
        (:func:`neurovec._validation.check_segmented`).

    Returns
    -------
    X : ndarray of shape (n_neurons, n_segments, segment_length, n_channels)
        float32 segmented traces.

    Raises
    ------
    ValueError
        If ``traces`` is not 2-D or 3-D, or ``segment_length``/``stride`` are not
        positive integers, or the recording is shorter than one segment.

    See Also
    --------
    from_tslearn, from_aeon

    Examples
    --------
    >>> import numpy as np
    >>> from neurovec import segment_traces
    >>> traces = np.random.default_rng(0).normal(size=(10, 1000))
    >>> segment_traces(traces, 100).shape
    (10, 10, 100, 1)
    >>> segment_traces(traces, 200, stride=100).shape
    (10, 9, 200, 1)
    """
    from neurovec._validation import _as_float_array, check_segmented

    arr = _as_float_array(traces, "traces")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3 or arr.size == 0:
        raise ValueError(
            "Expected non-empty traces of shape (n_neurons, n_timepoints) or "
            f"(n_neurons, n_timepoints, n_channels); received shape {arr.shape}."
        )
    for name, value in (("segment_length", segment_length), ("stride", stride)):
        if value is None and name == "stride":
            continue
        if (
            not isinstance(value, numbers.Integral)
            or isinstance(value, bool)
            or value < 1
        ):
            raise ValueError(f"{name} must be a positive integer; received {value!r}.")
    segment_length = int(segment_length)
    stride = segment_length if stride is None else int(stride)
    n_neurons, n_time, n_channels = arr.shape
    if n_time < segment_length and not keep_incomplete:
        raise ValueError(
            f"traces have {n_time} time points, fewer than segment_length="
            f"{segment_length}; use a shorter segment_length or keep_incomplete=True."
        )
    starts = list(range(0, max(n_time - segment_length, 0) + 1, stride))
    if keep_incomplete:
        last = starts[-1] + stride if starts else 0
        starts += list(range(last, n_time, stride))
    out = np.full(
        (n_neurons, len(starts), segment_length, n_channels), np.nan, np.float32
    )
    for j, s in enumerate(starts):
        chunk = arr[:, s : s + segment_length]
        out[:, j, : chunk.shape[1]] = chunk
    if validate:
        out = check_segmented(out, input_name="segmented traces")
    return out


def from_tslearn(X):
    """Convert a tslearn dataset ``(n_ts, sz, d)`` to segmented traces.

    Each time series is taken as one neuron recorded in one segment; tslearn's
    NaN padding of shorter series is kept as trailing padding. Use
    :func:`segment_traces` instead to cut long series into several segments.

    Parameters
    ----------
    X : array-like of shape (n_ts, sz, d) or (n_ts, sz)
        tslearn time-series dataset (``tslearn.utils.to_time_series_dataset``).

    Returns
    -------
    X : ndarray of shape (n_ts, 1, sz, d)

    Examples
    --------
    >>> import numpy as np
    >>> from neurovec import from_tslearn
    >>> from_tslearn(np.zeros((4, 50, 2))).shape
    (4, 1, 50, 2)
    """
    from neurovec._validation import _as_float_array, check_segmented

    arr = _as_float_array(X, "X")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise ValueError(
            "Expected a tslearn dataset of shape (n_ts, sz, d); received shape "
            f"{arr.shape}."
        )
    return check_segmented(arr[:, None], input_name="X")


def from_aeon(X):
    """Convert an aeon collection ``(n_cases, n_channels, n_timepoints)``.

    Each case is taken as one neuron recorded in one segment, its channels
    becoming neurovec channels (channel 0 the neuron, the rest context).

    Parameters
    ----------
    X : array-like of shape (n_cases, n_channels, n_timepoints)
        aeon 3-D numpy collection.

    Returns
    -------
    X : ndarray of shape (n_cases, 1, n_timepoints, n_channels)

    Examples
    --------
    >>> import numpy as np
    >>> from neurovec import from_aeon
    >>> from_aeon(np.zeros((4, 2, 50))).shape
    (4, 1, 50, 2)
    """
    from neurovec._validation import _as_float_array, check_segmented

    arr = _as_float_array(X, "X")
    if arr.ndim != 3:
        raise ValueError(
            "Expected an aeon collection of shape (n_cases, n_channels, "
            f"n_timepoints); received shape {arr.shape}."
        )
    return check_segmented(np.transpose(arr, (0, 2, 1))[:, None], input_name="X")


def to_aeon(X):
    """Canonical segmented traces → aeon ``(n_neurons * n_segments, C, L)``.

    Missing segments are dropped; the returned index gives each row's neuron.

    Parameters
    ----------
    X : ndarray of shape (n_neurons, n_segments, segment_length, n_channels)

    Returns
    -------
    cases : ndarray of shape (n_valid_segments, n_channels, segment_length)
        Trailing NaN padding is replaced by zeros.
    neuron_index : ndarray of shape (n_valid_segments,)

    Examples
    --------
    >>> import numpy as np
    >>> from neurovec._segment import to_aeon
    >>> cases, idx = to_aeon(np.zeros((3, 2, 10, 1), dtype=np.float32))
    >>> cases.shape, idx.tolist()
    ((6, 1, 10), [0, 0, 1, 1, 2, 2])
    """
    from neurovec._validation import segment_mask

    mask = segment_mask(X)
    neuron_index, seg_index = np.nonzero(mask)
    cases = np.nan_to_num(X[neuron_index, seg_index], nan=0.0)
    return np.ascontiguousarray(np.transpose(cases, (0, 2, 1))), neuron_index


def add_population_context(X, groups, *, standardize=True):
    """Append the population mean of each neuron's recording as a context channel.

    For neuron ``i`` of recording ``g`` (an animal, a session), the new channel
    holds, at every sample of every segment, the mean of channel 0 over the
    *other* neurons of ``g`` (leave-one-out, so that the neuron's own signal
    does not enter its context). Segment ``s`` of every neuron of a recording
    must cover the same time window (simultaneously recorded neurons, segmented
    alike). Nothing is fitted and no label is used: the context of a neuron of
    an unseen animal comes from that animal's own unlabelled traces, so the
    channel can be built once for all animals before cross-validation.

    How a neuron moves with its population removes what a whole animal shares
    (its input drive, its noise level, its gain); use it with
    ``NeuronVICRegEmbedder(encoder="context")``, which lets the context reach the
    embedding only through its correlation with the neuron's own activity.

    Parameters
    ----------
    X : array-like of shape (n_neurons, n_segments, segment_length[, n_channels])
        Segmented traces (any form accepted by
        :func:`neurovec._validation.check_segmented`); channel 0 is the neuron.
    groups : array-like of shape (n_neurons,)
        Recording (animal, session) of each neuron.
    standardize : bool, default=True
        z-score the context over time within each segment (a constant segment
        becomes 0), so that only its time course is kept, not the recording's
        overall rate or gain.

    Returns
    -------
    X_context : ndarray of shape (n_neurons, n_segments, segment_length, \
            n_channels + 1)
        float32; the input channels followed by the population channel. Samples
        where the neuron itself is padding or missing stay NaN; samples where no
        other neuron of the recording has data are 0.

    Raises
    ------
    ValueError
        If ``groups`` does not have one entry per neuron.

    Examples
    --------
    >>> import numpy as np
    >>> from neurovec import add_population_context
    >>> X = np.random.default_rng(0).normal(size=(6, 4, 50))
    >>> groups = [0, 0, 0, 1, 1, 1]
    >>> add_population_context(X, groups).shape
    (6, 4, 50, 2)
    >>> raw = add_population_context(X, groups, standardize=False)
    >>> bool(np.allclose(raw[0, ..., 1], X[1:3].mean(axis=0)))
    True
    """
    from neurovec._validation import check_segmented

    X = check_segmented(X)
    groups = np.asarray(groups)
    if groups.ndim != 1 or groups.shape[0] != X.shape[0]:
        raise ValueError(
            f"Expected groups of shape ({X.shape[0]},), one recording per neuron; "
            f"received shape {groups.shape}."
        )
    own = X[..., 0]  # (n, n_segments, L)
    present = ~np.isnan(own)
    context = _leave_one_out_mean(own, groups)
    if standardize:
        ctx = np.where(present, context, np.nan)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN segments
            mean = np.nanmean(ctx, axis=2, keepdims=True)
            std = np.nanstd(ctx, axis=2, keepdims=True)
        std = np.where(std > 1e-12, std, np.inf)
        context = np.nan_to_num((context - mean) / std, nan=0.0)
    context = np.where(present, context, np.nan).astype(np.float32)
    return np.concatenate([X, context[..., None]], axis=3)


def _leave_one_out_mean(values, groups):
    """Per row, the mean of the *other* rows of the same group, ignoring NaN.

    ``values`` has rows on axis 0 (neurons) and any trailing shape; a sample
    where no other row of the group has data is 0. Returns float64.
    """
    values = np.asarray(values, dtype=np.float64)
    present = ~np.isnan(values)
    filled = np.where(present, values, 0.0)
    out = np.zeros_like(filled)
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        total = filled[idx].sum(axis=0) - filled[idx]
        count = present[idx].sum(axis=0) - present[idx]
        out[idx] = total / np.maximum(count, 1)
    return out
