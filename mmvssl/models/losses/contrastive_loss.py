"""Registered wrappers of the contrastive loss functions."""
from typing import Dict, Optional

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmvssl.models.utils.precision import float32_island
from mmvssl.registry import MODELS
from .contrastive import argmax_positive, nt_xent, region_info_nce


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
