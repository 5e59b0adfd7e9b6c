"""Loader for the ALF release of Steinmetz et al. (2019), Neuropixels across the brain.

One flat folder per session, named ``<Mouse>_<YYYY-MM-DD>``, with ``spikes.*``,
``clusters.*`` and ``channels.*`` files. Each good unit (``clusters._phy_annotation
>= 2``) becomes one neuron whose spike counts are binned and cut into segments;
its brain region is the Allen acronym of its peak channel
(``channels.brainLocation.tsv``, ``allen_ontology[peakChannel - 1]``; the peak
channel is 1-based).
"""

import re
import warnings
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from neurovec.datasets._base import (
    _check_option,
    _check_positive_float,
    _check_positive_int,
    _encode_labels,
    _finalize_X,
    _pad_segments,
    _read_npy,
)

__all__ = ["load_steinmetz2019", "REGION_GROUPS"]

#: Steinmetz et al.'s own grouping of the Allen acronyms found in the release.
REGION_GROUPS = {
    "frontal": ("MOs", "ACA", "PL", "ILA", "ORB"),
    "motor_somatosensory": ("MOp", "SSp"),
    "striatum": ("CP", "GPe", "SNr", "ACB", "LS"),
    "midbrain": ("MRN", "SCm", "SCs", "APN", "PAG"),
    "visual": ("VISp", "VISrl", "VISam", "VISpm", "VISl", "VISa"),
    "thalamus": ("LP", "LD", "RT", "MD", "MG", "LGd", "VPM", "VPL", "PO", "POL"),
    "hippocampus": ("POST", "SUB", "DG", "CA1", "CA3"),
    "other": ("ZI", "OLF", "BLA", "RSP"),
}
_REGION_TO_GROUP = {r: g for g, rs in REGION_GROUPS.items() for r in rs}
_SESSION = re.compile(r"^([A-Za-z]+)_(\d{4}-\d{2}-\d{2})$")

_CITATION = (
    "Steinmetz NA, Zatka-Haas P, Carandini M, Harris KD (2019). Distributed "
    "coding of choice, action and engagement across the mouse brain. Nature "
    "576:266-273. doi:10.1038/s41586-019-1787-x (data: figshare article 9598406)"
)

DESCR = f"""Steinmetz et al. 2019: Neuropixels recordings across the mouse brain
=====================================================================

Spikes of about 30,000 units recorded with Neuropixels probes in 42 brain
regions of 10 mice (39 sessions) during a visual discrimination task, passive
stimulation and spontaneous activity. Each good unit (phy annotation >= 2)
becomes one neuron; its spike counts are binned (``bin_size``) and cut into
segments. Labels: Allen acronym of the unit's peak channel (``regions="fine"``)
or Steinmetz et al.'s region groups (``regions="grouped"``: frontal,
motor_somatosensory, striatum, midbrain, visual, thalamus, hippocampus, other).
``groups`` is the mouse.

Cite:
{_CITATION}
"""


def _find_sessions(root, sessions):
    if not root.is_dir():
        raise FileNotFoundError(
            f"Steinmetz et al. 2019 root folder {str(root)!r} does not exist. "
            "Download the release (figshare article 9598406) and pass the folder "
            "holding the <Mouse>_<YYYY-MM-DD> session folders."
        )
    found = sorted(d for d in root.iterdir() if d.is_dir() and _SESSION.match(d.name))
    if not found:
        raise FileNotFoundError(
            f"No session folder <Mouse>_<YYYY-MM-DD> found under {str(root)!r}."
        )
    if sessions is None:
        return found
    if isinstance(sessions, str):
        sessions = [sessions]
    chosen = []
    for s in sessions:
        match = [d for d in found if str(s) in (d.name, d.name.split("_")[0])]
        if not match:
            raise ValueError(
                f"Session {s!r} not found under {str(root)!r}; available: "
                f"{[d.name for d in found]} (a mouse name selects all its sessions)."
            )
        chosen += [d for d in match if d not in chosen]
    return chosen


def _read_brain_location(session):
    path = session / "channels.brainLocation.tsv"
    if not path.is_file():
        raise FileNotFoundError(
            f"Missing file 'channels.brainLocation.tsv' in session folder "
            f"{str(session)!r}."
        )
    lines = [ln.rstrip("\r\n") for ln in path.read_text().splitlines() if ln.strip()]
    header = lines[0].split("\t")
    if "allen_ontology" not in header:
        raise ValueError(
            f"{str(path)!r}: expected a header row with column 'allen_ontology'; "
            f"received columns {header}."
        )
    col = header.index("allen_ontology")
    return np.array([ln.split("\t")[col].strip() for ln in lines[1:]], dtype=str)


def _good_units(session, what):
    """Rows of good clusters, their probe, depth and (1-based) peak channel."""
    annot = _read_npy(session, "clusters._phy_annotation.npy", what=what)
    probes = _read_npy(session, "clusters.probes.npy", what=what)
    peak = _read_npy(session, "clusters.peakChannel.npy", what=what)
    depths = _read_npy(session, "clusters.depths.npy", what=what)
    n = annot.shape[0]
    for name, arr in (("probes", probes), ("peakChannel", peak), ("depths", depths)):
        if arr.shape != (n,):
            raise ValueError(
                f"{str(session)!r}: clusters.{name}.npy should have shape ({n},) "
                f"like clusters._phy_annotation.npy; received {arr.shape}."
            )
    return annot, probes.astype(np.int64), peak, depths.astype(np.float64)


def _bin_counts(times, units, n_units, t0, bin_size, n_bins):
    """Spike counts ``(n_units, n_bins)`` without a dense int64 intermediate."""
    b = np.floor((times - t0) / bin_size).astype(np.int64)
    ok = (b >= 0) & (b < n_bins)
    flat = units[ok] * n_bins + b[ok]
    idx, counts = np.unique(flat, return_counts=True)
    out = np.zeros(n_units * n_bins, dtype=np.float32)
    out[idx] = counts
    return out.reshape(n_units, n_bins)


def _load_session(
    session,
    *,
    bin_size,
    segment_length,
    stride,
    regions,
    groups_keep,
    min_rate,
    time_range,
    max_segments,
):
    what = "session"
    annot, probes, peak, depths = _good_units(session, what)
    ontology = _read_brain_location(session)
    ch_probe = _read_npy(session, "channels.probe.npy", what=what).astype(np.int64)
    if ch_probe.shape != ontology.shape:
        raise ValueError(
            f"{str(session)!r}: channels.probe.npy has {ch_probe.shape[0]} rows but "
            f"channels.brainLocation.tsv has {ontology.shape[0]} channels."
        )
    if not np.all(np.isfinite(peak)):
        raise ValueError(f"{str(session)!r}: clusters.peakChannel.npy has NaN.")
    peak_idx = peak.astype(np.int64) - 1  # peakChannel is 1-based
    if peak_idx.min() < 0 or peak_idx.max() >= ontology.shape[0]:
        raise ValueError(
            f"{str(session)!r}: clusters.peakChannel.npy (1-based) should lie in "
            f"[1, {ontology.shape[0]}]; received range [{int(peak.min())}, "
            f"{int(peak.max())}]."
        )
    mismatch = ch_probe[peak_idx] != probes
    if mismatch.any():
        raise ValueError(
            f"{str(session)!r}: channels.probe[peakChannel - 1] != clusters.probes "
            f"for {int(mismatch.sum())} cluster(s) (first cluster "
            f"{int(np.flatnonzero(mismatch)[0])}); the peak channel does not index "
            "the cluster's own probe, so regions cannot be assigned safely."
        )
    fine = ontology[peak_idx]
    group = np.array([_REGION_TO_GROUP.get(r, "") for r in fine.tolist()], dtype=str)
    keep = (annot >= 2) & (fine != "root")
    if regions == "grouped":
        keep &= group != ""
    if groups_keep is not None:
        keep &= np.isin(group, groups_keep)

    times = _read_npy(session, "spikes.times.npy", what=what).astype(np.float64)
    clusters = _read_npy(session, "spikes.clusters.npy", what=what).astype(np.int64)
    if times.shape != clusters.shape or times.ndim != 1:
        raise ValueError(
            f"{str(session)!r}: spikes.times.npy and spikes.clusters.npy should be "
            f"matching vectors; received {times.shape} and {clusters.shape}."
        )
    if clusters.size and (clusters.min() < 0 or clusters.max() >= annot.shape[0]):
        raise ValueError(
            f"{str(session)!r}: spikes.clusters.npy holds cluster {clusters.max()} "
            f"but clusters.* have {annot.shape[0]} rows."
        )
    if time_range is None:
        t0, t1 = (float(times.min()), float(times.max())) if times.size else (0, 0)
    else:
        t0, t1 = (float(t) for t in time_range)
    n_bins = int(np.floor((t1 - t0) / bin_size))
    step = segment_length if stride is None else stride
    n_seg = 0 if n_bins < segment_length else (n_bins - segment_length) // step + 1
    if max_segments is not None:
        n_seg = min(n_seg, max_segments)
    if n_seg == 0:
        warnings.warn(
            f"Skipping session {session.name}: {n_bins} bins of {bin_size} s, fewer "
            f"than segment_length={segment_length}.",
            UserWarning,
            stacklevel=3,
        )
        return None
    n_bins = (n_seg - 1) * step + segment_length
    rows = np.flatnonzero(keep)
    row_of = np.full(annot.shape[0], -1, np.int64)
    row_of[rows] = np.arange(rows.size)
    sel = row_of[clusters] >= 0
    counts = _bin_counts(
        times[sel], row_of[clusters[sel]], rows.size, t0, bin_size, n_bins
    )
    rate = counts.sum(axis=1) / (n_bins * bin_size)
    active = rate >= min_rate
    counts, rows, rate = counts[active], rows[active], rate[active]
    if step == segment_length:  # a view: no copy of a possibly large array
        X = counts.reshape(counts.shape[0], n_seg, segment_length)
    else:
        windows = np.lib.stride_tricks.sliding_window_view(
            counts, segment_length, axis=1
        )
        X = np.ascontiguousarray(windows[:, ::step][:, :n_seg])
    mouse = _SESSION.match(session.name).group(1)
    return X[..., None], {
        "region": fine[rows],
        "region_group": group[rows],
        "groups": np.full(rows.size, mouse),
        "session": np.full(rows.size, session.name),
        "cluster_id": rows,
        "probe": probes[rows],
        "depth": depths[rows],
        "firing_rate_hz": rate,
    }


def load_steinmetz2019(
    root,
    *,
    bin_size=0.02,
    segment_length=100,
    stride=None,
    regions="grouped",
    groups_keep=None,
    sessions=None,
    min_rate=0.1,
    time_range=None,
    max_segments=None,
):
    """Load good units of the Steinmetz et al. (2019) release as binned counts.

    Parameters
    ----------
    root : str or path-like
        Folder holding the ``<Mouse>_<YYYY-MM-DD>`` session folders.
    bin_size : float, default=0.02
        Bin width in seconds (spike counts per bin).
    segment_length : int, default=100
        Bins per segment (2 s with the default bin size).
    stride : int, default=None
        Step between segment starts in bins; None means non-overlapping.
    regions : {"grouped", "fine"}, default="grouped"
        Label: the region group (see ``REGION_GROUPS``; units in regions outside
        every group are dropped) or the Allen acronym of the peak channel (all
        regions kept). Units in ``root`` (outside the brain) are always dropped.
    groups_keep : list of str, default=None
        Keep only units whose region group is listed, e.g.
        ``["midbrain", "visual", "thalamus", "hippocampus"]``; None keeps all.
    sessions : str or list of str, default=None
        Session folder names (``"Cori_2016-12-14"``) or mouse names; None loads
        every session.
    min_rate : float, default=0.1
        Units firing below this rate (Hz) over the analysed window are dropped.
    time_range : tuple of float, default=None
        ``(t_start, t_stop)`` in seconds of each session's clock; None spans
        the first to the last spike.
    max_segments : int, default=None
        Keep at most this many segments per session (from the start), to bound
        memory: a full session at 20 ms bins is ~180,000 bins per unit.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        X : ndarray of shape (n_units, n_segments, segment_length, 1)
            float32 spike counts; sessions with fewer segments are NaN-padded.
        y, target, target_names, labelled
            Region labels (strings), integer codes, names, mask (all True).
        groups : ndarray of str
            Mouse of each unit.
        region, region_group : ndarray of str
            Fine Allen acronym and region group of each unit.
        session, cluster_id, probe, depth, firing_rate_hz : ndarray
            Session folder, row in ``clusters.*``, probe, depth (µm) and rate.
        channel_names : list of str
        bin_size : float
        metadata : dict
        DESCR : str
            Description and citation (Steinmetz et al., Nature 2019).

    Raises
    ------
    FileNotFoundError
        Missing root, session folders or required file (named in the message).
    ValueError
        Malformed arrays, a peak channel on another probe than its cluster, no
        unit left, or invalid parameters.

    References
    ----------
    Steinmetz N.A. et al. (2019). Distributed coding of choice, action and
    engagement across the mouse brain. Nature 576:266-273.

    Examples
    --------
    >>> from neurovec.datasets import REGION_GROUPS, load_steinmetz2019
    >>> REGION_GROUPS["hippocampus"]
    ('POST', 'SUB', 'DG', 'CA1', 'CA3')
    >>> data = load_steinmetz2019("/data/steinmetz", sessions="Cori",
    ...                           max_segments=50)  # doctest: +SKIP
    >>> data.X.shape[1:]  # doctest: +SKIP
    (50, 100, 1)
    """
    bin_size = _check_positive_float("bin_size", bin_size)
    segment_length = _check_positive_int("segment_length", segment_length)
    if stride is not None:
        stride = _check_positive_int("stride", stride)
    if max_segments is not None:
        max_segments = _check_positive_int("max_segments", max_segments)
    _check_option("regions", regions, {"grouped", "fine"})
    if min_rate is None or min_rate < 0:
        raise ValueError(f"min_rate must be a number >= 0; received {min_rate!r}.")
    if groups_keep is not None:
        groups_keep = [groups_keep] if isinstance(groups_keep, str) else groups_keep
        unknown = sorted(set(groups_keep) - set(REGION_GROUPS))
        if unknown:
            raise ValueError(
                f"Unknown region group(s) {unknown}; expected names among "
                f"{list(REGION_GROUPS)}."
            )
    if time_range is not None:
        if len(time_range) != 2 or not time_range[1] > time_range[0]:
            raise ValueError(
                f"time_range must be (t_start, t_stop) with t_stop > t_start; "
                f"received {time_range!r}."
            )
    root = Path(root).expanduser()
    blocks, metas = [], []
    for session in _find_sessions(root, sessions):
        out = _load_session(
            session,
            bin_size=bin_size,
            segment_length=segment_length,
            stride=stride,
            regions=regions,
            groups_keep=groups_keep,
            min_rate=min_rate,
            time_range=time_range,
            max_segments=max_segments,
        )
        if out is None or out[0].shape[0] == 0:
            continue
        blocks.append(out[0])
        metas.append(out[1])
    if not blocks:
        raise ValueError(
            f"No unit left under {str(root)!r} with regions={regions!r}, "
            f"groups_keep={groups_keep!r}, min_rate={min_rate!r}."
        )
    X = _finalize_X(_pad_segments(blocks))
    meta = {k: np.concatenate([m[k] for m in metas]) for k in metas[0]}
    y = meta["region_group"] if regions == "grouped" else meta["region"]
    labelled = np.ones(y.shape[0], bool)
    target, target_names = _encode_labels(y, labelled)
    return Bunch(
        X=X,
        y=y.astype(str),
        target=target,
        target_names=target_names,
        labelled=labelled,
        groups=meta["groups"].astype(str),
        region=meta["region"].astype(str),
        region_group=meta["region_group"].astype(str),
        session=meta["session"].astype(str),
        cluster_id=meta["cluster_id"].astype(np.int64),
        probe=meta["probe"],
        depth=meta["depth"],
        firing_rate_hz=meta["firing_rate_hz"],
        channel_names=["spike_count"],
        bin_size=bin_size,
        metadata={
            "source": "Steinmetz et al. 2019 (figshare 9598406)",
            "root": str(root),
            "bin_size": bin_size,
            "segment_length": segment_length,
            "stride": segment_length if stride is None else stride,
            "regions": regions,
            "groups_keep": groups_keep,
            "min_rate": min_rate,
            "time_range": time_range,
            "max_segments": max_segments,
            "region_groups": REGION_GROUPS,
        },
        DESCR=DESCR,
    )
