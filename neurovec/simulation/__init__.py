"""Simulated populations of Izhikevich neurons with known types.

- :func:`simulate_izhikevich_network` — the vectorised network core (numpy, or
  torch for GPUs), dense or sparse weights, batches of network copies.
- :data:`NEURON_TYPES`, :func:`register_neuron_type`, :func:`list_neuron_types`,
  :func:`neuron_parameters` — the type table (Izhikevich 2003, Fig. 2).
- :func:`izhikevich_2003_network` — the paper's 1000-neuron cortical network.
- :data:`CONDITIONS` — the peripheral conditions a segment is recorded under.
- :func:`bin_spikes`, :func:`calcium_from_spikes`, :func:`downsample_voltage` —
  observation models.
- :class:`IzhikevichGenerator`, :func:`make_izhikevich` — datasets following the
  data contract ``(n_neurons, n_segments, segment_length[, n_channels])``.
"""

from ._conditions import CONDITIONS
from ._generator import IzhikevichGenerator, izhikevich_2003_network, make_izhikevich
from ._network import simulate_izhikevich_network, spike_raster
from ._observation import bin_spikes, calcium_from_spikes, downsample_voltage
from ._types import (
    NEURON_TYPES,
    list_neuron_types,
    neuron_parameters,
    register_neuron_type,
)

__all__ = [
    "CONDITIONS",
    "IzhikevichGenerator",
    "NEURON_TYPES",
    "bin_spikes",
    "calcium_from_spikes",
    "downsample_voltage",
    "izhikevich_2003_network",
    "list_neuron_types",
    "make_izhikevich",
    "neuron_parameters",
    "register_neuron_type",
    "simulate_izhikevich_network",
    "spike_raster",
]
