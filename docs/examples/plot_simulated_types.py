"""
Simulated neuron types and one animal's raster
==============================================

:mod:`neurovec.simulation` simulates Izhikevich (2003) neurons. Each neuron
type (regular spiking, intrinsically bursting, chattering, fast spiking, ...)
is a set of four parameters; :func:`neurovec.plotting.plot_neuron_types`
shows each type's voltage under its classic protocol.

:class:`~neurovec.simulation.IzhikevichGenerator` then builds datasets: typed
neurons wired in a network per animal and recorded in many segments, each
under a different input condition. :func:`neurovec.plotting.plot_raster`
shows one animal's spikes, neurons sorted by type, three segments side by
side: the same neuron behaves very differently from condition to condition,
which is why its type must be read from an *invariant* representation.

Set ``NEUROVEC_EXAMPLE_QUICK=1`` to run a tiny version in a few seconds.
"""

import os

from neurovec.plotting import plot_neuron_types, plot_raster
from neurovec.simulation import NEURON_TYPES, IzhikevichGenerator

QUICK = os.environ.get("NEUROVEC_EXAMPLE_QUICK") == "1"

# %%
# The type table: (a, b, c, d, description).
for name, params in NEURON_TYPES.items():
    print(
        f"{name:4s} a={params[0]:<5} b={params[1]:<5} c={params[2]:<6} "
        f"d={params[3]:<5} {params[4]}"
    )

# %%
# Voltage of each type under its classic protocol (red: the input current).
fig = plot_neuron_types(
    ["RS", "IB", "FS", "TC"] if QUICK else None, duration=150.0 if QUICK else 300.0
)

# %%
# One animal recorded in three conditions, in 1-ms bins for a crisp raster.
data = IzhikevichGenerator(
    types=("RS", "IB", "FS", "TC")
    if QUICK
    else ("RS", "IB", "CH", "FS", "LTS", "TC", "RZ"),
    n_neurons_per_type=5 if QUICK else 20,
    n_animals=1,
    n_segments=3,
    segment_duration=300.0 if QUICK else 1000.0,
    bin_width=1.0,
    conditions=["dc_mid", "sine_8hz", "hyperpolarize_release"],
    random_state=0,
).generate()
fig = plot_raster(data, bin_width=1.0)
print("X:", data.X.shape, "conditions:", data.condition_names)
print(
    "mean rate per type (Hz):",
    {
        t: round(float(data.firing_rates[data.y == k].mean()), 1)
        for k, t in enumerate(data.target_names)
    },
)
