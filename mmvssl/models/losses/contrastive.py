"""Contrastive losses as small pure functions (ConST-CL, CVRL).

All functions take embeddings that are already L2-normalised (the registered
modules in :mod:`.contrastive_loss` normalise them). "Gathered" means the
rows of every process are concatenated with :func:`gather_with_grad`, so the
negatives come from the whole global batch and their gradients reach the
process that produced them.
"""
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from torch import Tensor

from mmvssl.models.utils.precision import float32_island
from mmvssl.ops import (gather_no_grad, gather_with_grad, global_row_offset,
                        masked_mean_over_processes)


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
