"""Simulator core and type table: each type shows its published signature.

Protocols follow Izhikevich (2003) Fig. 2 / Izhikevich (2004): a DC step of 10 from
rest (RS, IB, CH, FS, LTS), release from hyperpolarisation (TC) and weak sinusoidal
drive at several frequencies (RZ). Every assertion is a number with a threshold.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from neurovec.simulation import (
    NEURON_TYPES,
    izhikevich_2003_network,
    list_neuron_types,
    neuron_parameters,
    register_neuron_type,
    simulate_izhikevich_network,
    spike_raster,
)

DT = 0.5


def _rest(b):
    # Stable (lower) root of 0.04 v^2 + (5 - b) v + 140 = 0: resting potential.
    return float(np.roots([0.04, 5 - b, 140]).real.min())


def _step_isis(name, current=10.0, duration=1000.0, onset=100.0):
    a, b, c, d, _ = NEURON_TYPES[name]
    n = int(duration / DT)
    drive = np.zeros((n, 1))
    drive[int(onset / DT) :] = current
    v0 = _rest(b)
    res = simulate_izhikevich_network(a, b, c, d, drive=drive, dt=DT, v0=v0)
    times = res.spike_times
    return times, np.diff(times)


def test_type_table_has_published_types():
    for name in ("RS", "IB", "CH", "FS", "LTS", "TC", "RZ"):
        assert name in list_neuron_types()
    assert NEURON_TYPES["RS"][:4] == (0.02, 0.2, -65.0, 8.0)
    assert NEURON_TYPES["CH"][:4] == (0.02, 0.2, -50.0, 2.0)
    assert NEURON_TYPES["FS"][:4] == (0.1, 0.2, -65.0, 2.0)


def test_rs_spike_frequency_adaptation():
    _, isi = _step_isis("RS")
    # The steady-state ISI is at least twice the first one (measured ~2.3).
    assert isi[-1] / isi[0] >= 2.0
    assert np.all(isi > 10.0)  # no bursts


def test_fs_high_rate_without_adaptation():
    times, isi = _step_isis("FS")
    rate = np.sum(times >= 100.0) / 0.9
    assert rate >= 80.0  # measured ~105 Hz
    # After the first two spikes ISIs stay constant within 15 % (one 0.5 ms step
    # of quantisation on a ~9.5 ms ISI), and the late ISIs are not longer.
    assert isi[2:].max() / isi[2:].min() <= 1.15
    assert isi[-10:].mean() / isi[2:5].mean() <= 1.05


def test_ib_initial_burst_then_tonic():
    _, isi = _step_isis("IB")
    assert np.all(isi[:2] < 6.0)  # burst: 3 spikes within 10 ms
    assert np.all(isi[3:] > 20.0)  # then tonic spikes
    assert np.sum(isi < 10.0) == 2  # a single burst


def test_ch_repetitive_bursts_bimodal_isi():
    _, isi = _step_isis("CH")
    short, long = isi[isi < 10.0], isi[isi > 25.0]
    # Bimodal: most ISIs within bursts, several between bursts, none in between.
    assert short.size >= 0.6 * isi.size
    assert long.size >= 5
    assert np.sum((isi >= 10.0) & (isi <= 25.0)) == 0
    assert np.median(long) / np.median(short) >= 10.0


def test_lts_high_frequency_start_with_adaptation():
    _, isi = _step_isis("LTS")
    assert 1000.0 / isi[0] >= 200.0  # first instantaneous rate
    assert isi[-1] / isi[0] >= 3.0  # measured ~4.3


def test_tc_rebound_burst_after_hyperpolarisation():
    a, b, c, d, _ = NEURON_TYPES["TC"]
    drive = np.zeros((2000, 2, 1))
    drive[:1000, 0] = -10.0  # copy 0: hyperpolarise 500 ms, then release to 0
    res = simulate_izhikevich_network(a, b, c, d, drive=drive, dt=DT)
    t0 = res.spike_times[res.spike_batch == 0]
    t1 = res.spike_times[res.spike_batch == 1]
    assert t1.size == 0  # no spikes at rest without hyperpolarisation
    rebound = t0[(t0 >= 500.0) & (t0 < 560.0)]
    assert rebound.size >= 2
    assert np.diff(rebound)[0] < 15.0
    assert t0.size == rebound.size  # silent before release and after the burst


def test_rz_resonance_frequency_selective():
    freqs = np.array([1, 2, 4, 8, 16, 32, 64])
    t = np.arange(0, 3000, 0.25)
    sine = 0.1 * np.sin(2 * np.pi * freqs[None, :] * t[:, None] / 1000)
    amplitude = {}
    for name in ("RZ", "RS"):
        a, b, c, d, _ = NEURON_TYPES[name]
        v0 = _rest(b)
        res = simulate_izhikevich_network(
            a, b, c, d, drive=sine[:, :, None], dt=0.25, v0=v0, record_voltage=True
        )
        assert res.spike_times.size == 0  # subthreshold
        v = res.voltage[len(t) // 3 :, :, 0]
        amplitude[name] = v.max(axis=0) - v.min(axis=0)
    rz = amplitude["RZ"]
    peak = np.argmax(rz)
    assert 0 < peak < len(freqs) - 1  # band-pass: interior maximum
    assert 8 <= freqs[peak] <= 32
    assert rz[peak] / rz[0] >= 1.8  # measured ~2.3
    # RS is not a resonator: its response is nearly flat.
    assert amplitude["RS"].max() / amplitude["RS"][0] < 1.4


def test_izhikevich_2003_network_rates_and_rhythm():
    # Izhikevich (2003) Fig. 3 reports ~8 Hz firing with alpha (~10 Hz) and gamma
    # rhythms. We assert 4-15 Hz for both populations (seed-to-seed spread of the
    # mean is < 1 Hz; the bounds leave room for the scheme) and a population-rate
    # spectrum peaking in 5-15 Hz.
    net = izhikevich_2003_network(random_state=0)
    res = simulate_izhikevich_network(
        net.a, net.b, net.c, net.d, net.weights, net.drive(1.0), 1.0, duration=1000.0
    )
    exc = net.excitatory[res.spike_neurons]
    rate_e, rate_i = exc.sum() / 800, (~exc).sum() / 200
    assert 4.0 <= rate_e <= 15.0
    assert 4.0 <= rate_i <= 15.0
    pop = np.bincount(res.spike_steps, minlength=1000)[:1000].astype(float)
    freqs = np.fft.rfftfreq(1000, 1e-3)
    power = np.abs(np.fft.rfft(pop - pop.mean())) ** 2
    band = (freqs >= 2) & (freqs <= 100)
    assert 5.0 <= freqs[band][np.argmax(power[band])] <= 15.0


def test_dense_and_sparse_weights_agree():
    net = izhikevich_2003_network(80, 20, random_state=1)
    # Weights on a 1/8 grid make every summation order exact.
    net.weights = np.round(net.weights * 8) / 8
    rng = np.random.RandomState(0)
    drive = 5 * rng.standard_normal((400, 100))
    dense = simulate_izhikevich_network(net.a, net.b, net.c, net.d, net.weights, drive)
    sparse = simulate_izhikevich_network(
        net.a, net.b, net.c, net.d, sp.csr_matrix(net.weights), drive
    )
    assert dense.spike_times.size > 30
    assert_array_equal(spike_raster(dense), spike_raster(sparse))


def test_batch_copies_match_single_runs():
    net = izhikevich_2003_network(40, 10, random_state=2)
    rng = np.random.RandomState(1)
    drive = 5 * rng.standard_normal((300, 3, 50))
    batch = spike_raster(
        simulate_izhikevich_network(net.a, net.b, net.c, net.d, net.weights, drive)
    )
    for k in range(3):
        single = simulate_izhikevich_network(
            net.a, net.b, net.c, net.d, net.weights, drive[:, k]
        )
        assert_array_equal(batch[:, k], spike_raster(single))
    assert batch.sum() > 20


def test_float32_close_to_float64():
    params = [0.02, 0.1], 0.2, -65, [8, 2]
    r64 = simulate_izhikevich_network(*params, drive=10.0, duration=500.0)
    r32 = simulate_izhikevich_network(
        *params, drive=10.0, duration=500.0, dtype=np.float32, record_voltage=True
    )
    assert r32.voltage.dtype == np.float32
    assert abs(r64.spike_times.size - r32.spike_times.size) <= 1
    assert_allclose(r64.spike_times[:10], r32.spike_times[:10], atol=1.0)


@pytest.mark.parametrize("sparse", [False, True])
def test_torch_backend_matches_numpy(sparse):
    pytest.importorskip("torch")
    net = izhikevich_2003_network(40, 10, random_state=3)
    w = sp.csr_matrix(net.weights) if sparse else net.weights
    drive = 5 * np.random.RandomState(2).standard_normal((300, 2, 50))
    ref = simulate_izhikevich_network(net.a, net.b, net.c, net.d, w, drive)
    out = simulate_izhikevich_network(
        net.a, net.b, net.c, net.d, w, drive, backend="torch", record_voltage=True
    )
    assert out.voltage.shape == (300, 2, 50)
    assert ref.spike_times.size > 20
    # Same scheme, same float64 arithmetic up to summation order.
    assert abs(ref.spike_times.size - out.spike_times.size) <= 2


def test_voltage_recording_clipped_at_peak():
    res = simulate_izhikevich_network(
        0.02, 0.2, -65, 8, drive=10.0, duration=300.0, record_voltage=True
    )
    assert res.voltage.shape == (600, 1)
    assert res.voltage.max() <= 30.0
    assert res.voltage[res.spike_steps - 1].min() >= 30.0 - 1e-9


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(dt=2.0, duration=10.0), "dt in \\(0, 1\\]"),
        (dict(dtype=np.int32, duration=10.0), "float32 or float64"),
        (dict(backend="jax", duration=10.0), "backend"),
        (dict(weights=np.zeros((3, 3)), duration=10.0), "weights of shape"),
        (dict(drive=np.zeros((10, 5))), "drive of shape"),
        (dict(), "duration"),
    ],
)
def test_simulator_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        simulate_izhikevich_network([0.02, 0.02], 0.2, -65, 8, **kwargs)


def test_register_and_jitter():
    register_neuron_type("XX", 0.05, 0.22, -60, 3, inhibitory=True)
    try:
        params, labels = neuron_parameters(["XX", "RS"], [5, 3], jitter=0.1,
                                           random_state=0)  # fmt: skip
        assert params.shape == (8, 4)
        assert_array_equal(labels, [0] * 5 + [1] * 3)
        assert params[:5, 0].std() > 0  # jittered
        assert abs(params[:5, 2].mean() - -60) < 2.0
    finally:
        del NEURON_TYPES["XX"]
    with pytest.raises(ValueError, match="Unknown neuron type"):
        neuron_parameters(["XX"], 2)
    with pytest.raises(ValueError, match="a > 0"):
        register_neuron_type("YY", -1, 0.2, -65, 8)
