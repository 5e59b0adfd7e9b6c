"""Figures of the simulated neurons: the classic Izhikevich panel and an animal raster.

Writes ``benchmarks/results/izhikevich_types.png`` (voltage of each neuron type
under its classic protocol: a DC step of 10 for RS/IB/CH/FS/LTS, release from
hyperpolarisation for TC, a small step near threshold for RZ) and
``benchmarks/results/izhikevich_animal_raster.png`` (spikes of all neurons of one
simulated animal, sorted by type, in three segments recorded under different
conditions). The two plotting functions take a matplotlib ``Axes`` and can move to
``neurovec.plotting`` unchanged.

    python benchmarks/plot_izhikevich_types.py
"""

import argparse
from pathlib import Path

import numpy as np

from neurovec.simulation import (
    NEURON_TYPES,
    IzhikevichGenerator,
    simulate_izhikevich_network,
)

RESULTS = Path(__file__).resolve().parent / "results"
TYPES = ("RS", "IB", "CH", "FS", "LTS", "TC", "RZ")


def _protocol(name, n_steps, dt):
    """Input current of the classic protocol of each type."""
    t = np.arange(n_steps) * dt
    current = np.where(t >= 50.0, 10.0, 0.0)
    if name == "TC":
        current = np.where(t < 150.0, -10.0, 0.0)
    elif name == "RZ":
        current = np.where(t >= 50.0, 0.6, 0.0)
    return current


def plot_type_voltage_traces(axes, types=TYPES, duration=300.0, dt=0.25):
    """Voltage of one neuron of each type under its classic protocol.

    Parameters
    ----------
    axes : sequence of matplotlib Axes, one per type
    types : sequence of str
    duration, dt : float
        Milliseconds.
    """
    n_steps = int(duration / dt)
    t = np.arange(n_steps) * dt
    for ax, name in zip(axes, types):
        a, b, c, d = NEURON_TYPES[name][:4]
        rest = float(np.roots([0.04, 5 - b, 140]).real.min())
        current = _protocol(name, n_steps, dt)
        res = simulate_izhikevich_network(
            a, b, c, d, drive=current[:, None], dt=dt, v0=rest, record_voltage=True
        )
        v = res.voltage[:, 0].copy()
        v[res.spike_steps - 1] = 30.0  # draw spikes to the peak
        ax.plot(t, v, lw=0.8, color="k")
        ax.plot(t, -90 + 2 * current, lw=0.8, color="tab:red")
        ax.set_title(f"{name}: {NEURON_TYPES[name][4]}", fontsize=8, loc="left")
        ax.set_ylim(-95, 35)
        ax.set_ylabel("v (mV)", fontsize=7)
        ax.tick_params(labelsize=7)
    axes[-1].set_xlabel("time (ms)")


def plot_animal_raster(ax, data, segments=(0, 1, 2), bin_ms=1.0):
    """Spike raster of one animal from a 1-ms-binned ``IzhikevichGenerator`` Bunch.

    Parameters
    ----------
    ax : matplotlib Axes
    data : Bunch
        From ``IzhikevichGenerator(n_animals=1, bin_width=1.0, ...)``.
    segments : tuple of int
        Segments shown side by side.
    bin_ms : float
        Bin width of ``data.X`` in ms.
    """
    order = np.argsort(data.y, kind="stable")
    length = data.X.shape[2]
    colors = [f"C{k}" for k in range(len(data.target_names))]
    for pos, seg in enumerate(segments):
        counts = data.X[order, seg]
        rows, cols = np.nonzero(counts)
        ax.scatter(
            (cols + pos * length) * bin_ms,
            rows,
            s=0.6,
            c=[colors[k] for k in data.y[order][rows]],
            marker="|",
            linewidths=0.5,
        )
        if pos:
            ax.axvline(pos * length * bin_ms, color="k", lw=0.5)
        cond = data.condition_names[data.conditions[0, seg]]
        ax.text((pos + 0.02) * length * bin_ms, -3, cond, fontsize=7, va="top")
    ticks = [np.mean(np.nonzero(data.y[order] == k)[0]) for k in range(7)]
    ax.set_yticks(ticks, data.target_names, fontsize=7)
    ax.set_ylim(len(order), -8)
    ax.set_xlabel("time (ms), three segments")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outdir", default=str(RESULTS))
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(args.outdir)
    out.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(len(TYPES), 1, figsize=(6, 9), sharex=True)
    plot_type_voltage_traces(axes)
    fig.tight_layout()
    fig.savefig(out / "izhikevich_types.png", dpi=150)
    plt.close(fig)

    data = IzhikevichGenerator(
        n_neurons_per_type=20,
        n_animals=1,
        n_segments=3,
        segment_duration=1000.0,
        bin_width=1.0,
        conditions=["dc_mid", "sine_8hz", "hyperpolarize_release"],
        random_state=0,
    ).generate()
    fig, ax = plt.subplots(figsize=(9, 4))
    plot_animal_raster(ax, data)
    fig.tight_layout()
    fig.savefig(out / "izhikevich_animal_raster.png", dpi=150)
    plt.close(fig)
    print(f"wrote {out / 'izhikevich_types.png'}")
    print(f"wrote {out / 'izhikevich_animal_raster.png'}")


if __name__ == "__main__":
    main()
