"""Tests of the context encoder (own activity + context channels)."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

from neurovec.embedder import NeuronVICRegEmbedder
from neurovec.embedder._context import ContextEncoder
from neurovec.embedder._encoders import build_encoder


def _encoder(in_channels=9, **kw):
    torch.manual_seed(0)
    kw = {"hidden_channels": 4, "n_blocks": 2, **kw}
    return ContextEncoder(in_channels, 6, **kw).eval()


def test_output_shape_and_auto_channel_layout():
    enc = _encoder(9)  # 3 signal channels (own + 2 context) + 6 statistics
    assert (enc.n_own, enc.n_context, enc.n_stats) == (1, 2, 6)
    assert enc(torch.randn(5, 9, 40)).shape == (5, 6)
    plain = _encoder(2)  # not a multiple of 3: all channels are signal
    assert (plain.n_context, plain.n_stats) == (1, 0)
    assert build_encoder("context", 9, 6, hidden_channels=4).n_context == 2


def test_context_statistics_channels_do_not_reach_the_output():
    # Layout with C = 3: [own, ctx1, ctx2, mean x3, logstd x3]. The context's
    # segment statistics are shared by all neurons of an animal: changing them
    # must not change the embedding, while the own statistics must.
    enc = _encoder(9)
    x = torch.randn(4, 9, 30)
    x[:, 3:] = torch.randn(4, 6, 1)  # statistics are constant in time
    base = enc(x)
    other = x.clone()
    other[:, [4, 5, 7, 8]] += 5.0
    assert_allclose(enc(other).detach(), base.detach(), atol=1e-5)
    own = x.clone()
    own[:, [3, 6]] += 5.0
    assert not torch.allclose(enc(own), base, atol=1e-3)


def test_masked_samples_are_ignored():
    enc = _encoder(9)
    x = torch.randn(3, 9, 40)
    mask = torch.ones(3, 40, dtype=torch.bool)
    mask[:, 30:] = False
    y = x.clone()
    y[:, :, 30:] = 100.0
    assert_allclose(enc(x, mask).detach(), enc(y, mask).detach(), atol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"in_channels": 5, "n_signal_channels": 2}, "3 \\* n_signal_channels"),
        ({"in_channels": 3, "n_signal_channels": 1, "n_own_channels": 2}, "1 <="),
        ({"in_channels": 3, "kernel_size": 4}, "odd kernel_size"),
    ],
)
def test_invalid_layouts_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ContextEncoder(embedding_dim=4, **kwargs)


def test_embedder_with_context_encoder_is_seeded_and_uses_context():
    rng = np.random.default_rng(0)
    n, s, length = 24, 4, 40
    context = rng.normal(size=(1, s, length, 2)).repeat(n, axis=0)
    gain = np.repeat([-1.0, 1.0], n // 2)[:, None, None, None]
    own = gain * context[..., :1] + 0.3 * rng.normal(size=(n, s, length, 1))
    X = np.concatenate([own, context], axis=3).astype(np.float32)
    params = dict(
        embedding_dim=4,
        encoder="context",
        encoder_kwargs={"hidden_channels": 4, "n_blocks": 2},
        projector=(8,),
        max_epochs=2,
        batch_size=8,
        random_state=0,
    )
    Z1 = NeuronVICRegEmbedder(**params).fit_transform(X)
    Z2 = NeuronVICRegEmbedder(**params).fit_transform(X)
    assert Z1.shape == (n, 4)
    assert_allclose(Z1, Z2)
    # Neurons following vs opposing the context differ only in their relation
    # to it: the two groups must be separated along some embedding axis.
    gap = np.abs(Z1[: n // 2].mean(0) - Z1[n // 2 :].mean(0)) / (Z1.std(0) + 1e-6)
    assert gap.max() > 1.0
