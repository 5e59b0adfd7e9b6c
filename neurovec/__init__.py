"""neurovec: intrinsic representations of single neurons from their activity.

neurovec learns, for every recorded neuron, a vector that stays the same whatever
the neuron was doing while recorded, and that reflects what the neuron *is* (its
type, transcriptomic class, brain region). It trains an encoder with VICReg on
pairs of segments of the same neuron and exposes it as a scikit-learn transformer,
:class:`NeuronVICRegEmbedder`, for use in pipelines, probes and cross-validation
grouped by animal.

Public API
----------
- :class:`NeuronVICRegEmbedder`, :func:`vicreg_loss` — the estimator and its loss.
- :func:`segment_traces`, :func:`from_tslearn`, :func:`from_aeon` — the data
  contract ``(n_neurons, n_segments, segment_length[, n_channels])``;
  :func:`add_population_context` — a population context channel.
- :class:`IzhikevichGenerator`, :func:`make_izhikevich`,
  :func:`simulate_izhikevich_network` — simulated populations with known types.
- :mod:`neurovec.datasets`, :mod:`neurovec.evaluation`, :mod:`neurovec.plotting`.

Names are imported lazily so that ``import neurovec`` (and the command line) stay
fast; torch is only imported when an estimator is used.
"""

import importlib

__version__ = "0.1.0"

_LAZY = {
    "NeuronVICRegEmbedder": "neurovec.embedder",
    "vicreg_loss": "neurovec.embedder",
    "IzhikevichGenerator": "neurovec.simulation",
    "make_izhikevich": "neurovec.simulation",
    "simulate_izhikevich_network": "neurovec.simulation",
    "segment_traces": "neurovec._segment",
    "from_tslearn": "neurovec._segment",
    "from_aeon": "neurovec._segment",
    "add_population_context": "neurovec._segment",
}
_SUBMODULES = ("datasets", "embedder", "evaluation", "plotting", "simulation")

__all__ = sorted([*_LAZY, *_SUBMODULES, "__version__"])


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"neurovec.{name}")
    raise AttributeError(f"module 'neurovec' has no attribute {name!r}")


def __dir__():
    return __all__
