"""Datasets of simulated animals: typed Izhikevich neurons under many conditions.

Each *animal* is one recurrent network of neurons of known types. Each *segment*
is recorded under one peripheral condition (see :data:`CONDITIONS`). All segments
of one animal are simulated at once, as a batch of independent copies of the
animal's network (state arrays of shape ``(n_segments, n_neurons)``), each copy
driven by its segment's condition. Animals differ by a *domain shift* (wiring,
input gain, noise, parameters, observation gain and noise) so that predicting
neuron type in an unseen animal is a real test.
"""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from .._validation import check_segmented
from ._conditions import check_conditions, condition_waveforms, shared_stimulus
from ._network import simulate_izhikevich_network
from ._observation import bin_spikes, calcium_from_spikes, downsample_voltage
from ._types import _INHIBITORY, NEURON_TYPES, _check_types

__all__ = ["IzhikevichGenerator", "make_izhikevich", "izhikevich_2003_network"]

_DEFAULT_TYPES = ("RS", "IB", "CH", "FS", "LTS", "TC", "RZ")
_WARMUP_MS = 200.0
# In-degree of the all-to-all network of Izhikevich (2003).
_PAPER_IN_DEGREE = 1000
# Std of the log input gain of single neurons within an animal.
_GAIN_SPREAD = 0.05
# Spread (std of the log factor, or mV for c) of each per-animal shift at
# domain_shift=1.
_SHIFT_SCALES = {
    "connectivity": 0.4,
    "input_gain": 0.1,
    "noise": 0.3,
    "reset_c": 0.7,
    "reset_d": 0.08,
    "observation_gain": 0.3,
    "observation_noise": 0.3,
}


def izhikevich_2003_network(
    n_excitatory=800,
    n_inhibitory=200,
    *,
    connection_prob=1.0,
    n_connections=None,
    dtype=np.float64,
    random_state=None,
):
    """The cortical network of Izhikevich (2003): parameters, weights and drive.

    Excitatory neurons mix RS and CH through ``re ~ U(0, 1)``:
    ``c = -65 + 15 re**2``, ``d = 8 - 6 re**2``; inhibitory neurons mix FS and LTS
    through ``ri``: ``a = 0.02 + 0.08 ri``, ``b = 0.25 - 0.05 ri``. Weights are
    ``0.5 * U(0, 1)`` from excitatory and ``-U(0, 1)`` from inhibitory neurons.
    With ``connection_prob < 1`` (or ``n_connections`` inputs per neuron) the
    weights are sparse and scaled by ``1000 / n_inputs`` so that each neuron
    receives the same mean input as in the all-to-all 1000-neuron network. The
    thalamic drive is ``5 N(0, 1)`` (excitatory) / ``2 N(0, 1)`` (inhibitory),
    redrawn every millisecond as in the paper.

    Parameters
    ----------
    n_excitatory, n_inhibitory : int, default=800, 200
    connection_prob : float, default=1.0
        Probability of each connection; 1.0 gives dense all-to-all weights.
    n_connections : int, default=None
        Fixed number of random inputs per neuron (overrides ``connection_prob``).
    dtype : numpy dtype, default=np.float64
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    net : Bunch
        ``a, b, c, d`` (n,), ``weights`` (dense or CSR, ``[post, pre]``),
        ``excitatory`` (bool mask), ``drive(dt)`` -> callable for
        :func:`simulate_izhikevich_network` (draws from the same generator).

    Examples
    --------
    >>> from neurovec.simulation import izhikevich_2003_network
    >>> net = izhikevich_2003_network(random_state=0)
    >>> net.weights.shape, int(net.excitatory.sum())
    ((1000, 1000), 800)
    """
    rng = check_random_state(random_state)
    ne, ni = int(n_excitatory), int(n_inhibitory)
    n = ne + ni
    re, ri = rng.random_sample(ne), rng.random_sample(ni)
    a = np.concatenate([np.full(ne, 0.02), 0.02 + 0.08 * ri])
    b = np.concatenate([np.full(ne, 0.2), 0.25 - 0.05 * ri])
    c = np.concatenate([-65 + 15 * re**2, np.full(ni, -65.0)])
    d = np.concatenate([8 - 6 * re**2, np.full(ni, 2.0)])
    exc = np.arange(n) < ne
    if n_connections is None and connection_prob >= 1.0:
        weights = rng.random_sample((n, n)).astype(dtype)
        weights[:, :ne] *= 0.5
        weights[:, ne:] *= -1.0
    else:
        k = (
            int(n_connections)
            if n_connections is not None
            else max(1, int(round(connection_prob * n)))
        )
        # k random presynaptic partners per postsynaptic neuron (with repeats
        # allowed: at the sizes used the duplicates are negligible).
        pre = rng.randint(0, n, size=(n, k)).astype(np.int32)
        val = rng.random_sample((n, k)).astype(dtype)
        val = np.where(exc[pre], 0.5 * val, -val) * dtype(_PAPER_IN_DEGREE / k)
        weights = sp.csr_matrix(
            (val.ravel(), pre.ravel(), np.arange(0, n * k + 1, k)), shape=(n, n)
        )
        del pre, val
    sigma = np.where(exc, 5.0, 2.0).astype(dtype)

    def make_drive(dt):
        per_ms = max(1, int(round(1.0 / dt)))
        held = {"current": None}

        def drive(step):
            if step % per_ms == 0:
                held["current"] = sigma * rng.standard_normal(n).astype(dtype)
            return held["current"]

        return drive

    return Bunch(a=a, b=b, c=c, d=d, weights=weights, excitatory=exc, drive=make_drive)


def _allocate(types, n_neurons_per_type, n_neurons, proportions):
    if n_neurons is not None:
        if not isinstance(n_neurons, numbers.Integral) or n_neurons < len(types):
            raise ValueError(
                f"Expected n_neurons to be an int >= the number of types "
                f"({len(types)}); received {n_neurons!r}."
            )
        p = np.ones(len(types)) if proportions is None else np.asarray(proportions)
        if p.shape != (len(types),) or np.any(p < 0) or p.sum() <= 0:
            raise ValueError(
                f"Expected proportions of shape ({len(types)},), non-negative; "
                f"received {proportions!r}."
            )
        counts = np.floor(p / p.sum() * n_neurons).astype(int)
        rest = n_neurons - counts.sum()
        order = np.argsort(-(p / p.sum() * n_neurons - counts), kind="stable")
        counts[order[:rest]] += 1
        return counts
    if isinstance(n_neurons_per_type, numbers.Integral):
        counts = np.full(len(types), int(n_neurons_per_type))
    else:
        counts = np.asarray(list(n_neurons_per_type))
    if counts.shape != (len(types),) or np.any(counts < 0) or counts.sum() == 0:
        raise ValueError(
            f"Expected n_neurons_per_type to be a non-negative int or one per type "
            f"({len(types)}), not all zero; received {n_neurons_per_type!r}."
        )
    return counts.astype(int)


def _simulate_animal(cfg, types, counts, seed, seg_conditions, stimulus):
    """Simulate one animal; returns (X (n, n_seg, L), params, labels, shifts)."""
    rng = np.random.RandomState(seed)
    s = cfg["domain_shift"]
    shift = {k: rng.standard_normal() * v * s for k, v in _SHIFT_SCALES.items()}
    labels = np.repeat(np.arange(len(types)), counts)
    n = labels.size
    base = np.array([NEURON_TYPES[t][:4] for t in types])[labels]
    jit = cfg["jitter"] * rng.standard_normal((n, 4))
    params = base.copy()
    params[:, 0] *= np.clip(1 + jit[:, 0], 0.2, None)
    params[:, 1] *= 1 + jit[:, 1]
    params[:, 2] += 10 * jit[:, 2] + shift["reset_c"]
    params[:, 3] *= (1 + jit[:, 3]) * np.exp(shift["reset_d"])

    dt = cfg["dt"]
    # Recurrent wiring: excitatory or inhibitory by presynaptic type.
    p_conn = min(1.0, cfg["connection_prob"] * np.exp(0.5 * shift["connectivity"]))
    conn = rng.random_sample((n, n)) < p_conn
    np.fill_diagonal(conn, False)
    inhib = np.array([types[k] in _INHIBITORY for k in labels])
    w = rng.random_sample((n, n)) * np.exp(shift["connectivity"])
    w = (
        np.where(inhib[None, :], -cfg["inhibitory_weight"], cfg["excitatory_weight"])
        * w
    )
    weights = np.where(conn, w, 0.0)

    n_seg = len(seg_conditions)
    n_warm = int(round(_WARMUP_MS / dt))
    n_rec = int(round(cfg["segment_duration"] / dt))
    names = [cfg["conditions"][k] for k in seg_conditions]
    shared = condition_waveforms(names, n_warm, n_rec, dt, rng, stimulus)
    gain = np.exp(_GAIN_SPREAD * rng.standard_normal(n) + shift["input_gain"])
    sigma = cfg["noise"] * np.exp(shift["noise"])
    n_total = n_warm + n_rec
    drive = shared.astype(np.float32)[:, :, None] * gain.astype(np.float32)
    drive += np.float32(sigma) * rng.standard_normal((n_total, n_seg, n)).astype(
        np.float32
    )
    obs = cfg["observation"]
    res = simulate_izhikevich_network(
        *params.T,
        weights=weights,
        drive=drive,
        dt=dt,
        v0=-65.0 + 5 * rng.random_sample((n_seg, n)),
        record_voltage=obs == "voltage",
        dtype=np.float32,
    )
    del drive
    idx = res.spike_batch * n + res.spike_neurons
    obs_gain = np.exp(shift["observation_gain"])
    obs_noise = cfg["observation_noise"] * np.exp(shift["observation_noise"])
    bin_steps = int(round(cfg["bin_width"] / dt))
    if obs == "spikes":
        X = bin_spikes(res.spike_steps - n_warm, idx, n_seg * n, n_rec, bin_steps)
    elif obs == "voltage":
        volt = np.moveaxis(res.voltage[n_warm:], 0, -1).reshape(n_seg * n, n_rec)
        X = obs_gain * downsample_voltage(volt, bin_steps)
        X = X + 20.0 * obs_noise * rng.standard_normal(X.shape)  # mV
    else:
        counts = bin_spikes(res.spike_steps, idx, n_seg * n, n_total, 1)
        X = obs_gain * calcium_from_spikes(counts, dt, cfg["frame_rate"], n_skip=n_warm)
        X = X + obs_noise * rng.standard_normal(X.shape)
    X = X.reshape(n_seg, n, -1).transpose(1, 0, 2)
    shift["observation_gain_factor"] = obs_gain
    shift["connection_prob"] = p_conn
    rate = np.bincount(idx[res.spike_steps >= n_warm], minlength=n_seg * n)
    rate = rate.reshape(n_seg, n).T / (cfg["segment_duration"] / 1000.0)
    return X.astype(np.float32), params, labels, shift, rate


class IzhikevichGenerator(BaseEstimator):
    """Generate populations of typed Izhikevich neurons recorded under many conditions.

    Parameters
    ----------
    types : list of str, default=("RS", "IB", "CH", "FS", "LTS", "TC", "RZ")
        Neuron types (names in :data:`NEURON_TYPES`); ``y`` indexes this list.
    n_neurons_per_type : int or list of int, default=20
        Neurons of each type in each animal.
    n_neurons : int, default=None
        Total neurons per animal, split by ``proportions`` (equal by default);
        overrides ``n_neurons_per_type``.
    proportions : array-like of shape (n_types,), default=None
    n_animals : int, default=6
    n_segments : int, default=16
        Segments per neuron; segment ``s`` of an animal is recorded under one
        condition, conditions balanced over segments in random order.
    segment_duration : float, default=2000.0
        Milliseconds per segment (after a 200 ms unrecorded warm-up).
    conditions : list of str, default=None
        Names from :data:`CONDITIONS`; all of them when None.
    observation : {"spikes", "voltage", "calcium"}, default="spikes"
    bin_width : float, default=20.0
        Bin (ms) of ``"spikes"`` counts and ``"voltage"`` averages; must divide
        ``segment_duration``.
    frame_rate : float, default=30.0
        Camera frames per second for ``"calcium"`` (2 s segments hold 60 frames).
    observation_noise : float, default=0.05
        Std of additive camera noise for ``"calcium"`` (in units of the
        one-spike response); ``"voltage"`` gets ``20 * observation_noise`` mV
        (1 mV by default). Spike counts are noise-free.
    noise : float, default=3.0
        Std of each neuron's private input noise (per step).
    connection_prob : float, default=0.1
        Recurrent connection probability within an animal.
    excitatory_weight, inhibitory_weight : float, default=1.0, 2.0
        Maximum synaptic jump (mV) from excitatory / inhibitory neurons
        (weights are ``U(0, 1)`` times these).
    jitter : float, default=0.05
        Within-type parameter heterogeneity (see :func:`neuron_parameters`).
    domain_shift : float, default=1.0
        Scale of the per-animal shifts of connectivity, input gain, noise level,
        reset parameters, observation gain and observation noise; 0 gives
        animals that differ only by their random draws.
    dt : float, default=0.5
        Integration step (ms), at most 1.
    n_jobs : int, default=None
        Animals simulated in parallel (joblib); results do not depend on it.
    verbose : int, default=0
    random_state : int, RandomState instance or None, default=None

    See Also
    --------
    make_izhikevich : the same as a function.
    simulate_izhikevich_network : the simulator core.

    Notes
    -----
    Per-animal domain shift, at ``domain_shift=1`` (each factor drawn once per
    animal; stds of the log factor unless stated): connection probability
    ``exp(0.2 z)`` and weight scale ``exp(0.4 z)``, input gain 0.1, input-noise
    level 0.3, reset ``c`` offset 0.7 mV and ``d`` factor 0.08, observation gain
    0.3 and observation-noise level 0.3. The draws are stored in
    ``animal_shifts``. Within an animal each neuron's input gain varies by 5 %
    and its parameters by ``jitter``.

    Each animal's segments are simulated together as a batch of independent
    copies of its network, each starting from a 200 ms spontaneous warm-up, then
    driven by its segment's condition. One seed per animal is drawn up front from
    ``random_state``, so ``n_jobs`` does not change the result. The
    ``shared_stimulus`` waveform is the same in every animal (a repeated
    stimulus).

    Default generation (7 types x 20 neurons x 6 animals x 16 segments of 2 s,
    spikes in 20 ms bins) takes about 3-4 s on one CPU core.

    Examples
    --------
    >>> from neurovec.simulation import IzhikevichGenerator
    >>> gen = IzhikevichGenerator(n_neurons_per_type=2, n_animals=2, n_segments=3,
    ...                           segment_duration=500.0, random_state=0)
    >>> data = gen.generate()
    >>> data.X.shape, data.target_names[:3]
    ((28, 3, 25), ['RS', 'IB', 'CH'])
    """

    _parameter_constraints = {
        "types": ["array-like"],
        "n_neurons_per_type": [Interval(numbers.Integral, 0, None, closed="left"),
                               "array-like"],
        "n_neurons": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "proportions": ["array-like", None],
        "n_animals": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_segments": [Interval(numbers.Integral, 1, None, closed="left")],
        "segment_duration": [Interval(numbers.Real, 0, None, closed="neither")],
        "conditions": ["array-like", None],
        "observation": [StrOptions({"spikes", "voltage", "calcium"})],
        "bin_width": [Interval(numbers.Real, 0, None, closed="neither")],
        "frame_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "observation_noise": [Interval(numbers.Real, 0, None, closed="left")],
        "noise": [Interval(numbers.Real, 0, None, closed="left")],
        "connection_prob": [Interval(numbers.Real, 0, 1, closed="both")],
        "excitatory_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "inhibitory_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "jitter": [Interval(numbers.Real, 0, None, closed="left")],
        "domain_shift": [Interval(numbers.Real, 0, None, closed="left")],
        "dt": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_jobs": [numbers.Integral, None],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }  # fmt: skip

    def __init__(
        self,
        types=_DEFAULT_TYPES,
        *,
        n_neurons_per_type=20,
        n_neurons=None,
        proportions=None,
        n_animals=6,
        n_segments=16,
        segment_duration=2000.0,
        conditions=None,
        observation="spikes",
        bin_width=20.0,
        frame_rate=30.0,
        observation_noise=0.05,
        noise=3.0,
        connection_prob=0.1,
        excitatory_weight=1.0,
        inhibitory_weight=2.0,
        jitter=0.05,
        domain_shift=1.0,
        dt=0.5,
        n_jobs=None,
        verbose=0,
        random_state=None,
    ):
        self.types = types
        self.n_neurons_per_type = n_neurons_per_type
        self.n_neurons = n_neurons
        self.proportions = proportions
        self.n_animals = n_animals
        self.n_segments = n_segments
        self.segment_duration = segment_duration
        self.conditions = conditions
        self.observation = observation
        self.bin_width = bin_width
        self.frame_rate = frame_rate
        self.observation_noise = observation_noise
        self.noise = noise
        self.connection_prob = connection_prob
        self.excitatory_weight = excitatory_weight
        self.inhibitory_weight = inhibitory_weight
        self.jitter = jitter
        self.domain_shift = domain_shift
        self.dt = dt
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.random_state = random_state

    def _check(self):
        self._validate_params()
        types = _check_types(self.types)
        counts = _allocate(
            types, self.n_neurons_per_type, self.n_neurons, self.proportions
        )
        conditions = check_conditions(self.conditions)
        if self.dt > 1.0:
            raise ValueError(
                f"Expected dt <= 1 ms (the quadratic voltage equation is unstable "
                f"with larger steps); received dt={self.dt!r}."
            )
        for name, value in (("segment_duration", self.segment_duration),):
            if abs(value / self.dt - round(value / self.dt)) > 1e-9:
                raise ValueError(
                    f"Expected {name} to be a multiple of dt={self.dt}; "
                    f"received {value}."
                )
        if self.observation in ("spikes", "voltage"):
            ratio = self.segment_duration / self.bin_width
            bins = self.bin_width / self.dt
            if abs(ratio - round(ratio)) > 1e-9 or abs(bins - round(bins)) > 1e-9:
                raise ValueError(
                    f"Expected bin_width to divide segment_duration and to be a "
                    f"multiple of dt={self.dt}; received bin_width={self.bin_width}"
                    f" and segment_duration={self.segment_duration}."
                )
        else:
            n_frames = int(self.segment_duration * self.frame_rate / 1000 + 1e-9)
            if n_frames < 1:
                raise ValueError(
                    f"Expected segment_duration to hold at least one frame at "
                    f"frame_rate={self.frame_rate} Hz; received "
                    f"segment_duration={self.segment_duration} ms."
                )
        return types, counts, conditions

    def generate(self):
        """Simulate all animals and return the dataset.

        Returns
        -------
        data : :class:`~sklearn.utils.Bunch`
            ``X`` float32 ``(n_neurons, n_segments, L)``; ``y`` int type index;
            ``target_names``; ``groups`` animal id; ``conditions`` int
            ``(n_neurons, n_segments)`` indexing ``condition_names``;
            ``parameters`` ``(n_neurons, 4)`` (a, b, c, d, after jitter and
            shift); ``firing_rates`` ``(n_neurons, n_segments)`` in Hz;
            ``animal_shifts`` (one dict per animal); ``DESCR``.
        """
        from joblib import Parallel, delayed

        types, counts, conditions = self._check()
        rng = check_random_state(self.random_state)
        # All randomness is derived up front so results do not depend on n_jobs.
        seeds = rng.randint(0, 2**31 - 1, size=self.n_animals)
        seg_conditions = [
            rng.permutation(np.resize(np.arange(len(conditions)), self.n_segments))
            for _ in range(self.n_animals)
        ]
        n_rec = int(round(self.segment_duration / self.dt))
        stimulus = shared_stimulus(n_rec, self.dt, rng)
        cfg = dict(
            dt=float(self.dt),
            segment_duration=float(self.segment_duration),
            conditions=conditions,
            observation=self.observation,
            bin_width=float(self.bin_width),
            frame_rate=float(self.frame_rate),
            observation_noise=float(self.observation_noise),
            noise=float(self.noise),
            connection_prob=float(self.connection_prob),
            excitatory_weight=float(self.excitatory_weight),
            inhibitory_weight=float(self.inhibitory_weight),
            jitter=float(self.jitter),
            domain_shift=float(self.domain_shift),
        )
        jobs = (
            delayed(_simulate_animal)(
                cfg, types, counts, seeds[k], seg_conditions[k], stimulus
            )
            for k in range(self.n_animals)
        )
        if self.verbose:
            from tqdm.auto import tqdm

            jobs = tqdm(jobs, total=self.n_animals, desc="animals")
        out = Parallel(n_jobs=self.n_jobs)(jobs)
        X = np.concatenate([o[0] for o in out])
        X = check_segmented(X, input_name="X")[..., 0]
        n_per = int(counts.sum())
        groups = np.repeat(np.arange(self.n_animals), n_per)
        cond = np.concatenate(
            [np.tile(sc, (n_per, 1)) for sc in seg_conditions]
        ).astype(np.int64)
        descr = _describe(self, types, counts, conditions, X.shape)
        return Bunch(
            X=X,
            y=np.concatenate([o[2] for o in out]).astype(np.int64),
            target_names=list(types),
            groups=groups,
            conditions=cond,
            condition_names=list(conditions),
            parameters=np.concatenate([o[1] for o in out]),
            firing_rates=np.concatenate([o[4] for o in out]),
            animal_shifts=[o[3] for o in out],
            DESCR=descr,
        )


def _describe(gen, types, counts, conditions, shape):
    lines = [
        "Simulated Izhikevich populations (neurovec.simulation)",
        "=" * 54,
        "",
        f"{gen.n_animals} animals x {int(counts.sum())} neurons "
        f"({', '.join(f'{t}: {c}' for t, c in zip(types, counts))}).",
        f"{gen.n_segments} segments of {gen.segment_duration} ms, observation "
        f"{gen.observation!r}; X shape {shape}.",
        f"Conditions: {', '.join(conditions)}.",
        f"domain_shift={gen.domain_shift}, jitter={gen.jitter}, dt={gen.dt} ms.",
        "",
        "Neuron model and type parameters: Izhikevich, IEEE TNN 14:1569 (2003).",
    ]
    return "\n".join(lines)


def make_izhikevich(
    types=_DEFAULT_TYPES,
    *,
    n_neurons_per_type=20,
    n_animals=6,
    n_segments=16,
    segment_duration=2000.0,
    observation="spikes",
    domain_shift=1.0,
    n_jobs=None,
    return_X_y=False,
    random_state=None,
    **kwargs,
):
    """Make a dataset of simulated typed neurons (see :class:`IzhikevichGenerator`).

    Parameters
    ----------
    types, n_neurons_per_type, n_animals, n_segments, segment_duration, \
observation, domain_shift, n_jobs
        As in :class:`IzhikevichGenerator`.
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of the Bunch.
    random_state : int, RandomState instance or None, default=None
    **kwargs
        Any other :class:`IzhikevichGenerator` parameter.

    Returns
    -------
    data : Bunch or tuple (X, y)

    Examples
    --------
    >>> from neurovec.simulation import make_izhikevich
    >>> X, y = make_izhikevich(n_neurons_per_type=1, n_animals=1, n_segments=2,
    ...                        segment_duration=200.0, return_X_y=True,
    ...                        random_state=0)
    >>> X.shape, y.tolist()
    ((7, 2, 10), [0, 1, 2, 3, 4, 5, 6])
    """
    rng = check_random_state(random_state)
    data = IzhikevichGenerator(
        types,
        n_neurons_per_type=n_neurons_per_type,
        n_animals=n_animals,
        n_segments=n_segments,
        segment_duration=segment_duration,
        observation=observation,
        domain_shift=domain_shift,
        n_jobs=n_jobs,
        random_state=rng,
        **kwargs,
    ).generate()
    if return_X_y:
        return data.X, data.y
    return data
