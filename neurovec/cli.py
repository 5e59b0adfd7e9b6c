"""The ``neurovec`` command: a demo, and simulate / fit / embed on array files.

``neurovec demo`` simulates typed Izhikevich neurons in several animals, fits a
:class:`~neurovec.NeuronVICRegEmbedder`, evaluates it on animals it never saw
against non-deep baselines, prints a markdown table and writes figures and a
JSON of the results. ``simulate``, ``fit`` and ``embed`` run the same steps on
your own ``.npy`` / ``.npz`` files.

A user mistake (missing file, array of the wrong shape, NaN inside a segment,
...) is reported as one ``neurovec: error: ...`` line on stderr with exit status
2; genuine bugs keep their traceback. Heavy libraries (torch, scikit-learn,
matplotlib) are imported inside the commands so that ``neurovec --help`` is
instant.
"""

import argparse
import sys

from neurovec import __version__

__all__ = ["main", "build_parser"]

_EPILOG = """\
examples:
  neurovec demo                      # ~1 min on 2 CPU cores, writes ./neurovec-demo
  neurovec demo --quick --output /tmp/nv
  neurovec simulate data.npz --n-animals 4 --neurons-per-type 10
  neurovec fit data.npz --model model.pt --epochs 20
  neurovec embed model.pt data.npz --output embedding.csv

Run "neurovec COMMAND --help" for the options of one command.
"""

_DEMO_HELP = """\
Simulate a population of typed Izhikevich neurons (7 types x 6 animals by
default, each neuron recorded in 16 segments under different conditions), fit
the VICReg embedder on each neuron's trace plus its population context (the
mean of the other neurons of its animal; --no-context to leave it out), and
evaluate it on animals it never saw (folds split by animal) against baselines
on the neuron's trace (SummaryFeatures, SegmentPCA, and MiniRocket when aeon is
installed). Prints a markdown table and writes, in the output folder,
embedding_map.png, confusion_matrix.png, loss_curves.png, f1_bars.png and
results.json. The default run takes about a minute on 2 CPU cores.

example:
  neurovec demo --output results/ --seed 1 --observation calcium
"""

_SIMULATE_HELP = """\
Simulate typed Izhikevich neurons and write them to a .npz file with arrays
X (n_neurons, n_segments, segment_length), y (type index), target_names,
groups (animal), conditions (n_neurons, n_segments), condition_names,
parameters, firing_rates and DESCR.

example:
  neurovec simulate data.npz --n-animals 4 --neurons-per-type 10 --types RS,FS,IB
"""

_FIT_HELP = """\
Fit a NeuronVICRegEmbedder on segmented traces and save it (weights + JSON
metadata, loaded without pickle). DATA is a .npy array or a .npz archive
(array X, or the one named by --key) of shape (n_neurons, n_segments,
segment_length[, n_channels]), NaN-padded for missing or short segments, or
(n_neurons, n_timepoints) cut into segments by --segment-length.

example:
  neurovec fit data.npz --model model.pt --epochs 20 --embedding-dim 32
"""

_EMBED_HELP = """\
Embed neurons with a model saved by "neurovec fit": writes one row per neuron
(n_neurons, embedding_dim) to a .npy or .csv file. DATA must have the segment
length and channels the model was fitted on.

example:
  neurovec embed model.pt data.npz --output embedding.csv
"""


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


def _add_data_key(parser):
    parser.add_argument(
        "--key",
        default="X",
        help="array to read from a .npz DATA file (default: %(default)s)",
    )


def build_parser():
    """The argument parser of the ``neurovec`` command.

    Returns
    -------
    parser : argparse.ArgumentParser

    Examples
    --------
    >>> from neurovec.cli import build_parser
    >>> build_parser().parse_args(["demo", "--quick"]).quick
    True
    """
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="neurovec",
        description=(
            "Intrinsic representations of single neurons learned from their "
            "activity (VICReg)."
        ),
        epilog=_EPILOG,
        formatter_class=fmt,
    )
    parser.add_argument(
        "--version", action="version", version=f"neurovec {__version__}"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="simulate, fit, evaluate on unseen animals, plot (start here)",
        description=_DEMO_HELP,
        formatter_class=fmt,
    )
    demo.add_argument(
        "--output",
        "-o",
        default="neurovec-demo",
        metavar="DIR",
        help="folder for the figures and results.json (default: ./%(default)s)",
    )
    demo.add_argument(
        "--quick",
        action="store_true",
        help="tiny run in seconds (smoke test; the numbers mean little)",
    )
    demo.add_argument(
        "--seed", type=int, default=0, help="random seed (default: %(default)s)"
    )
    demo.add_argument(
        "--observation",
        choices=("spikes", "calcium"),
        default="spikes",
        help="binned spike counts or calcium fluorescence (default: %(default)s)",
    )
    demo.add_argument(
        "--map",
        choices=("tsne", "pca", "umap"),
        default="tsne",
        help="2-D projection of the embedding map (umap imports slowly; "
        "default: %(default)s)",
    )
    demo.add_argument(
        "--no-context",
        action="store_true",
        help="fit the embedder on each neuron's own trace only (plain CNN), "
        "without the population-context channel",
    )
    demo.add_argument(
        "--no-minirocket",
        action="store_true",
        help="skip the MiniRocket baseline",
    )
    demo.add_argument(
        "--catch22",
        action="store_true",
        help="add the Catch22 baseline (needs aeon; slower)",
    )
    demo.set_defaults(func="demo")

    sim = sub.add_parser(
        "simulate",
        help="simulate typed neurons and write a .npz dataset",
        description=_SIMULATE_HELP,
        formatter_class=fmt,
    )
    sim.add_argument("output", metavar="OUTPUT.npz", help="file to write")
    sim.add_argument(
        "--n-animals", type=_positive_int, default=4, help="(default: %(default)s)"
    )
    sim.add_argument(
        "--neurons-per-type",
        type=_positive_int,
        default=10,
        help="neurons of each type in each animal (default: %(default)s)",
    )
    sim.add_argument(
        "--types",
        default=None,
        help="comma-separated type names, e.g. RS,FS,IB (default: "
        "RS,IB,CH,FS,LTS,TC,RZ)",
    )
    sim.add_argument(
        "--observation",
        choices=("spikes", "calcium", "voltage"),
        default="spikes",
        help="(default: %(default)s)",
    )
    sim.add_argument(
        "--n-segments",
        type=_positive_int,
        default=16,
        help="segments per neuron (default: %(default)s)",
    )
    sim.add_argument(
        "--segment-duration",
        type=_positive_float,
        default=2000.0,
        help="milliseconds per segment (default: %(default)s)",
    )
    sim.add_argument(
        "--seed", type=int, default=0, help="random seed (default: %(default)s)"
    )
    sim.set_defaults(func="simulate")

    fit = sub.add_parser(
        "fit",
        help="fit the embedder on a .npy/.npz array and save it",
        description=_FIT_HELP,
        formatter_class=fmt,
    )
    fit.add_argument("data", metavar="DATA", help=".npy or .npz file")
    fit.add_argument(
        "--model",
        "-m",
        default=None,
        metavar="OUT",
        help="model file to write (default: DATA with suffix .model.pt)",
    )
    _add_data_key(fit)
    fit.add_argument(
        "--epochs", type=_positive_int, default=20, help="(default: %(default)s)"
    )
    fit.add_argument(
        "--embedding-dim",
        type=_positive_int,
        default=64,
        help="size of each neuron's vector (default: %(default)s)",
    )
    fit.add_argument(
        "--segment-length",
        type=_positive_int,
        default=None,
        help="cut 2-D (n_neurons, n_timepoints) data into segments of this length",
    )
    fit.add_argument(
        "--batch-size", type=_positive_int, default=128, help="(default: %(default)s)"
    )
    fit.add_argument(
        "--pairs-per-neuron",
        type=_positive_int,
        default=1,
        help="positive pairs per neuron and epoch (default: %(default)s)",
    )
    fit.add_argument(
        "--encoder",
        choices=("cnn", "transformer"),
        default="cnn",
        help="(default: %(default)s)",
    )
    fit.add_argument(
        "--device", default="auto", help="cpu, cuda or auto (default: %(default)s)"
    )
    fit.add_argument(
        "--seed", type=int, default=0, help="random seed (default: %(default)s)"
    )
    fit.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    fit.set_defaults(func="fit")

    embed = sub.add_parser(
        "embed",
        help="embed neurons with a saved model",
        description=_EMBED_HELP,
        formatter_class=fmt,
    )
    embed.add_argument("model", metavar="MODEL", help="file written by neurovec fit")
    embed.add_argument("data", metavar="DATA", help=".npy or .npz file")
    embed.add_argument(
        "--output",
        "-o",
        default=None,
        metavar="OUT",
        help="a .npy or .csv file (default: DATA with suffix .embedding.npy)",
    )
    _add_data_key(embed)
    embed.add_argument(
        "--device", default=None, help="cpu or cuda (default: the saved device)"
    )
    embed.set_defaults(func="embed")
    return parser


def _one_line(exc):
    text = " ".join(str(exc).split())
    if isinstance(exc, FileNotFoundError) and exc.filename is not None:
        text = f"no such file: {exc.filename}"
    return text or type(exc).__name__


def main(argv=None):
    """Run the ``neurovec`` command.

    Parameters
    ----------
    argv : list of str or None, default=None
        Arguments without the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    status : int
        0 on success, 2 for a usage or input error (reported as one line on
        stderr), 130 when interrupted.

    Examples
    --------
    >>> from neurovec.cli import main
    >>> main(["simulate", "no-such-folder/data.npz"])  # one error line on stderr
    2
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help()
        return 0
    from neurovec import _cli_commands

    command = getattr(_cli_commands, f"run_{args.func}")
    try:
        return command(args) or 0
    except KeyboardInterrupt:
        print("neurovec: interrupted", file=sys.stderr)
        return 130
    except (ValueError, TypeError, OSError) as exc:
        # User mistakes reach us as these (the library's messages name what was
        # expected and what was received); anything else is a bug: traceback.
        print(f"neurovec: error: {_one_line(exc)}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
