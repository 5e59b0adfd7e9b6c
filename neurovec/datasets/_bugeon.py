"""Loader for the public release of Bugeon et al. (2022), mouse V1 calcium imaging.

Two-photon recordings of layer 1-3 neurons of mouse primary visual cortex, whose
transcriptomic type was identified afterwards by in situ hybridisation (coppaFISH).
The release follows the ALF layout (``object.attribute.ext`` files)::

    <root>/<mouse>/<YYYY-MM-DD>/neuron.*                  one row per neuron
    <root>/<mouse>/<YYYY-MM-DD>/<stimulus>/<NN>/frame.*   running.*  eye.*

``frame.neuralActivity.npy`` is ``(n_frames, n_neurons)`` (time first); column
``i`` is row ``i`` of the session's ``neuron.*`` files.
"""

import re
import warnings
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from neurovec.datasets._base import (
    _check_option,
    _check_positive_int,
    _drop_empty_rows,
    _encode_labels,
    _finalize_X,
    _pad_segments,
    _read_npy,
    _segment_with_gaps,
    _zscore,
)

__all__ = ["load_bugeon2022"]

SUBCLASSES = ("Lamp5", "Pvalb", "Sncg", "Sst", "Vip")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

_CITATION = (
    "Bugeon S, Duffield J, Dipoppa M, Ritoux A, Prankerd I, Nicoloutsopoulos D, "
    "Orme D, Shinn M, Peng H, Forrest H, Viduolyte A, Reddy CB, Isogai Y, "
    "Carandini M, Harris KD (2022). A transcriptomic axis predicts state "
    "modulation of cortical interneurons. Nature 607:330-338. "
    "doi:10.1038/s41586-022-04915-7 (data: figshare article 19448531)"
)

DESCR = f"""Bugeon et al. 2022: mouse V1 calcium imaging with transcriptomic types
=======================================================================

Two-photon calcium activity (frame rate about 4.3 Hz) of neurons in layers 1-3
of mouse primary visual cortex, recorded during spontaneous activity (``Blank``),
drifting gratings and natural scenes, with each neuron's transcriptomic type
identified afterwards by in situ hybridisation: ``EC`` (excitatory), ``IN``
(inhibitory, unresolved) or an Allen t-type (``Pvalb-...``, ``Sst-...``, ...).
Labels: subclass (Lamp5, Pvalb, Sncg, Sst, Vip), excitatory vs inhibitory, or
t-type. ``groups`` is the mouse (4 mice, 17 sessions).

Cite:
{_CITATION}
"""


def _find_sessions(root, sessions):
    if not root.is_dir():
        raise FileNotFoundError(
            f"Bugeon et al. 2022 root folder {str(root)!r} does not exist. Download "
            "the release (figshare article 19448531) and pass its top folder, which "
            "holds <mouse>/<YYYY-MM-DD>/ session folders."
        )
    found = sorted(
        d
        for m in root.iterdir()
        if m.is_dir()
        for d in m.iterdir()
        if d.is_dir() and _DATE.match(d.name)
    )
    if not found:
        raise FileNotFoundError(
            f"No session folder <mouse>/<YYYY-MM-DD>/ found under {str(root)!r}; "
            "expected the layout of the Bugeon et al. 2022 release."
        )
    if sessions is None:
        return found
    if isinstance(sessions, str):
        sessions = [sessions]
    chosen = []
    for s in sessions:
        key = str(s).replace("\\", "/").replace("_", "/").strip("/")
        match = [
            d for d in found if key in (d.parent.name, f"{d.parent.name}/{d.name}")
        ]
        if not match:
            names = [f"{d.parent.name}/{d.name}" for d in found]
            raise ValueError(
                f"Session {s!r} not found under {str(root)!r}; available: {names} "
                "(a mouse name selects all its sessions)."
            )
        chosen += [d for d in match if d not in chosen]
    return chosen


def _read_ttypes(session):
    path = session / "neuron.ttype.txt"
    if not path.is_file():
        raise FileNotFoundError(
            f"Missing file 'neuron.ttype.txt' in session folder {str(session)!r}."
        )
    return np.array(
        [line.strip() for line in path.read_text().splitlines() if line.strip()],
        dtype=str,
    )


def _labels(ttypes, label, serpinf1):
    """Per-neuron label and whether it counts as labelled."""
    sub = np.array([t.split("-")[0] for t in ttypes.tolist()], dtype=str)
    if label == "ei":
        y = np.where(ttypes == "EC", "excitatory", "inhibitory")
        return y.astype(str), np.ones(len(ttypes), bool)
    if serpinf1 == "merge":
        sub = np.where(sub == "Serpinf1", "Vip", sub)
    resolved = ~np.isin(ttypes, ["EC", "IN"])
    if label == "subclass":
        ok = np.isin(sub, SUBCLASSES) | (resolved & (serpinf1 == "keep"))
        return np.where(ok, sub, ""), ok
    # t-type: the full Allen name; EC and IN are not t-types.
    ok = resolved & ((sub != "Serpinf1") | (serpinf1 != "exclude"))
    return np.where(ok, ttypes, ""), ok


def _interp_onto(folder, obj, attr, frame_times):
    values = _read_npy(folder, f"{obj}.{attr}.npy").astype(np.float64)
    times = _read_npy(folder, f"{obj}.times.npy").astype(np.float64)
    if values.ndim != 1 or values.shape != times.shape:
        raise ValueError(
            f"{str(folder)!r}: {obj}.{attr}.npy and {obj}.times.npy should be "
            f"matching vectors; received shapes {values.shape} and {times.shape}."
        )
    ok = np.isfinite(values) & np.isfinite(times)
    if not ok.any():
        warnings.warn(
            f"{str(folder)!r}: {obj}.{attr} has no finite sample; the context "
            "channel is set to 0.",
            UserWarning,
            stacklevel=4,
        )
        return np.zeros(frame_times.shape, np.float64)
    order = np.argsort(times[ok])
    # NaN samples are skipped: the gap is bridged linearly between its ends.
    return np.interp(frame_times, times[ok][order], values[ok][order])


def _load_recording(session, rec_dir, n_neurons, context):
    """(n_neurons, n_frames, C) array and frame times, or None if mismatched."""
    act = _read_npy(rec_dir, "frame.neuralActivity.npy")
    if act.ndim != 2:
        raise ValueError(
            f"{str(rec_dir)!r}: frame.neuralActivity.npy should be (n_frames, "
            f"n_neurons); received shape {act.shape}."
        )
    if act.shape[1] != n_neurons:
        warnings.warn(
            f"Skipping recording {str(rec_dir)!r}: frame.neuralActivity.npy has "
            f"{act.shape[1]} columns but neuron.ttype.txt of {str(session)!r} lists "
            f"{n_neurons} neurons.",
            UserWarning,
            stacklevel=3,
        )
        return None
    times = _read_npy(rec_dir, "frame.times.npy").astype(np.float64)
    if times.shape != (act.shape[0],):
        raise ValueError(
            f"{str(rec_dir)!r}: frame.times.npy should have one time per frame "
            f"({act.shape[0]},); received shape {times.shape}."
        )
    signal = act.T.astype(np.float32)[:, :, None]
    if context == "behavior":
        ctx = np.stack(
            [
                _interp_onto(rec_dir, "running", "speed", times),
                _interp_onto(rec_dir, "eye", "size", times),
            ]
        )
        ctx = _zscore(ctx, axis=1).T  # (n_frames, 2)
        signal = np.concatenate(
            [signal, np.broadcast_to(ctx, (n_neurons, *ctx.shape))], axis=2
        )
    return signal, times


def load_bugeon2022(
    root,
    *,
    stimulus="Blank",
    recording="01",
    label="subclass",
    serpinf1="exclude",
    segment_length=64,
    stride=None,
    context=None,
    sessions=None,
    include_unlabelled=False,
):
    """Load the Bugeon et al. (2022) mouse V1 release with transcriptomic labels.

    Parameters
    ----------
    root : str or path-like
        Top folder of the release, holding ``<mouse>/<YYYY-MM-DD>/`` sessions.
    stimulus : str, default="Blank"
        Stimulus folder: ``"Blank"`` (spontaneous), ``"Drifting Gratings"`` or
        ``"Natural Scenes"``. Sessions without it are skipped with a warning.
    recording : str, default="01"
        Recording folder inside the stimulus folder.
    label : {"subclass", "ei", "ttype"}, default="subclass"
        ``"subclass"``: the part of the t-type before the first ``-`` among
        Lamp5, Pvalb, Sncg, Sst, Vip (``EC``/``IN`` have none);
        ``"ei"``: ``"excitatory"`` for ``EC``, ``"inhibitory"`` otherwise;
        ``"ttype"``: the full Allen t-type (``EC``/``IN`` have none).
    serpinf1 : {"exclude", "merge", "keep"}, default="exclude"
        Serpinf1 neurons are unlabelled, merged into Vip, or kept as their own
        subclass / t-type (ignored for ``label="ei"``).
    segment_length : int, default=64
        Frames per segment (about 15 s at 4.3 Hz).
    stride : int, default=None
        Step between segment starts; None means non-overlapping segments.
    context : {None, "behavior"}, default=None
        With ``"behavior"``, running speed and pupil size (``running.speed``,
        ``eye.size``), linearly interpolated onto ``frame.times`` over their
        NaN gaps and standardised per recording, become context channels 1-2.
    sessions : str or list of str, default=None
        Sessions to load, as ``"SB025/2019-10-04"`` (or ``"SB025_2019-10-04"``)
        or a mouse name for all its sessions; None loads every session.
    include_unlabelled : bool, default=False
        Also return neurons without a label (``y == ""``, ``target == -1``,
        ``labelled`` False), e.g. to fit a self-supervised embedder.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        X : ndarray of shape (n_neurons, n_segments, segment_length, n_channels)
            float32; a segment overlapping a NaN of the activity is missing
            (all-NaN); sessions with fewer frames are NaN-padded with missing
            segments.
        y, target, target_names, labelled
            Labels as strings, integer codes (-1 unlabelled), names, mask.
        groups : ndarray of str
            Mouse of each neuron.
        session : ndarray of str
            ``"<mouse>/<date>"`` of each neuron.
        ttype : ndarray of str
            Raw ``neuron.ttype.txt`` entry.
        neuron_index : ndarray of int
            Row of the neuron in its session's ``neuron.*`` files.
        unique_id : ndarray of float
            ``neuron.UniqueID`` (same cell across sessions; NaN if unmatched).
        position : ndarray of shape (n_neurons, 2)
            First two columns of ``neuron.stackPosCorrected`` (NaN if absent).
        channel_names : list of str
        frame_rate_hz : float
            Median frame rate derived from ``frame.times``.
        metadata : dict
            Per-session frame rates and frame counts, skipped recordings.
        DESCR : str
            Description and citation (Bugeon et al., Nature 2022).

    Raises
    ------
    FileNotFoundError
        Missing root, session layout or required file (named in the message).
    ValueError
        Malformed arrays, no recording left, invalid parameters.

    References
    ----------
    Bugeon S. et al. (2022). A transcriptomic axis predicts state modulation of
    cortical interneurons. Nature 607:330-338.

    Examples
    --------
    >>> from neurovec.datasets import load_bugeon2022
    >>> from neurovec.datasets._bugeon import SUBCLASSES
    >>> SUBCLASSES
    ('Lamp5', 'Pvalb', 'Sncg', 'Sst', 'Vip')
    >>> data = load_bugeon2022("/data/bugeon2022", sessions="SB025")  # doctest: +SKIP
    >>> data.X.ndim, sorted(set(data.groups))  # doctest: +SKIP
    (4, ['SB025'])
    """
    _check_option("label", label, {"subclass", "ei", "ttype"})
    _check_option("serpinf1", serpinf1, {"exclude", "merge", "keep"})
    if context is not None:
        _check_option("context", context, {"behavior"})
    segment_length = _check_positive_int("segment_length", segment_length)
    if stride is not None:
        stride = _check_positive_int("stride", stride)
    root = Path(root).expanduser()
    blocks, meta_rows, skipped, rates, n_frames = [], [], [], {}, {}
    for session in _find_sessions(root, sessions):
        name = f"{session.parent.name}/{session.name}"
        rec_dir = session / str(stimulus) / str(recording)
        if not rec_dir.is_dir():
            warnings.warn(
                f"Skipping session {name}: no folder {str(rec_dir)!r}.",
                UserWarning,
                stacklevel=2,
            )
            skipped.append(str(rec_dir))
            continue
        ttypes = _read_ttypes(session)
        loaded = _load_recording(session, rec_dir, len(ttypes), context)
        if loaded is None:
            skipped.append(str(rec_dir))
            continue
        signal, times = loaded
        if signal.shape[1] < segment_length:
            warnings.warn(
                f"Skipping recording {str(rec_dir)!r}: {signal.shape[1]} frames, "
                f"fewer than segment_length={segment_length}.",
                UserWarning,
                stacklevel=2,
            )
            skipped.append(str(rec_dir))
            continue
        y, ok = _labels(ttypes, label, serpinf1)
        rows = np.arange(len(ttypes)) if include_unlabelled else np.flatnonzero(ok)
        if rows.size == 0:
            continue
        uid = _read_npy(session, "neuron.UniqueID.npy", required=False)
        pos = _read_npy(session, "neuron.stackPosCorrected.npy", required=False)
        checks = (
            (uid, "neuron.UniqueID.npy"),
            (pos, "neuron.stackPosCorrected.npy"),
        )
        for arr, fname in checks:
            if arr is not None and arr.shape[0] != len(ttypes):
                raise ValueError(
                    f"{str(session)!r}: {fname} has {arr.shape[0]} rows but "
                    f"neuron.ttype.txt lists {len(ttypes)} neurons."
                )
        if pos is not None and pos.ndim == 2 and pos.shape[1] >= 2:
            pos = pos[:, :2].astype(np.float64)
        else:
            pos = np.full((len(ttypes), 2), np.nan)
        if uid is None:
            uid = np.full(len(ttypes), np.nan)
        diffs = np.diff(times)
        rates[name] = float(1.0 / np.median(diffs)) if diffs.size else np.nan
        n_frames[name] = int(signal.shape[1])
        blocks.append(_segment_with_gaps(signal[rows], segment_length, stride))
        meta_rows.append(
            {
                "y": y[rows],
                "labelled": ok[rows],
                "groups": np.full(rows.size, session.parent.name),
                "session": np.full(rows.size, name),
                "ttype": ttypes[rows],
                "neuron_index": rows,
                "unique_id": np.asarray(uid, np.float64).reshape(-1)[rows],
                "position": pos[rows],
            }
        )
    if not blocks:
        raise ValueError(
            f"No usable recording {stimulus!r}/{recording!r} with labelled neurons "
            f"under {str(root)!r} (skipped: {skipped})."
        )
    X = _pad_segments(blocks)
    meta = {k: np.concatenate([m[k] for m in meta_rows]) for k in meta_rows[0]}
    keep = _drop_empty_rows(X, "load_bugeon2022")
    X = _finalize_X(X[keep])
    meta = {k: v[keep] for k, v in meta.items()}
    target, target_names = _encode_labels(meta["y"], meta["labelled"])
    channel_names = ["activity"]
    if context == "behavior":
        channel_names += ["running_speed", "pupil_size"]
    return Bunch(
        X=X,
        y=meta["y"].astype(str),
        target=target,
        target_names=target_names,
        labelled=meta["labelled"],
        groups=meta["groups"].astype(str),
        session=meta["session"].astype(str),
        ttype=meta["ttype"].astype(str),
        neuron_index=meta["neuron_index"].astype(np.int64),
        unique_id=meta["unique_id"],
        position=meta["position"],
        channel_names=channel_names,
        frame_rate_hz=float(np.nanmedian(list(rates.values()))),
        metadata={
            "source": "Bugeon et al. 2022 (figshare 19448531)",
            "root": str(root),
            "stimulus": stimulus,
            "recording": recording,
            "label": label,
            "serpinf1": serpinf1,
            "segment_length": segment_length,
            "stride": segment_length if stride is None else stride,
            "context": context,
            "frame_rate_hz": rates,
            "n_frames": n_frames,
            "skipped": skipped,
            "n_dropped_without_valid_segment": int((~keep).sum()),
        },
        DESCR=DESCR,
    )
