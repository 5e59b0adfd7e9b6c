"""vicreg_loss against a numpy hand computation and on collapsed embeddings."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

from neurovec.embedder import vicreg_loss


def _numpy_vicreg(a, b, lam, mu, nu, eps):
    inv = np.mean((a - b) ** 2)

    def var(z):
        return np.mean(np.maximum(0.0, 1.0 - np.sqrt(z.var(axis=0, ddof=1) + eps)))

    def cov(z):
        c = np.cov(z, rowvar=False)
        return (np.sum(c**2) - np.sum(np.diag(c) ** 2)) / z.shape[1]

    v = (var(a) + var(b)) / 2
    c = cov(a) + cov(b)
    return lam * inv + mu * v + nu * c, inv, v, c


@pytest.mark.parametrize("weights", [(25.0, 25.0, 1.0), (1.0, 2.0, 3.0)])
def test_vicreg_loss_matches_numpy(weights):
    rng = np.random.default_rng(0)
    a = rng.normal(scale=0.5, size=(16, 6))
    b = a + rng.normal(scale=0.3, size=(16, 6))
    expected = _numpy_vicreg(a, b, *weights, 1e-4)
    got = vicreg_loss(torch.tensor(a), torch.tensor(b), *weights)
    assert_allclose([float(t) for t in got], expected, rtol=1e-10)


def test_vicreg_loss_collapsed_embedding():
    z = torch.full((10, 8), 3.0, dtype=torch.float64)
    total, inv, var, cov = vicreg_loss(z, z, var_weight=25.0, eps=1e-4)
    # Zero variance: every dimension's hinge is 1 - sqrt(1e-4) = 0.99.
    assert float(inv) == 0.0
    assert float(cov) == 0.0
    assert float(var) == pytest.approx(0.99, abs=1e-12)
    assert float(total) == pytest.approx(24.75, abs=1e-10)


def test_vicreg_loss_spread_embedding_has_no_variance_penalty():
    rng = np.random.default_rng(1)
    z = torch.tensor(rng.normal(scale=3.0, size=(200, 4)))
    _, _, var, _ = vicreg_loss(z, z)
    assert float(var) == 0.0


def test_vicreg_loss_gradients_flow():
    z_a = torch.randn(8, 4, requires_grad=True)
    total, *_ = vicreg_loss(z_a, torch.randn(8, 4))
    total.backward()
    assert z_a.grad is not None and torch.isfinite(z_a.grad).all()


@pytest.mark.parametrize(
    "shapes, match",
    [(((4, 3), (4, 2)), "same shape"), (((1, 3), (1, 3)), "at least 2 samples")],
)
def test_vicreg_loss_rejects_bad_shapes(shapes, match):
    a, b = (torch.zeros(s) for s in shapes)
    with pytest.raises(ValueError, match=match):
        vicreg_loss(a, b)
