"""Leave-animals-out evaluation of neuron embeddings with linear and non-linear probes.

A neuron embedding is judged by how well simple classifiers ("probes") predict a
label (type, class, region) from it, for neurons of animals that the probe never
saw. Two protocols differ in what the *embedder* may see:

- **inductive** — the embedder is cloned and fitted inside every fold on the
  training animals only (as in a :class:`~sklearn.pipeline.Pipeline` under
  :class:`~sklearn.model_selection.GroupKFold`); test animals are new to the
  embedder and to the probe;
- **transductive** — the embedder is fitted **once**, on the unlabelled traces of
  every animal (the labels are never used, so one fit serves every fold and
  re-fitting per fold would only add cost); only the probe is restricted to the
  training animals.

A supervised classifier (an estimator with ``predict`` but no ``transform``) can
be evaluated too: it is its own probe (reported as ``"self"``) and always runs
under the inductive protocol, since it needs labels.
"""

import numbers
import time

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut
from sklearn.neighbors import KNeighborsClassifier
from sklearn.utils import column_or_1d

from neurovec._validation import check_segmented
from neurovec.evaluation._result import _METRICS, EmbeddingEvaluation, _jsonable

__all__ = ["evaluate_embedding", "make_probe"]

_PROTOCOLS = ("inductive", "transductive")


def make_probe(name, *, random_state=0):
    """Build one of the standard probes by name.

    Parameters
    ----------
    name : {"logistic", "knn", "mlp"}
        ``"logistic"``: standardisation + balanced logistic regression;
        ``"knn"``: standardisation + 5-nearest-neighbour vote (fewer when the
        training set is smaller); ``"mlp"``: standardisation + one-hidden-layer
        perceptron.
    random_state : int, default=0
        Seed of the MLP probe.

    Returns
    -------
    probe : sklearn.pipeline.Pipeline

    Examples
    --------
    >>> from neurovec.evaluation import make_probe
    >>> [step for step, _ in make_probe("knn").steps]
    ['standardscaler', 'kneighborsclassifier']
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if name == "logistic":
        clf = LogisticRegression(max_iter=5000, class_weight="balanced")
    elif name == "knn":
        clf = KNeighborsClassifier(n_neighbors=5)
    elif name == "mlp":
        clf = MLPClassifier(
            hidden_layer_sizes=(64,),
            max_iter=2000,
            early_stopping=False,
            random_state=random_state,
        )
    else:
        raise ValueError(
            "Expected a probe name in {'logistic', 'knn', 'mlp'} or a scikit-learn "
            f"classifier; received {name!r}."
        )
    return make_pipeline(StandardScaler(), clf)


def _resolve_probes(probes):
    if isinstance(probes, (str, dict)) or hasattr(probes, "fit"):
        probes = probes if isinstance(probes, dict) else [probes]
    if isinstance(probes, dict):
        items = list(probes.items())
    else:
        items = []
        for p in probes:
            name = p if isinstance(p, str) else type(p).__name__
            items.append((name, p))
    if not items:
        raise ValueError("Expected at least one probe; received an empty collection.")
    out = {}
    for name, p in items:
        if isinstance(p, str):
            p = make_probe(p)
        elif not (hasattr(p, "fit") and hasattr(p, "predict")):
            raise TypeError(
                "Expected each probe to be a name ('logistic', 'knn', 'mlp') or a "
                f"scikit-learn classifier with fit/predict; received {p!r}."
            )
        if name in out:
            raise ValueError(f"Duplicate probe name {name!r}; pass a dict to rename.")
        out[name] = p
    return out


def _is_supervised(estimator):
    return not hasattr(estimator, "transform") and hasattr(estimator, "predict")


def _resolve_cv(cv, groups):
    n_groups = len(np.unique(groups))
    if n_groups < 2:
        raise ValueError(
            "Expected neurons from at least 2 groups (animals) for a leave-animals-"
            f"out evaluation; received {n_groups} group."
        )
    if cv is None:
        return LeaveOneGroupOut()
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        if not 2 <= cv <= n_groups:
            raise ValueError(
                f"Expected cv between 2 and the number of groups ({n_groups}); "
                f"received cv={cv}."
            )
        return GroupKFold(n_splits=int(cv))
    if hasattr(cv, "split") and not isinstance(cv, str):
        return cv
    if isinstance(cv, (list, tuple)):
        return list(cv)
    raise TypeError(
        "Expected cv to be None, an int, a splitter with split(X, y, groups) or a "
        f"list of (train, test) index pairs; received {cv!r}."
    )


def _concat_neurons(A, B):
    """Stack two canonical arrays along neurons, NaN-padding missing segments."""
    if A.shape[2:] != B.shape[2:]:
        raise ValueError(
            "fit_X must have the same segment_length and n_channels as X: expected "
            f"(n, n_segments, {A.shape[2]}, {A.shape[3]}); received fit_X of shape "
            f"{B.shape}."
        )
    n_seg = max(A.shape[1], B.shape[1])

    def pad(Z):
        if Z.shape[1] == n_seg:
            return Z
        widths = ((0, 0), (0, n_seg - Z.shape[1]), (0, 0), (0, 0))
        return np.pad(Z, widths, constant_values=np.nan)

    return np.concatenate([pad(A), pad(B)], axis=0)


def _check_embedding(Z, n_rows, what):
    Z = np.asarray(Z)
    if Z.ndim != 2 or Z.shape[0] != n_rows:
        raise ValueError(
            f"Expected the embedder's {what} output of shape ({n_rows}, "
            f"n_features); received shape {Z.shape}."
        )
    if not np.all(np.isfinite(Z)):
        raise ValueError(f"The embedder's {what} output contains NaN or infinity.")
    return Z


def _fit_probe(probe, Z_train, y_train):
    probe = clone(probe)
    # A k-NN probe cannot ask for more neighbours than training neurons.
    for _, est in getattr(probe, "steps", [(None, probe)]):
        if isinstance(est, KNeighborsClassifier) and est.n_neighbors > len(Z_train):
            est.set_params(n_neighbors=len(Z_train))
    t0 = time.perf_counter()
    probe.fit(Z_train, y_train)
    return probe, time.perf_counter() - t0


def _score(y_true, y_pred, classes):
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=classes, zero_division=0
    )
    return {
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "f1_macro": float(
            f1_score(
                y_true,
                y_pred,
                labels=np.unique(y_true),
                average="macro",
                zero_division=0,
            )
        ),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "support": support,
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=classes),
    }


def _run_fold(
    fold, train, test, embedder, probes, X, y, groups, fit_X, fit_groups, shared
):
    """Fit (or reuse) the embedder, fit each probe, score on the test animals."""
    test_groups = np.unique(groups[test])
    rows, per_class = [], {}
    preds = {}
    if _is_supervised(embedder):
        est = clone(embedder)
        t0 = time.perf_counter()
        est.fit(X[train], y[train])
        fit_time = time.perf_counter() - t0
        t0 = time.perf_counter()
        preds["self"] = np.asarray(est.predict(X[test]))
        transform_time = time.perf_counter() - t0
        probe_times = {"self": 0.0}
        fitted = est
    else:
        if shared is not None:  # transductive: one embedding for every neuron
            Z, fit_time, transform_time = shared
            Z_train, Z_test = Z[train], Z[test]
            fitted = None
        else:
            est = clone(embedder)
            fit_data = X[train]
            if fit_X is not None:
                extra = np.isin(fit_groups, groups[train])
                fit_data = _concat_neurons(fit_data, fit_X[extra])
            t0 = time.perf_counter()
            est.fit(fit_data)
            fit_time = time.perf_counter() - t0
            t0 = time.perf_counter()
            Z_train = _check_embedding(est.transform(X[train]), len(train), "train")
            Z_test = _check_embedding(est.transform(X[test]), len(test), "test")
            transform_time = time.perf_counter() - t0
            fitted = est
        probe_times = {}
        for name, probe in probes.items():
            p, probe_times[name] = _fit_probe(probe, Z_train, y[train])
            preds[name] = np.asarray(p.predict(Z_test))
    for name, y_pred in preds.items():
        s = _score(y[test], y_pred, np.unique(y))
        rows.append(
            {
                "fold": fold,
                "probe": name,
                "test_groups": [_jsonable(g) for g in test_groups],
                "n_train": len(train),
                "n_test": len(test),
                **{m: s[m] for m in _METRICS},
                "fit_time": fit_time,
                "transform_time": transform_time,
                "probe_fit_time": probe_times[name],
            }
        )
        per_class[name] = s
    return rows, per_class, preds, test, fitted


def evaluate_embedding(
    embedder,
    X,
    y,
    groups,
    *,
    probes=("logistic", "knn"),
    protocol="inductive",
    cv=None,
    fit_X=None,
    fit_groups=None,
    n_jobs=None,
    return_estimators=False,
    verbose=1,
):
    """Evaluate a neuron embedder with probes on held-out animals.

    Parameters
    ----------
    embedder : transformer or classifier
        An unfitted scikit-learn transformer mapping segmented traces to
        ``(n_neurons, n_features)`` (e.g. :class:`neurovec.NeuronVICRegEmbedder`
        or a baseline); it is cloned, never modified. A classifier without
        ``transform`` is evaluated directly (probe ``"self"``, inductive only).
    X : array-like of shape (n_neurons, n_segments, segment_length[, n_channels])
        Segmented traces of the labelled neurons.
    y : array-like of shape (n_neurons,)
        Labels.
    groups : array-like of shape (n_neurons,)
        Animal (or session) of each neuron; folds never split a group.
    probes : str, classifier, sequence of those, or dict, default=("logistic", "knn")
        Probe names (see :func:`make_probe`) or scikit-learn classifiers; a dict
        names them.
    protocol : {"inductive", "transductive"}, default="inductive"
        Inductive: the embedder is fitted in each fold on the training animals
        only. Transductive: it is fitted once on every animal's unlabelled traces
        (plus ``fit_X``); only the probes are restricted to training animals.
    cv : None, int, splitter or list of (train, test), default=None
        None: :class:`~sklearn.model_selection.LeaveOneGroupOut`; an int:
        :class:`~sklearn.model_selection.GroupKFold` with that many folds; a
        splitter is called as ``cv.split(X, y, groups)``.
    fit_X : array-like or None, default=None
        Extra unlabelled neurons (e.g. unidentified cells) added to the
        embedder's training data; same segment length and channels as ``X``.
    fit_groups : array-like of shape (len(fit_X),) or None, default=None
        Animal of each ``fit_X`` neuron; required with ``fit_X`` under the
        inductive protocol, where only those of training animals are used.
    n_jobs : int or None, default=None
        Folds run in parallel with joblib (inductive protocol).
    return_estimators : bool, default=False
        Keep the fitted embedders in the result's ``estimators``.
    verbose : int, default=1
        0: silent; 1: progress bar over folds.

    Returns
    -------
    evaluation : EmbeddingEvaluation

    Raises
    ------
    ValueError
        Unknown protocol, mismatched lengths, fewer than 2 groups, ``fit_X``
        without ``fit_groups`` in the inductive protocol, or an embedder output of
        the wrong shape.

    Examples
    --------
    >>> import numpy as np
    >>> from neurovec.evaluation import SummaryFeatures, evaluate_embedding
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 12)
    >>> X = rng.poisson(1.0 + 3 * y[:, None, None], size=(24, 4, 50))
    >>> groups = np.tile([0, 1, 2], 8)
    >>> ev = evaluate_embedding(SummaryFeatures(), X, y, groups, verbose=0)
    >>> ev.n_folds, round(ev.summary()["logistic"]["balanced_accuracy"][0], 2)
    (3, 1.0)
    """
    if protocol not in _PROTOCOLS:
        raise ValueError(
            f"Expected protocol in {_PROTOCOLS}; received protocol={protocol!r}."
        )
    if not (
        hasattr(embedder, "fit")
        and (hasattr(embedder, "transform") or hasattr(embedder, "predict"))
    ):
        raise TypeError(
            "Expected embedder to be a scikit-learn transformer (fit/transform) or "
            f"classifier (fit/predict); received {embedder!r}."
        )
    X = check_segmented(X, ensure_min_neurons=2)
    y = column_or_1d(y, warn=True)
    groups = column_or_1d(groups, warn=True)
    if not len(X) == len(y) == len(groups):
        raise ValueError(
            "Expected X, y and groups with the same number of neurons; received "
            f"{len(X)}, {len(y)} and {len(groups)}."
        )
    supervised = _is_supervised(embedder)
    if supervised:
        protocol = "inductive"
        probes = {"self": None}
    else:
        probes = _resolve_probes(probes)
    if fit_X is not None:
        fit_X = check_segmented(fit_X, input_name="fit_X")
        if fit_groups is not None:
            fit_groups = column_or_1d(fit_groups)
            if len(fit_groups) != len(fit_X):
                raise ValueError(
                    "Expected fit_groups with one entry per fit_X neuron "
                    f"({len(fit_X)}); received {len(fit_groups)}."
                )
        elif protocol == "inductive":
            raise ValueError(
                "fit_X under the inductive protocol requires fit_groups (the animal "
                "of each extra neuron) so that test animals stay unseen."
            )
    splitter = _resolve_cv(cv, groups)
    splits = (
        splitter if isinstance(splitter, list) else list(splitter.split(X, y, groups))
    )
    classes = np.unique(y)

    shared = None
    fitted_shared = None
    if protocol == "transductive" and not supervised:
        est = clone(embedder)
        fit_data = X if fit_X is None else _concat_neurons(X, fit_X)
        t0 = time.perf_counter()
        est.fit(fit_data)
        fit_time = time.perf_counter() - t0
        t0 = time.perf_counter()
        Z = _check_embedding(est.transform(X), len(X), "transform")
        shared = (Z, fit_time, time.perf_counter() - t0)
        fitted_shared = est

    args = (embedder, probes, X, y, groups, fit_X, fit_groups, shared)
    jobs = (
        delayed(_run_fold)(i, np.asarray(tr), np.asarray(te), *args)
        for i, (tr, te) in enumerate(splits)
    )
    parallel = Parallel(
        n_jobs=n_jobs if shared is None else None, return_as="generator"
    )
    results = parallel(jobs)
    if verbose:
        from tqdm.auto import tqdm

        results = tqdm(results, total=len(splits), desc=f"{protocol} folds")
    results = list(results)

    rows = [r for res in results for r in res[0]]
    names = list(probes)
    per_class = {
        p: {
            m: np.stack([res[1][p][m] for res in results])
            for m in ("precision", "recall", "f1", "support")
        }
        for p in names
    }
    cms = {
        p: np.stack([res[1][p]["confusion_matrix"] for res in results]) for p in names
    }
    y_pred = {}
    for p in names:
        pred = np.empty(len(y), dtype=y.dtype)
        covered = np.zeros(len(y), dtype=bool)
        for res in results:
            pred[res[3]] = res[2][p]
            covered[res[3]] = True
        # Neurons outside every test fold (custom cv) have no prediction.
        y_pred[p] = pred if covered.all() else np.where(covered, pred, None)
    estimators = None
    if return_estimators:
        estimators = [fitted_shared] if shared is not None else [r[4] for r in results]
    return EmbeddingEvaluation(
        protocol=protocol,
        classes=[_jsonable(c) for c in classes],
        probes=names,
        folds=rows,
        per_class=per_class,
        confusion_matrices=cms,
        y_true=y,
        y_pred=y_pred,
        estimators=estimators,
    )
