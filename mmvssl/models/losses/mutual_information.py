"""Mutual-information estimation of controllable augmentations (Qian et
al., ECCV 2022, Eq. 5-7), as pure functions: the gradient reversal layer and
the Donsker-Varadhan bound that MINE maximises. The heads that hold the
estimators are in :mod:`mmvssl.models.heads.ctrlaug_heads`.
"""
import math
from typing import Optional

import torch
from torch import Tensor

from mmvssl.models.utils.precision import float32_island

__all__ = ['grad_reverse', 'log_mean_exp', 'donsker_varadhan']


class _GradReverse(torch.autograd.Function):

    @staticmethod
    def forward(ctx, x: Tensor, coeff: float) -> Tensor:
        ctx.coeff = coeff
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: Tensor):
        return -ctx.coeff * grad, None


def grad_reverse(x: Tensor, coeff: float = 1.0) -> Tensor:
    """Gradient reversal layer (Ganin & Lempitsky): the identity forward,
    ``-coeff *`` the gradient backward. Modules before it minimise what the
    modules after it maximise."""
    return _GradReverse.apply(x, float(coeff))


@float32_island
def log_mean_exp(x: Tensor, mask: Optional[Tensor] = None) -> Tensor:
    """``log(mean(exp(x)))`` over all entries (or the ``mask``-ed ones),
    computed stably."""
    if mask is not None:
        x = x[mask]
    return torch.logsumexp(x.reshape(-1), 0) - math.log(max(x.numel(), 1))


@float32_island
def donsker_varadhan(joint: Tensor,
                     marginal: Tensor,
                     joint_mask: Optional[Tensor] = None,
                     marginal_mask: Optional[Tensor] = None) -> Tensor:
    """Donsker-Varadhan lower bound of the mutual information (MINE, Eq. 5):
    ``E_joint[G] - log E_marginal[exp G]`` from scores of joint and marginal
    samples (optionally selected by boolean masks)."""
    j = joint[joint_mask] if joint_mask is not None else joint
    return j.mean() - log_mean_exp(marginal, marginal_mask)
