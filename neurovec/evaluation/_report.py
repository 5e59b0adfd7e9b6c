"""The standard comparison: several methods × protocols × probes in one table."""

from dataclasses import dataclass

import numpy as np

from neurovec.evaluation._protocols import _is_supervised, evaluate_embedding
from neurovec.evaluation._result import dump_json

__all__ = ["MethodComparison", "compare_methods"]


@dataclass
class MethodComparison:
    """Result of :func:`compare_methods`.

    Attributes
    ----------
    results : dict of (str, str) to EmbeddingEvaluation
        One evaluation per ``(method, protocol)``.

    Examples
    --------
    >>> import numpy as np
    >>> from neurovec.evaluation import SegmentPCA, SummaryFeatures, compare_methods
    >>> rng = np.random.default_rng(0)
    >>> X = rng.poisson(rng.uniform(0.5, 3, size=(24, 1, 1, 1)), size=(24, 4, 50, 1))
    >>> y, groups = np.arange(24) % 2, np.repeat([0, 1, 2], 8)
    >>> comp = compare_methods({"summary": SummaryFeatures(), "pca": SegmentPCA(3)},
    ...                        X, y, groups, probes=("knn",), verbose=0)
    >>> sorted(comp.results)
    [('pca', 'inductive'), ('summary', 'inductive')]
    """

    results: dict

    def table(self):
        """Tidy summary: one row per method, protocol and probe.

        Returns
        -------
        rows : list of dict
            Keys ``method``, ``protocol``, ``probe``, ``balanced_accuracy_mean``,
            ``balanced_accuracy_std``, ``f1_macro_mean``, ``f1_macro_std``,
            ``accuracy_mean``, ``accuracy_std``, ``fit_time``, ``transform_time``
            (embedder, mean over folds, seconds), ``n_folds``.
        """
        rows = []
        for (method, protocol), ev in self.results.items():
            for probe, e in ev.summary().items():
                row = {"method": method, "protocol": protocol, "probe": probe}
                for m in ("balanced_accuracy", "f1_macro", "accuracy"):
                    row[f"{m}_mean"], row[f"{m}_std"] = e[m]
                row["fit_time"] = e["fit_time"]
                row["transform_time"] = e["transform_time"]
                row["n_folds"] = ev.n_folds
                rows.append(row)
        return rows

    def to_dict(self):
        """JSON-serialisable dictionary.

        Returns
        -------
        result : dict
            ``{"table": self.table(), "evaluations": {"method/protocol":
            EmbeddingEvaluation.to_dict()}}``.
        """
        return {
            "table": self.table(),
            "evaluations": {
                f"{m}/{p}": ev.to_dict() for (m, p), ev in self.results.items()
            },
        }

    def to_json(self, path=None, **kwargs):
        """Serialise :meth:`to_dict`; write it to ``path`` when given.

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

    def to_markdown(self):
        """One markdown table, mean ± std over folds.

        Returns
        -------
        text : str
        """
        lines = [
            "| method | protocol | probe | balanced accuracy | macro F1 | fit (s) | "
            "transform (s) |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in self.table():
            lines.append(
                f"| {r['method']} | {r['protocol']} | {r['probe']} | "
                f"{r['balanced_accuracy_mean']:.3f} ± {r['balanced_accuracy_std']:.3f}"
                f" | {r['f1_macro_mean']:.3f} ± {r['f1_macro_std']:.3f} | "
                f"{r['fit_time']:.3g} | {r['transform_time']:.3g} |"
            )
        return "\n".join(lines)

    def best(self, metric="balanced_accuracy"):
        """The row with the highest mean ``metric``.

        Parameters
        ----------
        metric : str, default="balanced_accuracy"
            ``"balanced_accuracy"``, ``"f1_macro"`` or ``"accuracy"``.

        Returns
        -------
        row : dict
        """
        rows = self.table()
        return rows[int(np.argmax([r[f"{metric}_mean"] for r in rows]))]


def compare_methods(
    methods,
    X,
    y,
    groups,
    *,
    protocols=("inductive",),
    probes=("logistic", "knn"),
    cv=None,
    fit_X=None,
    fit_groups=None,
    n_jobs=None,
    verbose=1,
):
    """Evaluate several embedders (and supervised classifiers) in one table.

    Every method runs on the same folds and probes through
    :func:`evaluate_embedding`. Supervised classifiers (no ``transform``) are
    evaluated once, under the inductive protocol, whatever ``protocols`` says.

    Parameters
    ----------
    methods : dict of str to estimator
        Named unfitted transformers or classifiers.
    X, y, groups
        As in :func:`evaluate_embedding`.
    protocols : sequence of {"inductive", "transductive"}, default=("inductive",)
        Protocols to run for every unsupervised method.
    probes, cv, fit_X, fit_groups, n_jobs, verbose
        As in :func:`evaluate_embedding`.

    Returns
    -------
    comparison : MethodComparison

    Examples
    --------
    >>> import numpy as np
    >>> from neurovec.evaluation import SegmentPCA, SummaryFeatures, compare_methods
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 12)
    >>> X = rng.poisson(1.0 + 3 * y[:, None, None], size=(24, 4, 50))
    >>> groups = np.tile([0, 1, 2], 8)
    >>> methods = {"summary": SummaryFeatures(), "pca": SegmentPCA(3, random_state=0)}
    >>> cmp = compare_methods(methods, X, y, groups, probes=("logistic",), verbose=0)
    >>> len(cmp.table())
    2
    """
    if not isinstance(methods, dict) or not methods:
        raise TypeError(
            "Expected methods as a non-empty dict {name: estimator}; received "
            f"{type(methods).__name__}."
        )
    if isinstance(protocols, str):
        protocols = (protocols,)
    results = {}
    for name, est in methods.items():
        todo = ("inductive",) if _is_supervised(est) else tuple(protocols)
        for protocol in todo:
            results[(name, protocol)] = evaluate_embedding(
                est,
                X,
                y,
                groups,
                probes=probes,
                protocol=protocol,
                cv=cv,
                fit_X=fit_X,
                fit_groups=fit_groups,
                n_jobs=n_jobs,
                verbose=verbose,
            )
    return MethodComparison(results=results)
