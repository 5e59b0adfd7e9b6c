"""Evaluating neuron embeddings: probes, leave-animals-out protocols, baselines.

- :func:`evaluate_embedding` — one embedder, one protocol (``"inductive"``: the
  embedder never sees test animals; ``"transductive"``: it sees every animal's
  unlabelled traces), several probes, cross-validation grouped by animal; returns
  an :class:`EmbeddingEvaluation` (per-fold table, summaries, JSON, markdown).
- :func:`compare_methods` — several methods and protocols in one table.
- :func:`make_probe` — the standard probes (``"logistic"``, ``"knn"``, ``"mlp"``).
- Baselines on the same input contract: :class:`SummaryFeatures`,
  :class:`SegmentPCA`, :class:`MiniRocketFeatures`, :class:`Catch22Features`;
  a supervised upper bound, :class:`SupervisedEncoderClassifier`.
"""

from neurovec.evaluation._baselines import (
    Catch22Features,
    MiniRocketFeatures,
    SegmentPCA,
    SummaryFeatures,
)
from neurovec.evaluation._protocols import evaluate_embedding, make_probe
from neurovec.evaluation._report import MethodComparison, compare_methods
from neurovec.evaluation._result import EmbeddingEvaluation
from neurovec.evaluation._supervised import SupervisedEncoderClassifier

__all__ = [
    "Catch22Features",
    "EmbeddingEvaluation",
    "MethodComparison",
    "MiniRocketFeatures",
    "SegmentPCA",
    "SummaryFeatures",
    "SupervisedEncoderClassifier",
    "compare_methods",
    "evaluate_embedding",
    "make_probe",
]
