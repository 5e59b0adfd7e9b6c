"""The Izhikevich benchmark: neuron types from activity, on unseen animals.

Simulated animals (:func:`neurovec.simulation.make_izhikevich`): 7 Izhikevich
types (RS, IB, CH, FS, LTS, TC, RZ) x 20 neurons per animal x 6 animals, each
neuron recorded in 16 segments of 2 s under 10 peripheral conditions, with a
per-animal domain shift (wiring, input gain, noise, reset parameters, and for
calcium the observation gain and noise). Two observations of the same networks:

- ``"spikes"``: spike counts in 20 ms bins (100 samples per segment);
- ``"calcium"``: GCaMP-like fluorescence at 30 Hz (60 frames per segment).

Every method maps a neuron's segments to one vector; a probe (balanced logistic
regression, and 5-nearest neighbours) predicts the type. Folds are
:class:`~sklearn.model_selection.GroupKFold` by animal (3 folds of 2 test
animals), so test animals are never seen by the probe. Protocols: *inductive*
(the embedder is fitted on the training animals only) and *transductive* (fitted
once on every animal's unlabelled traces; only the probe is restricted to the
training animals).

Inputs: the neuron's own trace ``X``, and ``X`` plus a population-context
channel (:func:`neurovec.add_population_context`: at every sample, the mean of
the *other* neurons of the same animal, z-scored per segment; no label, nothing
fitted, so the test animals' context comes from their own unlabelled traces).
Methods:

- ``NeuronVICReg``: :class:`~neurovec.NeuronVICRegEmbedder` with
  ``encoder="context"`` on the population-context input (this package's method);
- ``NeuronVICReg (own trace)``: the same embedder, plain CNN, own trace only;
- ``SummaryFeatures``, ``SegmentPCA``, ``MiniRocket`` (10,000 kernels) and
  ``Catch22`` (aeon) on the own trace, and ``MiniRocket (+population)`` and
  ``Catch22 (+population)`` on both channels, each averaged over a neuron's
  segments, + probes;
- ``Supervised`` (:class:`~neurovec.evaluation.SupervisedEncoderClassifier`):
  the same context encoder trained with labels on the same input, an upper
  bound (inductive only).

Outputs under ``--output`` (default ``benchmarks/results``):
``bench_izhikevich.md`` (tables, settings, timings), ``bench_izhikevich.json``
(every fold, per-class scores, confusion matrices) and figures
``izhikevich_<observation>_{map,confusion,loss,f1}.png`` (embedding map of the
transductive embedder coloured by type, confusion matrix and per-class F1 of the
inductive embedder + logistic probe, VICReg loss curves). The table is printed.

Run::

    python benchmarks/bench_izhikevich.py                  # full run
    python benchmarks/bench_izhikevich.py --quick          # smoke run, < 1 min
    python benchmarks/bench_izhikevich.py --observations calcium --skip catch22

Options: ``--quick``, ``--observations {spikes,calcium} ...``, ``--output DIR``,
``--seed N`` (data and models), ``--threads N`` (torch threads, aeon jobs; default
1), ``--skip METHOD ...`` (any of embedder, embedder-own, summary, pca,
minirocket, catch22, minirocket-pop, catch22-pop, supervised), ``--no-figures``.

Time (2-core CPU machine, ``--threads 2``): about 17 minutes for both
observations, 8-10 minutes each (the two embedders 2.5-3.5 minutes each for 4
fits, the supervised reference ~1 minute, MiniRocket ~1 minute, the rest
seconds); ``--quick`` takes about two minutes.
"""

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.model_selection import GroupKFold

from neurovec import add_population_context
from neurovec.embedder import NeuronVICRegEmbedder
from neurovec.evaluation import (
    Catch22Features,
    MethodComparison,
    MiniRocketFeatures,
    SegmentPCA,
    SummaryFeatures,
    SupervisedEncoderClassifier,
    evaluate_embedding,
)
from neurovec.simulation import make_izhikevich

EMBEDDER = "NeuronVICReg"
METHOD_KEYS = {
    "embedder": EMBEDDER,
    "embedder-own": "NeuronVICReg (own trace)",
    "summary": "SummaryFeatures",
    "pca": "SegmentPCA",
    "minirocket": "MiniRocket",
    "catch22": "Catch22",
    "minirocket-pop": "MiniRocket (+population)",
    "catch22-pop": "Catch22 (+population)",
    "supervised": "Supervised (upper bound)",
}
PROTOCOLS = ("inductive", "transductive")
PROBES = ("logistic", "knn")

# The embedder settings of this benchmark (see the experiment log in
# benchmarks/results/izhikevich_experiments.md for how they were chosen): the
# population-context channel (add_population_context) read by the context
# encoder, stronger gain/noise augmentations, mean + std pooling of the segment
# embeddings, and for fluorescence (arbitrary units, gain differs between animals)
# per-neuron scaling. "embedder-own" is the same estimator on the neuron's own
# trace only (plain CNN encoder), to show what the context adds.
EMBEDDER_PARAMS = dict(
    max_epochs=30,
    pairs_per_neuron=4,
    scale_range=0.5,
    noise_std=0.2,
    transform_pooling="meanstd",
)
OBSERVATION_PARAMS = {"spikes": {}, "calcium": {"neuron_scale": True}}
# Methods that read the population-context input (X plus one channel).
POPULATION_INPUT = {"embedder", "minirocket-pop", "catch22-pop", "supervised"}


def make_data(observation, seed, quick):
    if quick:
        kw = dict(n_neurons_per_type=4, n_animals=4, n_segments=6)
    else:
        kw = dict(n_neurons_per_type=20, n_animals=6, n_segments=16)
    return make_izhikevich(observation=observation, random_state=seed, **kw)


def make_methods(observation, seed, threads, quick, skip):
    emb = {**EMBEDDER_PARAMS, **OBSERVATION_PARAMS[observation]}
    sup = dict(max_epochs=10)
    n_kernels = 10000
    if quick:
        emb.update(
            max_epochs=2,
            pairs_per_neuron=1,
            embedding_dim=16,
            encoder_kwargs={"hidden_channels": 8, "n_blocks": 2},
            projector=(32,),
        )
        sup = dict(max_epochs=2, encoder_kwargs={"hidden_channels": 8, "n_blocks": 2})
        n_kernels = 168
    methods = {
        "embedder": NeuronVICRegEmbedder(encoder="context", random_state=seed, **emb),
        "embedder-own": NeuronVICRegEmbedder(random_state=seed, **emb),
        "summary": SummaryFeatures(),
        "pca": SegmentPCA(random_state=seed),
        "minirocket": MiniRocketFeatures(
            n_kernels=n_kernels, n_jobs=threads, random_state=seed
        ),
        "catch22": Catch22Features(n_jobs=threads),
        "minirocket-pop": MiniRocketFeatures(
            n_kernels=n_kernels, channels="all", n_jobs=threads, random_state=seed
        ),
        "catch22-pop": Catch22Features(channels="all", n_jobs=threads),
        "supervised": SupervisedEncoderClassifier(
            encoder="context", random_state=seed, **sup
        ),
    }
    return {k: (METHOD_KEYS[k], m) for k, m in methods.items() if k not in skip}


def _fmt(mean, std):
    return f"{mean:.3f} ± {std:.3f}"


def run_observation(observation, args, skip, out_dir, log):
    t_start = time.perf_counter()
    data = make_data(observation, args.seed, args.quick)
    gen_time = time.perf_counter() - t_start
    X, y, groups = data.X, data.y, data.groups
    # What the other neurons of the animal did at the same time (no label used,
    # nothing fitted: built once, also for the test animals' own traces).
    inputs = {False: X, True: add_population_context(X, groups)}
    n_animals = len(np.unique(groups))
    cv = GroupKFold(n_splits=min(3, n_animals))
    log(
        f"\n## {observation}: X {X.shape}, {len(data.target_names)} types, "
        f"{n_animals} animals, {len(data.condition_names)} conditions "
        f"(simulated in {gen_time:.0f} s)"
    )
    results, estimators, times = {}, {}, {}
    methods = make_methods(observation, args.seed, args.threads, args.quick, skip)
    for key, (name, est) in methods.items():
        X_in = inputs[key in POPULATION_INPUT]
        supervised = not hasattr(est, "transform")
        for protocol in ("inductive",) if supervised else PROTOCOLS:
            t0 = time.perf_counter()
            ev = evaluate_embedding(
                est,
                X_in,
                y,
                groups,
                probes=PROBES,
                protocol=protocol,
                cv=cv,
                return_estimators=name == EMBEDDER,
                verbose=0,
            )
            times[(name, protocol)] = time.perf_counter() - t0
            results[(name, protocol)] = ev
            if name == EMBEDDER:
                estimators[protocol] = ev.estimators
            scores = ", ".join(
                f"{p} {_fmt(*s['balanced_accuracy'])}" for p, s in ev.summary().items()
            )
            took = times[(name, protocol)]
            log(f"  {name:<26} {protocol:<12} {scores}  ({took:.0f} s)")
    comparison = MethodComparison(results=results)
    if EMBEDDER in {m for m, _ in results} and not args.no_figures:
        _figures(observation, data, inputs[True], results, estimators, out_dir)
    return {
        "observation": observation,
        "shape": list(X.shape),
        "types": list(data.target_names),
        "conditions": list(data.condition_names),
        "n_animals": int(n_animals),
        "simulation_time": gen_time,
        "method_times": {f"{m}/{p}": t for (m, p), t in times.items()},
        "comparison": comparison,
        "wall_time": time.perf_counter() - t_start,
    }


def _figures(observation, data, X_pop, results, estimators, out_dir):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from neurovec.plotting import (
        plot_confusion_matrix,
        plot_embedding_map,
        plot_f1_bars,
        plot_loss_curves,
    )

    names = list(data.target_names)
    prefix = out_dir / f"izhikevich_{observation}"
    trans = estimators.get("transductive")
    if trans:
        Z = trans[0].transform(X_pop)
        plot_embedding_map(
            Z,
            np.asarray(names)[data.y],
            data.groups,
            title=f"{EMBEDDER} embedding ({observation}, transductive)",
            path=f"{prefix}_map.png",
        )
        plot_loss_curves(trans[0], path=f"{prefix}_loss.png")
    ev = results[(EMBEDDER, "inductive")]
    plot_confusion_matrix(
        ev.confusion_matrix("logistic"),
        names,
        title=f"{EMBEDDER} + logistic, unseen animals ({observation})",
        path=f"{prefix}_confusion.png",
    )
    f1 = {}
    for (method, protocol), e in results.items():
        if protocol != "inductive":
            continue
        probe = "self" if "self" in e.probes else "logistic"
        f1[method] = {
            names[int(c)]: d["f1"] for c, d in e.per_class_summary(probe).items()
        }
    plot_f1_bars(
        f1,
        title=f"Per-type F1 on unseen animals ({observation}, inductive)",
        path=f"{prefix}_f1.png",
    )
    plt.close("all")


def _markdown(runs, args, total, skip):
    lines = [
        "# Izhikevich benchmark: neuron types on unseen animals",
        "",
        "Generated by `"
        + " ".join(["python benchmarks/bench_izhikevich.py", *args.argv])
        + "`. Balanced accuracy (mean ± std over GroupKFold folds by animal, "
        "3 folds of 2 test animals); chance = 1/7.",
        "",
        f"- seed {args.seed}, torch threads {args.threads}, "
        f"{platform.processor() or platform.machine()}, Python "
        f"{platform.python_version()}, torch {torch.__version__}",
        f"- total wall time: {total:.0f} s ({total / 60:.1f} min)",
        f"- embedder parameters: `{json.dumps(EMBEDDER_PARAMS)}`, plus per "
        f"observation `{json.dumps(OBSERVATION_PARAMS)}` (others at their "
        "defaults); NeuronVICReg, Supervised and the (+population) baselines read "
        "the population-context input (`add_population_context`: the "
        "leave-one-out mean of the other neurons of the animal, z-scored per "
        'segment), NeuronVICReg and Supervised through `encoder="context"`, the '
        'baselines with `channels="all"`; NeuronVICReg (own trace) is the '
        "same embedder with the plain CNN on the neuron's trace alone",
    ]
    if skip:
        lines.append(f"- skipped: {', '.join(sorted(skip))}")
    lines += ["", "## Summary (logistic probe; supervised: its own head)", ""]
    header = "| method | " + " | ".join(
        f"{r['observation']} {p}" for r in runs for p in PROTOCOLS
    )
    lines += [header + " |", "|---|" + "---|" * (len(runs) * len(PROTOCOLS))]
    methods = []
    for r in runs:
        for m, _ in r["comparison"].results:
            if m not in methods:
                methods.append(m)
    for m in methods:
        cells = []
        for r in runs:
            for p in PROTOCOLS:
                ev = r["comparison"].results.get((m, p))
                if ev is None:
                    cells.append("—")
                    continue
                probe = "self" if "self" in ev.probes else "logistic"
                cells.append(_fmt(*ev.summary()[probe]["balanced_accuracy"]))
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    for r in runs:
        lines += [
            "",
            f"## {r['observation']}: all probes",
            "",
            f"X shape {tuple(r['shape'])} (neurons, segments, samples); "
            f"{r['n_animals']} animals; conditions: {', '.join(r['conditions'])}. "
            f"Wall time {r['wall_time']:.0f} s (simulation {r['simulation_time']:.0f}"
            " s). fit/transform: mean seconds per fold.",
            "",
            r["comparison"].to_markdown(),
        ]
        ev = r["comparison"].results.get((EMBEDDER, "inductive"))
        if ev is not None:
            lines += [
                "",
                f"Per-type F1, {EMBEDDER} + logistic, inductive:",
                "",
                "| type | F1 |",
                "|---|---|",
            ]
            for c, d in ev.per_class_summary("logistic").items():
                lines.append(f"| {r['types'][int(c)]} | {_fmt(*d['f1'])} |")
    return "\n".join(lines) + "\n"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument(
        "--observations",
        nargs="+",
        choices=("spikes", "calcium"),
        default=["spikes", "calcium"],
    )
    parser.add_argument("--output", default=str(Path(__file__).parent / "results"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=sorted(METHOD_KEYS), metavar="METHOD"
    )
    parser.add_argument("--no-figures", action="store_true")
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    return args


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    out_dir = Path(args.output)
    out_dir.mkdir(parents=True, exist_ok=True)
    skip = set(args.skip)

    def log(msg):
        print(msg, flush=True)

    t0 = time.perf_counter()
    runs = [run_observation(o, args, skip, out_dir, log) for o in args.observations]
    total = time.perf_counter() - t0
    text = _markdown(runs, args, total, skip)
    (out_dir / "bench_izhikevich.md").write_text(text, encoding="utf-8")
    payload = {
        "settings": {
            "quick": args.quick,
            "seed": args.seed,
            "threads": args.threads,
            "skip": sorted(skip),
            "embedder_params": EMBEDDER_PARAMS,
            "observation_params": OBSERVATION_PARAMS,
            "total_wall_time": total,
        },
        "observations": {
            r["observation"]: {
                **{k: v for k, v in r.items() if k != "comparison"},
                **r["comparison"].to_dict(),
            }
            for r in runs
        },
    }
    (out_dir / "bench_izhikevich.json").write_text(
        json.dumps(payload, default=str), encoding="utf-8"
    )
    print("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
