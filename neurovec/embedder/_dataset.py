"""Datasets feeding the skorch net: positive pairs at fit, segments at transform.

Both read the canonical array ``(n_neurons, n_segments, segment_length,
n_channels)`` (an ``np.memmap`` works: only the drawn segments are read).
"""

import numpy as np
import torch
from torch.utils.data import Dataset

from ._augment import augment_view

__all__ = ["PairDataset", "SegmentDataset"]


class PairDataset(Dataset):
    """Positive pairs: two different valid segments of one neuron, augmented.

    Item ``i`` belongs to neuron ``i % n_neurons``, so one epoch visits each neuron
    ``pairs_per_neuron`` times. The two segments are drawn without replacement
    among the neuron's valid segments; a neuron with a single valid segment gives
    two independent crops of that segment.
    """

    def __init__(
        self, X, lengths, pairs_per_neuron, crop_len, scale_range, noise_std, seed
    ):
        self.X = X
        self.lengths = lengths
        self.valid = [np.flatnonzero(row > 0) for row in lengths]
        self.pairs_per_neuron = pairs_per_neuron
        self.crop_len = crop_len
        self.scale_range = scale_range
        self.noise_std = noise_std
        self.rng = np.random.default_rng(seed)

    def __len__(self):
        return self.X.shape[0] * self.pairs_per_neuron

    def __getitem__(self, i):
        n = i % self.X.shape[0]
        valid = self.valid[n]
        if valid.size >= 2:
            sa, sb = self.rng.choice(valid, size=2, replace=False)
        else:
            sa = sb = valid[0]
        views = {}
        for key, s in (("a", sa), ("b", sb)):
            x, m = augment_view(
                np.asarray(self.X[n, s]),
                int(self.lengths[n, s]),
                self.crop_len,
                self.rng,
                self.scale_range,
                self.noise_std,
            )
            views["x" + key] = torch.from_numpy(x)
            views["m" + key] = torch.from_numpy(m)
        return views, torch.zeros(())


class SegmentDataset(Dataset):
    """The valid segments listed in ``index`` (pairs of neuron, segment)."""

    def __init__(self, X, index):
        self.X = X
        self.index = index

    def __len__(self):
        return len(self.index)

    def __getitem__(self, i):
        n, s = self.index[i]
        seg = np.asarray(self.X[n, s]).T
        mask = ~np.isnan(seg[0])
        x = np.where(mask[None, :], seg, 0.0).astype(np.float32)
        return {"x": torch.from_numpy(x), "mask": torch.from_numpy(mask)}, torch.zeros(
            ()
        )
