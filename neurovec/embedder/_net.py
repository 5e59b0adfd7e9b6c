"""The torch module (normaliser + encoder + projector) and its skorch net.

The net customises skorch only through documented hooks: ``infer`` runs both
views of a pair through one forward pass (so BatchNorm sees both), ``get_loss``
computes VICReg and records its terms per batch (averaged per epoch by
``PassthroughScoring``), ``train_step_single`` adds autocast on CUDA, and
``train_step`` adds loss scaling for float16.
"""

import contextlib

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback
from skorch.utils import TeeGenerator, to_tensor
from torch import nn

from ._augment import segment_statistics
from ._loss import vicreg_loss

__all__ = ["VICRegModule", "VICRegNet", "build_projector"]

_TERMS = ("invariance", "variance", "covariance")


def build_projector(embedding_dim, sizes):
    """VICReg expander: Linear-BatchNorm-ReLU blocks, last layer plain Linear."""
    layers = []
    dims = [embedding_dim, *sizes]
    for i in range(len(sizes)):
        layers.append(nn.Linear(dims[i], dims[i + 1]))
        if i < len(sizes) - 1:
            layers += [nn.BatchNorm1d(dims[i + 1]), nn.ReLU()]
    return nn.Sequential(*layers) if layers else nn.Identity()


class VICRegModule(nn.Module):
    """Normalise segments, encode them, and (at training) project them.

    ``normalize="segment"`` z-scores every segment and channel; with
    ``segment_stats`` the per-segment mean and log-std (standardised with
    statistics learned at fit, stored as buffers) are appended as constant
    channels, so the encoder still sees rate and amplitude. ``"global"``
    standardises each channel with fit-time statistics; ``None`` passes raw values.
    """

    def __init__(
        self, encoder, projector, n_channels, normalize, segment_stats, eps=1e-6
    ):
        super().__init__()
        self.encoder = encoder
        self.projector = projector
        self.normalize = normalize
        self.segment_stats = segment_stats
        self.eps = eps
        self.register_buffer("channel_mean", torch.zeros(n_channels))
        self.register_buffer("channel_std", torch.ones(n_channels))
        self.register_buffer("stats_mean", torch.zeros(2 * n_channels))
        self.register_buffer("stats_std", torch.ones(2 * n_channels))

    def prepare(self, x, mask):
        m = mask[:, None, :].to(x.dtype)
        if self.normalize == "segment":
            mean, std = segment_statistics(x, mask, self.eps)
            z = (x - mean[..., None]) / std[..., None] * m
            if self.segment_stats:
                stats = torch.cat([mean, torch.log(std)], dim=1)
                stats = (stats - self.stats_mean) / self.stats_std
                z = torch.cat([z, stats[..., None] * m], dim=1)
            return z
        if self.normalize == "global":
            z = (x - self.channel_mean[:, None]) / self.channel_std[:, None]
            return z * m
        return x * m

    def forward(self, x, mask):
        return self.encoder(self.prepare(x, mask), mask)

    def project(self, h):
        return self.projector(h)


class VICRegNet(NeuralNet):
    """skorch net trained with VICReg on positive pairs.

    Training batches are dicts ``{"xa", "ma", "xb", "mb"}`` (two views and their
    masks); inference batches are ``{"x", "mask"}`` and return encoder outputs.
    """

    def __init__(
        self,
        *args,
        sim_weight=25.0,
        var_weight=25.0,
        cov_weight=1.0,
        precision="32",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.sim_weight = sim_weight
        self.var_weight = var_weight
        self.cov_weight = cov_weight
        self.precision = precision

    def _autocast(self):
        device = str(self.device)
        if self.precision == "32" or not device.startswith("cuda"):
            return contextlib.nullcontext()
        dtype = torch.bfloat16 if self.precision == "bf16" else torch.float16
        return torch.autocast("cuda", dtype=dtype)

    def infer(self, x, **fit_params):
        x = to_tensor(x, device=self.device)
        with self._autocast():
            if "xa" in x:
                xx = torch.cat([x["xa"], x["xb"]])
                mm = torch.cat([x["ma"], x["mb"]])
                z = self.module_.project(self.module_(xx, mm)).float()
                n = x["xa"].shape[0]
                return z[:n], z[n:]
            return self.module_(x["x"], x["mask"]).float()

    def get_loss(self, y_pred, y_true, X=None, training=False):
        z_a, z_b = y_pred
        total, *terms = vicreg_loss(
            z_a.float(), z_b.float(), self.sim_weight, self.var_weight, self.cov_weight
        )
        if training:
            for name, value in zip(_TERMS, terms):
                self.history.record_batch(name, value.item())
        return total

    def train_step(self, batch, **fit_params):
        if not self._uses_grad_scaler():
            return super().train_step(batch, **fit_params)
        # float16 needs loss scaling; skorch's closure-based step has no scaler.
        if getattr(self, "grad_scaler_", None) is None:
            if hasattr(torch.amp, "GradScaler"):  # torch >= 2.3
                self.grad_scaler_ = torch.amp.GradScaler("cuda")
            else:  # pragma: no cover
                self.grad_scaler_ = torch.cuda.amp.GradScaler()
        self.optimizer_.zero_grad()
        step = self.train_step_single(batch, **fit_params)
        # Unscale first so that callbacks (e.g. gradient clipping) see true values.
        self.grad_scaler_.unscale_(self.optimizer_)
        self.notify(
            "on_grad_computed",
            named_parameters=TeeGenerator(self.get_all_learnable_params()),
            batch=batch,
            training=True,
        )
        self.grad_scaler_.step(self.optimizer_)
        self.grad_scaler_.update()
        return step

    def _uses_grad_scaler(self):
        return self.precision == "16-mixed" and str(self.device).startswith("cuda")

    def train_step_single(self, batch, **fit_params):
        if not self._uses_grad_scaler():
            return super().train_step_single(batch, **fit_params)
        self._set_training(True)
        Xi, yi = batch
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        self.grad_scaler_.scale(loss).backward()
        return {"loss": loss, "y_pred": y_pred}


class TqdmEpochs(Callback):
    """Progress bar over epochs showing the training loss."""

    def __init__(self, total, disable=False):
        self.total = total
        self.disable = disable

    def on_train_begin(self, net, **kwargs):
        from tqdm.auto import tqdm

        self.bar_ = tqdm(
            total=self.total,
            desc="NeuronVICRegEmbedder",
            unit="epoch",
            disable=self.disable,
        )

    def on_epoch_end(self, net, **kwargs):
        loss = net.history[-1, "train_loss"]
        self.bar_.set_postfix(loss=f"{loss:.4g}")
        self.bar_.update(1)

    def on_train_end(self, net, **kwargs):
        bar = getattr(self, "bar_", None)
        if bar is not None:
            bar.close()
            del self.bar_


def fit_statistics(X, lengths, eps=1e-6):
    """Channel statistics and segment-statistics statistics of canonical X."""
    valid = lengths > 0
    segs = X[valid]  # (n_valid, L, C)
    ch_mean = np.nanmean(segs, axis=(0, 1))
    ch_std = np.maximum(np.nanstd(segs, axis=(0, 1)), eps)
    seg_mean = np.nanmean(segs, axis=1)
    seg_logstd = np.log(np.maximum(np.nanstd(segs, axis=1), eps))
    stats = np.concatenate([seg_mean, seg_logstd], axis=1)
    st_mean = stats.mean(axis=0)
    st_std = np.maximum(stats.std(axis=0), 1e-3)
    return ch_mean, ch_std, st_mean, st_std
