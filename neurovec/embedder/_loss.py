"""VICReg loss (Bardes, Ponce & LeCun, ICLR 2022).

Given two batches of embeddings ``z_a`` and ``z_b`` of shape ``(n, d)`` (row ``i`` of
both is a positive pair), VICReg minimises

.. math::

    \\lambda s(Z, Z') + \\mu \\tfrac12 [v(Z) + v(Z')] + \\nu [c(Z) + c(Z')]

with the invariance :math:`s` = mean squared error, the variance
:math:`v(Z) = \\frac1d \\sum_j \\max(0, 1 - \\sqrt{\\mathrm{Var}(z_j) + \\epsilon})` and
the covariance :math:`c(Z) = \\frac1d \\sum_{i \\ne j} C(Z)_{ij}^2`.
"""

import torch
import torch.nn.functional as F

__all__ = ["vicreg_loss"]


def _variance(z, eps):
    std = torch.sqrt(z.var(dim=0) + eps)
    return F.relu(1.0 - std).mean()


def _covariance(z):
    n, d = z.shape
    zc = z - z.mean(dim=0)
    cov = (zc.T @ zc) / (n - 1)
    off = cov - torch.diag(torch.diagonal(cov))
    return off.pow(2).sum() / d


def vicreg_loss(z_a, z_b, sim_weight=25.0, var_weight=25.0, cov_weight=1.0, eps=1e-4):
    """VICReg loss between two views and its three unweighted terms.

    Parameters
    ----------
    z_a, z_b : torch.Tensor of shape (n_samples, n_dims)
        Embeddings (projector outputs) of the two views; row ``i`` of ``z_a`` and
        row ``i`` of ``z_b`` form a positive pair. ``n_samples`` must be >= 2.
    sim_weight : float, default=25.0
        Weight :math:`\\lambda` of the invariance term.
    var_weight : float, default=25.0
        Weight :math:`\\mu` of the variance term.
    cov_weight : float, default=1.0
        Weight :math:`\\nu` of the covariance term.
    eps : float, default=1e-4
        Added to the variance before the square root (numerical stability).

    Returns
    -------
    total : torch.Tensor
        Scalar ``sim_weight * invariance + var_weight * variance +
        cov_weight * covariance``.
    invariance : torch.Tensor
        Mean squared error between ``z_a`` and ``z_b`` (mean over all entries).
    variance : torch.Tensor
        Average of the two views' hinge terms, ``(v(z_a) + v(z_b)) / 2`` with
        ``v(z) = mean_j relu(1 - sqrt(var(z[:, j]) + eps))`` (unbiased variance).
    covariance : torch.Tensor
        Sum of the two views' terms, ``c(z_a) + c(z_b)`` with ``c(z)`` the sum of
        squared off-diagonal entries of the (unbiased) covariance matrix divided by
        ``n_dims``.

    Notes
    -----
    The paper writes the variance term as the sum ``v(Z) + v(Z')``; the authors'
    reference implementation averages the two views, and its default weights
    (25, 25, 1) are tuned for that average. neurovec follows the reference
    implementation: the variance term is the *average* of both views, the
    covariance term the *sum*. A fully collapsed embedding (constant rows) gives
    ``variance = 1 - sqrt(eps)`` (0.99 for the default ``eps``), hence a weighted
    variance contribution of ``var_weight * (1 - sqrt(eps))``.

    References
    ----------
    .. [1] A. Bardes, J. Ponce and Y. LeCun, "VICReg: Variance-Invariance-Covariance
       Regularization for Self-Supervised Learning", ICLR 2022.

    Examples
    --------
    >>> import torch
    >>> from neurovec.embedder import vicreg_loss
    >>> z = torch.zeros(8, 4)
    >>> total, inv, var, cov = vicreg_loss(z, z)
    >>> round(float(var), 4), round(float(total), 4)
    (0.99, 24.75)
    """
    if z_a.shape != z_b.shape or z_a.ndim != 2:
        raise ValueError(
            "Expected z_a and z_b of the same shape (n_samples, n_dims); received "
            f"{tuple(z_a.shape)} and {tuple(z_b.shape)}."
        )
    if z_a.shape[0] < 2:
        raise ValueError(
            "vicreg_loss needs at least 2 samples per batch (the variance term is "
            f"undefined for 1 sample); received shape {tuple(z_a.shape)}."
        )
    invariance = F.mse_loss(z_a, z_b)
    variance = 0.5 * (_variance(z_a, eps) + _variance(z_b, eps))
    covariance = _covariance(z_a) + _covariance(z_b)
    total = sim_weight * invariance + var_weight * variance + cov_weight * covariance
    return total, invariance, variance, covariance
