"""Tests of load_steinmetz2019 on small ALF session folders."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from neurovec._validation import check_segmented, segment_mask
from neurovec.datasets import REGION_GROUPS, load_steinmetz2019

# 6 channels over two probes; regions per channel.
REGIONS = ["VISp", "CA1", "root", "LGd", "MRN", "ZZZ"]
PROBE_OF_CHANNEL = [0, 0, 0, 1, 1, 1]
# clusters: (probe, 1-based peak channel, annotation)
CLUSTERS = [
    (0, 1, 2),  # VISp, good
    (0, 2, 3),  # CA1, good (unsorted counts as >= 2)
    (0, 3, 2),  # root: dropped
    (1, 4, 1),  # LGd, MUA: dropped
    (1, 5, 2),  # MRN, good
    (1, 6, 2),  # ZZZ: not in any group
    (0, 1, 0),  # noise
]


def _write_session(root, name, *, duration=10.0, seed=0, clusters=CLUSTERS):
    rng = np.random.default_rng(seed)
    folder = root / name
    folder.mkdir(parents=True)
    times, ids = [], []
    for i in range(len(clusters)):
        t = rng.uniform(0, duration, size=200 + 20 * i)
        times.append(t)
        ids.append(np.full(t.size, i))
    times, ids = np.concatenate(times), np.concatenate(ids)
    order = rng.permutation(times.size)  # unsorted on purpose
    np.save(folder / "spikes.times.npy", times[order][:, None])
    np.save(folder / "spikes.clusters.npy", ids[order][:, None])
    c = np.array(clusters, dtype=float)
    np.save(folder / "clusters.probes.npy", c[:, :1].astype(int))
    np.save(folder / "clusters.peakChannel.npy", c[:, 1:2])
    np.save(folder / "clusters._phy_annotation.npy", c[:, 2:3])
    np.save(folder / "clusters.depths.npy", rng.uniform(0, 3000, (len(c), 1)))
    np.save(folder / "channels.probe.npy", np.array(PROBE_OF_CHANNEL)[:, None])
    rows = ["ccf_ap\tccf_dv\tccf_lr\tallen_ontology"]
    rows += [f"1.0\t2.0\t3.0\t{r}" for r in REGIONS]
    (folder / "channels.brainLocation.tsv").write_text("\n".join(rows) + "\n")
    return times, ids


@pytest.fixture
def release(tmp_path):
    root = tmp_path / "steinmetz"
    spikes = {
        "Cori_2016-12-14": _write_session(root, "Cori_2016-12-14", seed=1),
        "Hench_2017-06-15": _write_session(
            root, "Hench_2017-06-15", seed=2, duration=6.0
        ),
    }
    (root / "not_a_session").mkdir()
    return root, spikes


def test_grouped_regions_and_counts(release):
    root, spikes = release
    d = load_steinmetz2019(root, bin_size=0.1, segment_length=10)
    # Per session: VISp, CA1, MRN kept; root, MUA, noise and ZZZ dropped.
    assert d.X.shape[0] == 6
    assert d.target_names.tolist() == ["hippocampus", "midbrain", "visual"]
    assert d.region.tolist()[:3] == ["VISp", "CA1", "MRN"]
    assert d.cluster_id.tolist()[:3] == [0, 1, 4]
    assert sorted(set(d.groups)) == ["Cori", "Hench"]
    assert check_segmented(d.X).shape == d.X.shape
    # Counts equal a direct histogram of cluster 4's spikes from the first spike.
    times, ids = spikes["Cori_2016-12-14"]
    t0 = times.min()
    n_bins = d.X.shape[1] * 10
    expected = np.histogram(
        times[ids == 4], bins=n_bins, range=(t0, t0 + n_bins * 0.1)
    )[0]
    got = d.X[2, :, :, 0].reshape(-1)
    assert_array_equal(got[:-1], expected[:-1])  # last edge is inclusive in numpy
    # The shorter session is NaN-padded with missing segments.
    assert segment_mask(d.X)[3:].sum(axis=1).max() < d.X.shape[1]
    assert "Nature 576" in d.DESCR


def test_fine_regions_groups_keep_and_min_rate(release):
    root, _ = release
    fine = load_steinmetz2019(root, bin_size=0.1, segment_length=10, regions="fine")
    assert fine.target_names.tolist() == ["CA1", "MRN", "VISp", "ZZZ"]
    vis = load_steinmetz2019(
        root, bin_size=0.1, segment_length=10, groups_keep=["visual", "midbrain"]
    )
    assert set(vis.y) == {"visual", "midbrain"}
    fast = load_steinmetz2019(root, bin_size=0.1, segment_length=10, min_rate=29.0)
    assert (fast.firing_rate_hz >= 29.0).all() and fast.X.shape[0] < 6
    with pytest.raises(ValueError, match="Unknown region group"):
        load_steinmetz2019(root, groups_keep=["cortex"])
    assert set(REGION_GROUPS["thalamus"]) >= {"LGd", "LP"}


def test_sessions_time_range_and_max_segments(release):
    root, _ = release
    d = load_steinmetz2019(
        root,
        sessions="Cori",
        bin_size=0.05,
        segment_length=10,
        time_range=(1.0, 6.0),
        max_segments=4,
        stride=5,
    )
    assert d.X.shape == (3, 4, 10, 1)
    # stride=5: consecutive segments overlap by half.
    assert_array_equal(d.X[:, 1, :5], d.X[:, 0, 5:])
    assert set(d.session) == {"Cori_2016-12-14"}
    with pytest.raises(ValueError, match="Session 'Nobody' not found"):
        load_steinmetz2019(root, sessions="Nobody")


def test_probe_mismatch_fails_clearly(tmp_path):
    bad = list(CLUSTERS)
    bad[0] = (1, 1, 2)  # channel 1 is on probe 0
    _write_session(tmp_path, "Cori_2016-12-14", clusters=bad)
    with pytest.raises(ValueError, match=r"channels.probe\[peakChannel - 1\]"):
        load_steinmetz2019(tmp_path)


def test_peak_channel_is_one_based(tmp_path):
    bad = list(CLUSTERS)
    bad[0] = (0, 0, 2)  # 0 is not a valid 1-based channel
    _write_session(tmp_path, "Cori_2016-12-14", clusters=bad)
    with pytest.raises(ValueError, match="1-based"):
        load_steinmetz2019(tmp_path)


def test_missing_files_are_named(release):
    root, _ = release
    (root / "Cori_2016-12-14" / "clusters._phy_annotation.npy").unlink()
    with pytest.raises(FileNotFoundError, match="clusters._phy_annotation.npy"):
        load_steinmetz2019(root)
    (root / "Hench_2017-06-15" / "channels.brainLocation.tsv").unlink()
    with pytest.raises(FileNotFoundError, match="channels.brainLocation.tsv"):
        load_steinmetz2019(root, sessions="Hench")
    with pytest.raises(FileNotFoundError, match="No session folder"):
        load_steinmetz2019(root / "not_a_session")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"bin_size": 0}, "bin_size must be a positive"),
        ({"regions": "coarse"}, "regions must be one of"),
        ({"time_range": (5, 1)}, "time_range must be"),
        ({"min_rate": -1}, "min_rate must be"),
    ],
)
def test_invalid_parameters(release, kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_steinmetz2019(release[0], **kwargs)
