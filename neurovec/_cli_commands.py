"""Implementations of the ``neurovec`` sub-commands (see :mod:`neurovec.cli`).

Each ``run_<command>(args)`` takes the parsed :class:`argparse.Namespace` and
returns an exit status. User mistakes are raised as ``ValueError`` /
``OSError`` with a message naming what was expected and what was received;
:func:`neurovec.cli.main` prints them as one line.
"""

import json
import time
from pathlib import Path

import numpy as np

__all__ = ["run_demo", "run_embed", "run_fit", "run_simulate"]

_DEFAULT_TYPES = ("RS", "IB", "CH", "FS", "LTS", "TC", "RZ")

# Sizes of the demo. The default takes about a minute on 2 CPU cores; --quick is
# a smoke test of every stage in seconds.
_DEMO = {
    "full": dict(
        types=_DEFAULT_TYPES,
        n_animals=6,
        neurons_per_type=8,
        n_segments=16,
        segment_duration=2000.0,
        n_folds=3,
        embedder=dict(
            embedding_dim=32,
            projector=(128, 128),
            pairs_per_neuron=4,
            batch_size=64,
            max_epochs=30,
            scale_range=0.5,
            noise_std=0.2,
            transform_pooling="meanstd",
        ),
        # Per encoder: the context encoder at its defaults (16 channels per
        # CNN; 32 did worse on this small population), the plain CNN wider.
        encoder_kwargs={"context": None, "cnn": {"hidden_channels": 32, "n_blocks": 4}},
        minirocket_kernels=2000,
    ),
    "quick": dict(
        types=("RS", "FS", "IB", "LTS"),
        n_animals=3,
        neurons_per_type=3,
        n_segments=4,
        segment_duration=400.0,
        n_folds=3,
        embedder=dict(
            embedding_dim=8,
            projector=(16,),
            pairs_per_neuron=1,
            batch_size=32,
            max_epochs=2,
            transform_pooling="meanstd",
        ),
        encoder_kwargs=dict.fromkeys(
            ("context", "cnn"), {"hidden_channels": 8, "n_blocks": 2}
        ),
        minirocket_kernels=84,
    ),
}
_EMBEDDER_NAME = "NeuronVICReg"


# -- input / output helpers ----------------------------------------------------
def _log(message):
    print(message, flush=True)


def load_array(path, key="X"):
    """Read a numeric array from a ``.npy`` file or one array of a ``.npz`` file.

    Parameters
    ----------
    path : str or path-like
        ``.npy`` or ``.npz`` file (read without pickle).
    key : str, default="X"
        Array of a ``.npz`` archive.

    Returns
    -------
    X : ndarray
        The array, not yet validated against the data contract.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from neurovec._cli_commands import load_array
    >>> path = os.path.join(tempfile.mkdtemp(), "x.npz")
    >>> np.savez(path, X=np.zeros((3, 2, 5)))
    >>> load_array(path).shape
    (3, 2, 5)
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(2, "No such file", str(path))
    if path.is_dir():
        raise IsADirectoryError(f"expected a .npy or .npz file; {path} is a directory.")
    suffix = path.suffix.lower()
    if suffix not in (".npy", ".npz"):
        raise ValueError(
            f"expected a .npy or .npz file; received {path} (suffix {suffix!r})."
        )
    try:
        data = np.load(path, allow_pickle=False)
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise ValueError(
                f"{path} holds Python objects (a pickled/object array), not numbers;"
                " save a numeric array, e.g. np.save(path, X.astype(np.float32))."
            ) from None
        raise ValueError(f"could not read {path} as a numpy file: {exc}") from None
    if isinstance(data, np.lib.npyio.NpzFile):
        with data:
            if key not in data.files:
                raise ValueError(
                    f"expected an array named {key!r} in {path}; it holds "
                    f"{sorted(data.files)} (choose one with --key)."
                )
            try:
                X = data[key]
            except ValueError:
                raise ValueError(
                    f"array {key!r} of {path} holds Python objects, not numbers."
                ) from None
    else:
        X = data
    if not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
        raise ValueError(
            f"expected a numeric array in {path}; received dtype {X.dtype} of "
            f"shape {X.shape}."
        )
    return X


def _with_suffix(path, suffix):
    path = Path(path)
    return path.with_name(path.stem + suffix)


def _check_writable(path, suffixes):
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise ValueError(
            f"expected an output file ending in {' or '.join(suffixes)}; "
            f"received {path}."
        )
    if not path.parent.exists():
        raise FileNotFoundError(2, "No such directory", str(path.parent))
    return path


def _load_model(path, device=None):
    from neurovec.embedder import NeuronVICRegEmbedder

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(2, "No such file", str(path))
    try:
        return NeuronVICRegEmbedder.load(path, device=device)
    except (ValueError, OSError):
        raise
    except Exception as exc:  # noqa: BLE001 - torch raises many types on bad files
        raise ValueError(
            f"could not read {path} as a neurovec model (written by neurovec fit): "
            f"{type(exc).__name__}: {exc}"
        ) from None


# -- simulate ------------------------------------------------------------------
def _parse_types(text):
    if text is None:
        return list(_DEFAULT_TYPES)
    types = [t.strip() for t in text.split(",") if t.strip()]
    if not types:
        raise ValueError(f"expected comma-separated type names; received {text!r}.")
    return types


def run_simulate(args):
    """``neurovec simulate``: write a simulated dataset to ``.npz``."""
    out = Path(args.output)
    if out.suffix.lower() != ".npz":
        raise ValueError(f"expected an OUTPUT file ending in .npz; received {out}.")
    _check_writable(out, (".npz",))
    from neurovec.simulation import make_izhikevich

    types = _parse_types(args.types)
    _log(
        f"simulating {len(types)} types x {args.n_animals} animals x "
        f"{args.neurons_per_type} neurons per type ({args.n_segments} segments of "
        f"{args.segment_duration:g} ms, {args.observation}) ..."
    )
    data = make_izhikevich(
        types,
        n_neurons_per_type=args.neurons_per_type,
        n_animals=args.n_animals,
        n_segments=args.n_segments,
        segment_duration=args.segment_duration,
        observation=args.observation,
        random_state=args.seed,
        verbose=1,
    )
    _save_dataset(out, data)
    _log(f"wrote {out}: X {data.X.shape}, {len(types)} types, {args.n_animals} animals")
    return 0


def _save_dataset(path, data):
    np.savez_compressed(
        path,
        X=data.X,
        y=data.y,
        target_names=np.asarray(data.target_names, dtype=str),
        groups=data.groups,
        conditions=data.conditions,
        condition_names=np.asarray(data.condition_names, dtype=str),
        parameters=data.parameters,
        firing_rates=data.firing_rates,
        DESCR=np.asarray(data.DESCR, dtype=str),
    )


# -- fit / embed ---------------------------------------------------------------
def run_fit(args):
    """``neurovec fit``: fit the embedder on an array file and save it."""
    from neurovec._validation import check_segmented

    model = Path(args.model) if args.model else _with_suffix(args.data, ".model.pt")
    X = load_array(args.data, args.key)
    if X.ndim == 2 and args.segment_length is None:
        raise ValueError(
            f"DATA has shape {X.shape}, read as (n_neurons, n_timepoints): pass "
            "--segment-length to cut it into segments, or save it as (n_neurons, "
            "n_segments, segment_length[, n_channels])."
        )
    # Validate before the slow imports and the training.
    Xc = check_segmented(X, segment_length=args.segment_length, ensure_min_neurons=2)
    from neurovec.embedder import NeuronVICRegEmbedder

    est = NeuronVICRegEmbedder(
        embedding_dim=args.embedding_dim,
        encoder=args.encoder,
        pairs_per_neuron=args.pairs_per_neuron,
        batch_size=args.batch_size,
        max_epochs=args.epochs,
        device=args.device,
        random_state=args.seed,
        verbose=0 if args.quiet else 1,
    )
    _log(
        f"fitting on {Xc.shape[0]} neurons x {Xc.shape[1]} segments x "
        f"{Xc.shape[2]} samples x {Xc.shape[3]} channel(s), {args.epochs} epochs ..."
    )
    est.fit(Xc)
    est.save(model)
    loss = est.history_[-1, "train_loss"]
    _log(f"saved model to {model} (final loss {loss:.4g})")
    return 0


def run_embed(args):
    """``neurovec embed``: embed neurons with a saved model."""
    out = (
        Path(args.output) if args.output else _with_suffix(args.data, ".embedding.npy")
    )
    _check_writable(out, (".npy", ".csv"))
    X = load_array(args.data, args.key)
    est = _load_model(args.model, device=args.device)
    Z = est.transform(X)
    if out.suffix.lower() == ".csv":
        names = ",".join(str(n) for n in est.get_feature_names_out())
        np.savetxt(out, Z, delimiter=",", header=names, comments="", fmt="%.7g")
    else:
        np.save(out, Z)
    _log(f"wrote {out}: embedding of shape {Z.shape}")
    return 0


# -- demo ----------------------------------------------------------------------
def _methods(cfg, seed, args):
    """The embedder and the baselines, plus lines on skipped baselines."""
    from neurovec.embedder import NeuronVICRegEmbedder
    from neurovec.evaluation import (
        Catch22Features,
        MiniRocketFeatures,
        SegmentPCA,
        SummaryFeatures,
    )

    params = dict(cfg["embedder"])
    # Population context: read by the context encoder (see run_demo).
    params["encoder"] = "cnn" if getattr(args, "no_context", False) else "context"
    params["encoder_kwargs"] = cfg["encoder_kwargs"][params["encoder"]]
    if getattr(args, "observation", "spikes") == "calcium":
        # Fluorescence is in arbitrary units whose gain differs between animals.
        params["neuron_scale"] = True
    methods = {
        _EMBEDDER_NAME: NeuronVICRegEmbedder(**params, random_state=seed, verbose=1),
        "SummaryFeatures": SummaryFeatures(),
        "SegmentPCA": SegmentPCA(random_state=seed),
    }
    skipped = []
    has_aeon = _has_aeon()
    if args.no_minirocket:
        skipped.append("MiniRocket skipped (--no-minirocket).")
    elif has_aeon:
        methods["MiniRocket"] = MiniRocketFeatures(
            n_kernels=cfg["minirocket_kernels"], random_state=seed
        )
    else:
        skipped.append(
            'MiniRocket skipped: aeon is not installed (pip install "neurovec'
            '[baselines]").'
        )
    if args.catch22:
        if has_aeon:
            methods["Catch22"] = Catch22Features()
        else:
            skipped.append("Catch22 skipped: aeon is not installed.")
    return methods, skipped


def _has_aeon():
    from importlib.util import find_spec

    return find_spec("aeon") is not None


def _best_rows(table):
    """Best probe (balanced accuracy) of every method."""
    best = {}
    for row in table:
        m = row["method"]
        if (
            m not in best
            or row["balanced_accuracy_mean"] > best[m]["balanced_accuracy_mean"]
        ):
            best[m] = row
    return best


def run_demo(args):
    """``neurovec demo``: simulate, fit, evaluate on unseen animals, plot."""
    t_start = time.perf_counter()
    cfg = _DEMO["quick" if args.quick else "full"]
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"expected --output to be a folder; {out} is a file.")
    out.mkdir(parents=True, exist_ok=True)
    n_stages = 4
    types = cfg["types"]

    _log(
        f"[1/{n_stages}] simulating {len(types)} types x {cfg['n_animals']} animals "
        f"x {cfg['neurons_per_type']} neurons per type ({cfg['n_segments']} "
        f"segments of {cfg['segment_duration'] / 1000:g} s, {args.observation}) ..."
    )
    from neurovec.simulation import make_izhikevich

    data = make_izhikevich(
        types,
        n_neurons_per_type=cfg["neurons_per_type"],
        n_animals=cfg["n_animals"],
        n_segments=cfg["n_segments"],
        segment_duration=cfg["segment_duration"],
        observation=args.observation,
        random_state=args.seed,
        verbose=1,
    )
    t_sim = time.perf_counter() - t_start

    from sklearn.model_selection import GroupKFold

    from neurovec.evaluation import MethodComparison, evaluate_embedding

    methods, skipped = _methods(cfg, args.seed, args)
    for line in skipped:
        _log(f"      {line}")
    n_folds = cfg["n_folds"]
    _log(
        f"[2/{n_stages}] evaluating on unseen animals: {n_folds} folds split by "
        f"animal, each method fitted on the training animals only; methods: "
        f"{', '.join(methods)} ..."
    )
    cv = list(GroupKFold(n_splits=n_folds).split(data.X, data.y, data.groups))
    # The embedder reads the neuron's trace plus what the other neurons of its
    # animal did at the same time (no label, nothing fitted: also available for
    # an unseen animal); the baselines read the neuron's trace.
    if args.no_context:
        X_embedder = data.X
        embedder_input = "own trace"
    else:
        from neurovec import add_population_context

        X_embedder = add_population_context(data.X, data.groups)
        embedder_input = "own trace + population context (add_population_context)"
    results = {}
    timings = {}
    fitted = None
    for name, est in methods.items():
        t0 = time.perf_counter()
        ev = evaluate_embedding(
            est,
            X_embedder if name == _EMBEDDER_NAME else data.X,
            data.y,
            data.groups,
            probes=("logistic", "knn"),
            cv=cv,
            return_estimators=name == _EMBEDDER_NAME,
            verbose=1,
        )
        timings[name] = time.perf_counter() - t0
        if name == _EMBEDDER_NAME:
            fitted = ev.estimators[0]
        results[(name, "inductive")] = ev
        best = max(ev.summary().items(), key=lambda kv: kv[1]["balanced_accuracy"][0])
        _log(
            f"      {name}: balanced accuracy {best[1]['balanced_accuracy'][0]:.3f} "
            f"({best[0]} probe), {timings[name]:.0f} s"
        )
    comparison = MethodComparison(results=results)

    _log(f"[3/{n_stages}] drawing figures ...")
    figures = _demo_figures(out, data, X_embedder, comparison, fitted, cv, args)

    _log(f"[4/{n_stages}] writing results ...")
    table = comparison.table()
    best = _best_rows(table)
    emb = best[_EMBEDDER_NAME]
    baselines = [r for m, r in best.items() if m != _EMBEDDER_NAME]
    top = max(baselines, key=lambda r: r["balanced_accuracy_mean"])
    headline = {
        "embedder": _headline_entry(emb),
        "best_baseline": _headline_entry(top),
    }
    wall = time.perf_counter() - t_start
    result = {
        "neurovec_version": _version(),
        "command": "neurovec demo" + (" --quick" if args.quick else ""),
        "seed": args.seed,
        "dataset": {
            "observation": args.observation,
            "shape": list(data.X.shape),
            "target_names": list(data.target_names),
            "n_animals": cfg["n_animals"],
            "neurons_per_type": cfg["neurons_per_type"],
            "condition_names": list(data.condition_names),
        },
        "protocol": {
            "name": "inductive",
            "cv": f"GroupKFold(n_splits={n_folds}) over animals",
            "test_animals": [sorted({int(g) for g in data.groups[te]}) for _, te in cv],
        },
        "embedder_params": {
            k: v
            for k, v in methods[_EMBEDDER_NAME].get_params().items()
            if k not in ("callbacks",)
        },
        "embedder_input": embedder_input,
        "skipped": skipped,
        "headline": headline,
        "table": table,
        "evaluations": comparison.to_dict()["evaluations"],
        "figures": [p.name for p in figures],
        "timings_s": {"simulation": t_sim, **timings, "total": wall},
    }
    json_path = out / "results.json"
    json_path.write_text(json.dumps(result, indent=2, default=_json_default))

    print()
    print(
        f"Balanced accuracy on unseen animals ({n_folds} folds, mean ± std; "
        f"{len(data.y)} neurons, {len(types)} types):"
    )
    print()
    print(comparison.to_markdown())
    print()
    _log(f"Files in {out}/: {', '.join(p.name for p in [*figures, json_path])}")
    verdict = (
        "beats"
        if emb["balanced_accuracy_mean"] > top["balanced_accuracy_mean"]
        else "does not beat"
    )
    _log(
        f"Headline: {_EMBEDDER_NAME} reaches {emb['balanced_accuracy_mean']:.3f} "
        f"balanced accuracy on unseen animals ({emb['probe']} probe) and {verdict} "
        f"the best baseline, {top['method']} ({top['probe']}): "
        f"{top['balanced_accuracy_mean']:.3f}. Total time {wall:.0f} s."
    )
    if args.quick:
        _log("(--quick: a tiny smoke run; run without --quick for real numbers.)")
    return 0


def _headline_entry(row):
    return {
        "method": row["method"],
        "probe": row["probe"],
        "balanced_accuracy": row["balanced_accuracy_mean"],
        "balanced_accuracy_std": row["balanced_accuracy_std"],
    }


def _version():
    from neurovec import __version__

    return __version__


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, tuple):
        return list(obj)
    return str(obj)


def _demo_figures(out, data, X_embedder, comparison, fitted, cv, args):
    from neurovec.plotting import (
        plot_confusion_matrix,
        plot_embedding_map,
        plot_f1_bars,
        plot_loss_curves,
    )

    names = list(data.target_names)
    ev = comparison.results[(_EMBEDDER_NAME, "inductive")]
    best = _best_rows(comparison.table())
    probe = best[_EMBEDDER_NAME]["probe"]
    test_animals = sorted({int(g) for g in data.groups[cv[0][1]]})
    Z = fitted.transform(X_embedder)
    paths = [
        out / "embedding_map.png",
        out / "confusion_matrix.png",
        out / "loss_curves.png",
        out / "f1_bars.png",
    ]
    plot_embedding_map(
        Z,
        data.y,
        data.groups,
        method=args.map,
        class_names=names,
        random_state=args.seed,
        title=f"{_EMBEDDER_NAME} embedding ({args.map}); unseen in training: "
        f"animal{'s' * (len(test_animals) > 1)} {', '.join(map(str, test_animals))}",
        path=paths[0],
    )
    plot_confusion_matrix(
        ev,
        names,
        probe=probe,
        title=f"{_EMBEDDER_NAME} + {probe} probe, unseen animals",
        path=paths[1],
    )
    plot_loss_curves(fitted, path=paths[2])
    f1 = {}
    for (method, _), e in comparison.results.items():
        summary = e.per_class_summary(best[method]["probe"])
        f1[method] = {names[int(c)]: d["f1"] for c, d in summary.items()}
    plot_f1_bars(f1, title="Per-type F1 on unseen animals", path=paths[3])
    return paths
