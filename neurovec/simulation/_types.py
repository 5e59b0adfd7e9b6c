"""The neuron-type table: Izhikevich (2003) parameters of cortical and thalamic types.

Each type is four numbers ``(a, b, c, d)`` of the Izhikevich model

.. math::

    v' = 0.04 v^2 + 5 v + 140 - u + I, \\qquad u' = a (b v - u),

    \\text{if } v \\ge 30 \\text{ mV: } v \\leftarrow c,\\; u \\leftarrow u + d.

The built-in values are those of Izhikevich (2003), Fig. 2, also listed in
Izhikevich (2004), "Which model to use for cortical spiking neurons?".
Users add their own types with :func:`register_neuron_type`.
"""

import numbers

import numpy as np

__all__ = [
    "NEURON_TYPES",
    "register_neuron_type",
    "list_neuron_types",
    "neuron_parameters",
]

# name: (a, b, c, d, description). Izhikevich (2003) Fig. 2.
NEURON_TYPES = {
    "RS": (0.02, 0.2, -65.0, 8.0, "regular spiking (excitatory, adapting)"),
    "IB": (0.02, 0.2, -55.0, 4.0, "intrinsically bursting (burst, then tonic)"),
    "CH": (0.02, 0.2, -50.0, 2.0, "chattering (fast rhythmic bursts)"),
    "FS": (0.1, 0.2, -65.0, 2.0, "fast spiking (inhibitory, no adaptation)"),
    "LTS": (0.02, 0.25, -65.0, 2.0, "low-threshold spiking (inhibitory)"),
    "TC": (0.02, 0.25, -65.0, 0.05, "thalamo-cortical (rebound bursts)"),
    "RZ": (0.1, 0.26, -65.0, 2.0, "resonator (subthreshold oscillations)"),
}

# Types whose synapses inhibit their targets in generated networks.
_INHIBITORY = {"FS", "LTS"}


def register_neuron_type(name, a, b, c, d, *, description="", inhibitory=False):
    """Add (or replace) a neuron type in :data:`NEURON_TYPES`.

    Parameters
    ----------
    name : str
        Type name used in ``types=`` arguments and in ``target_names``.
    a, b, c, d : float
        Izhikevich parameters: recovery time scale ``a`` (1/ms), recovery
        sensitivity ``b``, reset voltage ``c`` (mV) and reset increment ``d``.
    description : str, default=""
        One line shown in dataset descriptions.
    inhibitory : bool, default=False
        Whether neurons of this type inhibit their targets in generated networks.

    Examples
    --------
    >>> from neurovec.simulation import register_neuron_type, NEURON_TYPES
    >>> register_neuron_type("MY", 0.03, 0.25, -60, 4, description="custom")
    >>> NEURON_TYPES["MY"][:4]
    (0.03, 0.25, -60.0, 4.0)
    >>> del NEURON_TYPES["MY"]
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"Expected name to be a non-empty str; received {name!r}.")
    values = []
    for key, value in zip("abcd", (a, b, c, d)):
        if not isinstance(value, numbers.Real) or not np.isfinite(value):
            raise ValueError(
                f"Expected parameter {key} to be a finite real number; "
                f"received {value!r}."
            )
        values.append(float(value))
    if values[0] <= 0:
        raise ValueError(f"Expected a > 0 (a time scale); received a={a!r}.")
    NEURON_TYPES[name] = (*values, str(description))
    if inhibitory:
        _INHIBITORY.add(name)
    else:
        _INHIBITORY.discard(name)


def list_neuron_types():
    """Names of the registered neuron types, in table order.

    Examples
    --------
    >>> from neurovec.simulation import list_neuron_types
    >>> list_neuron_types()[:7]
    ['RS', 'IB', 'CH', 'FS', 'LTS', 'TC', 'RZ']
    """
    return list(NEURON_TYPES)


def _check_types(types):
    if isinstance(types, str):
        types = [types]
    types = list(types)
    if not types:
        raise ValueError("Expected at least one neuron type; received none.")
    unknown = [t for t in types if t not in NEURON_TYPES]
    if unknown:
        raise ValueError(
            f"Unknown neuron type(s) {unknown}; expected names from "
            f"{list(NEURON_TYPES)} (add new ones with register_neuron_type)."
        )
    if len(set(types)) != len(types):
        raise ValueError(f"Expected distinct neuron types; received {types}.")
    return types


def neuron_parameters(types, n_per_type, *, jitter=0.0, random_state=None):
    """Per-neuron ``(a, b, c, d)`` for a population of given types.

    Parameters
    ----------
    types : list of str
        Registered type names.
    n_per_type : int or list of int
        Neurons of each type.
    jitter : float, default=0.0
        Heterogeneity within a type: ``a``, ``b`` and ``d`` are multiplied by
        ``1 + jitter * N(0, 1)`` (clipped to stay positive for ``a``) and ``c``
        moves by ``10 * jitter * N(0, 1)`` mV.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    params : ndarray of shape (n_neurons, 4)
        Columns ``a, b, c, d``.
    labels : ndarray of shape (n_neurons,), dtype int
        Index into ``types`` of each neuron.

    Examples
    --------
    >>> from neurovec.simulation import neuron_parameters
    >>> p, y = neuron_parameters(["RS", "FS"], 3, jitter=0.05, random_state=0)
    >>> p.shape, y.tolist()
    ((6, 4), [0, 0, 0, 1, 1, 1])
    """
    from sklearn.utils import check_random_state

    types = _check_types(types)
    if isinstance(n_per_type, numbers.Integral):
        n_per_type = [int(n_per_type)] * len(types)
    n_per_type = [int(n) for n in n_per_type]
    if len(n_per_type) != len(types) or any(n < 0 for n in n_per_type):
        raise ValueError(
            f"Expected n_per_type to be one non-negative int or one per type "
            f"({len(types)}); received {n_per_type}."
        )
    rng = check_random_state(random_state)
    labels = np.repeat(np.arange(len(types)), n_per_type)
    base = np.array([NEURON_TYPES[t][:4] for t in types], dtype=np.float64)
    params = base[labels].copy()
    if jitter > 0:
        noise = rng.standard_normal(params.shape)
        params[:, 0] *= np.clip(1.0 + jitter * noise[:, 0], 0.2, None)
        params[:, 1] *= 1.0 + jitter * noise[:, 1]
        params[:, 2] += 10.0 * jitter * noise[:, 2]
        params[:, 3] *= 1.0 + jitter * noise[:, 3]
    return params, labels
