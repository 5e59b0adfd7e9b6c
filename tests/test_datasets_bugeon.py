"""Tests of load_bugeon2022 on small folders in the release's exact layout."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from neurovec._validation import check_segmented, segment_mask
from neurovec.datasets import load_bugeon2022

TTYPES = ["EC", "IN", "Pvalb-Reln", "Sst-Chodl", "Vip-Sncg", "Serpinf1-Sncg", "EC"]


def _write_session(
    root,
    mouse,
    date,
    *,
    ttypes=TTYPES,
    n_frames=40,
    seed=0,
    stimulus="Blank",
    recording="01",
    n_cols=None,
    nan_at=None,
):
    rng = np.random.default_rng(seed)
    session = root / mouse / date
    rec = session / stimulus / recording
    rec.mkdir(parents=True)
    (session / "neuron.ttype.txt").write_text("\n".join(ttypes) + "\n")
    n = len(ttypes)
    uid = np.arange(n, dtype=float)[:, None]
    uid[0] = np.nan
    np.save(session / "neuron.UniqueID.npy", uid)
    np.save(session / "neuron.stackPosCorrected.npy", rng.normal(size=(n, 3)))
    np.save(session / "neuron.depth.npy", rng.normal(size=(n, 1)))
    act = rng.normal(size=(n_frames, n if n_cols is None else n_cols))
    if nan_at is not None:
        act[nan_at] = np.nan
    np.save(rec / "frame.neuralActivity.npy", act)
    times = 10 + np.arange(n_frames)[:, None] / 4.28
    np.save(rec / "frame.times.npy", times)
    np.save(rec / "frame.states.npy", rng.integers(0, 3, size=(n_frames, 1)))
    # Behaviour on its own, faster clock, with NaNs.
    bt = np.linspace(9, 10 + n_frames / 4.28 + 1, 3 * n_frames)[:, None]
    speed = np.sin(bt)
    speed[5] = np.nan
    np.save(rec / "running.speed.npy", speed)
    np.save(rec / "running.times.npy", bt)
    np.save(rec / "eye.size.npy", np.cos(bt))
    np.save(rec / "eye.xPos.npy", np.cos(bt))
    np.save(rec / "eye.times.npy", bt)
    return act, times[:, 0], bt[:, 0]


@pytest.fixture
def release(tmp_path):
    root = tmp_path / "bugeon"
    (root).mkdir()
    for name in ("ttypes", "genes", "states"):
        (root / f"{name}.names.txt").write_text("a\nb\n")
    acts = {
        "SB025/2019-10-04": _write_session(root, "SB025", "2019-10-04", seed=1),
        "SB026/2019-10-11": _write_session(
            root, "SB026", "2019-10-11", seed=2, n_frames=30
        ),
    }
    return root, acts


def test_subclass_labels_and_layout(release):
    root, acts = release
    d = load_bugeon2022(root, segment_length=10)
    # Pvalb, Sst, Vip per session; Serpinf1 excluded, EC/IN have no subclass.
    assert d.target_names.tolist() == ["Pvalb", "Sst", "Vip"]
    assert d.X.shape == (6, 4, 10, 1)
    assert check_segmented(d.X).shape == d.X.shape
    assert sorted(set(d.groups)) == ["SB025", "SB026"]
    assert d.neuron_index[:3].tolist() == [2, 3, 4]
    act = acts["SB025/2019-10-04"][0]
    # Time-first activity: column 3 is neuron 3 (Sst-Chodl).
    assert d.ttype[1] == "Sst-Chodl"
    assert_allclose(d.X[1, 1, :, 0], act[10:20, 3], rtol=1e-6)
    # The 30-frame session has 3 segments: the 4th is a missing one.
    assert segment_mask(d.X)[3:].sum(axis=1).tolist() == [3, 3, 3]
    assert d.frame_rate_hz == pytest.approx(4.28)
    assert d.unique_id[0] == 2 and d.position.shape == (6, 2)
    assert "Nature 607" in d.DESCR


def test_serpinf1_merge_ei_and_ttype(release):
    root, _ = release
    merged = load_bugeon2022(root, serpinf1="merge", segment_length=10)
    assert (merged.y == "Vip").sum() == 4
    ei = load_bugeon2022(root, label="ei", segment_length=10)
    assert ei.X.shape[0] == 14
    assert (ei.y == "excitatory").sum() == 4
    assert ei.y[ei.ttype == "IN"].tolist() == ["inhibitory"] * 2
    tt = load_bugeon2022(root, label="ttype", serpinf1="keep", segment_length=10)
    assert "Serpinf1-Sncg" in tt.target_names and "EC" not in tt.target_names
    unl = load_bugeon2022(root, include_unlabelled=True, segment_length=10)
    assert unl.X.shape[0] == 14 and unl.labelled.sum() == 6
    assert (unl.target[~unl.labelled] == -1).all()


def test_behavior_context_interpolated(release):
    root, acts = release
    d = load_bugeon2022(root, context="behavior", segment_length=10, sessions="SB025")
    assert d.X.shape == (3, 4, 10, 3)
    assert d.channel_names == ["activity", "running_speed", "pupil_size"]
    _, times, bt = acts["SB025/2019-10-04"]
    ok = np.arange(bt.size) != 5
    speed = np.interp(times, bt[ok], np.sin(bt[ok]))
    z = (speed - speed.mean()) / speed.std()
    assert_allclose(d.X[0, 0, :, 1], z[:10], atol=1e-5)
    assert_allclose(d.X[2, 0, :, 1], z[:10], atol=1e-5)  # shared across neurons


def test_nan_activity_becomes_missing_segment(tmp_path):
    root = tmp_path / "b"
    _write_session(root, "SB028", "2019-11-06", nan_at=(15, 2))
    d = load_bugeon2022(root, segment_length=10)
    mask = segment_mask(d.X)
    assert mask[0].tolist() == [True, False, True, True]  # Pvalb row, frame 15
    assert mask[1:].all()


def test_mismatched_recording_is_skipped_with_warning(release):
    root, _ = release
    _write_session(root, "SB028", "2019-11-06", n_cols=5)
    with pytest.warns(UserWarning, match=r"Skipping recording .*SB028.*5 columns"):
        d = load_bugeon2022(root, segment_length=10)
    assert "SB028" not in set(d.groups)
    assert any("SB028" in s for s in d.metadata["skipped"])


def test_session_selection_and_missing_stimulus(release):
    root, _ = release
    d = load_bugeon2022(root, sessions=["SB026_2019-10-11"], segment_length=10)
    assert set(d.session) == {"SB026/2019-10-11"}
    with pytest.raises(ValueError, match="Session 'SB099' not found"):
        load_bugeon2022(root, sessions="SB099")
    with pytest.warns(UserWarning, match="Skipping session"):
        with pytest.raises(ValueError, match="No usable recording"):
            load_bugeon2022(root, stimulus="Drifting Gratings")


def test_malformed_folders_name_missing_file(tmp_path, release):
    root, _ = release
    (root / "SB025" / "2019-10-04" / "Blank" / "01" / "frame.times.npy").unlink()
    with pytest.raises(FileNotFoundError, match="frame.times.npy"):
        load_bugeon2022(root, segment_length=10)
    (root / "SB026" / "2019-10-11" / "neuron.ttype.txt").unlink()
    with pytest.raises(FileNotFoundError, match="neuron.ttype.txt"):
        load_bugeon2022(root, sessions="SB026", segment_length=10)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_bugeon2022(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="No session folder"):
        load_bugeon2022(tmp_path / "empty")


def test_behavior_missing_file_named(release):
    root, _ = release
    (root / "SB025" / "2019-10-04" / "Blank" / "01" / "eye.size.npy").unlink()
    with pytest.raises(FileNotFoundError, match="eye.size.npy"):
        load_bugeon2022(root, context="behavior", sessions="SB025", segment_length=10)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"label": "type"}, "label must be one of"),
        ({"serpinf1": "drop"}, "serpinf1 must be one of"),
        ({"segment_length": -1}, "segment_length must be a positive"),
    ],
)
def test_invalid_parameters(release, kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_bugeon2022(release[0], **kwargs)


def test_stimulus_folder_with_spaces(tmp_path):
    root = tmp_path / "b"
    act, _, _ = _write_session(
        root, "SB030", "2020-01-08", stimulus="Natural Scenes", recording="02"
    )
    d = load_bugeon2022(
        root, stimulus="Natural Scenes", recording="02", segment_length=20
    )
    assert d.X.shape == (3, 2, 20, 1)
    assert_allclose(d.X[0, 1, :, 0], act[20:40, 2], rtol=1e-6)
    assert d.metadata["stimulus"] == "Natural Scenes"
