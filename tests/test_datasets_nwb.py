"""Tests of load_nwb on real NWB files written with pynwb."""

from datetime import datetime, timezone

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from neurovec._validation import check_segmented, segment_mask
from neurovec.datasets import load_nwb

pynwb = pytest.importorskip("pynwb")


def _nwbfile(subject_id, session_id="s1"):
    from pynwb.file import Subject

    return pynwb.NWBFile(
        session_description="neurovec test",
        identifier=f"{subject_id}-{session_id}",
        session_start_time=datetime(2024, 1, 1, tzinfo=timezone.utc),
        session_id=session_id,
        subject=Subject(subject_id=subject_id, species="Mus musculus"),
        related_publications=["doi:10.0000/test"],
    )


def _write_calcium(path, subject_id="m1", n_rois=5, n_frames=50, seed=0):
    from pynwb.ophys import DfOverF, ImageSegmentation, OpticalChannel

    rng = np.random.default_rng(seed)
    nwb = _nwbfile(subject_id)
    device = nwb.create_device(name="scope")
    channel = OpticalChannel(name="green", description="gcamp", emission_lambda=520.0)
    plane = nwb.create_imaging_plane(
        name="plane",
        optical_channel=channel,
        description="L2/3",
        device=device,
        excitation_lambda=920.0,
        imaging_rate=4.0,
        indicator="GCaMP6s",
        location="V1",
    )
    seg = ImageSegmentation()
    ps = seg.create_plane_segmentation(
        name="rois", description="cells", imaging_plane=plane
    )
    ps.add_column(name="cell_type", description="type")
    types = ["Pvalb", "Sst", "", "Vip", "Pvalb"][:n_rois]
    for i in range(n_rois):
        mask = np.zeros((4, 4))
        mask[i % 4, i % 4] = 1
        ps.add_roi(image_mask=mask, cell_type=types[i])
    module = nwb.create_processing_module(name="ophys", description="processed")
    module.add(seg)
    data = rng.normal(size=(n_frames, n_rois)).astype(np.float32)
    data[12, 1] = np.nan
    rois = ps.create_roi_table_region(region=list(range(n_rois)), description="all")
    dff = DfOverF(name="DfOverF")
    # Added before its series so the ROI region shares an ancestor with its table.
    module.add(dff)
    dff.create_roi_response_series(
        name="dff", data=data, rois=rois, unit="a.u.", rate=4.0
    )
    with pynwb.NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)
    return data, types


def _write_units(path, subject_id="m2", seed=0):
    rng = np.random.default_rng(seed)
    nwb = _nwbfile(subject_id, session_id="s2")
    device = nwb.create_device(name="probe")
    group = nwb.create_electrode_group(
        name="shank", description="x", location="brain", device=device
    )
    nwb.add_electrode_column(name="region", description="Allen acronym")
    for region in ["VISp", "CA1", "LGd"]:
        nwb.add_electrode(group=group, location=region, region=region)
    spikes = []
    for i, e in enumerate([0, 1, 2, 1]):
        t = np.sort(rng.uniform(0, 4.0, size=50 + 10 * i))
        t[0] = 0.0
        spikes.append(t)
        nwb.add_unit(spike_times=t, electrodes=[e])
    with pynwb.NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)
    return spikes


def test_calcium_with_roi_labels(tmp_path):
    path = tmp_path / "calcium.nwb"
    data, types = _write_calcium(path)
    d = load_nwb(path, label_column="cell_type", segment_length=10)
    # The unlabelled ROI (index 2) is dropped by default.
    assert d.X.shape == (4, 5, 10, 1)
    assert check_segmented(d.X).shape == d.X.shape
    assert d.y.tolist() == ["Pvalb", "Sst", "Vip", "Pvalb"]
    assert d.target_names.tolist() == ["Pvalb", "Sst", "Vip"]
    assert_array_equal(d.neuron_id, [0, 1, 3, 4])
    assert_allclose(d.X[2, 0, :, 0], data[:10, 3])
    # NaN at frame 12 of ROI 1 makes its segment 1 missing.
    assert segment_mask(d.X)[1].tolist() == [True, False, True, True, True]
    assert set(d.groups) == {"m1"} and d.sampling_rate_hz == pytest.approx(4.0)
    assert d.metadata["related_publications"] == ["doi:10.0000/test"]


def test_calcium_unlabelled_and_no_labels(tmp_path):
    path = tmp_path / "calcium.nwb"
    _write_calcium(path)
    d = load_nwb(
        path, label_column="cell_type", include_unlabelled=True, segment_length=10
    )
    assert d.X.shape[0] == 5 and d.labelled.tolist().count(False) == 1
    plain = load_nwb(path, segment_length=25)
    assert plain.X.shape == (5, 2, 25, 1) and not plain.labelled.any()
    assert (plain.target == -1).all()


def test_spikes_binned_with_electrode_labels(tmp_path):
    path = tmp_path / "units.nwb"
    spikes = _write_units(path)
    d = load_nwb(
        path, data="spikes", label_column="region", bin_size=0.1, segment_length=10
    )
    assert d.y.tolist() == ["VISp", "CA1", "LGd", "CA1"]
    assert d.X.shape[:2] == (4, 3)
    expected = np.bincount(np.floor(spikes[2] / 0.1).astype(int), minlength=40)
    assert_array_equal(d.X[2, :, :, 0].reshape(-1), expected[:30])
    assert set(d.groups) == {"m2"}
    by_session = load_nwb(path, group_by="session", segment_length=10)
    assert set(by_session.groups) == {"s2"}


def test_several_files_are_stacked_with_their_groups(tmp_path):
    _write_calcium(tmp_path / "a.nwb", subject_id="m1", seed=1)
    _write_calcium(tmp_path / "b.nwb", subject_id="m3", n_frames=30, seed=2)
    d = load_nwb(
        [tmp_path / "a.nwb", tmp_path / "b.nwb"],
        label_column="cell_type",
        segment_length=10,
    )
    assert d.X.shape == (8, 5, 10, 1)
    assert d.groups.tolist() == ["m1"] * 4 + ["m3"] * 4
    assert not segment_mask(d.X)[4:, 3:].any()


def test_errors_name_the_problem(tmp_path):
    path = tmp_path / "calcium.nwb"
    _write_calcium(path)
    with pytest.raises(ValueError, match="'cell_class' is not a column of the ROI"):
        load_nwb(path, label_column="cell_class", segment_length=10)
    with pytest.raises(ValueError, match="no RoiResponseSeries named 'raw'"):
        load_nwb(path, data="calcium", series="raw")
    with pytest.raises(ValueError, match="no Units table"):
        load_nwb(path, data="spikes")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_nwb(tmp_path / "missing.nwb")
    with pytest.raises(ValueError, match="data must be one of"):
        load_nwb(path, data="lfp")


def test_missing_pynwb_gives_install_hint(tmp_path, monkeypatch):
    import sys

    path = tmp_path / "calcium.nwb"
    _write_calcium(path)
    monkeypatch.setitem(sys.modules, "pynwb", None)  # makes `import pynwb` fail
    with pytest.raises(ImportError, match=r"pip install neurovec\[nwb\]"):
        load_nwb(path)
