"""The supervised upper bound, and the evaluation with neurovec's own pieces."""

import numpy as np
import pytest
from sklearn.base import clone

from neurovec.evaluation import (
    SummaryFeatures,
    SupervisedEncoderClassifier,
    compare_methods,
    evaluate_embedding,
)

TINY_ENCODER = {"hidden_channels": 4, "n_blocks": 1}


def separable(n_per_class=8, seed=0):
    """Class 1 fires in regular bursts, class 0 is noise; 2 animals."""
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], n_per_class)
    X = rng.normal(size=(2 * n_per_class, 3, 24))
    X[y == 1, :, ::4] += 4.0
    groups = np.tile([0, 1], n_per_class)
    return X.astype(np.float32), y, groups


def tiny_classifier(**kw):
    params = dict(
        embedding_dim=4,
        encoder_kwargs=TINY_ENCODER,
        max_epochs=15,
        batch_size=16,
        lr=1e-2,
        random_state=0,
    )
    params.update(kw)
    return SupervisedEncoderClassifier(**params)


def test_supervised_classifier_learns_and_predicts_per_neuron():
    X, y, _ = separable()
    names = np.array(["quiet", "bursty"])[y]
    X[0, -1] = np.nan  # a missing segment
    clf = tiny_classifier().fit(X, names)
    losses = clf.history_[:, "train_loss"]
    assert losses[-1] < losses[0]
    proba = clf.predict_proba(X)
    assert proba.shape == (16, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert list(clf.classes_) == ["bursty", "quiet"]
    assert clf.score(X, names) == 1.0
    # Averaging is over valid segments only.
    np.testing.assert_allclose(
        clf.decision_function(X[:1, :-1]), clf.decision_function(X[:1]), rtol=1e-5
    )


def test_supervised_classifier_is_deterministic_and_clonable():
    X, y, _ = separable()
    a = tiny_classifier(max_epochs=2).fit(X, y).decision_function(X)
    b = clone(tiny_classifier(max_epochs=2)).fit(X, y).decision_function(X)
    np.testing.assert_allclose(a, b, rtol=1e-5)


def test_supervised_classifier_errors():
    X, y, _ = separable()
    with pytest.raises(ValueError, match="one label per neuron"):
        tiny_classifier().fit(X, y[:-1])
    with pytest.raises(ValueError, match="at least 2 classes"):
        tiny_classifier().fit(X, np.zeros(len(X)))
    clf = tiny_classifier(max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="segment_length"):
        clf.predict(X[:, :, :10])


def test_supervised_classifier_in_compare_methods():
    X, y, groups = separable()
    cmp = compare_methods(
        {"summary": SummaryFeatures(), "supervised": tiny_classifier(max_epochs=3)},
        X,
        y,
        groups,
        protocols=("inductive", "transductive"),
        probes=("logistic",),
        verbose=0,
    )
    assert [(r["method"], r["protocol"]) for r in cmp.table()] == [
        ("summary", "inductive"),
        ("summary", "transductive"),
        ("supervised", "inductive"),
    ]


def test_vicreg_embedder_under_both_protocols():
    embedder_mod = pytest.importorskip("neurovec.embedder")
    X, y, groups = separable()
    emb = embedder_mod.NeuronVICRegEmbedder(
        embedding_dim=4,
        projector=(8,),
        encoder_kwargs=TINY_ENCODER,
        max_epochs=1,
        batch_size=8,
        random_state=0,
    )
    ind = evaluate_embedding(emb, X, y, groups, probes="knn", verbose=0)
    tra = evaluate_embedding(
        emb,
        X,
        y,
        groups,
        probes="knn",
        protocol="transductive",
        return_estimators=True,
        verbose=0,
    )
    assert ind.n_folds == tra.n_folds == 2
    assert not hasattr(emb, "net_")  # the user's embedder is never fitted
    assert tra.estimators[0].transform(X).shape == (16, 4)
    for ev in (ind, tra):
        assert 0.0 <= ev.summary()["knn"]["balanced_accuracy"][0] <= 1.0


def test_simulated_population_with_summary_features():
    sim = pytest.importorskip("neurovec.simulation")
    data = sim.make_izhikevich(
        ["RS", "FS"],
        n_neurons_per_type=4,
        n_animals=2,
        n_segments=3,
        segment_duration=400.0,
        random_state=0,
    )
    ev = evaluate_embedding(
        SummaryFeatures(), data.X, data.y, data.groups, probes="logistic", verbose=0
    )
    assert ev.n_folds == 2
    assert sum(r["n_test"] for r in ev.folds) == len(data.y)
    assert ev.summary()["logistic"]["balanced_accuracy"][0] >= 0.75


def test_loss_curves_of_a_fitted_embedder(tmp_path):
    embedder_mod = pytest.importorskip("neurovec.embedder")
    from neurovec.plotting import plot_loss_curves

    X, _, _ = separable()
    emb = embedder_mod.NeuronVICRegEmbedder(
        embedding_dim=4,
        projector=(8,),
        encoder_kwargs=TINY_ENCODER,
        max_epochs=2,
        batch_size=8,
        random_state=0,
    ).fit(X)
    fig = plot_loss_curves(emb, path=tmp_path / "loss.png")
    assert [ax.get_title() for ax in fig.axes] == [
        "total loss",
        "invariance",
        "variance",
        "covariance",
    ]
    assert all(len(ax.lines[0].get_xdata()) == 2 for ax in fig.axes)
    assert (tmp_path / "loss.png").stat().st_size > 0


def test_supervised_classifier_with_context_encoder():
    X, y, groups = separable()
    from neurovec import add_population_context

    Xc = add_population_context(X, groups)
    clf = tiny_classifier(encoder="context", max_epochs=3).fit(Xc, y)
    assert clf.n_channels_ == 2
    assert clf.predict(Xc).shape == (len(y),)
    with pytest.raises(ValueError, match="channel"):
        clf.predict(X)
