"""The data contract: one helper that turns accepted input into canonical arrays.

neurovec works on *segmented traces*: a float32 array of shape
``(n_neurons, n_segments, segment_length, n_channels)``. Channel 0 is the neuron's
own signal; further channels are optional context (behaviour, stimulus, population
mean) recorded during the same segment. A missing segment is all-NaN; a segment
shorter than ``segment_length`` is NaN-padded at its end (tslearn's convention).
NaN anywhere else is an error: it would be silently averaged away otherwise.

Every public entry point calls :func:`check_segmented`; errors name the expected
and the received shape.
"""

import numbers

import numpy as np

__all__ = ["check_segmented", "segment_mask", "segment_lengths"]

_EXPECTED = (
    "(n_neurons, n_segments, segment_length) or "
    "(n_neurons, n_segments, segment_length, n_channels)"
)


def _describe(X):
    shape = getattr(X, "shape", None)
    if shape is not None:
        return f"array of shape {tuple(shape)} and dtype {getattr(X, 'dtype', '?')}"
    return f"{type(X).__name__} of length {len(X)}"


def _pad_ragged(X, input_name):
    """NaN-pad a list of per-neuron arrays ``(n_segments_i, L_i[, C])``."""
    items = []
    for i, item in enumerate(X):
        arr = _as_float_array(item, f"{input_name}[{i}]")
        if arr.ndim == 1:
            # One neuron given as a single segment.
            arr = arr[None, :]
        if arr.ndim == 2:
            arr = arr[:, :, None]
        if arr.ndim != 3:
            raise ValueError(
                f"Expected each element of ragged {input_name} to have shape "
                "(n_segments, segment_length) or (n_segments, segment_length, "
                f"n_channels); element {i} has shape {arr.shape}."
            )
        items.append(arr)
    if not items:
        raise ValueError(
            f"Expected {input_name} with shape {_EXPECTED} and at least one "
            "neuron; received an empty list."
        )
    channels = {a.shape[2] for a in items}
    if len(channels) != 1:
        raise ValueError(
            f"Expected every neuron of ragged {input_name} to have the same number "
            f"of channels; received channel counts {sorted(channels)}."
        )
    n_seg = max(a.shape[0] for a in items)
    length = max(a.shape[1] for a in items)
    out = np.full((len(items), n_seg, length, channels.pop()), np.nan, np.float32)
    for i, a in enumerate(items):
        out[i, : a.shape[0], : a.shape[1]] = a
    return out


def _as_float_array(X, input_name):
    try:
        arr = np.asarray(X)
    except ValueError as exc:  # inhomogeneous nested sequences
        raise ValueError(
            f"Could not convert {input_name} to an array ({exc}). Pass a list of "
            "per-neuron arrays for ragged data."
        ) from exc
    if arr.dtype.kind in "OUSV" or arr.dtype.kind == "M":
        raise TypeError(
            f"Expected {input_name} with a numeric dtype; received dtype "
            f"{arr.dtype!s} ({_describe(arr)}). Convert strings or objects to floats "
            "first."
        )
    if arr.dtype.kind == "c":
        raise TypeError(
            f"Expected {input_name} with a real dtype; received complex dtype "
            f"{arr.dtype}."
        )
    return arr.astype(np.float32, copy=False)


def _is_ragged(X):
    if isinstance(X, np.ndarray) or not isinstance(X, (list, tuple)) or not X:
        return False
    first = X[0]
    if isinstance(first, numbers.Number):
        return False
    shapes = {np.shape(x) for x in X}
    return len(shapes) > 1


def segment_mask(X):
    """Boolean mask of valid (not all-NaN) segments.

    Parameters
    ----------
    X : ndarray of shape (n_neurons, n_segments, segment_length, n_channels)
        Canonical segmented traces, as returned by :func:`check_segmented`.

    Returns
    -------
    mask : ndarray of shape (n_neurons, n_segments), dtype bool
        True where the segment holds at least one finite sample of channel 0.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((2, 3, 4, 1), dtype=np.float32)
    >>> X[0, 2] = np.nan
    >>> segment_mask(X).sum(axis=1)
    array([2, 3])
    """
    return ~np.all(np.isnan(X[..., 0]), axis=2)


def segment_lengths(X):
    """Number of valid samples of each segment (0 for a missing segment).

    Parameters
    ----------
    X : ndarray of shape (n_neurons, n_segments, segment_length, n_channels)
        Canonical segmented traces.

    Returns
    -------
    lengths : ndarray of shape (n_neurons, n_segments), dtype int64

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((1, 2, 5, 1), dtype=np.float32)
    >>> X[0, 1, 3:] = np.nan
    >>> segment_lengths(X)
    array([[5, 3]])
    """
    return np.sum(~np.isnan(X[..., 0]), axis=2).astype(np.int64)


def check_segmented(
    X,
    *,
    segment_length=None,
    n_channels=None,
    expected_segment_length=None,
    ensure_min_neurons=1,
    allow_2d=True,
    input_name="X",
):
    """Validate segmented traces and return the canonical float32 4-D array.

    Accepted inputs:

    - ``(n_neurons, n_segments, segment_length)``: one channel;
    - ``(n_neurons, n_segments, segment_length, n_channels)``;
    - ``(n_neurons, n_timepoints)`` when ``allow_2d``: cut into consecutive
      segments of ``segment_length`` samples (the whole row is one segment when
      ``segment_length`` is None); see :func:`neurovec.segment_traces`;
    - a list of per-neuron arrays ``(n_segments_i, L_i[, n_channels])`` of
      different sizes, NaN-padded to the largest.

    Parameters
    ----------
    X : array-like or list of array-like
        Input traces.
    segment_length : int or None, default=None
        Segment length used to cut 2-D input.
    n_channels : int or None, default=None
        If given, the number of channels the data must have (as seen at fit).
    expected_segment_length : int or None, default=None
        If given, the segment length the data must have (as seen at fit).
    ensure_min_neurons : int, default=1
        Minimum number of neurons (rows).
    allow_2d : bool, default=True
        Whether continuous 2-D input is accepted.
    input_name : str, default="X"
        Name used in error messages.

    Returns
    -------
    X : ndarray of shape (n_neurons, n_segments, segment_length, n_channels)
        C-contiguous float32 array; NaN only for missing segments or trailing
        padding.

    Raises
    ------
    ValueError
        Wrong number of dimensions, empty input, too few neurons, a NaN inside a
        segment or an infinite value, a neuron without any valid segment, or a
        segment length / channel count differing from the expected one.
    TypeError
        Non-numeric (object, string) or complex dtype.

    Examples
    --------
    >>> import numpy as np
    >>> from neurovec._validation import check_segmented
    >>> check_segmented(np.zeros((5, 3, 20))).shape
    (5, 3, 20, 1)
    >>> check_segmented(np.zeros((5, 100)), segment_length=25).shape
    (5, 4, 25, 1)
    """
    if X is None:
        raise ValueError(
            f"Expected {input_name} with shape {_EXPECTED}; received None."
        )
    if _is_ragged(X):
        arr = _pad_ragged(X, input_name)
    else:
        arr = _as_float_array(X, input_name)
        if arr.ndim == 2 and allow_2d:
            if arr.size == 0:
                raise ValueError(
                    f"Expected a non-empty {input_name} with shape {_EXPECTED} or "
                    f"(n_neurons, n_timepoints); received {_describe(arr)}."
                )
            from neurovec._segment import segment_traces

            length = arr.shape[1] if segment_length is None else segment_length
            arr = segment_traces(arr, length, validate=False)
        elif arr.ndim == 3:
            arr = arr[..., None]
        elif arr.ndim != 4:
            extra = " or (n_neurons, n_timepoints)" if allow_2d else ""
            raise ValueError(
                f"Expected {input_name} with shape {_EXPECTED}{extra}; received "
                f"{_describe(arr)} ({arr.ndim} dimension(s))."
            )
    if arr.size == 0:
        raise ValueError(
            f"Expected a non-empty {input_name} with shape {_EXPECTED}; received "
            f"{_describe(arr)}."
        )
    n_neurons, n_segments, length, channels = arr.shape
    if n_neurons < ensure_min_neurons:
        raise ValueError(
            f"Expected at least {ensure_min_neurons} neurons (rows) in "
            f"{input_name}; received {_describe(arr)}."
        )
    if expected_segment_length is not None and length != expected_segment_length:
        raise ValueError(
            f"{input_name} has segment_length={length}, but the estimator was fitted "
            f"with segment_length={expected_segment_length} (expected shape "
            f"(n_neurons, n_segments, {expected_segment_length}[, n_channels]); "
            f"received {_describe(arr)})."
        )
    if n_channels is not None and channels != n_channels:
        raise ValueError(
            f"{input_name} has {channels} channel(s), but the estimator was fitted "
            f"with {n_channels} (expected shape (n_neurons, n_segments, "
            f"segment_length, {n_channels}); received {_describe(arr)})."
        )
    if np.isinf(arr).any():
        idx = tuple(int(i) for i in np.argwhere(np.isinf(arr))[0])
        raise ValueError(
            f"{input_name} contains an infinite value (first at index {idx}); only "
            "finite values and NaN padding are allowed."
        )
    nan = np.isnan(arr)
    if nan.any():
        _check_nan_layout(nan, input_name)
    mask = segment_mask(arr)
    empty = np.flatnonzero(~mask.any(axis=1))
    if empty.size:
        raise ValueError(
            f"{input_name} has {empty.size} neuron(s) without any valid segment "
            f"(rows {empty[:10].tolist()}{'...' if empty.size > 10 else ''}); every "
            "neuron needs at least one segment with finite values. Drop those rows."
        )
    return np.ascontiguousarray(arr, dtype=np.float32)


def _check_nan_layout(nan, input_name):
    """NaN may only pad a segment's end, identically in every channel."""
    own = nan[..., 0]
    # Trailing padding: once NaN, NaN until the end of the segment.
    trailing = np.flip(np.cumprod(np.flip(own, axis=2), axis=2), axis=2).astype(bool)
    bad = own & ~trailing
    if bad.any():
        n, s, t = (int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{input_name} contains NaN inside a segment (neuron {n}, segment {s}, "
            f"sample {t}, followed by finite values). NaN is reserved for missing "
            "segments and trailing padding; interpolate or drop gaps first."
        )
    if nan.shape[-1] > 1:
        ctx = nan[..., 1:] & ~own[..., None]
        if ctx.any():
            n, s, t, c = (int(i) for i in np.argwhere(ctx)[0])
            raise ValueError(
                f"{input_name} has NaN in context channel {c + 1} where channel 0 is "
                f"valid (neuron {n}, segment {s}, sample {t}); fill context gaps "
                "(e.g. interpolate) before fitting."
            )
