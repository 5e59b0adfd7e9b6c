"""
Inductive vs transductive evaluation, against baselines
=======================================================

:func:`neurovec.evaluation.evaluate_embedding` runs one embedder under one of
the two protocols of the field, with cross-validation that leaves whole
animals out:

- **inductive**: in each fold the embedder is fitted on the training animals
  only; test animals are never seen, not even unlabelled;
- **transductive**: the embedder is fitted once on every animal's unlabelled
  traces (self-supervised, no labels used); only the probe is restricted to the
  training animals.

:func:`neurovec.evaluation.compare_methods` puts several methods and both
protocols in one table, here the VICReg embedder against the hand-made
:class:`~neurovec.evaluation.SummaryFeatures` and
:class:`~neurovec.evaluation.SegmentPCA` baselines.

Set ``NEUROVEC_EXAMPLE_QUICK=1`` to run a tiny version in a few seconds.
"""

import os

from neurovec import NeuronVICRegEmbedder, make_izhikevich
from neurovec.evaluation import SegmentPCA, SummaryFeatures, compare_methods
from neurovec.plotting import plot_confusion_matrix, plot_f1_bars

QUICK = os.environ.get("NEUROVEC_EXAMPLE_QUICK") == "1"

data = make_izhikevich(
    types=("RS", "FS", "IB") if QUICK else ("RS", "IB", "CH", "FS", "LTS", "TC", "RZ"),
    n_neurons_per_type=4 if QUICK else 8,
    n_animals=3 if QUICK else 4,
    n_segments=4 if QUICK else 8,
    segment_duration=500.0 if QUICK else 2000.0,
    random_state=0,
)

# %%
# The methods: unfitted estimators, cloned in every fold.
methods = {
    "neurovec": NeuronVICRegEmbedder(
        embedding_dim=16 if QUICK else 32,
        projector=(32,) if QUICK else (128, 128),
        encoder_kwargs={"hidden_channels": 8, "n_blocks": 1} if QUICK else None,
        pairs_per_neuron=2 if QUICK else 4,
        max_epochs=2 if QUICK else 5,
        random_state=0,
    ),
    "summary": SummaryFeatures(),
    "pca": SegmentPCA(n_components=5, random_state=0),
}

# %%
# Both protocols, leave-one-animal-out (``cv=None``), logistic and k-NN probes.
comparison = compare_methods(
    methods,
    data.X,
    data.y,
    data.groups,
    protocols=("inductive", "transductive"),
    probes=("logistic", "knn"),
    verbose=0,
)
print(comparison.to_markdown())

# %%
# Per-class F1 of the embedder's logistic probe under both protocols, and the
# confusion matrix of the inductive one (summed over folds).
inductive = comparison.results[("neurovec", "inductive")]
transductive = comparison.results[("neurovec", "transductive")]
names = data.target_names
f1 = {
    protocol: {
        names[c]: values["f1"] for c, values in ev.per_class_summary("logistic").items()
    }
    for protocol, ev in (("inductive", inductive), ("transductive", transductive))
}
fig = plot_f1_bars(f1, title="neurovec, logistic probe")
fig = plot_confusion_matrix(inductive, names, probe="logistic")
