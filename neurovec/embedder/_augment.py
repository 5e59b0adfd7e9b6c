"""Per-segment normalisation and the training augmentations.

Normalisation runs inside the network (on tensors, with a validity mask) so that
fit and transform see exactly the same preprocessing. Augmentations run in the
pair sampler (numpy) on the valid part of each segment.
"""

import numpy as np
import torch

__all__ = ["standardize_segments", "segment_statistics", "augment_view"]


def segment_statistics(x, mask=None, eps=1e-6):
    """Masked per-segment, per-channel mean and standard deviation.

    Parameters
    ----------
    x : torch.Tensor of shape (batch, channels, length)
        Traces without NaN (padding may hold any finite value).
    mask : torch.Tensor of shape (batch, length), dtype bool, default=None
        True for valid samples; None means all samples are valid.
    eps : float, default=1e-6
        Lower bound of the returned standard deviation (constant traces).

    Returns
    -------
    mean, std : torch.Tensor of shape (batch, channels)
    """
    if mask is None:
        mask = torch.ones(x.shape[0], x.shape[2], dtype=torch.bool, device=x.device)
    m = mask[:, None, :].to(x.dtype)
    count = m.sum(dim=2).clamp_min(1.0)
    mean = (x * m).sum(dim=2) / count
    var = (((x - mean[..., None]) * m) ** 2).sum(dim=2) / count
    std = torch.sqrt(var).clamp_min(eps)
    return mean, std


def standardize_segments(x, mask=None, eps=1e-6):
    """Z-score each segment and channel over its valid samples.

    A constant segment (standard deviation below ``eps``) becomes all zeros rather
    than NaN. Invalid (padded) samples are set to 0.

    Parameters
    ----------
    x : torch.Tensor of shape (batch, channels, length)
        Traces without NaN.
    mask : torch.Tensor of shape (batch, length), dtype bool, default=None
        True for valid samples; None means all samples are valid.
    eps : float, default=1e-6
        Lower bound of the standard deviation.

    Returns
    -------
    z : torch.Tensor of shape (batch, channels, length)

    Examples
    --------
    >>> import torch
    >>> from neurovec.embedder._augment import standardize_segments
    >>> z = standardize_segments(torch.ones(2, 1, 5))
    >>> float(z.abs().max())
    0.0
    """
    mean, std = segment_statistics(x, mask, eps)
    z = (x - mean[..., None]) / std[..., None]
    if mask is not None:
        z = z * mask[:, None, :].to(z.dtype)
    return z


def augment_view(segment, length, crop_len, rng, scale_range, noise_std):
    """One augmented crop of the valid part of a segment.

    Parameters
    ----------
    segment : ndarray of shape (segment_length, n_channels)
        One segment (NaN padding after ``length`` valid samples).
    length : int
        Number of valid samples.
    crop_len : int
        Output length; crops shorter than ``crop_len`` (short segments) are
        zero-padded and masked.
    rng : numpy.random.Generator
    scale_range : float or None
        Channel 0 is multiplied by a gain drawn log-uniformly in
        ``[1 / (1 + scale_range), 1 + scale_range]``; 0 or None switches it off.
    noise_std : float or None
        Gaussian noise of standard deviation ``noise_std`` times the crop's
        channel-0 standard deviation is added to channel 0; 0 or None: off.

    Returns
    -------
    x : ndarray of shape (n_channels, crop_len), float32
    mask : ndarray of shape (crop_len,), bool
    """
    n = min(crop_len, length)
    start = int(rng.integers(0, length - n + 1))
    crop = segment[start : start + n].T.astype(np.float32, copy=True)
    if scale_range:
        log_s = np.log1p(scale_range)
        crop[0] *= np.float32(np.exp(rng.uniform(-log_s, log_s)))
    if noise_std:
        sd = crop[0].std()
        crop[0] += (noise_std * sd * rng.standard_normal(n)).astype(np.float32)
    x = np.zeros((segment.shape[1], crop_len), dtype=np.float32)
    x[:, :n] = crop
    mask = np.zeros(crop_len, dtype=bool)
    mask[:n] = True
    return x, mask
