"""
Population context on calcium imaging of unseen animals
=======================================================

Calcium fluorescence hides much of a neuron's spiking, and every animal has its
own input drive, noise level and indicator gain. Neurons recorded together
share these: :func:`neurovec.add_population_context` appends, as a second
channel, the mean of the *other* neurons of the same animal at the same time,
and ``NeuronVICRegEmbedder(encoder="context")`` learns how each neuron follows
its population. Nothing is fitted on the context and no label is used, so a test
animal's context comes from its own unlabelled traces and the embedder still
never sees a test animal (inductive protocol).

This example compares the embedder on the neuron's own trace with the embedder
on trace + population context, on simulated GCaMP-like recordings, with
``GroupKFold`` over animals. On 2 CPU cores the full run takes about 75 s
and gives 0.80 ± 0.06 (own trace) against 0.91 ± 0.01 (population context);
``benchmarks/bench_izhikevich.py`` runs the larger version (0.906 against
0.974).

Set ``NEUROVEC_EXAMPLE_QUICK=1`` to run a tiny version in a few seconds.
"""

import os

import matplotlib.pyplot as plt
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neurovec import NeuronVICRegEmbedder, add_population_context, make_izhikevich

QUICK = os.environ.get("NEUROVEC_EXAMPLE_QUICK") == "1"

# %%
# Simulated calcium imaging: typed Izhikevich neurons in several animals, each
# recorded in segments under different input conditions, at 30 frames/s.
data = make_izhikevich(
    types=("RS", "CH", "FS") if QUICK else ("RS", "IB", "CH", "FS", "LTS", "TC", "RZ"),
    n_neurons_per_type=4 if QUICK else 10,
    n_animals=3 if QUICK else 6,
    n_segments=4 if QUICK else 16,
    observation="calcium",
    random_state=0,
)
X_pop = add_population_context(data.X, data.groups)
print("own trace:", data.X.shape, "-> with population context:", X_pop.shape)

# %%
# Two embedders that differ only in their input and encoder. ``neuron_scale``
# divides each neuron by its own standard deviation (fluorescence units differ
# between animals); ``transform_pooling="meanstd"`` keeps how the segment
# embeddings vary across conditions.
common = dict(
    embedding_dim=16 if QUICK else 32,
    projector=(32,) if QUICK else (128, 128),
    encoder_kwargs={"hidden_channels": 8, "n_blocks": 1} if QUICK else None,
    pairs_per_neuron=1 if QUICK else 4,
    max_epochs=2 if QUICK else 30,
    neuron_scale=True,
    scale_range=0.5,
    noise_std=0.2,
    transform_pooling="meanstd",
    random_state=0,
)
inputs = {
    "own trace (cnn)": (NeuronVICRegEmbedder(**common), data.X),
    "+ population (context)": (
        NeuronVICRegEmbedder(encoder="context", **common),
        X_pop,
    ),
}

# %%
# Balanced accuracy on animals never seen in training.
cv = GroupKFold(n_splits=3)
results = {}
for name, (embedder, X) in inputs.items():
    pipe = make_pipeline(embedder, StandardScaler(), LogisticRegression(max_iter=2000))
    scores = cross_val_score(
        pipe, X, data.y, groups=data.groups, cv=cv, scoring="balanced_accuracy"
    )
    results[name] = scores
    print(f"{name:<24} balanced accuracy {scores.mean():.2f} +/- {scores.std():.2f}")

# %%
# Per-fold scores side by side.
fig, ax = plt.subplots(figsize=(4.5, 3.2))
names = list(results)
ax.bar(
    range(len(names)),
    [results[n].mean() for n in names],
    yerr=[results[n].std() for n in names],
    color=["0.6", "C0"],
    capsize=4,
)
ax.axhline(1.0 / len(data.target_names), color="k", ls=":", lw=1, label="chance")
ax.set_xticks(range(len(names)), names)
ax.set_ylabel("balanced accuracy, unseen animals")
ax.set_ylim(0, 1)
ax.legend(frameon=False)
fig.tight_layout()
