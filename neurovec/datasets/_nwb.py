"""Loader for recordings stored in Neurodata Without Borders (NWB) files.

Calcium imaging is read from a ``RoiResponseSeries`` inside a ``DfOverF`` or
``Fluorescence`` interface of a processing module (NWB stores it time first,
``(n_timepoints, n_rois)``); spikes are read from the ``Units`` table and binned.
Labels come from a column of the ROI table (``PlaneSegmentation``), of the units
table or of the electrodes table; ``groups`` is the subject id (or the session).
"""

import os
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from neurovec.datasets._base import (
    _check_option,
    _check_positive_float,
    _check_positive_int,
    _drop_empty_rows,
    _encode_labels,
    _finalize_X,
    _pad_segments,
    _segment_with_gaps,
)

__all__ = ["load_nwb"]

DESCR = """Recordings read from NWB files
==============================

Calcium traces (``RoiResponseSeries``) or binned spike counts (``Units``) of
every neuron, cut into segments, with labels from a column of the ROI, units or
electrodes table. Cite the dataset's own publication (see the file's
``related_publications`` in ``metadata``).
"""


def _import_pynwb():
    try:
        import pynwb
    except ImportError as exc:
        raise ImportError(
            "load_nwb needs the optional dependency pynwb; install it with "
            "`pip install neurovec[nwb]` (or `pip install pynwb`)."
        ) from exc
    return pynwb


def _find_roi_series(nwbfile, series):
    """All RoiResponseSeries in processing modules, DfOverF first."""
    from pynwb.ophys import DfOverF, Fluorescence

    found = []
    for module in nwbfile.processing.values():
        for iface in module.data_interfaces.values():
            if isinstance(iface, (DfOverF, Fluorescence)):
                rank = 0 if isinstance(iface, DfOverF) else 1
                for s in iface.roi_response_series.values():
                    found.append((rank, f"{module.name}/{iface.name}/{s.name}", s))
    found.sort(key=lambda t: t[0])
    if series is not None:
        found = [f for f in found if series in (f[1], f[2].name)]
    return found


def _table_column(table, column, rows, where):
    if column not in table.colnames:
        raise ValueError(
            f"label_column={column!r} is not a column of the {where} table; its "
            f"columns are {list(table.colnames)}."
        )
    values = np.asarray(table[column].data[:])
    return values[np.asarray(rows, dtype=np.int64)]


def _read_calcium(nwbfile, series, label_column, path):
    found = _find_roi_series(nwbfile, series)
    if not found:
        what = "" if series is None else f" named {series!r}"
        raise ValueError(
            f"{path}: no RoiResponseSeries{what} inside a DfOverF or Fluorescence "
            "interface of a processing module."
        )
    _, name, s = found[0]
    data = np.asarray(s.data[:], dtype=np.float32)
    if data.ndim == 1:
        data = data[:, None]
    rois = np.asarray(s.rois.data[:], dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != rois.size:
        raise ValueError(
            f"{path}: {name} should hold (n_timepoints, n_rois={rois.size}) data; "
            f"received shape {data.shape}."
        )
    if s.rate is not None:
        rate = float(s.rate)
    else:
        t = np.asarray(s.timestamps[:], dtype=np.float64)
        rate = float(1.0 / np.median(np.diff(t)))
    labels = None
    if label_column is not None:
        labels = _table_column(s.rois.table, label_column, rois, "ROI")
    return data.T, labels, rate, name, rois


def _read_units(nwbfile, bin_size, label_column, path):
    units = nwbfile.units
    if units is None or len(units) == 0:
        raise ValueError(f"{path}: the file has no Units table (or it is empty).")
    spikes = [np.asarray(units.get_unit_spike_times(i)) for i in range(len(units))]
    all_t = np.concatenate([s for s in spikes if s.size] or [np.zeros(1)])
    t0, t1 = float(all_t.min()), float(all_t.max())
    n_bins = max(int(np.floor((t1 - t0) / bin_size)), 1)
    counts = np.zeros((len(units), n_bins), np.float32)
    for i, s in enumerate(spikes):
        b = np.floor((s - t0) / bin_size).astype(np.int64)
        counts[i] = np.bincount(b[(b >= 0) & (b < n_bins)], minlength=n_bins)
    labels = None
    if label_column is not None:
        if label_column in units.colnames:
            labels = _table_column(units, label_column, np.arange(len(units)), "units")
        elif "electrodes" in units.colnames:
            # A unit takes the label of its first electrode.
            first = [int(units["electrodes"][i].index[0]) for i in range(len(units))]
            labels = _table_column(
                nwbfile.electrodes, label_column, first, "electrodes"
            )
        else:
            raise ValueError(
                f"label_column={label_column!r} is neither a column of the units "
                f"table ({list(units.colnames)}) nor reachable through an "
                "'electrodes' column."
            )
    ids = np.asarray(units.id.data[:])
    return counts, labels, 1.0 / bin_size, "units", ids


def _group_of(nwbfile, group_by, path):
    subject = getattr(nwbfile, "subject", None)
    if group_by == "subject" and subject is not None and subject.subject_id:
        return str(subject.subject_id)
    if nwbfile.session_id:
        return str(nwbfile.session_id)
    return Path(path).stem


def load_nwb(
    path,
    *,
    data="auto",
    series=None,
    label_column=None,
    segment_length=100,
    stride=None,
    bin_size=0.02,
    group_by="subject",
    include_unlabelled=False,
):
    """Load calcium or spike recordings from one or several NWB files.

    Parameters
    ----------
    path : str, path-like or list of them
        NWB file(s); neurons of all files are stacked.
    data : {"auto", "calcium", "spikes"}, default="auto"
        ``"calcium"`` reads a ``RoiResponseSeries`` (from ``DfOverF``, else
        ``Fluorescence``) of a processing module; ``"spikes"`` bins the
        ``Units`` spike times; ``"auto"`` prefers calcium when present.
    series : str, default=None
        Name (or ``module/interface/series`` path) of the RoiResponseSeries to
        read; None takes the first one found (DfOverF before Fluorescence).
    label_column : str, default=None
        Column giving each neuron's label: of the ROI table (plane
        segmentation) for calcium; of the units table, else of the electrodes
        table (through the unit's first electrode) for spikes. None: no labels.
    segment_length : int, default=100
        Samples (frames or bins) per segment.
    stride : int, default=None
        Step between segment starts; None means non-overlapping segments.
    bin_size : float, default=0.02
        Bin width in seconds for spikes.
    group_by : {"subject", "session"}, default="subject"
        ``groups`` is the subject id (falling back to the session id, then the
        file name) or the session id (falling back to the file name).
    include_unlabelled : bool, default=False
        Keep neurons whose label is empty or missing (``labelled`` False). When
        ``label_column`` is None every neuron is kept and unlabelled.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        X : ndarray of shape (n_neurons, n_segments, segment_length, 1)
            float32 traces or spike counts; a segment containing NaN is missing.
        y, target, target_names, labelled
            Labels as strings (``""`` if none), codes (-1 if none), names, mask.
        groups : ndarray of str
            Subject (or session) of each neuron.
        file, source, neuron_id : ndarray
            File, series (or ``"units"``) and ROI index / unit id of each neuron.
        sampling_rate_hz : float
        channel_names : list of str
        metadata : dict
        DESCR : str

    Raises
    ------
    ImportError
        When pynwb is not installed (install ``neurovec[nwb]``).
    FileNotFoundError, ValueError
        Missing file, no suitable data, unknown label column.

    Examples
    --------
    >>> from neurovec.datasets import load_nwb
    >>> data = load_nwb("session.nwb", label_column="cell_type")  # doctest: +SKIP
    >>> data.X.ndim  # doctest: +SKIP
    4
    """
    _check_option("data", data, {"auto", "calcium", "spikes"})
    _check_option("group_by", group_by, {"subject", "session"})
    segment_length = _check_positive_int("segment_length", segment_length)
    if stride is not None:
        stride = _check_positive_int("stride", stride)
    bin_size = _check_positive_float("bin_size", bin_size)
    pynwb = _import_pynwb()
    paths = [path] if isinstance(path, (str, os.PathLike)) else list(path)
    blocks, metas, rates, pubs = [], [], [], []
    for p in paths:
        p = Path(p).expanduser()
        if not p.is_file():
            raise FileNotFoundError(f"NWB file {str(p)!r} does not exist.")
        with pynwb.NWBHDF5IO(str(p), "r") as io:
            nwbfile = io.read()
            kind = data
            if kind == "auto":
                kind = "calcium" if _find_roi_series(nwbfile, series) else "spikes"
            if kind == "calcium":
                traces, labels, rate, source, ids = _read_calcium(
                    nwbfile, series, label_column, p
                )
            else:
                traces, labels, rate, source, ids = _read_units(
                    nwbfile, bin_size, label_column, p
                )
            group = _group_of(nwbfile, group_by, p)
            pubs += list(nwbfile.related_publications or [])
        if labels is None:
            y = np.full(traces.shape[0], "", dtype=object)
        else:
            y = np.array(
                ["" if v is None else str(v) for v in labels.tolist()], dtype=object
            )
            y[np.isin(y, ["nan", "None"])] = ""
        labelled = y != ""
        rows = np.flatnonzero(labelled | include_unlabelled | (labels is None))
        if traces.shape[1] < segment_length:
            raise ValueError(
                f"{str(p)!r}: {traces.shape[1]} samples, fewer than "
                f"segment_length={segment_length}."
            )
        blocks.append(
            _segment_with_gaps(traces[rows][:, :, None], segment_length, stride)
        )
        rates.append(rate)
        metas.append(
            {
                "y": y[rows].astype(str),
                "labelled": labelled[rows],
                "groups": np.full(rows.size, group),
                "file": np.full(rows.size, str(p)),
                "source": np.full(rows.size, source),
                "neuron_id": np.asarray(ids)[rows],
            }
        )
    X = _pad_segments(blocks)
    meta = {k: np.concatenate([m[k] for m in metas]) for k in metas[0]}
    keep = _drop_empty_rows(X, "load_nwb")
    X = _finalize_X(X[keep])
    meta = {k: v[keep] for k, v in meta.items()}
    target, target_names = _encode_labels(meta["y"], meta["labelled"])
    return Bunch(
        X=X,
        y=meta["y"],
        target=target,
        target_names=target_names,
        labelled=meta["labelled"],
        groups=meta["groups"].astype(str),
        file=meta["file"],
        source=meta["source"],
        neuron_id=meta["neuron_id"],
        sampling_rate_hz=float(np.median(rates)),
        channel_names=["activity"],
        metadata={
            "paths": [str(p) for p in paths],
            "data": data,
            "series": series,
            "label_column": label_column,
            "segment_length": segment_length,
            "stride": segment_length if stride is None else stride,
            "bin_size": bin_size,
            "group_by": group_by,
            "related_publications": pubs,
        },
        DESCR=DESCR,
    )
