"""Helpers shared by the real-recording loaders.

Every loader returns the same :class:`sklearn.utils.Bunch`: segmented traces ``X``
following neurovec's data contract, one label per neuron (``y`` as strings,
``target`` as integer codes into ``target_names``, ``-1`` for unlabelled rows),
``groups`` (the animal of each neuron), per-neuron metadata and a ``DESCR`` with
the citation of the data.
"""

import numbers
import warnings

import numpy as np

from neurovec._segment import segment_traces
from neurovec._validation import check_segmented, segment_mask

__all__ = []


def _check_positive_int(name, value):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer; received {value!r}.")
    return int(value)


def _check_positive_float(name, value):
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not np.isfinite(value)
        or value <= 0
    ):
        raise ValueError(f"{name} must be a positive number; received {value!r}.")
    return float(value)


def _check_option(name, value, options):
    if not isinstance(value, str) or value not in options:
        raise ValueError(
            f"{name} must be one of {sorted(options)}; received {value!r}."
        )
    return value


def _zscore(x, axis=-1):
    """Standardise along ``axis``, ignoring NaN; constant rows become 0."""
    x = np.asarray(x, dtype=np.float64)
    mean = np.nanmean(x, axis=axis, keepdims=True)
    std = np.nanstd(x, axis=axis, keepdims=True)
    std = np.where(std > 0, std, 1.0)
    return ((x - mean) / std).astype(np.float32)


def _segment_with_gaps(traces, segment_length, stride):
    """Cut ``(n, T, C)`` traces; a segment with any NaN becomes a missing one.

    The data contract allows NaN only for missing segments and trailing
    padding, so a window that overlaps a gap in the recording is dropped as a
    whole (set to all-NaN) instead of being interpolated.
    """
    X = segment_traces(traces, segment_length, stride, validate=False)
    bad = np.isnan(X).any(axis=(2, 3))
    X[bad] = np.nan
    return X


def _pad_segments(blocks):
    """Concatenate ``(n_i, S_i, L, C)`` blocks along neurons, NaN-padding S."""
    n_seg = max(b.shape[1] for b in blocks)
    out = []
    for b in blocks:
        if b.shape[1] < n_seg:
            pad = np.full(
                (b.shape[0], n_seg - b.shape[1], *b.shape[2:]), np.nan, np.float32
            )
            b = np.concatenate([b, pad], axis=1)
        out.append(b)
    return np.concatenate(out, axis=0)


def _drop_empty_rows(X, what):
    """Rows without any valid segment cannot be embedded: drop them, loudly."""
    keep = segment_mask(X).any(axis=1)
    if not keep.all():
        warnings.warn(
            f"{what}: dropped {int((~keep).sum())} neuron(s) without any segment "
            "free of NaN.",
            UserWarning,
            stacklevel=3,
        )
    return keep


def _encode_labels(y, labelled):
    """String labels -> (target codes, target_names); unlabelled rows get -1."""
    y = np.asarray(y, dtype=str)
    target_names = np.unique(y[labelled]) if labelled.any() else np.array([], str)
    target = np.full(y.shape[0], -1, dtype=np.int64)
    target[labelled] = np.searchsorted(target_names, y[labelled])
    return target, target_names


def _finalize_X(X):
    return check_segmented(X, allow_2d=False, input_name="X")


def _read_npy(folder, name, *, required=True, what="recording"):
    """Load one ALF ``.npy`` file; column vectors ``(n, 1)`` are flattened."""
    path = folder / name
    if not path.is_file():
        if not required:
            return None
        raise FileNotFoundError(
            f"Missing file {name!r} in {what} folder {str(folder)!r} (expected "
            f"{str(path)!r})."
        )
    arr = np.load(path, allow_pickle=False)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    return arr
