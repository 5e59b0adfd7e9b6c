"""Benchmark the neurovec Izhikevich simulator against Brian2, and its scaling.

The network is the cortical network of Izhikevich (2003): 80 % excitatory RS/CH,
20 % inhibitory FS/LTS, weights ``0.5 U(0,1)`` / ``-U(0,1)``, thalamic noise
``5 N(0,1)`` / ``2 N(0,1)`` redrawn every ms, 1 s simulated with ``dt = 0.5`` ms.

1. neurovec vs Brian2 (numpy code generation, ``prefs.codegen.target = "numpy"``)
   at N = 1,000 (all-to-all, dense weights) and N = 10,000 (connection
   probability 0.1, sparse weights; with 1,000 inputs per neuron the weights need no
   rescaling). Each simulator builds its own random instance of the network, so
   rates agree statistically, not spike for spike. Brian2 integrates ``v`` and
   ``u`` with forward Euler at ``dt``; neurovec uses the paper's two half-steps
   for ``v``.
2. Scaling of neurovec to 100,000 neurons with K = 100 random inputs per neuron
   (weights scaled by 1000 / K to keep the mean input; the larger per-synapse
   weights make this network fire faster and more synchronously, ~40 Hz) and with
   K = 1,000 (the paper's in-degree, 10^8 synapses, ~8 Hz): build and run time,
   peak resident memory (``resource.getrusage``, each size in a fresh process).

Brian2 2.9 does not import with numpy >= 2.3, so it runs in its own environment,
in a subprocess::

    python3 -m venv /work/brian2-venv
    /work/brian2-venv/bin/pip install brian2 "numpy<2.3"
    python benchmarks/bench_simulator.py --brian2-python /work/brian2-venv/bin/python

(or set ``NEUROVEC_BRIAN2_PYTHON``). Without it the Brian2 columns are skipped with
a message. The script prints markdown tables and writes
``benchmarks/results/bench_simulator.json``; ``--figures`` also writes the figures
of ``plot_izhikevich_types.py``.
"""

import argparse
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"

_NEUROVEC_WORKER = textwrap.dedent(
    """
    import json, resource, sys, time
    import numpy as np
    from neurovec.simulation import (izhikevich_2003_network,
                                     simulate_izhikevich_network)
    n, p, k, duration, dt, dtype, seed = json.loads(sys.argv[1])
    dtype = np.dtype(dtype).type
    t0 = time.perf_counter()
    ne = n * 4 // 5
    net = izhikevich_2003_network(ne, n - ne, connection_prob=p, n_connections=k,
                                  dtype=dtype, random_state=seed)
    t1 = time.perf_counter()
    res = simulate_izhikevich_network(net.a, net.b, net.c, net.d, net.weights,
                                      net.drive(dt), dt, duration=duration,
                                      dtype=dtype)
    t2 = time.perf_counter()
    exc = net.excitatory[res.spike_neurons]
    s = duration / 1000
    print(json.dumps(dict(
        build_s=t1 - t0, run_s=t2 - t1, total_s=t2 - t0,
        rate_hz=res.spike_times.size / n / s,
        rate_exc_hz=float(exc.sum() / ne / s),
        rate_inh_hz=float((~exc).sum() / (n - ne) / s),
        n_synapses=int(net.weights.nnz if hasattr(net.weights, "nnz")
                       else net.weights.size),
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )))
    """
)

_BRIAN2_WORKER = textwrap.dedent(
    """
    import json, resource, sys, time
    n, p, duration, dt, seed = json.loads(sys.argv[1])
    t0 = time.perf_counter()
    from brian2 import (NeuronGroup, Synapses, Network, ms, prefs, seed as bseed,
                        defaultclock)
    prefs.codegen.target = "numpy"
    bseed(seed)
    defaultclock.dt = dt * ms
    ne = n * 4 // 5
    eqs = '''
    dv/dt = (0.04*v**2 + 5*v + 140 - u + I) / ms : 1
    du/dt = a * (b*v - u) / ms : 1
    I : 1
    a : 1
    b : 1
    c : 1
    d : 1
    sigma : 1
    '''
    G = NeuronGroup(n, eqs, threshold="v >= 30", reset="v = c; u += d",
                    method="euler")
    import numpy as np
    rng = np.random.RandomState(seed)
    re, ri = rng.random_sample(ne), rng.random_sample(n - ne)
    G.sigma = np.r_[np.full(ne, 5.0), np.full(n - ne, 2.0)]
    G.a = np.r_[np.full(ne, 0.02), 0.02 + 0.08 * ri]
    G.b = np.r_[np.full(ne, 0.2), 0.25 - 0.05 * ri]
    G.c = np.r_[-65 + 15 * re**2, np.full(n - ne, -65.0)]
    G.d = np.r_[8 - 6 * re**2, np.full(n - ne, 2.0)]
    G.v = -65
    G.u = "b * v"
    G.run_regularly("I = sigma * randn()", dt=1 * ms)
    S = Synapses(G, G, "w : 1", on_pre="v_post += w")
    if p >= 1:
        S.connect()
    else:
        S.connect(p=p)
    scale = 1000.0 / (p * n)
    S.w = "scale * rand() * (0.5 * int(i < ne) - int(i >= ne))"
    from brian2 import SpikeMonitor
    M = SpikeMonitor(G)
    net = Network(G, S, M)
    t1 = time.perf_counter()
    net.run(duration * ms)
    t2 = time.perf_counter()
    idx = M.i[:]
    s = duration / 1000
    print(json.dumps(dict(
        build_s=t1 - t0, run_s=t2 - t1, total_s=t2 - t0,
        rate_hz=len(idx) / n / s,
        rate_exc_hz=float((idx < ne).sum() / ne / s),
        rate_inh_hz=float((idx >= ne).sum() / (n - ne) / s),
        n_synapses=int(len(S)),
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )))
    """
)


def _run(python, code, args, timeout):
    proc = subprocess.run(
        [python, "-c", code, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fmt(x, nd=2):
    return "—" if x is None else f"{x:.{nd}f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--brian2-python",
        default=os.environ.get("NEUROVEC_BRIAN2_PYTHON"),
        help="Python interpreter of an environment with Brian2 installed.",
    )
    parser.add_argument("--duration", type=float, default=1000.0, help="ms")
    parser.add_argument("--dt", type=float, default=0.5, help="ms")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--figures", action="store_true")
    parser.add_argument("--out", default=str(RESULTS / "bench_simulator.json"))
    args = parser.parse_args(argv)

    python = sys.executable
    brian = args.brian2_python
    if brian and not Path(brian).exists():
        print(f"Brian2 python {brian!r} not found; skipping Brian2.")
        brian = None
    if not brian:
        print(
            "Brian2 comparison skipped: pass --brian2-python PATH (an environment "
            "with brian2 and numpy<2.3) or set NEUROVEC_BRIAN2_PYTHON."
        )

    out = {"config": vars(args), "comparison": [], "scaling": []}
    for n, p in ((1000, 1.0), (10000, 0.1)):
        row = {"n_neurons": n, "connection_prob": p}
        nv = [
            _run(python, _NEUROVEC_WORKER,
                 [n, p, None, args.duration, args.dt, "float64", args.seed + r],
                 3600)
            for r in range(args.repeats)
        ]  # fmt: skip
        row["neurovec"] = min(nv, key=lambda r: r["total_s"])
        if brian:
            try:
                br = [
                    _run(brian, _BRIAN2_WORKER,
                         [n, p, args.duration, args.dt, args.seed + r], 3600)
                    for r in range(args.repeats)
                ]  # fmt: skip
                row["brian2"] = min(br, key=lambda r: r["total_s"])
                row["ratio_total"] = (
                    row["neurovec"]["total_s"] / row["brian2"]["total_s"]
                )
                row["ratio_run"] = row["neurovec"]["run_s"] / row["brian2"]["run_s"]
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                print(f"Brian2 failed at N={n}: {exc}")
        out["comparison"].append(row)
        print(f"done N={n}", flush=True)

    print("\n### neurovec vs Brian2 (numpy target), 1 s simulated, dt = 0.5 ms\n")
    print(
        "| N | synapses | neurovec build+run (s) | Brian2 build+run (s) | ratio | "
        "run-only ratio | neurovec rate E/I (Hz) | Brian2 rate E/I (Hz) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in out["comparison"]:
        nv, br = row["neurovec"], row.get("brian2")
        print(
            f"| {row['n_neurons']:,} | {nv['n_synapses']:,} | "
            f"{_fmt(nv['build_s'])}+{_fmt(nv['run_s'])} | "
            + (f"{_fmt(br['build_s'])}+{_fmt(br['run_s'])}" if br else "—")
            + f" | {_fmt(row.get('ratio_total'))} | {_fmt(row.get('ratio_run'))} | "
            f"{_fmt(nv['rate_exc_hz'], 1)}/{_fmt(nv['rate_inh_hz'], 1)} | "
            + (
                f"{_fmt(br['rate_exc_hz'], 1)}/{_fmt(br['rate_inh_hz'], 1)} |"
                if br
                else "— |"
            )
        )

    if not args.skip_scaling:
        for n, k in ((1000, 100), (10000, 100), (100000, 100), (100000, 1000)):
            res = _run(
                python, _NEUROVEC_WORKER,
                [n, 1.0, k, args.duration, args.dt, "float32", args.seed], 3600,
            )  # fmt: skip
            res["n_neurons"], res["n_inputs"] = n, k
            out["scaling"].append(res)
            print(f"done scaling N={n}, K={k}", flush=True)
        print("\n### neurovec scaling, K random inputs per neuron, float32, 1 s\n")
        print("| N | K | synapses | build (s) | run (s) | peak RSS (MB) | rate (Hz) |")
        print("|---|---|---|---|---|---|---|")
        for r in out["scaling"]:
            print(
                f"| {r['n_neurons']:,} | {r['n_inputs']:,} | {r['n_synapses']:,} | "
                f"{_fmt(r['build_s'])} | "
                f"{_fmt(r['run_s'])} | {_fmt(r['peak_rss_mb'], 0)} | "
                f"{_fmt(r['rate_hz'], 1)} |"
            )

    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2))
    print(f"\nwrote {args.out}")
    if args.figures:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from plot_izhikevich_types import main as plot_main

        plot_main([])


if __name__ == "__main__":
    main()
