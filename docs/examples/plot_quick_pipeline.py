"""
Quick start: a pipeline scored on unseen animals
================================================

Simulate typed Izhikevich neurons in several animals, put
:class:`neurovec.NeuronVICRegEmbedder` and a logistic-regression probe in one
scikit-learn :class:`~sklearn.pipeline.Pipeline`, and score it with
:class:`~sklearn.model_selection.GroupKFold` over animals: in every fold both
the embedder and the probe are fitted on the training animals only, so the
score is the accuracy on animals the model never saw (the *inductive*
protocol).

Set ``NEUROVEC_EXAMPLE_QUICK=1`` to run a tiny version in a few seconds.
"""

import os

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neurovec import NeuronVICRegEmbedder, make_izhikevich
from neurovec.plotting import plot_embedding_map

QUICK = os.environ.get("NEUROVEC_EXAMPLE_QUICK") == "1"

# %%
# Data: 7 neuron types x 4 animals, each neuron recorded in several segments
# under different input conditions (binned spike counts).
data = make_izhikevich(
    types=("RS", "FS", "IB") if QUICK else ("RS", "IB", "CH", "FS", "LTS", "TC", "RZ"),
    n_neurons_per_type=4 if QUICK else 10,
    n_animals=3 if QUICK else 4,
    n_segments=4 if QUICK else 8,
    segment_duration=500.0 if QUICK else 2000.0,
    random_state=0,
)
print("X:", data.X.shape, "types:", data.target_names)

# %%
# The pipeline. A small encoder is enough for simulated data;
# ``pairs_per_neuron`` raises the number of training pairs per epoch, which
# matters on small datasets.
embedder = NeuronVICRegEmbedder(
    embedding_dim=16 if QUICK else 32,
    projector=(32,) if QUICK else (128, 128),
    encoder_kwargs={"hidden_channels": 8, "n_blocks": 1} if QUICK else None,
    pairs_per_neuron=2 if QUICK else 4,
    max_epochs=2 if QUICK else 5,
    random_state=0,
)
pipe = make_pipeline(embedder, StandardScaler(), LogisticRegression(max_iter=2000))

# %%
# Cross-validation grouped by animal: "unseen animal" means unseen.
cv = GroupKFold(n_splits=3 if QUICK else 4)
scores = cross_val_score(
    pipe, data.X, data.y, groups=data.groups, cv=cv, scoring="balanced_accuracy"
)
chance = 1.0 / len(data.target_names)
print(
    f"balanced accuracy on unseen animals: {scores.mean():.2f} "
    f"+/- {scores.std():.2f} (chance {chance:.2f})"
)

# %%
# A map of the embedding, fitted here on all animals for display: colour is
# the neuron type, marker the animal. Types should form clusters that mix
# animals.
Z = embedder.fit_transform(data.X)
fig = plot_embedding_map(
    Z, data.y, data.groups, method="pca", class_names=data.target_names
)
print("embedding:", Z.shape, "finite:", bool(np.isfinite(Z).all()))
