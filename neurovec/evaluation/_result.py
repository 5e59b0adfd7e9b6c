"""The result of an evaluation: per-fold table, summaries, JSON and markdown."""

import json
from dataclasses import dataclass, field

import numpy as np

__all__ = ["EmbeddingEvaluation"]

_METRICS = ("balanced_accuracy", "f1_macro", "accuracy")


def _jsonable(v):
    if isinstance(v, np.generic):
        return v.item()
    return v


def dump_json(data, path=None, **kwargs):
    """JSON text of ``data`` (``indent=2`` by default), written to ``path`` if given."""
    kwargs.setdefault("indent", 2)
    text = json.dumps(data, **kwargs)
    if path is not None:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    return text


@dataclass
class EmbeddingEvaluation:
    """Result of :func:`evaluate_embedding`: per-fold scores and summaries.

    Attributes
    ----------
    protocol : str
        ``"inductive"`` or ``"transductive"``.
    classes : list
        Sorted class labels; order of the per-class arrays and confusion matrices.
    probes : list of str
        Probe names (``["self"]`` for a supervised classifier).
    folds : list of dict
        Tidy table, one row per (fold, probe) with keys ``fold``, ``probe``,
        ``test_groups``, ``n_train``, ``n_test``, ``balanced_accuracy``,
        ``f1_macro``, ``accuracy``, ``fit_time`` and ``transform_time`` (of the
        embedder; in the transductive protocol the single fit's time, repeated),
        ``probe_fit_time``.
    per_class : dict of str to dict of ndarray
        For each probe, ``precision``, ``recall``, ``f1`` and ``support`` arrays
        of shape (n_folds, n_classes). A class absent from a fold's test animals
        has support 0 there and is left out of the mean over folds.
    confusion_matrices : dict of str to ndarray
        For each probe, the confusion matrices of shape
        (n_folds, n_classes, n_classes) (rows: true class, columns: predicted).
    y_true : ndarray of shape (n_neurons,)
        The labels.
    y_pred : dict of str to ndarray
        Out-of-fold predictions of each probe, aligned with ``y_true``.
    estimators : list or None
        Fitted embedders per fold (inductive) or the single fitted embedder
        (transductive) when ``return_estimators=True``.

    Examples
    --------
    >>> import numpy as np
    >>> from neurovec.evaluation import SummaryFeatures, evaluate_embedding
    >>> rng = np.random.default_rng(0)
    >>> X = rng.poisson(rng.uniform(0.5, 3, size=(24, 1, 1, 1)), size=(24, 4, 50, 1))
    >>> y, groups = np.arange(24) % 2, np.repeat([0, 1, 2], 8)
    >>> ev = evaluate_embedding(SummaryFeatures(), X, y, groups, probes=("knn",),
    ...                         verbose=0)
    >>> ev.protocol, len(ev.folds), ev.confusion_matrix("knn").shape
    ('inductive', 3, (2, 2))
    """

    protocol: str
    classes: list
    probes: list
    folds: list
    per_class: dict
    confusion_matrices: dict
    y_true: np.ndarray
    y_pred: dict
    estimators: list = field(default=None, repr=False)

    @property
    def n_folds(self):
        """Number of folds."""
        return len({row["fold"] for row in self.folds})

    def scores(self, probe, metric="balanced_accuracy"):
        """Per-fold values of one metric for one probe.

        Parameters
        ----------
        probe : str
            Probe name.
        metric : str, default="balanced_accuracy"
            A key of :attr:`folds` rows.

        Returns
        -------
        values : ndarray of shape (n_folds,)
        """
        self._check_probe(probe)
        return np.asarray([r[metric] for r in self.folds if r["probe"] == probe])

    def _check_probe(self, probe):
        if probe not in self.probes:
            raise ValueError(f"Unknown probe {probe!r}; expected one of {self.probes}.")

    def confusion_matrix(self, probe=None, normalize=False):
        """Confusion matrix summed over folds.

        Parameters
        ----------
        probe : str or None, default=None
            Probe name; the first probe when None.
        normalize : bool, default=False
            Divide each row (true class) by its total.

        Returns
        -------
        cm : ndarray of shape (n_classes, n_classes)
        """
        probe = self.probes[0] if probe is None else probe
        self._check_probe(probe)
        cm = self.confusion_matrices[probe].sum(axis=0)
        if normalize:
            total = cm.sum(axis=1, keepdims=True)
            return np.divide(cm, total, out=np.zeros(cm.shape), where=total > 0)
        return cm

    def per_class_summary(self, probe=None):
        """Mean and std over folds of per-class precision, recall and F1.

        Folds whose test animals lack a class are left out for that class.

        Parameters
        ----------
        probe : str or None, default=None
            Probe name; the first probe when None.

        Returns
        -------
        summary : dict
            ``{class: {"precision": (mean, std), "recall": ..., "f1": ...,
            "support": total}}``.
        """
        probe = self.probes[0] if probe is None else probe
        self._check_probe(probe)
        pc = self.per_class[probe]
        present = pc["support"] > 0
        out = {}
        for j, cls in enumerate(self.classes):
            entry = {}
            for m in ("precision", "recall", "f1"):
                v = pc[m][present[:, j], j]
                entry[m] = (
                    (float(v.mean()), float(v.std())) if v.size else (np.nan, np.nan)
                )
            entry["support"] = int(pc["support"][:, j].sum())
            out[_jsonable(cls)] = entry
        return out

    def summary(self):
        """Mean ± std over folds for every probe.

        Returns
        -------
        summary : dict
            ``{probe: {"balanced_accuracy": (mean, std), "f1_macro": (mean, std),
            "accuracy": (mean, std), "fit_time": mean, "transform_time": mean,
            "per_class": {...}, "confusion_matrix": summed list}}``.
        """
        out = {}
        for probe in self.probes:
            entry = {}
            for m in _METRICS:
                v = self.scores(probe, m)
                entry[m] = (float(v.mean()), float(v.std()))
            for t in ("fit_time", "transform_time", "probe_fit_time"):
                entry[t] = float(self.scores(probe, t).mean())
            entry["per_class"] = self.per_class_summary(probe)
            entry["confusion_matrix"] = self.confusion_matrix(probe).tolist()
            out[probe] = entry
        return out

    def to_dict(self):
        """JSON-serialisable dictionary (see :meth:`to_json`).

        Returns
        -------
        result : dict
            Keys ``protocol``, ``classes``, ``probes``, ``n_folds``, ``folds``
            (the tidy table), ``summary`` (as :meth:`summary`, tuples as
            ``{"mean", "std"}``; class keys as strings), ``per_class`` (per-fold
            lists), ``confusion_matrices`` (per-fold nested lists), ``y_true``,
            ``y_pred``.
        """

        def ms(v):
            if isinstance(v, tuple):
                return {"mean": _nan_none(v[0]), "std": _nan_none(v[1])}
            return v

        summary = {}
        for probe, entry in self.summary().items():
            summary[probe] = {
                k: ms(v) for k, v in entry.items() if k not in ("per_class",)
            }
            summary[probe]["per_class"] = {
                str(c): {k: ms(v) for k, v in d.items()}
                for c, d in entry["per_class"].items()
            }
        return {
            "protocol": self.protocol,
            "classes": [_jsonable(c) for c in self.classes],
            "probes": list(self.probes),
            "n_folds": self.n_folds,
            "folds": [dict(r) for r in self.folds],
            "summary": summary,
            "per_class": {
                p: {k: v.tolist() for k, v in d.items()}
                for p, d in self.per_class.items()
            },
            "confusion_matrices": {
                p: v.tolist() for p, v in self.confusion_matrices.items()
            },
            "y_true": [_jsonable(v) for v in self.y_true],
            "y_pred": {p: [_jsonable(v) for v in a] for p, a in self.y_pred.items()},
        }

    @classmethod
    def from_dict(cls, data):
        """Rebuild an evaluation from :meth:`to_dict` output (e.g. loaded JSON).

        Parameters
        ----------
        data : dict
            As returned by :meth:`to_dict`, or parsed from :meth:`to_json`.

        Returns
        -------
        evaluation : EmbeddingEvaluation
            Without fitted estimators.
        """
        missing = {"protocol", "classes", "probes", "folds"} - set(data)
        if missing:
            raise ValueError(
                "Expected a dict written by EmbeddingEvaluation.to_dict; missing "
                f"keys {sorted(missing)}."
            )
        return cls(
            protocol=data["protocol"],
            classes=list(data["classes"]),
            probes=list(data["probes"]),
            folds=[dict(r) for r in data["folds"]],
            per_class={
                p: {k: np.asarray(v) for k, v in d.items()}
                for p, d in data["per_class"].items()
            },
            confusion_matrices={
                p: np.asarray(v) for p, v in data["confusion_matrices"].items()
            },
            y_true=np.asarray(data["y_true"]),
            y_pred={p: np.asarray(v) for p, v in data["y_pred"].items()},
        )

    def to_json(self, path=None, **kwargs):
        """Serialise :meth:`to_dict` to JSON, optionally writing it to ``path``.

        Parameters
        ----------
        path : str or path-like or None, default=None
            File to write.
        **kwargs
            Passed to :func:`json.dumps` (default ``indent=2``).

        Returns
        -------
        text : str
        """
        return dump_json(self.to_dict(), path, **kwargs)

    def to_markdown(self, per_class=True):
        """Markdown tables: probe summary, then per-class scores of each probe.

        Parameters
        ----------
        per_class : bool, default=True
            Add a per-class precision/recall/F1 table per probe.

        Returns
        -------
        text : str
        """
        summary = self.summary()
        lines = [
            f"Protocol: {self.protocol}, {self.n_folds} folds",
            "",
            "| probe | balanced accuracy | macro F1 | accuracy | fit (s) | "
            "transform (s) |",
            "|---|---|---|---|---|---|",
        ]
        for probe, e in summary.items():
            lines.append(
                f"| {probe} | {_pm(e['balanced_accuracy'])} | {_pm(e['f1_macro'])} "
                f"| {_pm(e['accuracy'])} | {e['fit_time']:.3g} | "
                f"{e['transform_time']:.3g} |"
            )
        if per_class:
            for probe, e in summary.items():
                lines += [
                    "",
                    f"Per class ({probe}):",
                    "",
                    "| class | precision | recall | F1 | support |",
                    "|---|---|---|---|---|",
                ]
                for cls, d in e["per_class"].items():
                    lines.append(
                        f"| {cls} | {_pm(d['precision'])} | {_pm(d['recall'])} | "
                        f"{_pm(d['f1'])} | {d['support']} |"
                    )
        return "\n".join(lines)


def _nan_none(v):
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else v


def _pm(t):
    if np.isnan(t[0]):
        return "n/a"
    return f"{t[0]:.3f} ± {t[1]:.3f}"
