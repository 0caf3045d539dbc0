"""Non-contrastive losses (pure functions): BYOL's and SimSiam's
regressions, the masked cross-entropy of the pretext classifiers. (MoCo's
queue InfoNCE lives with the other InfoNCE variants in :mod:`.contrastive`.)

``pred`` / ``target`` are raw embeddings; the functions L2-normalise them.
The targets of BYOL / SimSiam are detached here (stop-gradient), so callers
cannot forget it.
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
