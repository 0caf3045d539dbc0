"""Learning objectives of controllable augmentations (Qian et al., ECCV
2022): soft region contrast (Eq. 3-4), low-level mutual information
minimisation (Eq. 5-6) and local-global temporal order dependency (Eq. 7).

Pure functions first (:func:`grad_reverse`, :func:`donsker_varadhan`,
:func:`soft_region_contrast`), then the registered objectives that
:class:`~mmvssl.models.algorithms.CtrlAug` composes. An objective is a
module called as ``objective(batch)`` with a :class:`LocalGlobalBatch`; it
returns a dict whose keys starting with ``loss`` are losses (summed by
mmengine) and the rest logging values.
"""
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmvssl.models.heads.ctrlaug_heads import permutations
from mmvssl.models.utils.precision import float32_island
from mmvssl.ops import (gather_no_grad, gather_with_grad, global_row_offset,
                        masked_mean_over_processes)
from mmvssl.registry import MODELS

__all__ = [
    'grad_reverse', 'log_mean_exp', 'donsker_varadhan',
    'soft_region_contrast', 'LocalGlobalBatch', 'SoftRegionContrastLoss',
    'LowLevelMILoss', 'TemporalDependencyLoss', 'ClipOrderLoss',
    'LocalGlobalNCELoss'
]


# ---------------------------------------------------------- pure functions
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


@float32_island
def soft_region_contrast(query: Tensor,
                         keys: Tensor,
                         target: Tensor,
                         temperature: float = 0.1,
                         min_coverage: float = 0.5,
                         gather: bool = True) -> Dict[str, Tensor]:
    """Spatio-temporal region contrast with soft targets (Eq. 3-4).

    For query cell ``q`` of video ``b`` (a cell of one of its local clips)
    the candidates are the ``N_v`` global cells of ``b`` and, as negatives,
    the global cells of every other video of the (global) batch::

        p(q, j) = exp(q . k_j / tau) / sum_{all candidates m} exp(q . k_m /
                  tau)
        L(q)    = - sum_{j in video b} t(q, j) log p(q, j)

    ``t`` is the row of ``S_k`` renormalised to sum 1. Rows of ``S_k`` sum to
    1 whenever the clip lies inside the global view; a query whose coverage
    ``sum_j S(q, j)`` is below ``min_coverage`` (mostly outside the global
    view) is left out of the loss, the others are renormalised. With a
    one-hot ``t`` this is exactly InfoNCE (:func:`info_nce`).

    Args:
        query (Tensor): ``(B, Q, D)`` L2-normalised query cells (the ``K``
            clips' cells concatenated, ``Q = K N_c``).
        keys (Tensor): ``(B, N_v, D)`` L2-normalised global cells.
        target (Tensor): ``(B, Q, N_v)`` correspondence ``S``.
        temperature (float): tau.
        min_coverage (float): queries covered less are ignored.
        gather (bool): negatives from all processes.

    Returns:
        dict: ``loss`` (mean over valid queries of the global batch),
        ``acc`` (fraction of valid queries whose most similar candidate is
        their best-corresponding global cell), ``coverage`` (mean row sum of
        ``S``), ``num_queries`` (valid queries, global batch).
    """
    B, Q, _ = query.shape
    nv = keys.shape[1]
    if target.shape != (B, Q, nv):
        raise ValueError(f'soft_region_contrast: target must be {(B, Q, nv)}'
                         f', got {tuple(target.shape)}')
    target = target.to(query.dtype)
    coverage = target.sum(-1)
    valid = (coverage >= min_coverage) & (coverage > 0)
    t = target / coverage.clamp(min=1e-12)[..., None]

    if gather:
        all_keys = gather_with_grad(keys)
        offset = global_row_offset(B, query.device)
    else:
        all_keys, offset = keys, 0
    logits = torch.einsum('bqd,amd->bqam', query, all_keys) / temperature
    own_idx = torch.arange(B, device=query.device)
    own = logits[own_idx, :, own_idx + offset]  # (B, Q, N_v)
    logits = logits.flatten(2)
    losses = torch.logsumexp(logits, dim=2) - (t * own).sum(-1)
    loss, count, total = masked_mean_over_processes(losses, valid, gather)
    with torch.no_grad():
        best = logits.argmax(2)
        want = (own_idx + offset)[:, None] * nv + target.argmax(2)
        acc = ((best == want) & valid).sum().to(query.dtype) \
            / count.clamp(min=1)
    return dict(loss=loss, acc=acc, coverage=coverage.mean().detach(),
                num_queries=total)


# ------------------------------------------------------------- the batch
@dataclass
class LocalGlobalBatch:
    """What the objectives of :class:`CtrlAug` see for one batch.

    Attributes:
        clip_maps (Tensor): ``(B, K, C, T_c, H, W)`` local clip features.
        video_maps (Tensor): ``(B, C, T_v, H, W)`` global video features
            (higher temporal resolution).
        clip_records (list[list[dict]]): per video, its clips' geometry.
        video_records (list[dict]): per video, the global view's geometry.
        correspondence (Tensor, optional): ``(B, K, N_c, N_v)`` ``S_k``,
            filled by the algorithm when an objective declares
            ``requires_correspondence``.
    """
    clip_maps: Tensor
    video_maps: Tensor
    clip_records: List[List[Dict]] = field(default_factory=list)
    video_records: List[Dict] = field(default_factory=list)
    correspondence: Optional[Tensor] = None

    @property
    def batch_size(self) -> int:
        return self.clip_maps.shape[0]

    @property
    def num_clips(self) -> int:
        return self.clip_maps.shape[1]

    @cached_property
    def clip_vecs(self) -> Tensor:
        """``(B, K, C)`` average-pooled clip features."""
        return self.clip_maps.flatten(3).mean(3)

    @cached_property
    def video_vecs(self) -> Tensor:
        """``(B, C)`` average-pooled global video features."""
        return self.video_maps.flatten(2).mean(2)

    def levels(self, keys: Sequence[str]) -> Tensor:
        """``(B, len(keys))`` int64 intensity level ids of each video, read
        from the global view's ``geometry['levels']`` (``-1``: transform
        skipped; a missing key is an error)."""
        rows = []
        for i, r in enumerate(self.video_records):
            lv = r.get('levels') or {}
            missing = [k for k in keys if k not in lv]
            if missing:
                raise KeyError(
                    f'video {i}: geometry levels {sorted(lv)} lack '
                    f'{missing}; give the view pipelines levelled '
                    'ClipColorJitter / ClipGaussianBlur transforms')
            rows.append([int(lv[k]) for k in keys])
        return torch.tensor(
            np.asarray(rows, dtype=np.int64).reshape(len(rows), len(keys)),
            device=self.clip_maps.device)


# ------------------------------------------------------------ objectives
@MODELS.register_module()
class SoftRegionContrastLoss(nn.Module):
    """L_rc (Eq. 3-4): every cell of every local clip against the global
    cells of its video, with ``S_k`` as the soft target, other videos'
    global cells as negatives (:func:`soft_region_contrast`).

    Args:
        temperature (float): tau of ``sim = exp(cos / tau)``. Defaults to
            0.1 (not given in the paper).
        min_coverage (float): see :func:`soft_region_contrast`. Defaults to
            0.5.
        projector (dict, optional): a dense projection applied to every cell
            before the cosine (e.g. ``MLPProjectionNeck`` with
            ``with_avg_pool=False``); the paper contrasts the backbone cells
            directly (default None).
        gather_distributed (bool): negatives from all processes. Defaults to
            True.
        loss_weight (float): Defaults to 1.0.
    """

    requires_correspondence = True

    def __init__(self,
                 temperature: float = 0.1,
                 min_coverage: float = 0.5,
                 projector: Optional[dict] = None,
                 gather_distributed: bool = True,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.temperature = temperature
        self.min_coverage = min_coverage
        self.projector = MODELS.build(projector) if projector else None
        self.gather_distributed = gather_distributed
        self.loss_weight = loss_weight

    def _cells(self, maps: Tensor) -> Tensor:
        """``(N, C, T, H, W)`` -> L2-normalised ``(N, T H W, D)``."""
        cells = maps.flatten(2).transpose(1, 2)
        if self.projector is not None:
            cells = self.projector(cells)
        return F.normalize(cells, dim=-1)

    @float32_island
    def forward(self, batch: LocalGlobalBatch) -> Dict[str, Tensor]:
        if batch.correspondence is None:
            raise ValueError('SoftRegionContrastLoss needs '
                             'batch.correspondence (S_k)')
        B, K = batch.batch_size, batch.num_clips
        query = self._cells(batch.clip_maps.flatten(0, 1))
        query = query.reshape(B, K * query.shape[1], -1)
        keys = self._cells(batch.video_maps)
        target = batch.correspondence.flatten(1, 2)  # (B, K N_c, N_v)
        out = soft_region_contrast(
            query, keys, target, self.temperature, self.min_coverage,
            self.gather_distributed)
        return dict(
            loss=self.loss_weight * out['loss'],
            acc=out['acc'],
            coverage=out['coverage'])


@MODELS.register_module()
class LowLevelMILoss(nn.Module):
    """L_mi (Eq. 5-6): low-level shortcut elimination with a MINE estimator
    trained adversarially through a gradient reversal layer.

    Samples are videos; each has an intensity level (the tuple of
    ``level_keys`` of its global view's ``geometry['levels']``; all views of
    a video share it, see ``LocalGlobalVideoDataset``). With ``x`` the pooled
    clip features and ``y`` the pooled global features (``G(x, y)`` is
    scored for every clip of every video against every global video):

    * estimator term (``loss_adv``): ``-I_DV`` with joint pairs ``(x_a^k,
      y_b)``, ``a != b`` of the *same level* (semantically unrelated,
      sharing low-level statistics) and marginal pairs all ``(x_a^k, y_b)``,
      ``a != b``. ``G`` descends ``-I_DV`` (maximises the bound); the
      features pass a gradient reversal layer, so the encoder minimises it.
    * local-global term (``loss_lg``): ``I_DV`` of the local-global pairs
      ``(x_a^k, y_a)`` (joint) against all pairs ``(x_a^k, y_b)`` (marginal),
      with ``G`` frozen (detached parameters): only the encoder minimises it.
      With ``clamp_lg`` (default) the estimate is clamped at 0 (MI is
      non-negative; below 0 the frozen estimator would only be exploited).

    Args:
        estimator (dict): ``MINEEstimator`` config.
        level_keys (tuple[str]): keys of ``geometry['levels']`` forming the
            level. Defaults to ``('color_jitter', 'blur')`` (the combined
            ids of ``ClipColorJitter`` and ``ClipGaussianBlur``: 128 x 4 =
            512 levels with the paper's ranges).
        grl_coeff (float): gradient reversal coefficient. Defaults to 1.0.
        adv_weight (float): weight of ``loss_adv``. Defaults to 1.0.
        lg_weight (float): weight of ``loss_lg``. Defaults to 1.0.
        clamp_lg (bool): Defaults to True.
        gather_distributed (bool): pair with the global videos of all
            processes. Defaults to True.
    """

    requires_correspondence = False

    def __init__(self,
                 estimator: dict,
                 level_keys: Sequence[str] = ('color_jitter', 'blur'),
                 grl_coeff: float = 1.0,
                 adv_weight: float = 1.0,
                 lg_weight: float = 1.0,
                 clamp_lg: bool = True,
                 gather_distributed: bool = True) -> None:
        super().__init__()
        self.estimator = MODELS.build(estimator)
        self.level_keys = tuple(level_keys)
        self.grl_coeff = grl_coeff
        self.adv_weight = adv_weight
        self.lg_weight = lg_weight
        self.clamp_lg = clamp_lg
        self.gather_distributed = gather_distributed

    @float32_island
    def forward(self, batch: LocalGlobalBatch) -> Dict[str, Tensor]:
        B, K = batch.batch_size, batch.num_clips
        x = batch.clip_vecs.flatten(0, 1)  # (B K, C), row = b K + k
        y = batch.video_vecs
        levels = batch.levels(self.level_keys)
        if self.gather_distributed:
            y_all = gather_with_grad(y)
            levels_all = gather_no_grad(levels)
            offset = global_row_offset(B, y.device)
        else:
            y_all, levels_all, offset = y, levels, 0
        owner = torch.arange(B, device=y.device).repeat_interleave(K)
        cols = torch.arange(y_all.shape[0], device=y.device)
        same_video = cols[None, :] == (owner + offset)[:, None]
        same_level = (levels[owner][:, None, :] ==
                      levels_all[None, :, :]).all(-1)
        joint = same_level & ~same_video
        other = ~same_video

        out = {}
        g = self.estimator.pairwise(
            grad_reverse(x, self.grl_coeff),
            grad_reverse(y_all, self.grl_coeff))
        num_joint = joint.sum()
        if num_joint > 0 and other.any():
            mi_levels = donsker_varadhan(g, g, joint, other)
            out['loss_adv'] = -self.adv_weight * mi_levels
        else:  # no two videos share a level in this batch
            mi_levels = g.sum() * 0.
            out['loss_adv'] = mi_levels
        g_lg = self.estimator.pairwise(x, y_all, frozen=True)
        mi_lg = donsker_varadhan(g_lg, g_lg, same_video, None)
        lg = mi_lg.clamp(min=0) if self.clamp_lg else mi_lg
        out['loss_lg'] = self.lg_weight * lg
        out['levels'] = mi_levels.detach()
        out['local_global'] = mi_lg.detach()
        out['joint_pairs'] = num_joint.to(g.dtype) / max(K, 1)
        return out


def _sample_orders(num_clips: int, num_orders: Optional[int],
                   device) -> Tensor:
    """The orders scored for the marginal: all ``K!`` (identity included)
    when ``num_orders`` is None, else the identity plus ``num_orders - 1``
    uniformly drawn ones."""
    perms = permutations(num_clips)
    if num_orders is not None and num_orders < len(perms):
        pick = torch.randint(0, len(perms), (max(num_orders - 1, 0), ))
        perms = torch.cat([perms[:1], perms[pick]])
    return perms.to(device)


@MODELS.register_module()
class TemporalDependencyLoss(nn.Module):
    """L_td (Eq. 7): maximise the Donsker-Varadhan bound between the
    correctly ordered clip features ``[f(v_1), ..., f(v_K)]`` and the global
    feature ``f'(v)`` (joint) against arbitrarily ordered clips with the
    same ``f'(v)`` (marginal); head and encoder both ascend it (the loss is
    ``-I_DV``).

    The marginal scores every video under ``num_orders`` orders drawn
    uniformly from all ``K!`` permutations, the identity included, so it is
    the product of the order distribution and ``f'(v)``; with all ``K!``
    orders (``num_orders=None``, default for ``K <= 5``) the bound is at
    most ``log K!``.

    Args:
        head (dict): ``MLPOrderHead``, ``GRUOrderHead`` (the paper's
            default) or ``GRUMLPOrderHead``.
        num_orders (int, optional): orders per video in the marginal
            (identity + ``num_orders - 1`` random ones). Defaults to None
            (all ``K!``).
        loss_weight (float): Defaults to 1.0.
    """

    requires_correspondence = False

    def __init__(self,
                 head: dict,
                 num_orders: Optional[int] = None,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.head = MODELS.build(head)
        self.num_orders = num_orders
        self.loss_weight = loss_weight

    @float32_island
    def forward(self, batch: LocalGlobalBatch) -> Dict[str, Tensor]:
        clips, video = batch.clip_vecs, batch.video_vecs
        B, K, C = clips.shape
        if self.num_orders is None and K > 5:
            raise ValueError('TemporalDependencyLoss: set num_orders for '
                             f'K = {K} clips (K! = {math.factorial(K)})')
        orders = _sample_orders(K, self.num_orders, clips.device)
        P = len(orders)
        shuffled = clips[:, orders]  # (B, P, K, C)
        scores = self.head(
            shuffled.flatten(0, 1),
            video[:, None].expand(B, P, C).flatten(0, 1)).view(B, P)
        mi = donsker_varadhan(scores[:, 0], scores)
        with torch.no_grad():
            acc = (scores.argmax(1) == 0).float().mean()
        return dict(loss=-self.loss_weight * mi, mi=mi.detach(), acc=acc)


@MODELS.register_module()
class ClipOrderLoss(nn.Module):
    """VCOP's clip order prediction (the Table 6 baseline): the clips of
    each video are presented in a uniformly drawn order and ``VCOPHead``
    classifies it among the ``K!`` orders (cross-entropy); the global video
    is not used.

    Args:
        head (dict): ``VCOPHead`` config.
        loss_weight (float): Defaults to 1.0.
    """

    requires_correspondence = False

    def __init__(self, head: dict, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.head = MODELS.build(head)
        self.loss_weight = loss_weight

    @float32_island
    def forward(self, batch: LocalGlobalBatch) -> Dict[str, Tensor]:
        clips = batch.clip_vecs
        B = clips.shape[0]
        orders = self.head.orders
        label = torch.randint(0, len(orders), (B, ), device=clips.device)
        presented = clips[torch.arange(B, device=clips.device)[:, None],
                          orders[label]]
        logits = self.head(presented)
        loss = F.cross_entropy(logits, label)
        with torch.no_grad():
            acc = (logits.argmax(1) == label).float().mean()
        return dict(loss=self.loss_weight * loss, acc=acc)


@MODELS.register_module()
class LocalGlobalNCELoss(nn.Module):
    """L_nce of Table 7, "the standard contrastive loss of previous works":
    instance InfoNCE between each pooled local clip and the pooled global
    video of the same video (other videos are negatives), averaged over the
    ``K`` clips. Reuses :class:`InfoNCELoss` (NT-Xent).

    Args:
        temperature (float): Defaults to 0.1.
        projector (dict, optional): projection of the pooled features (e.g.
            ``MLPProjectionNeck``); None: contrast the pooled backbone
            features (default, as ``L_rc``).
        intra_view_negatives (bool): see ``InfoNCELoss``. Defaults to True.
        gather_distributed (bool): Defaults to True.
        loss_weight (float): Defaults to 1.0.
    """

    requires_correspondence = False

    def __init__(self,
                 temperature: float = 0.1,
                 projector: Optional[dict] = None,
                 intra_view_negatives: bool = True,
                 gather_distributed: bool = True,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.projector = MODELS.build(projector) if projector else None
        self.nce = MODELS.build(
            dict(
                type='InfoNCELoss',
                temperature=temperature,
                intra_view_negatives=intra_view_negatives,
                gather_distributed=gather_distributed,
                loss_weight=loss_weight))

    @float32_island
    def forward(self, batch: LocalGlobalBatch) -> Dict[str, Tensor]:
        clips, video = batch.clip_vecs, batch.video_vecs
        B, K, C = clips.shape
        if self.projector is not None:
            z = self.projector(torch.cat([clips.flatten(0, 1), video]))
            clips, video = z[:B * K].view(B, K, -1), z[B * K:]
        losses, accs = [], []
        for k in range(K):  # K (= 4) calls, each batched over videos
            out = self.nce(clips[:, k], video)
            losses.append(out['loss'])
            accs.append(out['acc'])
        return dict(loss=torch.stack(losses).mean(),
                    acc=torch.stack(accs).mean())
