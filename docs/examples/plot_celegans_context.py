"""
C. elegans neurons with behaviour as context
============================================

:func:`neurovec.datasets.load_celegans_nsm` reads the whole-brain GCaMP
recordings of Dag et al. (Cell 2023): neurons of 7 worms, identified with
NeuroPAL. With ``context="behavior"`` each segment carries, besides the
neuron's own trace (channel 0), the worm's behaviour in the same window
(velocity, head angle, angular velocity, body curvature, reversals) as
channels 1-5, standardised per worm. The embedder sees them as *context*: the
neuron's response to what the worm was doing is part of what it is.

The embedder is self-supervised, so it is fitted on every neuron, unidentified
ones included (``include_unlabelled=True``); the probe is then scored on the
labelled neurons, leaving one worm out at a time. This is the *transductive*
protocol (the embedder saw the test worm's unlabelled traces); for the
inductive one use :func:`neurovec.evaluation.evaluate_embedding`.

neurovec ships no data: set ``NEUROVEC_CELEGANS_NSM`` to your copy of
``celegans_nsm.npz`` (see ``docs/real_data.md``). Without it, or with
``NEUROVEC_EXAMPLE_QUICK=1``, this example writes and uses a small synthetic
stand-in file of the same format, so it runs anywhere (its scores mean
nothing).
"""

import os
import tempfile
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import LeaveOneGroupOut, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neurovec import NeuronVICRegEmbedder
from neurovec.datasets import load_celegans_nsm

QUICK = os.environ.get("NEUROVEC_EXAMPLE_QUICK") == "1"


def write_standin(folder, n_worms=3, n_per_worm=12, n_frames=200, seed=0):
    """A synthetic file with the keys, dtypes and shapes of celegans_nsm.npz."""
    rng = np.random.default_rng(seed)
    ganglia = ["anterior_ganglion", "lateral_ganglion", "ventral_ganglion"]
    worm_ids = [f"worm{k}" for k in range(n_worms)]
    gang = np.array([ganglia[i % 3] for i in range(n_per_worm)] * n_worms)
    cls = np.array([f"N{i}" for i in range(n_per_worm)] * n_worms)
    cls[n_per_worm - 2 :: n_per_worm] = ""  # some unidentified neurons
    t = np.arange(n_frames)
    freq = {
        "anterior_ganglion": 0.01,
        "lateral_ganglion": 0.03,
        "ventral_ganglion": 0.08,
    }
    traces = np.stack([np.sin(2 * np.pi * freq[g] * t) for g in gang])
    traces += 0.5 * rng.normal(size=traces.shape)
    np.savez(
        Path(folder) / "celegans_nsm.npz",
        traces=traces.astype(np.float32),
        worm=np.repeat(worm_ids, n_per_worm),
        label=np.char.add(cls, np.where(cls == "", "", "L")),
        neuron_class=cls,
        ganglion=np.where(cls == "", "", gang),
        confidence=np.where(cls == "", np.nan, 4.0).astype(np.float32),
        worm_ids=np.array(worm_ids),
        behavior=rng.normal(size=(n_worms, 5, n_frames)).astype(np.float32),
        behavior_names=np.array(
            ["velocity", "head_angle", "angular_velocity", "curvature", "reversal"]
        ),
        frame_rate_hz=np.float32(1 / 0.6),
    )
    return Path(folder) / "celegans_nsm.npz"


# %%
# Load: label = ganglion (a brain region, 5 classes on the real data), 60-s
# segments, behaviour as context, unidentified neurons included.
path = os.environ.get("NEUROVEC_CELEGANS_NSM")
if QUICK or path is None:
    path = write_standin(tempfile.mkdtemp())
    print("using a synthetic stand-in file (set NEUROVEC_CELEGANS_NSM for real data)")
data = load_celegans_nsm(
    path,
    target="ganglion",
    segment_length=50 if QUICK else 100,
    context="behavior",
    include_unlabelled=True,
)
print("X:", data.X.shape, "channels:", data.channel_names)
print(
    "labelled:",
    int(data.labelled.sum()),
    "of",
    len(data.labelled),
    "neurons;",
    "classes:",
    data.target_names.tolist(),
)

# %%
# Fit the embedder on all neurons (no labels), embed the labelled ones.
embedder = NeuronVICRegEmbedder(
    embedding_dim=16 if QUICK else 32,
    projector=(32,) if QUICK else (128, 128),
    encoder_kwargs={"hidden_channels": 8, "n_blocks": 1} if QUICK else None,
    pairs_per_neuron=2,
    max_epochs=2 if QUICK else 8,
    random_state=0,
)
embedder.fit(data.X)
lab = data.labelled
Z = embedder.transform(data.X[lab])

# %%
# Probe: logistic regression, leave one worm out. The ganglion is hard to read
# from activity alone: on the real data, reference probes on MiniRocket
# features reach about 0.29 balanced accuracy (chance 0.20), and this short
# fit stays close to chance; the tuned numbers are in
# ``benchmarks/results/bench_celegans.md``.
probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
scores = cross_val_score(
    probe,
    Z,
    data.y[lab],
    groups=data.groups[lab],
    cv=LeaveOneGroupOut(),
    scoring="balanced_accuracy",
)
print(
    f"balanced accuracy, one worm left out: {scores.mean():.2f} "
    f"(chance {1 / len(data.target_names):.2f})"
)
