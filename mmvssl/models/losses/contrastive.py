"""The one home of InfoNCE: every contrastive loss of mmvssl, as small pure
functions named by what they compute (solo-learn style), and the two
parameter-free registered modules built on them.

* :func:`info_nce`: per-anchor ``-log softmax(q . k / tau)[pos]`` (the
  building block);
* :func:`nt_xent`: symmetric two-view InfoNCE with in-batch negatives
  (SimCLR / CVRL / ConST-CL global; :class:`InfoNCELoss`);
* :func:`queue_info_nce`: InfoNCE against a queue of negative keys (MoCo);
* :func:`argmax_positive` + :func:`region_info_nce`: region InfoNCE whose
  negatives are the regions of the other videos (ConST-CL local;
  :class:`RegionInfoNCELoss`);
* :func:`soft_info_nce`: InfoNCE with soft (correspondence) targets
  (controllable augmentations' region contrast).

Except :func:`queue_info_nce` (which normalises its inputs and detaches the
keys), the functions take embeddings that are already L2-normalised (the
registered modules normalise them). "Gathered" means the rows of every
process are concatenated with :func:`gather_with_grad`, so the negatives
come from the whole global batch and their gradients reach the process that
produced them.
"""
from typing import Dict, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmvssl.models.utils.precision import float32_island
from mmvssl.ops import (gather_no_grad, gather_with_grad, global_row_offset,
                        masked_mean_over_processes)
from mmvssl.registry import MODELS

__all__ = [
    'info_nce', 'nt_xent', 'queue_info_nce', 'argmax_positive',
    'region_info_nce', 'soft_info_nce', 'InfoNCELoss', 'RegionInfoNCELoss'
]


@float32_island
def info_nce(query: Tensor,
             keys: Tensor,
             pos_index: Tensor,
             temperature: float,
             exclude: Optional[Tensor] = None) -> Tensor:
    """Per-anchor InfoNCE: ``-log softmax(q . k / tau)[pos]``.

    Args:
        query (Tensor): ``(N, D)`` anchors.
        keys (Tensor): ``(M, D)`` candidates (the positive and negatives).
        pos_index (Tensor): ``(N,)`` index of each anchor's positive in keys.
        temperature (float): tau.
        exclude (Tensor, optional): ``(N, M)`` bool, True = not a candidate
            for that anchor (e.g. the anchor itself). The positive must not
            be excluded.

    Returns:
        Tensor: ``(N,)`` losses.
    """
    logits = query @ keys.t() / temperature
    if exclude is not None:
        logits = logits.masked_fill(exclude, float('-inf'))
    return F.cross_entropy(logits, pos_index, reduction='none')


def _one_direction(z_a: Tensor, all_a: Tensor, all_b: Tensor, offset: int,
                   temperature: float, intra_view_negatives: bool):
    """Anchors ``z_a`` (local rows ``offset..``) against gathered views."""
    n = z_a.shape[0]
    labels = torch.arange(n, device=z_a.device) + offset
    keys = all_b
    exclude = None
    if intra_view_negatives:
        keys = torch.cat([all_b, all_a], dim=0)
        exclude = torch.zeros(n, keys.shape[0], dtype=torch.bool,
                              device=z_a.device)
        exclude[torch.arange(n), labels + all_b.shape[0]] = True  # self
    losses = info_nce(z_a, keys, labels, temperature, exclude)
    with torch.no_grad():
        logits = z_a @ keys.t()
        if exclude is not None:
            logits = logits.masked_fill(exclude, float('-inf'))
        acc = (logits.argmax(dim=1) == labels).float().mean()
    return losses.mean(), acc


@float32_island
def nt_xent(z1: Tensor,
            z2: Tensor,
            temperature: float = 0.1,
            intra_view_negatives: bool = True,
            gather: bool = True) -> Dict[str, Tensor]:
    """Symmetric InfoNCE between two views of the same videos (CVRL's loss).

    For anchor ``z1[i]`` the positive is ``z2[i]``; negatives are ``z2[k]``
    of every other video ``k`` of the global batch and, when
    ``intra_view_negatives`` (SimCLR / CVRL's NT-Xent), also ``z1[k]``.
    ``loss = L(1->2) + L(2->1)``, each averaged over this process's anchors
    (the two directions are summed, as in the official SimCLR / CVRL /
    ConST-CL code; the mean over processes of this loss is the loss of the
    concatenated batch).

    Args:
        z1, z2 (Tensor): ``(B, D)`` L2-normalised embeddings, row ``i`` of
            both from the same video.
        temperature (float): tau. Defaults to 0.1.
        intra_view_negatives (bool): add same-view negatives.
        gather (bool): gather negatives across processes.

    Returns:
        dict: ``loss`` and ``acc`` (top-1 of the positive among candidates,
        direction 1->2).
    """
    if z1.shape != z2.shape or z1.dim() != 2:
        raise ValueError('nt_xent: z1 and z2 must both be (B, D), got '
                         f'{tuple(z1.shape)} and {tuple(z2.shape)}')
    if gather:
        all1, all2 = gather_with_grad(z1), gather_with_grad(z2)
        offset = global_row_offset(z1.shape[0], z1.device)
    else:
        all1, all2, offset = z1, z2, 0
    loss_a, acc_a = _one_direction(z1, all1, all2, offset, temperature,
                                   intra_view_negatives)
    loss_b, _ = _one_direction(z2, all2, all1, offset, temperature,
                               intra_view_negatives)
    return dict(loss=loss_a + loss_b, acc=acc_a)


@float32_island
def queue_info_nce(query: Tensor, key: Tensor, queue: Optional[Tensor],
                   temperature: float,
                   batch_negatives: bool = False) -> Dict[str, Tensor]:
    """MoCo's InfoNCE: the positive of ``query[i]`` is ``key[i]``, the
    negatives are the ``K`` columns of ``queue`` ``(D, K)`` (already
    normalised keys of earlier batches). Logits
    ``[q . k+, q . queue] / temperature``, cross-entropy with the positive.

    With ``batch_negatives`` the keys of the current batch (gathered from
    all processes, without gradient) are candidates too: query ``i``'s
    positive is its own key, every other video's key of this step is a
    negative, as in MoCo v3; ``queue`` may then be None (no queue).

    Returns:
        dict: ``loss`` (batch mean) and ``acc`` (top-1: the positive beats
        every negative).
    """
    q = F.normalize(query, dim=-1)
    k = F.normalize(key.detach(), dim=-1)
    if batch_negatives:
        all_k = gather_no_grad(k)
        offset = global_row_offset(k.shape[0], device=k.device)
        logits = [q @ all_k.t()]
        labels = torch.arange(q.shape[0], device=q.device) + offset
    else:
        logits = [(q * k).sum(dim=-1, keepdim=True)]
        labels = torch.zeros(q.shape[0], dtype=torch.long, device=q.device)
    if queue is not None:
        # a copy: the caller updates its queue in place before the backward
        logits.append(q @ queue.detach().clone().to(q.dtype))
    elif not batch_negatives:
        raise ValueError('queue_info_nce needs a queue or batch_negatives')
    logits = torch.cat(logits, dim=1) / temperature
    loss = F.cross_entropy(logits, labels)
    with torch.no_grad():
        acc = (logits.argmax(dim=1) == labels).float().mean()
    return dict(loss=loss, acc=acc)


def argmax_positive(src: Tensor, tgt: Tensor,
                    tgt_valid: Optional[Tensor] = None) -> Tensor:
    """Eq. (6): the positive of source region ``i`` is the target region
    ``j`` of the same video most similar to it, ``argmax_j h_i . h'_j``.

    Args:
        src (Tensor): ``(B, N, C)`` source-view region features.
        tgt (Tensor): ``(B, M, C)`` target-view region features.
        tgt_valid (Tensor, optional): ``(B, M)`` bool; invalid (padded)
            targets are never chosen.

    Returns:
        Tensor: ``(B, N)`` int64 indices into ``M`` (0 where a video has
        no valid target; such anchors must be masked by the caller).
    """
    with torch.no_grad():
        sim = torch.einsum('bnc,bmc->bnm', src, tgt)
        if tgt_valid is not None:
            sim = sim.masked_fill(~tgt_valid[:, None, :].bool(),
                                  float('-inf'))
        return sim.argmax(dim=2)


@float32_island
def region_info_nce(pred: Tensor,
                    target: Tensor,
                    pos_index: Tensor,
                    temperature: float = 0.2,
                    src_valid: Optional[Tensor] = None,
                    tgt_valid: Optional[Tensor] = None,
                    gather: bool = True) -> Dict[str, Tensor]:
    """Region InfoNCE (Eq. 2 / 6), one direction.

    For anchor ``pred[b, i]`` the positive is ``target[b, pos_index[b, i]]``
    and the negatives are all (valid) target regions of the OTHER videos of
    the global batch; the other regions of the same video are not used.
    The loss is averaged over valid anchors of the global batch (each
    process divides its sum by the global count / world size, so the mean
    over processes is the loss of the concatenated batch even when the
    number of valid boxes differs between processes).

    Args:
        pred (Tensor): ``(B, N, D)`` predicted (reconstructed) embeddings.
        target (Tensor): ``(B, M, D)`` target-view region embeddings.
        pos_index (Tensor): ``(B, N)`` positive index into ``M``.
        temperature (float): tau. Defaults to 0.2.
        src_valid (Tensor, optional): ``(B, N)`` bool, valid anchors.
        tgt_valid (Tensor, optional): ``(B, M)`` bool, valid targets.
        gather (bool): gather negatives across processes.

    Returns:
        dict: ``loss``, ``acc`` (fraction of valid anchors whose positive
        beats every negative), ``num_anchors`` (global count).
    """
    B, N, _ = pred.shape
    M = target.shape[1]
    if src_valid is None:
        src_valid = pred.new_ones(B, N, dtype=torch.bool)
    if tgt_valid is None:
        tgt_valid = pred.new_ones(B, M, dtype=torch.bool)
    src_valid, tgt_valid = src_valid.bool(), tgt_valid.bool()
    anchors = src_valid & tgt_valid.any(dim=1, keepdim=True)

    pos_feat = torch.gather(
        target, 1, pos_index[..., None].expand(-1, -1, target.shape[2]))
    pos = (pred * pos_feat).sum(-1) / temperature  # (B, N)

    if gather:
        all_tgt = gather_with_grad(target)
        all_valid = gather_no_grad(tgt_valid.to(torch.uint8)).bool()
        offset = global_row_offset(B, pred.device)
    else:
        all_tgt, all_valid, offset = target, tgt_valid, 0
    neg = torch.einsum('bnd,kmd->bnkm', pred, all_tgt) / temperature
    same_video = torch.zeros(B, all_tgt.shape[0], dtype=torch.bool,
                             device=pred.device)
    same_video[torch.arange(B), torch.arange(B) + offset] = True
    exclude = same_video[:, :, None] | ~all_valid[None, :, :]  # (B, K, M)
    neg = neg.masked_fill(exclude[:, None], float('-inf')).flatten(2)

    logits = torch.cat([pos[..., None], neg], dim=2)
    losses = torch.logsumexp(logits, dim=2) - pos  # (B, N)
    loss, count, total = masked_mean_over_processes(losses, anchors, gather)
    with torch.no_grad():
        beat = pos > neg.max(dim=2).values
        acc = (beat & anchors).sum().to(pred.dtype) / count.clamp(min=1)
    return dict(loss=loss, acc=acc, num_anchors=total)


@float32_island
def soft_info_nce(query: Tensor,
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
        raise ValueError(f'soft_info_nce: target must be {(B, Q, nv)}'
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


# ------------------------------------------------- registered modules
@MODELS.register_module()
class InfoNCELoss(nn.Module):
    """Global (video-level) InfoNCE / NT-Xent of CVRL and ConST-CL.

    Args:
        temperature (float): tau. Defaults to 0.1.
        intra_view_negatives (bool): also use the other videos' embeddings
            of the anchor's own view as negatives (SimCLR / CVRL NT-Xent).
            Defaults to True.
        gather_distributed (bool): negatives from the whole global batch
            (gathered across processes with gradient). Defaults to True.
        loss_weight (float): multiplies the loss. Defaults to 1.0.

    ``forward(z1, z2)`` with ``(B, D)`` embeddings of two views (L2-normalised
    here) returns ``dict(loss=weighted loss, acc=top-1 accuracy)``.
    """

    def __init__(self,
                 temperature: float = 0.1,
                 intra_view_negatives: bool = True,
                 gather_distributed: bool = True,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.temperature = temperature
        self.intra_view_negatives = intra_view_negatives
        self.gather_distributed = gather_distributed
        self.loss_weight = loss_weight

    @float32_island
    def forward(self, z1: Tensor, z2: Tensor) -> Dict[str, Tensor]:
        out = nt_xent(
            F.normalize(z1, dim=-1),
            F.normalize(z2, dim=-1),
            temperature=self.temperature,
            intra_view_negatives=self.intra_view_negatives,
            gather=self.gather_distributed)
        out['loss'] = out['loss'] * self.loss_weight
        return out


@MODELS.register_module()
class RegionInfoNCELoss(nn.Module):
    """Symmetric region InfoNCE of ConST-CL (Eq. 6; Eq. 2 when the targets
    are MLP projections).

    The positive of source region ``i`` is ``argmax_j`` of the similarity
    of the native (backbone) region features ``h_i . h'_j`` (no gradient
    through the choice; invalid regions never chosen); the logits compare
    the head's prediction ``z_i`` with target embeddings; negatives are the
    valid target regions of the other videos of the global batch.

    Args:
        temperature (float): tau. Defaults to 0.2.
        loss_weight (float): omega. Defaults to 0.001.
        gather_distributed (bool): negatives from all processes.

    ``forward(pred_ab, pred_ba, native_a, native_b, target_a, target_b,
    valid_a, valid_b)``: ``pred_ab`` (B, N, D) are view a's regions
    reconstructed in view b's context (compared with ``target_b``),
    ``pred_ba`` the converse; ``native_*`` (B, N, C) the backbone region
    features used for the argmax; ``target_*`` (B, N, D) the embeddings
    compared with the predictions (``native_*`` for ConST-CL). Returns
    ``dict(loss=omega * (L_ab + L_ba) / 2, acc=..., num_anchors=...)``
    (``num_anchors``: valid source regions in the global batch, averaged
    over the two directions; 0 means no boxes on the sampled frames).
    """

    def __init__(self,
                 temperature: float = 0.2,
                 loss_weight: float = 0.001,
                 gather_distributed: bool = True) -> None:
        super().__init__()
        self.temperature = temperature
        self.loss_weight = loss_weight
        self.gather_distributed = gather_distributed

    @float32_island
    def forward(self,
                pred_ab: Tensor,
                pred_ba: Tensor,
                native_a: Tensor,
                native_b: Tensor,
                target_a: Tensor,
                target_b: Tensor,
                valid_a: Optional[Tensor] = None,
                valid_b: Optional[Tensor] = None) -> Dict[str, Tensor]:
        native_a = F.normalize(native_a, dim=-1)
        native_b = F.normalize(native_b, dim=-1)
        pos_ab = argmax_positive(native_a, native_b, valid_b)
        pos_ba = argmax_positive(native_b, native_a, valid_a)
        kw = dict(temperature=self.temperature,
                  gather=self.gather_distributed)
        ab = region_info_nce(
            F.normalize(pred_ab, dim=-1), F.normalize(target_b, dim=-1),
            pos_ab, src_valid=valid_a, tgt_valid=valid_b, **kw)
        ba = region_info_nce(
            F.normalize(pred_ba, dim=-1), F.normalize(target_a, dim=-1),
            pos_ba, src_valid=valid_b, tgt_valid=valid_a, **kw)
        return dict(
            loss=self.loss_weight * 0.5 * (ab['loss'] + ba['loss']),
            acc=0.5 * (ab['acc'] + ba['acc']),
            num_anchors=0.5 * (ab['num_anchors'] + ba['num_anchors']))
