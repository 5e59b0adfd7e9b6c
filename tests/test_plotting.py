"""Tests of the figures: structure (axes, artists) and PNG output."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from neurovec.evaluation import SummaryFeatures, evaluate_embedding
from neurovec.plotting import (
    _resolve_map_method,
    plot_confusion_matrix,
    plot_embedding_map,
    plot_f1_bars,
    plot_loss_curves,
    plot_neuron_types,
    plot_raster,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_png(path):
    assert path.exists()
    assert path.read_bytes()[:8] == PNG_MAGIC


def embedding(n=24, d=6, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.repeat([0, 1, 2], n // 3)
    Z = rng.normal(size=(n, d)) + 3 * labels[:, None]
    groups = np.tile([0, 1], n // 2)
    return Z, labels, groups


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_embedding_map_one_collection_per_label_and_animal(tmp_path, method):
    Z, labels, groups = embedding()
    path = tmp_path / "map.png"
    fig = plot_embedding_map(Z, labels, groups, method=method, path=path)
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert len(ax.collections) == 3 * 2
    markers = {c.get_paths()[0].vertices.shape for c in ax.collections}
    assert len(markers) == 2  # one marker shape per animal
    legends = [a for a in ax.get_children() if type(a).__name__ == "Legend"]
    assert len(legends) == 2  # labels, then a compact legend of animal markers
    texts = [[t.get_text() for t in leg.get_texts()] for leg in legends]
    assert ["0", "1", "2"] in texts
    assert ["0", "1"] in texts
    assert ax.get_legend().get_title().get_text() == "animal"
    assert method in ax.get_title()
    assert_png(path)


def test_embedding_map_two_features_plotted_as_is_with_names():
    Z, labels, _ = embedding(d=2)
    fig = plot_embedding_map(Z, labels, class_names=["RS", "FS", "IB"])
    (ax,) = fig.axes
    assert len(ax.collections) == 3
    np.testing.assert_allclose(ax.collections[0].get_offsets(), Z[labels == 0])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["RS", "FS", "IB"]


def test_resolve_map_method():
    assert _resolve_map_method("auto", 2) == "none"
    assert _resolve_map_method("auto", 8) in ("umap", "tsne")
    assert _resolve_map_method("pca", 8) == "pca"
    with pytest.raises(ValueError, match="method in"):
        _resolve_map_method("mds", 8)
    with pytest.raises(ValueError, match="2-D embedding"):
        _resolve_map_method("none", 3)


def test_embedding_map_errors():
    Z, labels, groups = embedding()
    with pytest.raises(ValueError, match="labels of shape"):
        plot_embedding_map(Z, labels[:-1], method="pca")
    with pytest.raises(ValueError, match="groups of shape"):
        plot_embedding_map(Z, labels, groups[:3], method="pca")
    with pytest.raises(ValueError, match="n_neurons, n_features"):
        plot_embedding_map(Z[0], labels, method="pca")
    with pytest.raises(ValueError, match="class_names"):
        plot_embedding_map(Z, labels, method="pca", class_names=["a"])


def test_confusion_matrix_normalised_cells(tmp_path):
    cm = np.array([[8, 2, 0], [1, 9, 0], [0, 0, 0]])
    path = tmp_path / "cm.png"
    fig = plot_confusion_matrix(cm, ["a", "b", "c"], path=path)
    assert len(fig.axes) == 2  # matrix + colour bar
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 9
    assert texts[:3] == ["0.80", "0.20", "0.00"]
    np.testing.assert_allclose(ax.images[0].get_array().sum(axis=1), [1, 1, 0])
    assert_png(path)
    raw = plot_confusion_matrix(cm, normalize=False)
    assert [t.get_text() for t in raw.axes[0].texts][:2] == ["8", "2"]


def test_confusion_matrix_from_evaluation_and_errors():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 12)
    X = rng.poisson(1.0 + 3 * y[:, None, None], size=(24, 3, 40))
    ev = evaluate_embedding(
        SummaryFeatures(), X, y, np.tile([0, 1, 2], 8), probes="knn", verbose=0
    )
    fig = plot_confusion_matrix(ev, normalize=False)
    ax = fig.axes[0]
    assert sum(int(t.get_text()) for t in ax.texts) == 24
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0", "1"]
    with pytest.raises(ValueError, match="square"):
        plot_confusion_matrix(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="class_names"):
        plot_confusion_matrix(np.eye(2), ["a"])


def loss_history(n=5):
    return [
        {
            "epoch": e,
            "train_loss": 10.0 / e,
            "invariance": 1.0 / e,
            "variance": 0.5,
            "covariance": 0.1 / e,
        }
        for e in range(1, n + 1)
    ]


def test_loss_curves_from_dicts(tmp_path):
    path = tmp_path / "loss.png"
    fig = plot_loss_curves(loss_history(), path=path)
    assert len(fig.axes) == 4
    assert [len(ax.lines) for ax in fig.axes] == [1, 1, 1, 1]
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), 10.0 / np.arange(1, 6))
    assert fig.axes[0].get_title() == "total loss"
    assert_png(path)


def test_loss_curves_from_skorch_history_and_estimator():
    from skorch.history import History

    hist = History()
    for row in loss_history(3):
        hist.new_epoch()
        for k, v in row.items():
            hist.record(k, v)
        hist.record("valid_loss", row["train_loss"] * 1.1)
    fig = plot_loss_curves(hist)
    assert len(fig.axes) == 4
    assert len(fig.axes[0].lines) == 2  # train and valid loss

    class Fitted:
        history_ = loss_history(4)

    assert len(plot_loss_curves(Fitted(), keys=("train_loss",)).axes) == 1


def test_loss_curves_errors():
    with pytest.raises(ValueError, match="non-empty"):
        plot_loss_curves([])
    with pytest.raises(ValueError, match="None of the keys"):
        plot_loss_curves([{"epoch": 1, "foo": 1.0}])


def test_f1_bars_from_evaluation(tmp_path):
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 8)
    X = rng.poisson(1.0 + 2 * y[:, None, None], size=(24, 3, 40))
    ev = evaluate_embedding(SummaryFeatures(), X, y, np.tile([0, 1, 2], 8), verbose=0)
    path = tmp_path / "f1.png"
    fig = plot_f1_bars(ev, path=path)
    (ax,) = fig.axes
    assert len(ax.containers) == 2 * 2  # bars + error bars per probe
    assert len(ax.patches) == 2 * 3
    heights = [p.get_height() for p in ax.patches[:3]]
    expected = [ev.per_class_summary("logistic")[c]["f1"][0] for c in (0, 1, 2)]
    np.testing.assert_allclose(heights, expected)
    assert_png(path)
    assert len(plot_f1_bars(ev, probe="knn").axes[0].patches) == 3


def test_f1_bars_from_dicts():
    fig = plot_f1_bars({"RS": (0.9, 0.05), "FS": 0.7})
    assert [p.get_height() for p in fig.axes[0].patches] == [0.9, 0.7]
    fig = plot_f1_bars(
        {"neurovec": {"RS": [0.9, 0.8]}, "pca": {"RS": [0.5, 0.7], "FS": [0.4]}}
    )
    ax = fig.axes[0]
    assert len(ax.patches) == 4
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["neurovec", "pca"]
    # The legend sits outside the axes, so it never covers a bar.
    fig.canvas.draw()
    box = legend.get_window_extent()
    assert box.x0 >= ax.get_window_extent().x1
    with pytest.raises(TypeError, match="EmbeddingEvaluation"):
        plot_f1_bars([0.5, 0.6])


def test_embedding_map_single_animal_has_no_marker_legend():
    Z, labels, _ = embedding()
    fig = plot_embedding_map(Z, labels, np.zeros(len(Z)), method="pca")
    (ax,) = fig.axes
    assert ax.get_legend().get_title().get_text() == "label"


def test_plots_draw_into_given_axes():
    from matplotlib.figure import Figure as Fig

    fig = Fig()
    ax1, ax2, ax3 = fig.subplots(1, 3)
    Z, labels, groups = embedding()
    assert plot_embedding_map(Z, labels, groups, method="pca", ax=ax1) is fig
    assert plot_f1_bars({"RS": 0.5, "FS": 0.7}, ax=ax2) is fig
    assert plot_confusion_matrix(np.eye(2), ax=ax3) is fig
    assert len(ax2.patches) == 2 and len(ax3.texts) == 4


def test_neuron_types_one_panel_per_type(tmp_path):
    path = tmp_path / "types.png"
    fig = plot_neuron_types(["RS", "FS", "TC"], duration=200.0, path=path)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 3
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert [t.split(":")[0] for t in titles] == ["RS", "FS", "TC"]
    v_rs, drive_rs = (line.get_ydata() for line in fig.axes[0].lines)
    v_fs = fig.axes[1].lines[0].get_ydata()
    # Spikes are drawn to the 30 mV peak; FS fires faster than RS.
    assert np.sum(v_fs == 30.0) > np.sum(v_rs == 30.0) > 0
    assert drive_rs[0] == -90.0 and drive_rs[-1] == -90.0 + 2 * 10.0
    # TC: silent while hyperpolarised, rebound burst after release at 150 ms.
    t, v_tc = fig.axes[2].lines[0].get_data()
    assert np.all(v_tc[t < 150] < 30.0) and np.any(v_tc[t >= 150] == 30.0)
    assert_png(path)


def test_neuron_types_defaults_and_errors():
    from matplotlib.figure import Figure as Fig

    from neurovec.simulation import list_neuron_types

    fig = plot_neuron_types(duration=60.0, dt=0.5)
    assert len(fig.axes) == len(list_neuron_types())
    target = Fig()
    axes = target.subplots(2, 1)
    assert plot_neuron_types(["RS", "IB"], duration=60.0, axes=axes) is target
    with pytest.raises(ValueError, match="types among"):
        plot_neuron_types(["XX"])
    with pytest.raises(ValueError, match="one axes per type"):
        plot_neuron_types(["RS", "IB", "CH"], axes=axes)
    with pytest.raises(ValueError, match="dt"):
        plot_neuron_types(["RS"], dt=2.0)


def test_raster_from_generator_bunch(tmp_path):
    from neurovec.simulation import IzhikevichGenerator

    data = IzhikevichGenerator(
        types=("RS", "FS"),
        n_neurons_per_type=3,
        n_animals=2,
        n_segments=2,
        segment_duration=200.0,
        bin_width=1.0,
        conditions=["dc_mid", "sine_8hz"],
        random_state=0,
    ).generate()
    path = tmp_path / "raster.png"
    fig = plot_raster(data, animal=1, segments=(0, 1), bin_width=1.0, path=path)
    (ax,) = fig.axes
    assert len(ax.collections) == 2
    n_spiking_bins = sum(len(c.get_offsets()) for c in ax.collections)
    sel = data.groups == 1
    assert n_spiking_bins == int(np.count_nonzero(data.X[sel][:, :2]))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["RS", "FS"]
    conds = {t.get_text() for t in ax.texts}
    assert conds <= set(data.condition_names) and conds
    assert ax.get_title(loc="left") == "animal 1"
    assert ax.get_xlim()[1] > 200  # two 200-ms segments side by side
    assert_png(path)


def test_raster_from_array_and_errors():
    counts = np.zeros((4, 2, 10))
    counts[0, 0, 3] = 1
    counts[3, 1, 5] = 2
    fig = plot_raster(counts, labels=["b", "b", "a", "a"], segments=(0, 1))
    ax = fig.axes[0]
    offsets = np.concatenate([c.get_offsets() for c in ax.collections])
    # Sorted by label: neuron 3 ("a") is row 0 or 1, neuron 0 ("b") row 2 or 3.
    np.testing.assert_allclose(sorted(offsets[:, 0]), [3, 15])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    with pytest.raises(ValueError, match="segments among"):
        plot_raster(counts, segments=(5,))
    with pytest.raises(ValueError, match="labels of shape"):
        plot_raster(counts, labels=[0, 1])
    with pytest.raises(ValueError, match="spike counts of shape"):
        plot_raster(np.zeros(5))


def test_f1_bars_width_is_capped_with_many_methods():
    classes = ["RS", "IB", "CH", "FS", "LTS", "TC", "RZ"]
    many = {f"method {k}": {c: 0.5 for c in classes} for k in range(9)}
    fig = plot_f1_bars(many)
    width, height = fig.get_size_inches()
    assert 4.0 <= width <= 18.0 and height == 3.5
    assert len(fig.axes[0].patches) == 9 * 7
    # Few series keep the compact layout.
    assert plot_f1_bars({"RS": 0.9}).get_size_inches()[0] == 4.0
