"""Figures of the simulated neurons: the classic Izhikevich panel and an animal raster.

Writes ``benchmarks/results/izhikevich_types.png`` (voltage of each neuron type
under its classic protocol: a DC step of 10 for RS/IB/CH/FS/LTS, release from
hyperpolarisation for TC, a small step near threshold for RZ) and
``benchmarks/results/izhikevich_animal_raster.png`` (spikes of all neurons of one
simulated animal, sorted by type, in three segments recorded under different
conditions). The figures are drawn by :func:`neurovec.plotting.plot_neuron_types`
and :func:`neurovec.plotting.plot_raster`.

    python benchmarks/plot_izhikevich_types.py
"""

import argparse
from pathlib import Path

from neurovec.plotting import plot_neuron_types, plot_raster
from neurovec.simulation import IzhikevichGenerator

RESULTS = Path(__file__).resolve().parent / "results"
TYPES = ("RS", "IB", "CH", "FS", "LTS", "TC", "RZ")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outdir", default=str(RESULTS))
    args = parser.parse_args(argv)

    out = Path(args.outdir)
    out.mkdir(parents=True, exist_ok=True)
    plot_neuron_types(TYPES, figsize=(6, 9), path=out / "izhikevich_types.png")

    data = IzhikevichGenerator(
        n_neurons_per_type=20,
        n_animals=1,
        n_segments=3,
        segment_duration=1000.0,
        bin_width=1.0,
        conditions=["dc_mid", "sine_8hz", "hyperpolarize_release"],
        random_state=0,
    ).generate()
    plot_raster(data, bin_width=1.0, path=out / "izhikevich_animal_raster.png")
    print(f"wrote {out / 'izhikevich_types.png'}")
    print(f"wrote {out / 'izhikevich_animal_raster.png'}")


if __name__ == "__main__":
    main()
