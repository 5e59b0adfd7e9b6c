"""Context encoder: the neuron's own dynamics and how it co-varies with context.

A neuron recorded together with context channels (the animal's behaviour, the
population mean) is described by two things: the shape of its own activity and
its relation to the context. :class:`ContextEncoder` has one dilated CNN for
each and pools their per-time features both separately (mean, max and standard
deviation of the own features) and jointly, as the time-averaged products of own
and context features: a learned, lagged cross-covariance (the dilated
convolutions give each feature a different time window, so the products compare
the neuron and the context at several lags).
"""

import torch
from torch import nn

from ._encoders import _masked_max, _masked_mean, _ResidualBlock

__all__ = ["ContextEncoder"]


class _Trunk(nn.Module):
    """1x1 stem, dilated residual blocks, final BatchNorm (masked, same length)."""

    def __init__(self, in_channels, hidden, n_blocks, kernel_size, dilation_base, p):
        super().__init__()
        self.stem = nn.Conv1d(in_channels, hidden, 1)
        self.blocks = nn.ModuleList(
            _ResidualBlock(hidden, kernel_size, dilation_base**i, p)
            for i in range(n_blocks)
        )
        self.norm = nn.BatchNorm1d(hidden)

    def forward(self, x, m):
        h = self.stem(x * m) * m
        for block in self.blocks:
            h = block(h, m)
        return self.norm(h) * m


class ContextEncoder(nn.Module):
    """Own-activity CNN, context CNN and cross-covariance pooling.

    Channel layout of the input (as prepared by
    :class:`~neurovec.NeuronVICRegEmbedder`): the first ``n_own_channels``
    channels are the neuron's own signal, the next ones up to
    ``n_signal_channels`` are context (behaviour, population mean), and any
    remaining channels are constant per segment (the segment statistics that
    ``segment_stats=True`` appends: mean and log-std of every signal channel).

    The representation concatenates (i) masked mean, max and standard deviation
    over time of the own-activity features, (ii) the time-averaged products of
    every own feature with every context feature (a learned lagged
    cross-covariance), and (iii) the constant channels; a two-layer head maps it
    to ``embedding_dim``. Without context channels it reduces to a dilated CNN
    with mean/max/std pooling.

    Parameters
    ----------
    in_channels : int
        Number of input channels.
    embedding_dim : int
        Output size.
    n_signal_channels : int, "auto" or None, default="auto"
        Own + context channels; the rest are the constant statistics channels
        (``2 * n_signal_channels`` of them). ``"auto"`` assumes the layout of
        :class:`~neurovec.NeuronVICRegEmbedder`'s defaults
        (``normalize="segment", segment_stats=True``: ``in_channels = 3 * C``
        for ``C`` input channels), i.e. ``in_channels // 3`` when
        ``in_channels`` is a multiple of 3, else ``in_channels``. Pass the
        number explicitly in any other setting; None means no statistics
        channels.
    n_own_channels : int, default=1
        Leading channels that are the neuron's own signal.
    hidden_channels : int, default=16
        Width of both CNNs (the cross-covariance has ``hidden_channels ** 2``
        entries).
    n_blocks : int, default=4
        Residual blocks per CNN (dilation ``dilation_base ** i``).
    context_blocks : int or None, default=None
        Residual blocks of the context CNN; None uses ``n_blocks``.
    kernel_size : int, default=5
        Odd convolution kernel size.
    dilation_base : int, default=2
        Dilation growth factor.
    dropout : float, default=0.0
        Dropout inside the residual blocks.

    Examples
    --------
    >>> import torch
    >>> enc = ContextEncoder(6, 8, n_signal_channels=2, hidden_channels=4, n_blocks=2)
    >>> enc(torch.randn(3, 6, 40)).shape
    torch.Size([3, 8])
    """

    def __init__(
        self,
        in_channels,
        embedding_dim,
        n_signal_channels="auto",
        n_own_channels=1,
        hidden_channels=16,
        n_blocks=4,
        context_blocks=None,
        kernel_size=5,
        dilation_base=2,
        dropout=0.0,
    ):
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"Expected an odd kernel_size; received {kernel_size}.")
        if n_signal_channels == "auto":
            n_signal_channels = (
                in_channels // 3 if in_channels % 3 == 0 else in_channels
            )
        elif n_signal_channels is None:
            n_signal_channels = in_channels
        if not 1 <= n_own_channels <= n_signal_channels <= in_channels:
            raise ValueError(
                "Expected 1 <= n_own_channels <= n_signal_channels <= in_channels; "
                f"received n_own_channels={n_own_channels}, n_signal_channels="
                f"{n_signal_channels}, in_channels={in_channels}."
            )
        if in_channels not in (n_signal_channels, 3 * n_signal_channels):
            raise ValueError(
                "Expected in_channels equal to n_signal_channels (no statistics "
                "channels) or 3 * n_signal_channels (segment means and log-stds); "
                f"received in_channels={in_channels}, n_signal_channels="
                f"{n_signal_channels}."
            )
        self.n_own = n_own_channels
        self.n_signal = n_signal_channels
        self.n_context = n_signal_channels - n_own_channels
        self.n_stats = in_channels - n_signal_channels
        h = hidden_channels
        self.own = _Trunk(
            n_own_channels, h, n_blocks, kernel_size, dilation_base, dropout
        )
        # Only the own channels' statistics are kept: the context's segment
        # statistics are shared by every neuron of an animal and would let the
        # encoder match two segments by *animal* rather than by neuron.
        n_features = 3 * h + (2 * n_own_channels if self.n_stats else 0)
        if self.n_context:
            cb = n_blocks if context_blocks is None else context_blocks
            self.context = _Trunk(
                self.n_context, h, cb, kernel_size, dilation_base, dropout
            )
            n_features += h * h
        self.head = nn.Sequential(
            nn.LayerNorm(n_features),
            nn.Linear(n_features, 2 * embedding_dim),
            nn.GELU(),
            nn.Linear(2 * embedding_dim, embedding_dim),
        )

    def forward(self, x, mask=None):
        if mask is None:
            mask = torch.ones(x.shape[0], x.shape[2], dtype=torch.bool, device=x.device)
        m = mask[:, None, :].to(x.dtype)
        count = m.sum(dim=2).clamp_min(1.0)
        h = self.own(x[:, : self.n_own], m)
        mean = _masked_mean(h, mask)
        hc = (h - mean[..., None]) * m
        std = torch.sqrt((hc**2).sum(dim=2) / count + 1e-5)
        parts = [mean, _masked_max(h, mask), std]
        if self.n_context:
            g = self.context(x[:, self.n_own : self.n_signal], m)
            gc = (g - _masked_mean(g, mask)[..., None]) * m
            gstd = torch.sqrt((gc**2).sum(dim=2) / count + 1e-5)
            # Correlations, not raw products: context-only information (its
            # level or scale, which identify the animal) cannot pass.
            cross = torch.einsum("bil,bjl->bij", hc / std[..., None], gc)
            cross = cross / (count[..., None] * gstd[:, None, :])
            parts.append(cross.flatten(1))
        if self.n_stats:
            c = self.n_signal
            own_stats = torch.cat(
                [x[:, c : c + self.n_own], x[:, 2 * c : 2 * c + self.n_own]], dim=1
            )
            parts.append(_masked_mean(own_stats, mask))
        return self.head(torch.cat(parts, dim=1))
