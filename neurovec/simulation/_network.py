"""Vectorised simulation of networks of Izhikevich (2003) neurons.

Dynamics (v in mV, t in ms)::

    v' = 0.04 v**2 + 5 v + 140 - u + I
    u' = a (b v - u)
    if v >= v_peak (30 mV): v <- c, u <- u + d

Integration scheme, as in the paper's code: at each step of ``dt`` ms, neurons with
``v >= v_peak`` are reset and their spikes are propagated, then ``v`` advances by two
forward-Euler half-steps of ``dt / 2`` (for numerical stability of the quadratic
term) and ``u`` by one Euler step of ``dt`` using the updated ``v``. With
``dt = 1`` this is exactly the MATLAB code of Izhikevich (2003). ``v`` is clipped
at ``v_peak`` between and after the half-steps: a neuron that reached the peak spikes
at the next step either way, and the clip keeps ``v**2`` from overflowing in float32.

A synaptic weight ``W[post, pre]`` is the jump (mV) of the postsynaptic ``v``
caused by one presynaptic spike (the paper's ``I += S[:, fired]`` at ``dt = 1``).
Propagation touches only the neurons that fired: the columns of the fired
presynaptic neurons are gathered (dense rows of ``W.T`` or CSR rows of the
transposed sparse matrix) and summed with ``np.bincount``.

The simulation can run a *batch* of independent copies of one network (state
arrays of shape ``(n_batch, n_neurons)``), each with its own drive: this is how
:class:`IzhikevichGenerator` records all segments of one animal at once.
"""

import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.utils import Bunch

__all__ = ["simulate_izhikevich_network", "spike_raster"]


def _as_params(a, b, c, d, dtype):
    arrays = [np.atleast_1d(np.asarray(p, dtype=dtype)) for p in (a, b, c, d)]
    n = max(p.shape[0] for p in arrays)
    out = []
    for name, p in zip("abcd", arrays):
        if p.ndim != 1 or p.shape[0] not in (1, n):
            raise ValueError(
                f"Expected parameter {name} to be a scalar or of shape ({n},); "
                f"received shape {p.shape}."
            )
        if not np.all(np.isfinite(p)):
            raise ValueError(f"Expected finite values in parameter {name}.")
        out.append(np.broadcast_to(p, (n,)).copy())
    return out, n


def _prepare_weights(weights, n_neurons, dtype):
    """Return ('none'|'dense'|'sparse', presynaptic-major weights)."""
    if weights is None:
        return "none", None
    if sp.issparse(weights):
        if weights.shape != (n_neurons, n_neurons):
            raise ValueError(
                f"Expected weights of shape ({n_neurons}, {n_neurons}) (post, pre); "
                f"received shape {weights.shape}."
            )
        # CSR of W.T: row j holds the outgoing weights of presynaptic neuron j.
        wt = sp.csr_matrix(weights.T, dtype=dtype)
        wt.sum_duplicates()
        return "sparse", wt
    weights = np.asarray(weights, dtype=dtype)
    if weights.shape != (n_neurons, n_neurons):
        raise ValueError(
            f"Expected weights of shape ({n_neurons}, {n_neurons}) (post, pre); "
            f"received shape {weights.shape}."
        )
    return "dense", np.ascontiguousarray(weights.T)


def _gather_csr(wt, pre, batch, n_neurons, n_batch):
    """Sum the CSR rows ``pre`` of ``wt`` into a (n_batch * n_neurons) vector."""
    starts = wt.indptr[pre]
    lengths = wt.indptr[pre + 1] - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(n_batch * n_neurons)
    # Flat positions of all gathered entries without a Python loop.
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    pos = offsets + np.arange(total)
    post = wt.indices[pos]
    if n_batch > 1:
        post = post + np.repeat(batch * n_neurons, lengths)
    return np.bincount(post, weights=wt.data[pos], minlength=n_batch * n_neurons)


def _check_drive(drive, n_neurons, n_steps, dtype):
    """Return (callable(step) -> array or None, n_steps, n_batch)."""
    if callable(drive):
        if n_steps is None:
            raise ValueError("Expected duration when drive is a callable.")
        probe = np.asarray(drive(0))
        n_batch = 1 if probe.ndim <= 1 else probe.shape[0]
        return drive, n_steps, n_batch
    if drive is None or np.ndim(drive) == 0:
        if n_steps is None:
            raise ValueError("Expected duration when drive is None or a scalar.")
        value = 0.0 if drive is None else float(drive)
        const = np.full(n_neurons, value, dtype=dtype)
        return (lambda step: const), n_steps, 1
    drive = np.asarray(drive, dtype=dtype)
    if drive.ndim == 2 and drive.shape[1] == n_neurons:
        n_batch = 1
    elif drive.ndim == 3 and drive.shape[2] == n_neurons:
        n_batch = drive.shape[1]
    else:
        raise ValueError(
            f"Expected drive of shape (n_steps, {n_neurons}) or "
            f"(n_steps, n_batch, {n_neurons}); received shape {drive.shape}."
        )
    if n_steps is not None and n_steps != drive.shape[0]:
        raise ValueError(
            f"Expected drive with {n_steps} steps (duration / dt); received "
            f"{drive.shape[0]}."
        )
    return (lambda step: drive[step]), drive.shape[0], n_batch


def simulate_izhikevich_network(
    a,
    b,
    c,
    d,
    weights=None,
    drive=None,
    dt=0.5,
    *,
    duration=None,
    v0=None,
    u0=None,
    v_peak=30.0,
    record_voltage=False,
    dtype=np.float64,
    backend="numpy",
    device=None,
    verbose=0,
):
    """Simulate a network of Izhikevich neurons, vectorised over neurons and copies.

    Parameters
    ----------
    a, b, c, d : array-like of shape (n_neurons,) or float
        Izhikevich parameters of each neuron (see :data:`NEURON_TYPES`).
    weights : ndarray or scipy sparse matrix of shape (n_neurons, n_neurons), \
default=None
        ``weights[post, pre]``: jump of the postsynaptic voltage (mV) caused by one
        presynaptic spike. ``None`` simulates uncoupled neurons.
    drive : array-like, callable, float or None, default=None
        External input current. An array of shape ``(n_steps, n_neurons)`` or
        ``(n_steps, n_batch, n_neurons)`` (one independent network copy per batch
        row), a callable ``drive(step)`` returning ``(n_neurons,)`` or
        ``(n_batch, n_neurons)`` (generated on the fly, e.g. noise for large
        networks; needs ``duration``), or a constant.
    dt : float, default=0.5
        Time step in ms. Must be in ``(0, 1]``: larger steps are unstable.
    duration : float, default=None
        Simulated time in ms; inferred from an array ``drive`` when None.
    v0, u0 : array-like, default=None
        Initial state; default ``v0 = -65`` mV and ``u0 = b * v0``.
    v_peak : float, default=30.0
        Spike cut-off (mV).
    record_voltage : bool, default=False
        Also return the voltage trace (clipped at ``v_peak``).
    dtype : {np.float64, np.float32}, default=np.float64
        Floating-point type of the state.
    backend : {"numpy", "torch"}, default="numpy"
        ``"torch"`` runs the same scheme with torch tensors (on ``device``).
    device : str, default=None
        Torch device (e.g. ``"cuda"``); CPU when None.
    verbose : int, default=0
        Show a progress bar when > 0.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``spike_steps`` (int64, step index of each spike), ``spike_times`` (ms),
        ``spike_neurons`` (neuron index), ``spike_batch`` (copy index),
        ``voltage`` (``(n_steps, [n_batch,] n_neurons)`` or None), final ``v`` and
        ``u``, ``n_steps``, ``n_batch``, ``n_neurons``, ``dt``.

    See Also
    --------
    spike_raster : boolean raster from a result.
    IzhikevichGenerator : populations of typed neurons under many conditions.

    References
    ----------
    .. [1] E. M. Izhikevich, "Simple model of spiking neurons", IEEE Trans.
       Neural Networks 14(6):1569-1572, 2003.

    Examples
    --------
    >>> import numpy as np
    >>> from neurovec.simulation import simulate_izhikevich_network
    >>> res = simulate_izhikevich_network(0.02, 0.2, -65, 8, drive=10.0, dt=0.5,
    ...                                   duration=1000.0)
    >>> res.n_neurons, len(res.spike_times) > 5
    (1, True)
    """
    if dtype not in (np.float32, np.float64):
        dtype = np.dtype(dtype).type
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"Expected dtype float32 or float64; received {dtype}.")
    if not isinstance(dt, numbers.Real) or not 0 < dt <= 1.0:
        raise ValueError(
            f"Expected dt in (0, 1] ms (larger steps make the quadratic voltage "
            f"equation unstable); received dt={dt!r}."
        )
    if backend not in ("numpy", "torch"):
        raise ValueError(f"Expected backend 'numpy' or 'torch'; received {backend!r}.")
    (a, b, c, d), n = _as_params(a, b, c, d, dtype)
    n_steps = None
    if duration is not None:
        if duration <= 0:
            raise ValueError(f"Expected duration > 0 ms; received {duration!r}.")
        n_steps = int(round(duration / dt))
    drive_fn, n_steps, n_batch = _check_drive(drive, n, n_steps, dtype)
    kind, wt = _prepare_weights(weights, n, dtype)
    shape = (n_batch, n)
    v = np.full(shape, -65.0, dtype=dtype) if v0 is None else v0
    v = np.array(np.broadcast_to(np.asarray(v, dtype=dtype), shape))
    u = b * v if u0 is None else np.asarray(u0, dtype=dtype)
    u = np.array(np.broadcast_to(u, shape), dtype=dtype)
    runner = _run_torch if backend == "torch" else _run_numpy
    steps, neurons, batch, voltage, v, u = runner(
        a, b, c, d, kind, wt, drive_fn, dt, n_steps, v, u, v_peak,
        record_voltage, dtype, device, verbose,
    )  # fmt: skip
    if voltage is not None and n_batch == 1:
        voltage = voltage[:, 0]
    return Bunch(
        spike_steps=steps,
        spike_times=steps * dt,
        spike_neurons=neurons,
        spike_batch=batch,
        voltage=voltage,
        v=v,
        u=u,
        n_steps=n_steps,
        n_batch=n_batch,
        n_neurons=n,
        dt=dt,
    )


def _progress(n_steps, verbose):
    if verbose:
        from tqdm.auto import tqdm

        return tqdm(range(n_steps), desc="simulate", leave=False)
    return range(n_steps)


def _run_numpy(
    a, b, c, d, kind, wt, drive_fn, dt, n_steps, v, u, v_peak,
    record_voltage, dtype, device, verbose,
):  # fmt: skip
    n_batch, n = v.shape
    half = dtype(dt / 2)
    dt_ = dtype(dt)
    inv_dt = dtype(1.0 / dt)
    voltage = np.empty((n_steps, n_batch, n), dtype=dtype) if record_voltage else None
    ab = a * b
    spikes_step, spikes_flat = [], []
    syn = np.zeros((n_batch, n), dtype=dtype)
    for step in _progress(n_steps, verbose):
        fired = v >= v_peak
        flat = np.flatnonzero(fired)
        current = np.array(drive_fn(step), dtype=dtype)
        if flat.size:
            spikes_step.append(np.full(flat.size, step, dtype=np.int64))
            spikes_flat.append(flat)
            bi, ni = np.divmod(flat, n)
            v[fired] = np.broadcast_to(c, v.shape)[fired]
            u[fired] += np.broadcast_to(d, v.shape)[fired]
            if kind == "dense":
                if n_batch == 1:
                    syn = wt[ni].sum(axis=0, dtype=dtype)[None]
                else:
                    syn = fired.astype(dtype) @ wt
                current = current + syn * inv_dt
            elif kind == "sparse":
                syn = _gather_csr(wt, ni, bi, n, n_batch).reshape(n_batch, n)
                current = current + (syn * inv_dt).astype(dtype)
        # Two half-steps for v (Izhikevich 2003), then u with the new v.
        for _ in range(2):
            v += half * (
                (dtype(0.04) * v + dtype(5.0)) * v + dtype(140.0) - u + current
            )
            np.minimum(v, v_peak, out=v)
        u += dt_ * (ab * v - a * u)
        if record_voltage:
            voltage[step] = v
    if spikes_flat:
        steps = np.concatenate(spikes_step)
        batch, neurons = np.divmod(np.concatenate(spikes_flat), n)
    else:
        steps = neurons = batch = np.zeros(0, dtype=np.int64)
    return steps, neurons, batch, voltage, v, u


def _run_torch(
    a, b, c, d, kind, wt, drive_fn, dt, n_steps, v, u, v_peak,
    record_voltage, dtype, device, verbose,
):  # fmt: skip
    import torch

    tdtype = torch.float32 if dtype == np.float32 else torch.float64
    dev = torch.device(device or "cpu")

    def t(x):
        return torch.as_tensor(np.asarray(x, dtype=dtype), device=dev, dtype=tdtype)

    a_, b_, c_, d_ = (t(p) for p in (a, b, c, d))
    v_, u_ = t(v).clone(), t(u).clone()
    n_batch, n = v_.shape
    if kind == "dense":
        w_ = t(wt)
    elif kind == "sparse":
        w = sp.csr_matrix(wt.T)  # back to (post, pre) rows for a CSR matmul
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "beta" notice
            w_ = torch.sparse_csr_tensor(
                torch.as_tensor(w.indptr, dtype=torch.int64),
                torch.as_tensor(w.indices, dtype=torch.int64),
                torch.as_tensor(w.data),
                size=w.shape,
                dtype=tdtype,
                check_invariants=False,
            ).to(dev)
    c_full = c_.expand(n_batch, n)
    d_full = d_.expand(n_batch, n)
    ab = a_ * b_
    voltage = (
        torch.empty((n_steps, n_batch, n), dtype=tdtype, device=dev)
        if record_voltage
        else None
    )
    spikes = []
    half, inv_dt = dt / 2, 1.0 / dt
    for step in _progress(n_steps, verbose):
        fired = v_ >= v_peak
        current = drive_fn(step)
        current = (
            current.to(dev, tdtype).expand(n_batch, n)
            if torch.is_tensor(current)
            else t(current).expand(n_batch, n)
        )
        v_ = torch.where(fired, c_full, v_)
        u_ = torch.where(fired, u_ + d_full, u_)
        if kind != "none":
            f = fired.to(tdtype)
            syn = (w_ @ f.t()).t() if kind == "sparse" else f @ w_
            current = current + syn * inv_dt
        spikes.append(fired)
        for _ in range(2):
            v_ = v_ + half * ((0.04 * v_ + 5.0) * v_ + 140.0 - u_ + current)
            v_ = torch.clamp(v_, max=v_peak)
        u_ = u_ + dt * (ab * v_ - a_ * u_)
        if record_voltage:
            voltage[step] = v_
    raster = torch.stack(spikes).cpu().numpy()
    steps, batch, neurons = np.nonzero(raster)
    order = np.lexsort((neurons, batch, steps))
    return (
        steps[order].astype(np.int64),
        neurons[order].astype(np.int64),
        batch[order].astype(np.int64),
        None if voltage is None else voltage.cpu().numpy(),
        v_.cpu().numpy(),
        u_.cpu().numpy(),
    )


def spike_raster(result):
    """Boolean spike raster of a :func:`simulate_izhikevich_network` result.

    Parameters
    ----------
    result : Bunch
        Output of :func:`simulate_izhikevich_network`.

    Returns
    -------
    raster : ndarray of shape (n_steps, n_neurons) or (n_steps, n_batch, n_neurons)

    Examples
    --------
    >>> from neurovec.simulation import simulate_izhikevich_network, spike_raster
    >>> res = simulate_izhikevich_network([0.02, 0.1], 0.2, -65, [8, 2],
    ...                                   drive=10.0, duration=200.0)
    >>> spike_raster(res).shape
    (400, 2)
    """
    raster = np.zeros((result.n_steps, result.n_batch, result.n_neurons), dtype=bool)
    raster[result.spike_steps, result.spike_batch, result.spike_neurons] = True
    return raster[:, 0] if result.n_batch == 1 else raster
