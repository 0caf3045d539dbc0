"""Losses of the non-contrastive and queue-based frameworks (pure functions).

``pred`` / ``target`` / ``query`` / ``key`` are raw embeddings; the
functions L2-normalise them. The targets of BYOL / SimSiam and the keys of
MoCo are detached here (stop-gradient), so callers cannot forget it.
"""
from typing import Dict

import torch
import torch.nn.functional as F
from torch import Tensor

from mmvssl.models.utils.precision import float32_island


@float32_island
def normalized_mse(pred: Tensor, target: Tensor) -> Tensor:
    """BYOL's regression loss: mean over the batch of
    ``|| p / |p| - sg(z) / |z| ||^2 = 2 - 2 cos(p, z)``."""
    p = F.normalize(pred, dim=-1)
    z = F.normalize(target.detach(), dim=-1)
    return (2. - 2. * (p * z).sum(dim=-1)).mean()


@float32_island
def negative_cosine(pred: Tensor, target: Tensor) -> Tensor:
    """SimSiam's ``D(p, z) = -cos(p, sg(z))``, averaged over the batch."""
    p = F.normalize(pred, dim=-1)
    z = F.normalize(target.detach(), dim=-1)
    return -(p * z).sum(dim=-1).mean()


@float32_island
def queue_info_nce(query: Tensor, key: Tensor, queue: Tensor,
                   temperature: float) -> Dict[str, Tensor]:
    """MoCo's InfoNCE: the positive of ``query[i]`` is ``key[i]``, the
    negatives are the ``K`` columns of ``queue`` ``(D, K)`` (already
    normalised keys of earlier batches). Logits
    ``[q . k+, q . queue] / temperature``, cross-entropy with class 0.

    Returns:
        dict: ``loss`` (batch mean) and ``acc`` (top-1: the positive beats
        every negative).
    """
    q = F.normalize(query, dim=-1)
    k = F.normalize(key.detach(), dim=-1)
    pos = (q * k).sum(dim=-1, keepdim=True)
    # a copy: the caller updates its queue in place before the backward
    neg = q @ queue.detach().clone().to(q.dtype)
    logits = torch.cat([pos, neg], dim=1) / temperature
    labels = torch.zeros(q.shape[0], dtype=torch.long, device=q.device)
    loss = F.cross_entropy(logits, labels)
    with torch.no_grad():
        acc = (logits.argmax(dim=1) == 0).float().mean()
    return dict(loss=loss, acc=acc)


@float32_island
def masked_cross_entropy(logits: Tensor, labels: Tensor,
                         ignore_index: int = -1) -> Dict[str, Tensor]:
    """Cross-entropy averaged over the samples whose label is not
    ``ignore_index`` (0, with a graph, when there is none), and their
    top-1 accuracy (0 when there is none)."""
    labels = labels.to(device=logits.device, dtype=torch.long)
    valid = labels != ignore_index
    count = valid.sum()
    if int(count) == 0:
        zero = logits.sum() * 0.
        return dict(loss=zero, acc=zero.detach(), count=count)
    loss = F.cross_entropy(
        logits, labels, ignore_index=ignore_index, reduction='sum') / count
    with torch.no_grad():
        acc = (logits.argmax(dim=1)[valid] == labels[valid]).float().mean()
    return dict(loss=loss, acc=acc, count=count)
