"""Losses and layers of the deep adapters (torch).

Every function takes and returns torch tensors on the device of its inputs;
nothing here moves data between host and device.
"""

from __future__ import annotations

import torch

__all__ = [
    "GradientReversal",
    "gradient_reversal",
    "coral_loss",
    "gaussian_bandwidths",
    "mk_mmd",
    "classifier_discrepancy",
]


class GradientReversal(torch.autograd.Function):
    """Identity on the forward pass; multiplies the gradient by ``-scale`` on
    the backward pass (Ganin & Lempitsky, ICML 2015)."""

    @staticmethod
    def forward(ctx, x, scale):
        ctx.scale = float(scale)
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output):
        return -ctx.scale * grad_output, None


def gradient_reversal(x, scale=1.0):
    """``x`` unchanged, with its gradient multiplied by ``-scale``."""
    return GradientReversal.apply(x, scale)


def _covariance(Z):
    Zc = Z - Z.mean(dim=0, keepdim=True)
    return Zc.T @ Zc / (Z.shape[0] - 1)


def coral_loss(Z_source, Z_target):
    r"""Deep CORAL loss (Sun & Saenko, ECCV-TASK-CV 2016, eq. 1).

    .. math:: \ell_{CORAL} = \frac{1}{4 d^2} \lVert C_S - C_T \rVert_F^2

    with :math:`C_S, C_T` the unbiased (``n - 1``) covariance matrices of the
    ``d``-dimensional source and target activations of one batch.
    """
    d = Z_source.shape[1]
    diff = _covariance(Z_source) - _covariance(Z_target)
    return (diff * diff).sum() / (4.0 * d * d)


def gaussian_bandwidths(Z, factors):
    """Squared bandwidths ``sigma_u^2 = factor_u * median(||z_i - z_j||^2)``.

    The median is taken over the distinct pairs of the rows of ``Z`` (the
    pooled source and target activations of the batch), without gradient:
    the bandwidths are a property of the batch, not a path to optimise.
    """
    with torch.no_grad():
        D = _sq_dists(Z, Z)
        n = Z.shape[0]
        iu = torch.triu_indices(n, n, offset=1, device=Z.device)
        median = D[iu[0], iu[1]].median()
        # coincident rows (e.g. a collapsed representation) have median 0
        median = torch.clamp(median, min=torch.finfo(Z.dtype).eps)
        scale = torch.as_tensor(factors, dtype=Z.dtype, device=Z.device)
    return median * scale


def _sq_dists(A, B):
    """Squared Euclidean distances by one matrix product (no square root, so
    the gradient is defined at coincident rows)."""
    d = (A * A).sum(dim=1, keepdim=True) + (B * B).sum(dim=1) - 2.0 * A @ B.T
    return d.clamp_min(0.0)


def _multi_kernel(sq_dist, bandwidths):
    """``sum_u exp(-d / sigma_u^2) / m`` for a tensor of squared distances."""
    return torch.exp(-sq_dist.unsqueeze(-1) / bandwidths).mean(dim=-1)


def mk_mmd(Z_source, Z_target, factors=(0.25, 0.5, 1.0, 2.0, 4.0),
           estimator="quadratic"):
    r"""Multi-kernel maximum mean discrepancy (DAN, Long et al., ICML 2015).

    The kernel is the mean of Gaussian kernels
    :math:`k(a, b) = \frac{1}{m}\sum_u \exp(-\lVert a - b\rVert^2 / \sigma_u^2)`
    with :math:`\sigma_u^2` from :func:`gaussian_bandwidths` (equal kernel
    weights :math:`\beta_u = 1/m`).

    ``estimator="quadratic"``: the unbiased U-statistic of Gretton et al.
    (JMLR 2012, eq. 3),

    .. math:: \frac{1}{n(n-1)}\sum_{i\ne j} k(s_i, s_j)
              + \frac{1}{m(m-1)}\sum_{i\ne j} k(t_i, t_j)
              - \frac{2}{nm}\sum_{i,j} k(s_i, t_j).

    ``estimator="linear"``: the linear-time unbiased estimate DAN uses
    (Gretton et al. 2012, Lemma 14), averaged over the quadruples
    :math:`(s_{2i-1}, s_{2i}, t_{2i-1}, t_{2i})`:
    :math:`k(s, s') + k(t, t') - k(s, t') - k(s', t)`; it needs as many source
    as target rows (the extra rows of the larger side are left out) and at
    least two of each.
    """
    bandwidths = gaussian_bandwidths(torch.cat([Z_source, Z_target]), factors)
    if estimator == "linear":
        n = min(Z_source.shape[0], Z_target.shape[0]) // 2 * 2
        s1, s2 = Z_source[0:n:2], Z_source[1:n:2]
        t1, t2 = Z_target[0:n:2], Z_target[1:n:2]

        def k(a, b):
            return _multi_kernel((a - b).pow(2).sum(dim=1), bandwidths)

        return (k(s1, s2) + k(t1, t2) - k(s1, t2) - k(s2, t1)).mean()
    n, m = Z_source.shape[0], Z_target.shape[0]
    K_ss = _multi_kernel(_sq_dists(Z_source, Z_source), bandwidths)
    K_tt = _multi_kernel(_sq_dists(Z_target, Z_target), bandwidths)
    K_st = _multi_kernel(_sq_dists(Z_source, Z_target), bandwidths)
    ss = (K_ss.sum() - K_ss.diagonal().sum()) / (n * (n - 1))
    tt = (K_tt.sum() - K_tt.diagonal().sum()) / (m * (m - 1))
    return ss + tt - 2.0 * K_st.mean()


def classifier_discrepancy(out_1, out_2, *, classification=True):
    r"""MCD's discrepancy between two heads (Saito et al., CVPR 2018, eq. 2).

    Classification: :math:`\frac{1}{K}\sum_k |p_{1k} - p_{2k}|` of the softmax
    probabilities, averaged over the rows. Regression (extension): the mean
    absolute difference of the two outputs.
    """
    if classification:
        out_1, out_2 = torch.softmax(out_1, dim=1), torch.softmax(out_2, dim=1)
    return (out_1 - out_2).abs().mean()
