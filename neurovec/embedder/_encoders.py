"""Segment encoders: one segment ``(in_channels, length)`` -> one vector.

Every encoder follows one interface, ``forward(x, mask=None)`` with ``x`` a float
tensor ``(batch, in_channels, length)`` (already normalised, no NaN) and ``mask``
an optional bool tensor ``(batch, length)`` (True = valid sample), returning
``(batch, embedding_dim)``. Invalid samples never reach the output: the CNN zeroes
them before every convolution (exactly like the convolution's own zero padding)
and both encoders pool with the mask.
"""

import math

import torch
from torch import nn

__all__ = ["DilatedCNNEncoder", "TransformerEncoder", "build_encoder"]


def _masked_mean(h, mask):
    # h: (batch, channels, length); mask: (batch, length) bool
    m = mask[:, None, :].to(h.dtype)
    return (h * m).sum(dim=2) / m.sum(dim=2).clamp_min(1.0)


def _masked_max(h, mask):
    fill = torch.finfo(h.dtype).min
    out = h.masked_fill(~mask[:, None, :], fill).amax(dim=2)
    # A fully masked row would give -inf-like values; use 0 instead.
    return torch.where(mask.any(dim=1, keepdim=True), out, torch.zeros_like(out))


class _ResidualBlock(nn.Module):
    def __init__(self, channels, kernel_size, dilation, dropout):
        super().__init__()
        pad = dilation * (kernel_size - 1) // 2
        self.norm = nn.BatchNorm1d(channels)
        self.act = nn.GELU()
        self.drop = nn.Dropout(dropout)
        self.conv = nn.Conv1d(
            channels, channels, kernel_size, padding=pad, dilation=dilation
        )

    def forward(self, h, m):
        # Zeroing invalid samples before the convolution makes padding act exactly
        # like the convolution's own zero padding.
        r = self.conv(self.drop(self.act(self.norm(h))) * m)
        return (h + r) * m


class DilatedCNNEncoder(nn.Module):
    """Dilated 1-D residual CNN with masked mean and max pooling.

    Pre-activation residual blocks (BatchNorm, GELU, dilated convolution) with
    dilation ``dilation_base ** i`` for block ``i`` (receptive field
    ``1 + (kernel_size - 1) * (dilation_base ** n_blocks - 1)`` samples for
    ``dilation_base=2``); the time axis keeps its length ("same" padding), so a
    mask applies at every layer.

    Parameters
    ----------
    in_channels : int
        Number of input channels.
    embedding_dim : int
        Output size.
    hidden_channels : int, default=32
        Width of the residual blocks.
    n_blocks : int, default=5
        Number of residual blocks (receptive field grows exponentially).
    kernel_size : int, default=5
        Odd convolution kernel size.
    dilation_base : int, default=2
        Dilation growth factor.
    pooling : {"meanmax", "mean"}, default="meanmax"
        Masked global pooling before the final linear layer.
    dropout : float, default=0.0
        Dropout inside the blocks.

    Examples
    --------
    >>> import torch
    >>> enc = DilatedCNNEncoder(2, 8, hidden_channels=4, n_blocks=2)
    >>> enc(torch.zeros(3, 2, 50)).shape
    torch.Size([3, 8])
    """

    def __init__(
        self,
        in_channels,
        embedding_dim,
        hidden_channels=32,
        n_blocks=5,
        kernel_size=5,
        dilation_base=2,
        pooling="meanmax",
        dropout=0.0,
    ):
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"Expected an odd kernel_size; received {kernel_size}.")
        if pooling not in ("meanmax", "mean"):
            raise ValueError(
                f"Expected pooling in {{'meanmax', 'mean'}}; received {pooling!r}."
            )
        self.pooling = pooling
        self.stem = nn.Conv1d(in_channels, hidden_channels, 1)
        self.blocks = nn.ModuleList(
            _ResidualBlock(hidden_channels, kernel_size, dilation_base**i, dropout)
            for i in range(n_blocks)
        )
        self.norm = nn.BatchNorm1d(hidden_channels)
        self.act = nn.GELU()
        n_pool = 2 if pooling == "meanmax" else 1
        self.head = nn.Linear(n_pool * hidden_channels, embedding_dim)

    def forward(self, x, mask=None):
        if mask is None:
            mask = torch.ones(x.shape[0], x.shape[2], dtype=torch.bool, device=x.device)
        m = mask[:, None, :].to(x.dtype)
        h = self.stem(x * m) * m
        for block in self.blocks:
            h = block(h, m)
        h = self.act(self.norm(h))
        pooled = [_masked_mean(h, mask)]
        if self.pooling == "meanmax":
            pooled.append(_masked_max(h, mask))
        return self.head(torch.cat(pooled, dim=1))


def _sinusoidal(n, d, device, dtype):
    pos = torch.arange(n, device=device, dtype=torch.float32)[:, None]
    div = torch.exp(
        torch.arange(0, d, 2, device=device, dtype=torch.float32)
        * (-math.log(10000.0) / d)
    )
    pe = torch.zeros(n, d, device=device)
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)[:, : d // 2]
    return pe.to(dtype)


class TransformerEncoder(nn.Module):
    """Patch embedding, sinusoidal positions, Transformer, masked mean pooling.

    Parameters
    ----------
    in_channels : int
        Number of input channels.
    embedding_dim : int
        Output size.
    patch_size : int, default=8
        Samples per token (non-overlapping patches; the input is zero-padded to a
        multiple). A patch is valid when its first sample is valid.
    d_model : int, default=64
        Token width.
    n_heads : int, default=4
        Attention heads.
    n_layers : int, default=2
        Transformer layers.
    dim_feedforward : int, default=128
        Feed-forward width.
    dropout : float, default=0.0
        Dropout in the Transformer layers.

    Examples
    --------
    >>> import torch
    >>> enc = TransformerEncoder(1, 8, patch_size=4, d_model=16, n_heads=2)
    >>> enc(torch.zeros(3, 1, 50)).shape
    torch.Size([3, 8])
    """

    def __init__(
        self,
        in_channels,
        embedding_dim,
        patch_size=8,
        d_model=64,
        n_heads=4,
        n_layers=2,
        dim_feedforward=128,
        dropout=0.0,
    ):
        super().__init__()
        self.patch_size = patch_size
        self.patch = nn.Conv1d(in_channels, d_model, patch_size, stride=patch_size)
        layer = nn.TransformerEncoderLayer(
            d_model,
            n_heads,
            dim_feedforward,
            dropout,
            activation="gelu",
            batch_first=True,
            norm_first=True,
        )
        self.transformer = nn.TransformerEncoder(
            layer, n_layers, enable_nested_tensor=False
        )
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, embedding_dim)

    def forward(self, x, mask=None):
        batch, _, length = x.shape
        if mask is None:
            mask = torch.ones(batch, length, dtype=torch.bool, device=x.device)
        x = x * mask[:, None, :].to(x.dtype)
        pad = (-length) % self.patch_size
        if pad:
            x = nn.functional.pad(x, (0, pad))
            mask = nn.functional.pad(mask, (0, pad), value=False)
        tokens = self.patch(x).transpose(1, 2)  # (batch, n_patches, d_model)
        pmask = mask[:, :: self.patch_size]
        tokens = tokens + _sinusoidal(
            tokens.shape[1], tokens.shape[2], x.device, tokens.dtype
        )
        h = self.transformer(tokens, src_key_padding_mask=~pmask)
        h = self.norm(h)
        m = pmask[..., None].to(h.dtype)
        pooled = (h * m).sum(dim=1) / m.sum(dim=1).clamp_min(1.0)
        return self.head(pooled)


_ENCODERS = {"cnn": DilatedCNNEncoder, "transformer": TransformerEncoder}


def build_encoder(encoder, in_channels, embedding_dim, **encoder_kwargs):
    """Instantiate a segment encoder.

    Parameters
    ----------
    encoder : {"cnn", "transformer", "context"} or subclass of torch.nn.Module
        ``"cnn"``: :class:`DilatedCNNEncoder`; ``"transformer"``:
        :class:`TransformerEncoder`; ``"context"``:
        :class:`~neurovec.embedder._context.ContextEncoder` (own-activity and
        context CNNs with cross-covariance pooling); a user class is called as
        ``encoder(in_channels=..., embedding_dim=..., **encoder_kwargs)`` and must
        implement ``forward(x, mask=None)``: ``x`` float ``(batch, in_channels,
        length)``, ``mask`` bool ``(batch, length)`` or None, output
        ``(batch, embedding_dim)``.
    in_channels : int
        Number of input channels.
    embedding_dim : int
        Output size.
    **encoder_kwargs
        Passed to the encoder's constructor.

    Returns
    -------
    module : torch.nn.Module

    Examples
    --------
    >>> import torch
    >>> from neurovec.embedder._encoders import build_encoder
    >>> enc = build_encoder("cnn", 1, 16, hidden_channels=8, n_blocks=2)
    >>> enc(torch.randn(4, 1, 30), torch.ones(4, 30, dtype=torch.bool)).shape
    torch.Size([4, 16])
    """
    if encoder == "context":  # lazy: _context builds on this module's blocks
        from ._context import ContextEncoder as cls
    elif isinstance(encoder, str):
        if encoder not in _ENCODERS:
            raise ValueError(
                f"Expected encoder in {sorted([*_ENCODERS, 'context'])} or a "
                f"torch.nn.Module subclass; received {encoder!r}."
            )
        cls = _ENCODERS[encoder]
    elif isinstance(encoder, type) and issubclass(encoder, nn.Module):
        cls = encoder
    else:
        raise TypeError(
            f"Expected encoder in {sorted(_ENCODERS)} or a torch.nn.Module subclass; "
            f"received {encoder!r} of type {type(encoder).__name__}."
        )
    return cls(in_channels=in_channels, embedding_dim=embedding_dim, **encoder_kwargs)
