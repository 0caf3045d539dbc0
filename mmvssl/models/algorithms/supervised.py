"""Supervised reference: the same backbone trained on action labels."""
from typing import Dict, List, Optional, Sequence

from torch import Tensor

from mmvssl.registry import MODELS
from .base import BaseSSLAlgorithm


@MODELS.register_module()
class SupervisedBaseline(BaseSSLAlgorithm):
    """A backbone trained with labels, as the papers' supervised rows.

    Backbone -> ``head`` (any mmaction2 classification head, e.g.
    ``I3DHead``: pooling, dropout, linear layer, cross-entropy on
    ``data_sample.gt_label``). It reads the same multi-view batches as the
    self-supervised algorithms (one view is enough), so the same data
    pipeline, feature monitors and evaluation apply to it; it tells how
    much a probe on a benchmark can reach at all.

    Args:
        backbone (dict): backbone config.
        head (dict): classification head config (``head.loss(feats,
            data_samples)`` returns a dict of losses, as mmaction2's).
        view_indices (Sequence[int]): views trained on (each a separate
            sample of the same label). Defaults to ``(0, )``.
        data_preprocessor, init_cfg: see :class:`BaseSSLAlgorithm`.
    """

    def __init__(self,
                 backbone: Dict,
                 head: Dict,
                 view_indices: Sequence[int] = (0, ),
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(backbone, None, head, data_preprocessor, init_cfg)
        self.view_indices = tuple(view_indices)

    def loss(self, inputs: Sequence[Tensor],
             data_samples: Optional[List] = None) -> Dict[str, Tensor]:
        views = self._as_views(inputs)
        if len(views) <= max(self.view_indices):
            raise ValueError(f'SupervisedBaseline needs views '
                             f'{self.view_indices}, got {len(views)}')
        if not data_samples:
            raise ValueError('SupervisedBaseline needs data samples with '
                             'gt_label')
        feats = self.extract_feat([views[i] for i in self.view_indices])
        losses = {}
        for k, feat in enumerate(feats):
            out = self.head.loss(self.global_feature(feat), data_samples)
            for key, value in out.items():
                name = key if len(feats) == 1 else f'{key}_v{k}'
                losses[name] = value
        return losses
