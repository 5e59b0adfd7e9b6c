"""Tests of load_celegans_nsm on a tiny synthetic file and on the real one."""

from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from neurovec._validation import check_segmented
from neurovec.datasets import load_celegans_nsm

REAL = Path("/work/shared/data/celegans_nsm/celegans_nsm.npz")
WORMS = ["w1", "w2", "w3"]
T = 60


def _write_fixture(folder, **override):
    """Tiny file with the keys of celegans_nsm.npz: 3 worms, 5 rows each."""
    rng = np.random.default_rng(0)
    worm, label, cls, gang = [], [], [], []
    # Per worm: AVA (all worms), RIA (all worms), ASE (only w1), two unidentified.
    for w in WORMS:
        rows = [("AVAL", "AVA", "lateral_ganglion"), ("RIAR", "RIA", "dorsal_ganglion")]
        rows.append(("ASEL", "ASEL", "lateral_ganglion") if w == "w1" else ("", "", ""))
        rows += [("", "", ""), ("", "", "")]
        for lab, c, g in rows:
            worm.append(w)
            label.append(lab)
            cls.append(c)
            gang.append(g)
    n = len(worm)
    conf = np.where(np.array(label) == "", np.nan, 4.0).astype(np.float32)
    behavior = rng.normal(size=(3, 5, T)).astype(np.float32) * 3 + 1
    behavior[:, 4] = rng.integers(0, 2, size=(3, T))
    data = {
        "traces": rng.normal(size=(n, T)).astype(np.float32),
        "worm": np.array(worm),
        "label": np.array(label),
        "neuron_class": np.array(cls),
        "ganglion": np.array(gang),
        "confidence": conf,
        "worm_ids": np.array(WORMS[::-1]),  # order differs from the rows'
        "behavior": behavior,
        "behavior_names": np.array(
            ["velocity", "head_angle", "angular_velocity", "worm_curvature", "rev"]
        ),
        "frame_rate_hz": np.float32(1 / 0.6),
    }
    data.update(override)
    data = {k: v for k, v in data.items() if v is not None}
    path = Path(folder) / "celegans_nsm.npz"
    np.savez(path, **data)
    return path, data


def test_default_keeps_classes_present_in_all_worms(tmp_path):
    path, data = _write_fixture(tmp_path)
    d = load_celegans_nsm(path, segment_length=20)
    assert d.X.shape == (6, 3, 20, 1)
    assert d.X.dtype == np.float32
    assert check_segmented(d.X).shape == d.X.shape
    assert d.target_names.tolist() == ["AVA", "RIA"]
    assert sorted(set(d.groups)) == WORMS
    assert d.labelled.all()
    assert_allclose(d.X[0, 1, :, 0], data["traces"][0, 20:40])
    assert_allclose(d.traces[0], data["traces"][0])
    assert d.traces.shape == (6, T)
    assert d.frame_rate_hz == pytest.approx(1 / 0.6)
    assert "Dag" in d.DESCR and "Cell" in d.DESCR


def test_classes_all_and_min_worms(tmp_path):
    path, _ = _write_fixture(tmp_path)
    d = load_celegans_nsm(path, classes="all", segment_length=20)
    assert d.target_names.tolist() == ["ASEL", "AVA", "RIA"]
    d = load_celegans_nsm(path, classes="all", min_worms=2, segment_length=20)
    assert d.target_names.tolist() == ["AVA", "RIA"]
    d = load_celegans_nsm(path, classes=["RIA"], segment_length=20)
    assert set(d.y) == {"RIA"} and d.X.shape[0] == 3
    with pytest.raises(ValueError, match="do not occur"):
        load_celegans_nsm(path, classes=["XYZ"], segment_length=20)


def test_include_unlabelled_marks_rows(tmp_path):
    path, _ = _write_fixture(tmp_path)
    d = load_celegans_nsm(path, include_unlabelled=True, segment_length=20)
    assert d.X.shape[0] == 15
    assert d.labelled.sum() == 6
    assert set(d.y[~d.labelled]) == {""}
    assert (d.target[~d.labelled] == -1).all()
    assert (d.target_names[d.target[d.labelled]] == d.y[d.labelled]).all()
    # ASEL exists but is not kept by "all_worms": unlabelled, identity kept.
    assert "ASEL" in d.neuron_class[~d.labelled]


def test_ganglion_target(tmp_path):
    path, _ = _write_fixture(tmp_path)
    d = load_celegans_nsm(path, target="ganglion", classes="all", segment_length=30)
    assert d.target_names.tolist() == ["dorsal_ganglion", "lateral_ganglion"]
    assert d.X.shape == (7, 2, 30, 1)


def test_behavior_context_matched_by_worm_id_and_standardised(tmp_path):
    path, data = _write_fixture(tmp_path)
    d = load_celegans_nsm(path, context="behavior", segment_length=20, stride=10)
    assert d.X.shape == (6, 5, 20, 6)
    assert d.channel_names[0] == "activity" and len(d.channel_names) == 6
    # worm_ids is stored reversed: row of worm "w1" must use behavior[2].
    i = int(np.flatnonzero(d.worm == "w1")[0])
    beh = data["behavior"][2]
    z = (beh - beh.mean(axis=1, keepdims=True)) / beh.std(axis=1, keepdims=True)
    assert_allclose(d.behavior[i], z.T, atol=1e-5)
    assert_allclose(d.X[i, 1, :, 1:], z.T[10:30], atol=1e-5)
    assert_allclose(d.X[i, 1, :, 0], data["traces"][i, 10:30])


def test_population_context_is_leave_one_out_mean_of_the_worm(tmp_path):
    path, data = _write_fixture(tmp_path)
    d = load_celegans_nsm(path, context="population", segment_length=20)
    assert d.X.shape == (6, 3, 20, 2)
    assert d.channel_names == ["activity", "population_mean"]
    # Row i of worm w: mean of the *other* 4 rows of w in the file (labelled or
    # not, even those not returned), then z-scored over time.
    rows_w1 = np.flatnonzero(data["worm"] == "w1")
    i = int(np.flatnonzero(d.worm == "w1")[0])
    own = int(rows_w1[0])  # the first returned w1 row is the file's first w1 row
    others = data["traces"][np.setdiff1d(rows_w1, [own])].mean(axis=0)
    expected = (others - others.mean()) / others.std()
    assert_allclose(d.population_mean[i], expected, atol=1e-5)
    assert_allclose(d.X[i, 1, :, 1], expected[20:40], atol=1e-5)
    assert not np.allclose(d.population_mean[0], d.population_mean[1])


def test_behavior_and_population_context_channel_order(tmp_path):
    path, _ = _write_fixture(tmp_path)
    both = load_celegans_nsm(path, context="behavior+population", segment_length=20)
    beh = load_celegans_nsm(path, context="behavior", segment_length=20)
    pop = load_celegans_nsm(path, context="population", segment_length=20)
    assert both.X.shape == (6, 3, 20, 7)
    assert both.channel_names[-1] == "population_mean"
    assert_allclose(both.X[..., :6], beh.X)
    assert_allclose(both.X[..., 6], pop.X[..., 1])
    assert both.metadata["population_mean"] is not None
    assert beh.metadata["population_mean"] is None


def test_path_from_environment_variable(tmp_path, monkeypatch):
    _write_fixture(tmp_path)
    monkeypatch.setenv("NEUROVEC_CELEGANS_NSM", str(tmp_path))
    assert load_celegans_nsm(segment_length=20).X.shape[0] == 6
    monkeypatch.setenv("NEUROVEC_CELEGANS_NSM", str(tmp_path / "celegans_nsm.npz"))
    assert load_celegans_nsm(segment_length=20).X.shape[0] == 6


def test_missing_file_explains_source(tmp_path, monkeypatch):
    monkeypatch.delenv("NEUROVEC_CELEGANS_NSM", raising=False)
    with pytest.raises(FileNotFoundError, match="NSM_5HTR_analysis.*NEUROVEC"):
        load_celegans_nsm()
    with pytest.raises(FileNotFoundError, match="not found at"):
        load_celegans_nsm(tmp_path)


def test_malformed_file_names_problem(tmp_path):
    path, _ = _write_fixture(tmp_path, behavior=None)
    with pytest.raises(ValueError, match=r"missing key\(s\) \['behavior'\]"):
        load_celegans_nsm(path)
    path, _ = _write_fixture(tmp_path, worm=np.array(["w1"] * 3))
    with pytest.raises(ValueError, match="'worm' should have shape"):
        load_celegans_nsm(path)
    path, _ = _write_fixture(
        tmp_path, behavior=np.zeros((3, 5, T + 1), dtype=np.float32)
    )
    with pytest.raises(ValueError, match="behavior should have shape"):
        load_celegans_nsm(path)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"target": "type"}, "target must be one of"),
        ({"context": "stimulus"}, "context must be one of"),
        ({"segment_length": 0}, "segment_length must be a positive"),
        ({"segment_length": T + 1}, "exceeds the recording length"),
        ({"classes": "some", "segment_length": 20}, "classes must be one of"),
    ],
)
def test_invalid_parameters(tmp_path, kwargs, match):
    path, _ = _write_fixture(tmp_path)
    with pytest.raises(ValueError, match=match):
        load_celegans_nsm(path, **kwargs)


@pytest.mark.skipif(not REAL.is_file(), reason="real C. elegans file not present")
def test_real_file_documented_numbers():
    d = load_celegans_nsm(REAL, include_unlabelled=True, classes="all")
    assert d.traces.shape == (976, 800)
    assert len(set(d.groups)) == 7
    assert (d.label == "").sum() == 254
    assert len(d.target_names) == 74
    assert d.X.shape == (976, 8, 100, 1)
    ident = load_celegans_nsm(REAL)
    assert len(ident.target_names) == 35
    for w in set(ident.groups):
        assert set(ident.y[ident.groups == w]) == set(ident.target_names)
    region = load_celegans_nsm(REAL, target="ganglion", context="behavior")
    assert len(region.target_names) == 5
    assert region.X.shape == (722, 8, 100, 6)
    assert check_segmented(region.X).shape == region.X.shape
