"""Loaders of real recordings, all returning the same :class:`~sklearn.utils.Bunch`.

Each loader returns segmented traces ``X`` following neurovec's data contract
``(n_neurons, n_segments, segment_length, n_channels)``, one label per neuron
(``y``, ``target``, ``target_names``), the animal of each neuron (``groups``, for
cross-validation that leaves animals out), per-neuron metadata and a ``DESCR``
with the citation of the data. No data are shipped with neurovec: point the
loaders at a downloaded copy (see ``docs/real_data.md``).

- :func:`load_celegans_nsm` — C. elegans whole-brain GCaMP with NeuroPAL
  identities (Dag et al., Cell 2023).
- :func:`load_bugeon2022` — mouse V1 two-photon calcium imaging with
  transcriptomic types (Bugeon et al., Nature 2022), ALF release.
- :func:`load_steinmetz2019` — Neuropixels spikes across the mouse brain
  (Steinmetz et al., Nature 2019), ALF release.
- :func:`load_nwb` — calcium or spike recordings stored in NWB files.
"""

from neurovec.datasets._bugeon import load_bugeon2022
from neurovec.datasets._celegans import load_celegans_nsm
from neurovec.datasets._nwb import load_nwb
from neurovec.datasets._steinmetz import REGION_GROUPS, load_steinmetz2019

__all__ = [
    "REGION_GROUPS",
    "load_bugeon2022",
    "load_celegans_nsm",
    "load_nwb",
    "load_steinmetz2019",
]
