"""Peripheral conditions: the input a population receives during one segment.

Each condition is a *shared* input waveform (pA-like units of the Izhikevich model,
the same for every neuron of a segment) to which each neuron adds its own gain and
private noise. A neuron's response therefore changes a lot from condition to
condition while its type (its intrinsic dynamics) stays the same.

=======================  ===================================================
name                     shared waveform
=======================  ===================================================
``spontaneous``          constant weak bias (noise-driven firing)
``dc_low/mid/high``      DC step (5, 10, 15) switched on at 10 % of the segment
``sine_2hz/8hz/30hz``    ``7 + 6 sin(2 pi f t + phase)``
``shared_stimulus``      a frozen smooth noise stimulus (the same in every
                         segment recorded under it, like a repeated movie)
``hyperpolarize_release``  -12 for the first 40 %, then release to +4
``state_changes``        up/down population states (0 or 12, mean dwell 250 ms)
=======================  ===================================================
"""

import numpy as np

__all__ = ["CONDITIONS", "condition_waveforms"]

CONDITIONS = [
    "spontaneous",
    "dc_low",
    "dc_mid",
    "dc_high",
    "sine_2hz",
    "sine_8hz",
    "sine_30hz",
    "shared_stimulus",
    "hyperpolarize_release",
    "state_changes",
]

_DC = {"dc_low": 5.0, "dc_mid": 10.0, "dc_high": 15.0}
_SINE = {"sine_2hz": 2.0, "sine_8hz": 8.0, "sine_30hz": 30.0}


def check_conditions(conditions):
    if conditions is None:
        return list(CONDITIONS)
    if isinstance(conditions, str):
        conditions = [conditions]
    conditions = list(conditions)
    unknown = [c for c in conditions if c not in CONDITIONS]
    if unknown or not conditions:
        raise ValueError(
            f"Unknown condition(s) {unknown or conditions}; expected a non-empty "
            f"list of names from {CONDITIONS}."
        )
    return conditions


def shared_stimulus(n_steps, dt, rng, tau=20.0, mean=7.0, std=6.0):
    """Frozen Ornstein-Uhlenbeck stimulus of time constant ``tau`` ms."""
    alpha = np.exp(-dt / tau)
    noise = rng.standard_normal(n_steps) * np.sqrt(1 - alpha**2)
    from scipy.signal import lfilter

    x = lfilter([1.0], [1.0, -alpha], noise)
    return mean + std * x


def condition_waveforms(names, n_warmup, n_steps, dt, rng, stimulus):
    """Shared input of each segment: array (n_warmup + n_steps, n_segments).

    The warm-up part (not recorded) holds the spontaneous bias so that every
    segment starts from a settled state.
    """
    t = np.arange(n_steps) * dt
    out = np.full((n_warmup + n_steps, len(names)), 2.0)
    rec = out[n_warmup:]
    onset = int(0.1 * n_steps)
    for k, name in enumerate(names):
        if name == "spontaneous":
            continue
        if name in _DC:
            rec[onset:, k] = _DC[name]
        elif name in _SINE:
            phase = rng.uniform(0, 2 * np.pi)
            rec[:, k] = 7.0 + 6.0 * np.sin(2 * np.pi * _SINE[name] * t / 1000 + phase)
        elif name == "shared_stimulus":
            rec[:, k] = stimulus[:n_steps]
        elif name == "hyperpolarize_release":
            release = int(0.4 * n_steps)
            rec[:release, k] = -12.0
            rec[release:, k] = 4.0
        elif name == "state_changes":
            # Random telegraph process between a down (0) and an up (12) state.
            p_switch = dt / 250.0
            switches = rng.random_sample(n_steps) < p_switch
            state = (np.cumsum(switches) + rng.randint(2)) % 2
            rec[:, k] = 12.0 * state
    return out
