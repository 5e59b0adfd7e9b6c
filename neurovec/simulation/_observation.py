"""Observation models: what a recording would see of the simulated neurons.

- ``"spikes"``: spike counts in bins of ``bin_width`` ms (electrophysiology).
- ``"voltage"``: membrane voltage averaged in bins of ``bin_width`` ms (patch clamp).
- ``"calcium"``: spikes convolved with a GCaMP-like double-exponential kernel
  (rise ``tau_rise``, decay ``tau_decay``), a saturating indicator
  ``F = c / (c + k_sat)``, sampled at ``frame_rate`` Hz (mean over each frame's
  exposure) plus Gaussian camera noise.
"""

import numpy as np
from scipy.signal import lfilter

__all__ = ["bin_spikes", "downsample_voltage", "calcium_from_spikes"]


def bin_spikes(steps, index, n_traces, n_steps, bin_steps):
    """Spike counts of shape (n_traces, n_steps // bin_steps).

    Parameters
    ----------
    steps : ndarray of int
        Step index of each spike (already relative to the recording start).
    index : ndarray of int
        Trace index (e.g. ``batch * n_neurons + neuron``) of each spike.
    n_traces, n_steps, bin_steps : int

    Examples
    --------
    >>> import numpy as np
    >>> from neurovec.simulation import bin_spikes
    >>> bin_spikes(np.array([0, 1, 5]), np.array([0, 0, 1]), 2, 6, 3)
    array([[2., 0.],
           [0., 1.]])
    """
    n_bins = n_steps // bin_steps
    keep = (steps >= 0) & (steps < n_bins * bin_steps)
    flat = index[keep] * n_bins + steps[keep] // bin_steps
    counts = np.bincount(flat, minlength=n_traces * n_bins)
    return counts.reshape(n_traces, n_bins).astype(np.float64)


def downsample_voltage(voltage, bin_steps):
    """Mean of ``voltage`` (..., n_steps) over consecutive bins of ``bin_steps``.

    Parameters
    ----------
    voltage : ndarray of shape (..., n_steps)
        Membrane potential sampled every simulation step.
    bin_steps : int
        Simulation steps per output sample; a trailing remainder is dropped.

    Returns
    -------
    downsampled : ndarray of shape (..., n_steps // bin_steps)

    Examples
    --------
    >>> import numpy as np
    >>> from neurovec.simulation import downsample_voltage
    >>> downsample_voltage(np.arange(6.0)[None], 2)
    array([[0.5, 2.5, 4.5]])
    """
    n_bins = voltage.shape[-1] // bin_steps
    v = voltage[..., : n_bins * bin_steps]
    return v.reshape(*v.shape[:-1], n_bins, bin_steps).mean(axis=-1)


def calcium_from_spikes(
    counts,
    dt,
    frame_rate=30.0,
    *,
    tau_rise=50.0,
    tau_decay=400.0,
    k_sat=8.0,
    n_skip=0,
):
    """GCaMP-like fluorescence (before gain and noise) from fine spike counts.

    Parameters
    ----------
    counts : ndarray of shape (n_traces, n_steps)
        Spike counts per simulation step of ``dt`` ms.
    dt : float
        Step in ms.
    frame_rate : float, default=30.0
        Camera frame rate in Hz.
    tau_rise, tau_decay : float, default=50.0, 400.0
        Kernel time constants in ms (GCaMP6s-like).
    k_sat : float, default=8.0
        Half-saturation, in units of the peak response to one spike.
    n_skip : int, default=0
        Leading steps (warm-up) filtered but not returned.

    Returns
    -------
    fluorescence : ndarray of shape (n_traces, n_frames)
        ``n_frames = floor((n_steps - n_skip) * dt * frame_rate / 1000)``.

    Examples
    --------
    >>> import numpy as np
    >>> from neurovec.simulation import calcium_from_spikes
    >>> s = np.zeros((1, 4000)); s[0, 100] = 1
    >>> calcium_from_spikes(s, 0.5, 30.0).shape
    (1, 60)
    """
    a_r, a_d = np.exp(-dt / tau_rise), np.exp(-dt / tau_decay)
    rise = lfilter([1.0], [1.0, -a_r], counts, axis=-1)
    decay = lfilter([1.0], [1.0, -a_d], counts, axis=-1)
    # Peak of the unit double exponential, so that one spike gives ~1.
    t_peak = (
        np.log(tau_decay / tau_rise) * tau_rise * tau_decay / (tau_decay - tau_rise)
    )
    peak = np.exp(-t_peak / tau_decay) - np.exp(-t_peak / tau_rise)
    conc = np.maximum(decay - rise, 0.0) / peak
    fluo = conc / (conc + k_sat) * (1 + k_sat)
    fluo = fluo[..., n_skip:]
    n_rec = fluo.shape[-1]
    frame_steps = 1000.0 / (frame_rate * dt)
    n_frames = int(np.floor(n_rec / frame_steps + 1e-9))
    edges = np.round(np.arange(n_frames + 1) * frame_steps).astype(int)
    csum = np.concatenate(
        [np.zeros((*fluo.shape[:-1], 1)), np.cumsum(fluo, axis=-1)], axis=-1
    )
    return (csum[..., edges[1:]] - csum[..., edges[:-1]]) / np.diff(edges)
