"""Tests of the leave-animals-out protocols and their result objects."""

import json

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from neurovec._validation import check_segmented, segment_mask
from neurovec.evaluation import (
    EmbeddingEvaluation,
    MethodComparison,
    SegmentPCA,
    SummaryFeatures,
    compare_methods,
    evaluate_embedding,
    make_probe,
)


class SpyEmbedder(TransformerMixin, BaseEstimator):
    """Records which neurons it was fitted on (their id sits in sample 0)."""

    def __init__(self, scale=1.0):
        self.scale = scale

    def fit(self, X, y=None):
        X = check_segmented(X)
        self.seen_ids_ = np.rint(X[:, 0, 0, 0]).astype(int)
        self.mean_ = float(np.nanmean(X[:, :, 1:, 0]))
        return self

    def transform(self, X):
        X = check_segmented(X)
        mean = np.nanmean(np.where(segment_mask(X)[..., None], X[:, :, 1:, 0], np.nan))
        return np.stack(
            [
                np.nanmean(X[:, :, 1:, 0], axis=(1, 2)) - self.mean_,
                np.full(len(X), mean),
            ],
            axis=1,
        )


class WrongShapeEmbedder(SpyEmbedder):
    def transform(self, X):
        return np.zeros((3, 2))


class MeanClassifier(ClassifierMixin, BaseEstimator):
    """Supervised stand-in: logistic regression on each neuron's mean activity."""

    def fit(self, X, y):
        X = check_segmented(X)
        self.clf_ = LogisticRegression().fit(self._features(X), y)
        self.classes_ = self.clf_.classes_
        return self

    @staticmethod
    def _features(X):
        return np.nanmean(X[:, :, 1:, 0], axis=(1, 2))[:, None]

    def predict(self, X):
        return self.clf_.predict(self._features(check_segmented(X)))


def make_data(
    n_per_class=6, n_groups=3, n_classes=2, seed=0, id_offset=0, with_ids=False
):
    """The class sets the level; with ids, neuron ``i`` holds ``i + id_offset``
    in sample 0 of segment 0 (0 in every other segment)."""
    rng = np.random.default_rng(seed)
    n = n_per_class * n_classes * n_groups
    y = np.repeat(np.arange(n_classes), n // n_classes)
    groups = np.tile(np.arange(n_groups), n // n_groups)
    X = rng.normal(size=(n, 4, 12)) + 2.0 * y[:, None, None]
    if with_ids:
        X[:, :, 0] = 0.0
        X[:, 0, 0] = np.arange(n) + id_offset
    return X.astype(np.float32), y, groups


def test_inductive_embedder_never_sees_test_animals():
    X, y, groups = make_data(with_ids=True)
    extra, _, extra_groups = make_data(
        n_per_class=2, seed=1, id_offset=1000, with_ids=True
    )
    ev = evaluate_embedding(
        SpyEmbedder(),
        X,
        y,
        groups,
        fit_X=extra,
        fit_groups=extra_groups,
        return_estimators=True,
        verbose=0,
    )
    assert ev.n_folds == 3
    assert len(ev.estimators) == 3
    ids = np.arange(len(X))
    extra_ids = np.arange(len(extra)) + 1000
    for est, fold in zip(ev.estimators, sorted({r["fold"] for r in ev.folds})):
        row = next(r for r in ev.folds if r["fold"] == fold)
        (test_group,) = row["test_groups"]
        seen = set(est.seen_ids_.tolist())
        assert seen.isdisjoint(ids[groups == test_group])
        assert seen.isdisjoint(extra_ids[extra_groups == test_group])
        expected = set(ids[groups != test_group]) | set(
            extra_ids[extra_groups != test_group]
        )
        assert seen == expected


def test_transductive_embedder_sees_every_animal_once():
    X, y, groups = make_data(with_ids=True)
    extra, _, _ = make_data(n_per_class=1, seed=2, id_offset=500, with_ids=True)
    ev = evaluate_embedding(
        SpyEmbedder(),
        X,
        y,
        groups,
        protocol="transductive",
        fit_X=extra,
        return_estimators=True,
        verbose=0,
    )
    assert ev.protocol == "transductive"
    (est,) = ev.estimators
    assert set(est.seen_ids_) == set(range(len(X))) | set(500 + np.arange(len(extra)))
    # One fit shared by every fold: identical fit times in the table.
    assert len({r["fit_time"] for r in ev.folds}) == 1


def test_fit_X_with_fewer_segments_is_nan_padded():
    X, y, groups = make_data()
    extra, _, extra_groups = make_data(
        n_per_class=1, seed=3, id_offset=700, with_ids=True
    )
    ev = evaluate_embedding(
        SpyEmbedder(),
        X,
        y,
        groups,
        fit_X=extra[:, :2],
        fit_groups=extra_groups,
        verbose=0,
    )
    assert ev.n_folds == 3


def test_separable_data_scores_perfectly_and_summary_layout():
    X, y, groups = make_data()
    ev = evaluate_embedding(SpyEmbedder(), X, y, groups, verbose=0)
    summary = ev.summary()
    assert set(summary) == {"logistic", "knn"}
    for probe in ("logistic", "knn"):
        assert summary[probe]["balanced_accuracy"] == (1.0, 0.0)
        assert summary[probe]["f1_macro"][0] == 1.0
        assert summary[probe]["per_class"][0]["recall"] == (1.0, 0.0)
        assert summary[probe]["per_class"][1]["support"] == 18
    cm = ev.confusion_matrix("logistic")
    assert cm.sum() == len(y)
    np.testing.assert_array_equal(cm, [[18, 0], [0, 18]])
    np.testing.assert_array_equal(ev.y_pred["knn"], y)
    assert ev.confusion_matrices["knn"].shape == (3, 2, 2)
    assert ev.per_class["knn"]["f1"].shape == (3, 2)


def test_random_labels_score_near_chance():
    X, _, groups = make_data(n_per_class=10)
    y = np.random.default_rng(0).permutation(np.repeat([0, 1], len(X) // 2))
    X[:, :, 1:] = np.random.default_rng(1).normal(size=X[:, :, 1:].shape)
    ev = evaluate_embedding(SummaryFeatures(), X, y, groups, verbose=0)
    assert ev.summary()["logistic"]["balanced_accuracy"][0] < 0.8


def test_cv_int_uses_group_kfold_and_folds_partition_groups():
    X, y, groups = make_data(n_groups=4, n_per_class=4)
    ev = evaluate_embedding(
        SummaryFeatures(), X, y, groups, cv=2, probes="logistic", verbose=0
    )
    assert ev.n_folds == 2
    tested = [g for r in ev.folds for g in r["test_groups"]]
    assert sorted(tested) == [0, 1, 2, 3]
    assert sum(r["n_test"] for r in ev.folds) == len(X)


def test_string_labels_and_json_layout(tmp_path):
    X, y, groups = make_data()
    names = np.array(["RS", "FS"])[y]
    ev = evaluate_embedding(
        SpyEmbedder(), X, names, groups, probes=("logistic",), verbose=0
    )
    d = json.loads(ev.to_json(tmp_path / "ev.json"))
    assert (tmp_path / "ev.json").exists()
    assert d["protocol"] == "inductive"
    assert d["classes"] == ["FS", "RS"]
    assert d["n_folds"] == 3
    assert set(d["folds"][0]) >= {
        "fold",
        "probe",
        "test_groups",
        "balanced_accuracy",
        "f1_macro",
        "fit_time",
        "transform_time",
    }
    s = d["summary"]["logistic"]
    assert s["balanced_accuracy"] == {"mean": 1.0, "std": 0.0}
    assert s["per_class"]["RS"]["f1"]["mean"] == 1.0
    assert np.array(d["confusion_matrices"]["logistic"]).shape == (3, 2, 2)
    assert d["y_pred"]["logistic"][0] in ("RS", "FS")


def test_to_markdown_lists_probes_and_classes():
    X, y, groups = make_data()
    ev = evaluate_embedding(SpyEmbedder(), X, y, groups, verbose=0)
    text = ev.to_markdown()
    assert "| logistic | 1.000 ± 0.000" in text
    assert "Per class (knn)" in text
    assert text.count("\n| 1 |") == 2


def test_class_absent_from_a_fold_is_left_out_of_the_mean():
    X, y, groups = make_data(n_classes=3, n_per_class=4)
    # Class 2 only in animal 0.
    keep = (y != 2) | (groups == 0)
    ev = evaluate_embedding(
        SummaryFeatures(), X[keep], y[keep], groups[keep], probes="knn", verbose=0
    )
    pc = ev.per_class_summary("knn")
    assert pc[2]["support"] == 4
    assert np.isfinite(pc[2]["f1"][0])
    assert (ev.per_class["knn"]["support"][:, 2] > 0).sum() == 1


def test_probes_as_names_estimators_and_dict():
    X, y, groups = make_data()
    ev = evaluate_embedding(
        SummaryFeatures(),
        X,
        y,
        groups,
        probes=("mlp", KNeighborsClassifier(n_neighbors=1)),
        verbose=0,
    )
    assert ev.probes == ["mlp", "KNeighborsClassifier"]
    ev = evaluate_embedding(
        SummaryFeatures(),
        X,
        y,
        groups,
        probes={"lr": LogisticRegression(max_iter=500)},
        verbose=0,
    )
    assert ev.probes == ["lr"]
    assert ev.scores("lr").shape == (3,)


def test_knn_probe_adapts_to_tiny_training_sets():
    X, y, groups = make_data(n_per_class=1, n_groups=2)
    ev = evaluate_embedding(SummaryFeatures(), X, y, groups, probes="knn", verbose=0)
    assert ev.n_folds == 2
    assert all(r["n_train"] == 2 for r in ev.folds)


def test_supervised_classifier_is_its_own_probe():
    X, y, groups = make_data()
    ev = evaluate_embedding(
        MeanClassifier(), X, y, groups, protocol="transductive", verbose=0
    )
    assert ev.probes == ["self"]
    assert ev.protocol == "inductive"
    assert ev.summary()["self"]["balanced_accuracy"][0] == 1.0


def test_parallel_folds_match_sequential():
    X, y, groups = make_data()
    a = evaluate_embedding(SegmentPCA(3, random_state=0), X, y, groups, verbose=0)
    b = evaluate_embedding(
        SegmentPCA(3, random_state=0), X, y, groups, n_jobs=2, verbose=0
    )
    np.testing.assert_array_equal(a.scores("knn"), b.scores("knn"))
    np.testing.assert_array_equal(a.y_pred["logistic"], b.y_pred["logistic"])


def test_make_probe_names():
    assert make_probe("logistic").steps[-1][1].class_weight == "balanced"
    assert make_probe("mlp", random_state=3).steps[-1][1].random_state == 3
    with pytest.raises(ValueError, match="probe name"):
        make_probe("svm")


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"protocol": "semi"}, ValueError, "protocol"),
        ({"cv": 5}, ValueError, "cv between 2"),
        ({"cv": "loo"}, TypeError, "cv to be"),
        ({"probes": ()}, ValueError, "at least one probe"),
        ({"probes": (object(),)}, TypeError, "scikit-learn classifier"),
        ({"probes": ("svm",)}, ValueError, "probe name"),
    ],
)
def test_invalid_arguments_raise(kwargs, error, match):
    X, y, groups = make_data()
    with pytest.raises(error, match=match):
        evaluate_embedding(SpyEmbedder(), X, y, groups, verbose=0, **kwargs)


def test_data_errors_raise():
    X, y, groups = make_data()
    with pytest.raises(ValueError, match="same number of neurons"):
        evaluate_embedding(SpyEmbedder(), X, y[:-1], groups, verbose=0)
    with pytest.raises(ValueError, match="at least 2 groups"):
        evaluate_embedding(SpyEmbedder(), X, y, np.zeros(len(y)), verbose=0)
    with pytest.raises(ValueError, match="requires fit_groups"):
        evaluate_embedding(SpyEmbedder(), X, y, groups, fit_X=X, verbose=0)
    with pytest.raises(ValueError, match="one entry per fit_X"):
        evaluate_embedding(
            SpyEmbedder(), X, y, groups, fit_X=X, fit_groups=groups[:3], verbose=0
        )
    with pytest.raises(ValueError, match="segment_length"):
        evaluate_embedding(
            SpyEmbedder(), X, y, groups, fit_X=X[:, :, :5], fit_groups=groups, verbose=0
        )
    with pytest.raises(ValueError, match=r"output of shape \(24, n_features\)"):
        evaluate_embedding(WrongShapeEmbedder(), X, y, groups, verbose=0)
    with pytest.raises(TypeError, match="transformer"):
        evaluate_embedding(object(), X, y, groups, verbose=0)
    ev = evaluate_embedding(SummaryFeatures(), X, y, groups, verbose=0)
    with pytest.raises(ValueError, match="Unknown probe"):
        ev.confusion_matrix("mlp")


def test_compare_methods_table_and_exports():
    X, y, groups = make_data()
    methods = {
        "summary": SummaryFeatures(),
        "pca": SegmentPCA(3, random_state=0),
        "supervised": MeanClassifier(),
    }
    cmp = compare_methods(
        methods,
        X,
        y,
        groups,
        protocols=("inductive", "transductive"),
        probes=("logistic",),
        verbose=0,
    )
    assert isinstance(cmp, MethodComparison)
    assert set(cmp.results) == {
        ("summary", "inductive"),
        ("summary", "transductive"),
        ("pca", "inductive"),
        ("pca", "transductive"),
        ("supervised", "inductive"),
    }
    assert all(isinstance(v, EmbeddingEvaluation) for v in cmp.results.values())
    rows = cmp.table()
    assert len(rows) == 5
    assert {r["probe"] for r in rows} == {"logistic", "self"}
    assert cmp.best()["balanced_accuracy_mean"] == 1.0
    d = json.loads(cmp.to_json())
    assert set(d) == {"table", "evaluations"}
    assert "pca/transductive" in d["evaluations"]
    assert cmp.to_markdown().count("\n") == 6
    with pytest.raises(TypeError, match="non-empty dict"):
        compare_methods([SummaryFeatures()], X, y, groups)


def test_progress_bar_only_when_verbose(capsys):
    X, y, groups = make_data()
    evaluate_embedding(SpyEmbedder(), X, y, groups, probes="knn", verbose=1)
    assert "inductive folds" in capsys.readouterr().err
    evaluate_embedding(SpyEmbedder(), X, y, groups, probes="knn", verbose=0)
    assert capsys.readouterr().err == ""


def test_custom_cv_splits_and_python_scalar_classes():
    X, y, groups = make_data()
    splits = [
        (np.flatnonzero(groups != g), np.flatnonzero(groups == g)) for g in (0, 1)
    ]
    ev = evaluate_embedding(SpyEmbedder(), X, y, groups, cv=splits, verbose=0)
    assert ev.n_folds == 2
    assert all(type(c) is int for c in ev.classes)
    # Neurons of animal 2 are in no test fold: no prediction for them.
    assert all(p is None for p in ev.y_pred["knn"][groups == 2])
    json.dumps(ev.to_dict())


def test_json_round_trip(tmp_path):
    X, y, groups = make_data()
    ev = evaluate_embedding(SpyEmbedder(), X, y, groups, verbose=0)
    ev.to_json(tmp_path / "ev.json")
    back = EmbeddingEvaluation.from_dict(json.loads((tmp_path / "ev.json").read_text()))
    assert back.summary() == ev.summary()
    assert back.to_markdown() == ev.to_markdown()
    np.testing.assert_array_equal(
        back.confusion_matrix("knn"), ev.confusion_matrix("knn")
    )
    with pytest.raises(ValueError, match="missing keys"):
        EmbeddingEvaluation.from_dict({"protocol": "inductive"})


def test_pipeline_ending_in_a_classifier_is_supervised():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, groups = make_data()
    transformer = make_pipeline(SpyEmbedder(), StandardScaler())
    classifier = make_pipeline(SpyEmbedder(), LogisticRegression())
    assert evaluate_embedding(transformer, X, y, groups, verbose=0).probes == [
        "logistic",
        "knn",
    ]
    ev = evaluate_embedding(classifier, X, y, groups, verbose=0)
    assert ev.probes == ["self"]
    assert ev.summary()["self"]["balanced_accuracy"][0] == 1.0
