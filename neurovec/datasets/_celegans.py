"""Loader for whole-brain C. elegans GCaMP recordings with NeuroPAL identities.

The file ``celegans_nsm.npz`` holds 976 head neurons of 7 worms (Dag et al.,
Cell 2023; public repository ``flavell-lab/NSM_5HTR_analysis``), each a z-scored
GCaMP trace of 800 volumes at 1/0.6 Hz, with its NeuroPAL identity (when the
annotators could name it), the identity's class (left/right merged), its
ganglion, and the worm's behaviour on the same frames.
"""

import os
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from neurovec._segment import _leave_one_out_mean
from neurovec.datasets._base import (
    _check_option,
    _check_positive_int,
    _encode_labels,
    _finalize_X,
    _segment_with_gaps,
    _zscore,
)

__all__ = ["load_celegans_nsm"]

ENV_VAR = "NEUROVEC_CELEGANS_NSM"
FILENAME = "celegans_nsm.npz"

_CITATION = (
    "Dag U, Nwabudike I, Kang D, Gomes MA, Kim J, Atanas AA, Bueno E, Estrem C, "
    "Pugliese S, Wang Z, Towlson E, Flavell SW (2023). Dissecting the functional "
    "organization of the C. elegans serotonergic system at whole-brain scale. "
    "Cell 186(12):2574-2592. doi:10.1016/j.cell.2023.04.023"
)

_SOURCE_HINT = (
    "The file comes from the public repository flavell-lab/NSM_5HTR_analysis "
    "(Dag et al., Cell 2023), converted to celegans_nsm.npz (keys traces, worm, "
    "label, neuron_class, ganglion, confidence, worm_ids, behavior, "
    "behavior_names, frame_rate_hz). Point neurovec at it with "
    f"load_celegans_nsm(path='/path/to/{FILENAME}') or by setting the "
    f"environment variable {ENV_VAR} to the file or to its folder."
)

# key -> (expected ndim, dtype kind(s))
_KEYS = {
    "traces": (2, "f"),
    "worm": (1, "U"),
    "label": (1, "U"),
    "neuron_class": (1, "U"),
    "ganglion": (1, "U"),
    "confidence": (1, "f"),
    "worm_ids": (1, "U"),
    "behavior": (3, "f"),
    "behavior_names": (1, "U"),
    "frame_rate_hz": (0, "fiu"),
}

DESCR = f"""C. elegans whole-brain GCaMP with NeuroPAL identities (7 worms)
======================================================================

976 head neurons of 7 freely moving worms, each a GCaMP trace z-scored per
neuron, one volume every 0.6 s (800 volumes, 8 min). 722 neurons carry a
NeuroPAL identity (``label``, e.g. ``AVAL``), merged left/right into 74 classes
(``neuron_class``, 35 of them present in every worm) and mapped to 5 ganglia
(``ganglion``). Each worm's behaviour (velocity, head angle, angular velocity,
body curvature, reversal indicator) is recorded on the same frames.

Tasks: identity (35 classes present in every worm) and region (5 ganglia),
evaluated leave-one-worm-out (``groups`` is the worm).

Source: github.com/flavell-lab/NSM_5HTR_analysis. Cite:
{_CITATION}
"""


# context option -> (behaviour channels, population-mean channel)
_CONTEXTS = {
    "behavior": (True, False),
    "population": (False, True),
    "behavior+population": (True, True),
}


def _population_mean(traces, worms):
    """Per row: mean of the *other* rows of the same worm, z-scored over time.

    Leaving the neuron out keeps its own signal out of its context channel (a
    worm with ~140 tracked neurons would otherwise put ~1/140 of it there).
    """
    return _zscore(_leave_one_out_mean(traces, np.asarray(worms)), axis=1)


def _resolve_path(path):
    if path is None:
        env = os.environ.get(ENV_VAR)
        if not env:
            raise FileNotFoundError(
                f"No path given for the C. elegans data and {ENV_VAR} is not set. "
                + _SOURCE_HINT
            )
        path, origin = env, f"environment variable {ENV_VAR}"
    else:
        origin = "argument path"
    path = Path(os.fspath(path)).expanduser()
    if path.is_dir():
        path = path / FILENAME
    if not path.is_file():
        raise FileNotFoundError(
            f"{FILENAME} not found at {str(path)!r} (from {origin}). " + _SOURCE_HINT
        )
    return path


def _read_file(path):
    with np.load(path, allow_pickle=False) as f:
        missing = [k for k in _KEYS if k not in f.files]
        if missing:
            raise ValueError(
                f"{str(path)!r} is not a valid {FILENAME}: missing key(s) {missing}; "
                f"expected keys {list(_KEYS)}, found {sorted(f.files)}."
            )
        data = {k: f[k] for k in _KEYS}
    for key, (ndim, kinds) in _KEYS.items():
        arr = data[key]
        if arr.ndim != ndim or arr.dtype.kind not in kinds:
            raise ValueError(
                f"{str(path)!r}: key {key!r} should be a {ndim}-D array of kind "
                f"{kinds!r}; received shape {arr.shape} and dtype {arr.dtype}."
            )
    n, T = data["traces"].shape
    for key in ("worm", "label", "neuron_class", "ganglion", "confidence"):
        if data[key].shape != (n,):
            raise ValueError(
                f"{str(path)!r}: key {key!r} should have shape ({n},) like the rows "
                f"of traces {data['traces'].shape}; received {data[key].shape}."
            )
    n_worms = data["worm_ids"].shape[0]
    n_beh = data["behavior_names"].shape[0]
    if data["behavior"].shape != (n_worms, n_beh, T):
        raise ValueError(
            f"{str(path)!r}: behavior should have shape (n_worms={n_worms}, "
            f"n_behaviours={n_beh}, n_frames={T}); received "
            f"{data['behavior'].shape}."
        )
    unknown = np.setdiff1d(data["worm"], data["worm_ids"])
    if unknown.size:
        raise ValueError(
            f"{str(path)!r}: worm ids {unknown.tolist()} in 'worm' are missing from "
            f"'worm_ids' {data['worm_ids'].tolist()}."
        )
    return data


def _select_classes(labels, worms, worm_ids, classes, min_worms):
    """Labels kept as targets: a list, or those seen in enough worms."""
    present = labels != ""
    if not isinstance(classes, str):
        wanted = np.asarray(list(classes), dtype=str)
        unknown = np.setdiff1d(wanted, labels[present])
        if unknown.size:
            raise ValueError(
                f"classes {unknown.tolist()} do not occur in the data; available: "
                f"{np.unique(labels[present]).tolist()}."
            )
        selected = wanted
    else:
        _check_option("classes", classes, {"all_worms", "all"})
        selected = np.unique(labels[present])
        if classes == "all_worms":
            min_worms = len(worm_ids) if min_worms is None else min_worms
    if min_worms is not None:
        min_worms = _check_positive_int("min_worms", min_worms)
        counts = np.array(
            [np.unique(worms[present & (labels == c)]).size for c in selected]
        )
        selected = selected[counts >= min_worms]
    return np.unique(selected)


def load_celegans_nsm(
    path=None,
    *,
    target="neuron_class",
    classes="all_worms",
    min_worms=None,
    segment_length=100,
    stride=None,
    context=None,
    include_unlabelled=False,
):
    """Load whole-brain C. elegans recordings with NeuroPAL identities.

    Reads ``celegans_nsm.npz`` (Dag et al., Cell 2023; 976 neurons of 7 worms,
    800 volumes at 1/0.6 Hz) and cuts each neuron's trace into segments.

    Parameters
    ----------
    path : str or path-like, default=None
        The ``celegans_nsm.npz`` file or the folder holding it. When None, the
        environment variable ``NEUROVEC_CELEGANS_NSM`` (file or folder) is used;
        without it a ``FileNotFoundError`` says where the data come from.
    target : {"neuron_class", "ganglion"}, default="neuron_class"
        Label of each neuron: its identity with left/right merged (``"AVA"``)
        or its ganglion (5 classes).
    classes : {"all_worms", "all"} or list of str, default="all_worms"
        Which values of ``target`` are kept as labels: those present in every
        worm (35 neuron classes, 5 ganglia), all of them, or an explicit list.
    min_worms : int, default=None
        Keep only labels observed in at least this many worms (applied after
        ``classes``; with ``classes="all_worms"`` it replaces "every worm").
    segment_length : int, default=100
        Volumes per segment (100 volumes = 60 s).
    stride : int, default=None
        Step between segment starts; None means non-overlapping segments.
    context : {None, "behavior", "population", "behavior+population"}, \
            default=None
        Context channels appended after the neuron's own channel 0. With
        ``"behavior"``, the worm's 5 behaviour channels (velocity, head angle,
        angular velocity, body curvature, reversal indicator), each
        standardised (zero mean, unit variance) per worm over the whole
        recording. With ``"population"``, the mean trace of all *other*
        tracked neurons of the same worm (every row of the file, identified or
        not; leave-one-out so that the channel never contains the neuron
        itself), standardised. ``"behavior+population"`` appends both
        (behaviour first).
    include_unlabelled : bool, default=False
        Also return neurons without a kept label (unidentified neurons and
        those whose label is not among the kept classes). Their ``y`` is
        ``""``, their ``target`` is -1 and ``labelled`` is False: use them to
        fit a self-supervised embedder, not to score a probe.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        X : ndarray of shape (n_neurons, n_segments, segment_length, n_channels)
            float32 segmented traces (1 channel, +5 with behaviour, +1 with
            the population mean).
        y : ndarray of str, shape (n_neurons,)
            Label of each neuron (``""`` when unlabelled).
        target : ndarray of int, shape (n_neurons,)
            Index of ``y`` into ``target_names``; -1 when unlabelled.
        target_names : ndarray of str
            Sorted label names.
        labelled : ndarray of bool, shape (n_neurons,)
        groups : ndarray of str, shape (n_neurons,)
            Worm id of each neuron (for grouped cross-validation).
        worm, label, neuron_class, ganglion, confidence : ndarray, (n_neurons,)
            Per-neuron metadata from the file (``label`` is the NeuroPAL
            identity, ``confidence`` the annotator's 1-5 score, NaN if none).
        traces : ndarray of shape (n_neurons, 800)
            Continuous z-scored traces.
        behavior : ndarray of shape (n_neurons, 800, 5)
            Standardised behaviour of each neuron's worm (only when ``context``
            includes behaviour).
        population_mean : ndarray of shape (n_neurons, 800)
            Standardised leave-one-out population mean (only when ``context``
            includes population).
        channel_names : list of str
        frame_rate_hz : float
        metadata : dict
            Source path, segmentation and selection parameters.
        DESCR : str
            Description and citation (Dag et al., Cell 2023).

    Raises
    ------
    FileNotFoundError
        When the file cannot be found.
    ValueError
        When the file lacks a key or has inconsistent shapes, or parameters are
        invalid.

    References
    ----------
    Dag U. et al. (2023). Dissecting the functional organization of the
    C. elegans serotonergic system at whole-brain scale. Cell 186:2574-2592.

    Examples
    --------
    >>> from neurovec.datasets import load_celegans_nsm
    >>> from neurovec.datasets._celegans import ENV_VAR
    >>> ENV_VAR  # file or folder used when ``path`` is None
    'NEUROVEC_CELEGANS_NSM'
    >>> data = load_celegans_nsm()  # doctest: +SKIP
    >>> data.X.shape, len(data.target_names)  # doctest: +SKIP
    ((514, 8, 100, 1), 35)
    """
    _check_option("target", target, {"neuron_class", "ganglion"})
    if context is not None:
        _check_option("context", context, set(_CONTEXTS))
    segment_length = _check_positive_int("segment_length", segment_length)
    if stride is not None:
        stride = _check_positive_int("stride", stride)
    path = _resolve_path(path)
    data = _read_file(path)
    n_frames = data["traces"].shape[1]
    if segment_length > n_frames:
        raise ValueError(
            f"segment_length={segment_length} exceeds the recording length "
            f"({n_frames} volumes)."
        )

    labels = data[target]
    worms = data["worm"]
    kept = _select_classes(labels, worms, data["worm_ids"], classes, min_worms)
    labelled = np.isin(labels, kept) & (labels != "")
    rows = (
        np.arange(labels.shape[0]) if include_unlabelled else np.flatnonzero(labelled)
    )
    if rows.size == 0:
        raise ValueError(
            f"No neuron left with target={target!r}, classes={classes!r}, "
            f"min_worms={min_worms!r}."
        )

    traces = data["traces"][rows].astype(np.float32)
    channel_names = ["activity"]
    signal = traces[:, :, None]
    behavior = None
    with_behavior, with_population = _CONTEXTS.get(context, (False, False))
    if with_behavior:
        worm_index = {w: i for i, w in enumerate(data["worm_ids"].tolist())}
        # Each behaviour is standardised per worm so that channels of different
        # units (mm/s, rad, 0/1) weigh alike and worms become comparable.
        beh = _zscore(data["behavior"], axis=2)  # (n_worms, 5, T)
        idx = np.array([worm_index[w] for w in worms[rows].tolist()])
        behavior = np.transpose(beh[idx], (0, 2, 1))  # (n, T, 5)
        signal = np.concatenate([signal, behavior], axis=2)
        channel_names += [str(b) for b in data["behavior_names"]]
    population = None
    if with_population:
        population = _population_mean(data["traces"], worms)[rows]
        signal = np.concatenate([signal, population[:, :, None]], axis=2)
        channel_names.append("population_mean")

    X = _finalize_X(_segment_with_gaps(signal, segment_length, stride))
    y = np.where(labelled[rows], labels[rows], "").astype(str)
    target_codes, target_names = _encode_labels(y, labelled[rows])
    frame_rate = float(data["frame_rate_hz"])
    bunch = Bunch(
        X=X,
        y=y,
        target=target_codes,
        target_names=target_names,
        labelled=labelled[rows],
        groups=worms[rows].astype(str),
        worm=worms[rows].astype(str),
        label=data["label"][rows].astype(str),
        neuron_class=data["neuron_class"][rows].astype(str),
        ganglion=data["ganglion"][rows].astype(str),
        confidence=data["confidence"][rows].astype(np.float32),
        traces=traces,
        channel_names=channel_names,
        frame_rate_hz=frame_rate,
        metadata={
            "source": "flavell-lab/NSM_5HTR_analysis (Dag et al., Cell 2023)",
            "path": str(path),
            "target": target,
            "classes": classes if isinstance(classes, str) else list(classes),
            "min_worms": min_worms,
            "segment_length": segment_length,
            "stride": segment_length if stride is None else stride,
            "segment_duration_s": segment_length / frame_rate,
            "context": context,
            "behavior_standardisation": "z-score per worm and channel"
            if with_behavior
            else None,
            "population_mean": "leave-one-out mean of the worm's traces, z-scored"
            if with_population
            else None,
            "worm_ids": data["worm_ids"].astype(str).tolist(),
        },
        DESCR=DESCR,
    )
    if behavior is not None:
        bunch.behavior = behavior
    if population is not None:
        bunch.population_mean = population
    return bunch
