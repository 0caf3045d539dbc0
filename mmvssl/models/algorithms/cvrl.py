"""CVRL: video-level contrastive learning (the ConST-CL baseline)."""
from typing import Dict, List, Optional, Sequence

import torch
from torch import Tensor

from mmvssl.registry import MODELS
from .base import BaseSSLAlgorithm


@MODELS.register_module()
class CVRL(BaseSSLAlgorithm):
    """CVRL (Qian et al., CVPR 2021): InfoNCE between two clips of a video.

    Backbone -> global average pool -> MLP projection (``neck``) ->
    L2-normalised -> ``loss_global``. The backbone is a plain R3D, e.g.
    ``dict(type='ResNet3dY', loss_endpoints='C5', out_branch='global')``
    (Table 6 without the duplicated res5) or any mmaction2 3D backbone; a
    backbone returning ``dict(global=...)`` also works.

    Args:
        backbone (dict): backbone config.
        neck (dict): projection, e.g. ``MLPProjectionNeck``.
        loss_global (dict): defaults to ``InfoNCELoss(temperature=0.1)``.
        view_indices (tuple[int, int]): which two views of ``inputs``.
        data_preprocessor, init_cfg: see :class:`BaseSSLAlgorithm`.
    """

    def __init__(self,
                 backbone: Dict,
                 neck: Dict,
                 loss_global: Dict = dict(type='InfoNCELoss',
                                          temperature=0.1),
                 view_indices: Sequence[int] = (0, 1),
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(backbone, neck, None, data_preprocessor, init_cfg)
        self.loss_global = MODELS.build(loss_global)
        self.view_indices = tuple(view_indices)

    def loss(self, inputs: Sequence[Tensor],
             data_samples: Optional[List] = None) -> Dict[str, Tensor]:
        views = self._as_views(inputs)
        ia, ib = self.view_indices
        if len(views) <= max(ia, ib):
            raise ValueError(f'CVRL needs views {self.view_indices}, got '
                             f'{len(views)} view(s)')
        fa, fb = self.extract_feat([views[ia], views[ib]])
        z = self.neck(
            torch.cat([self.global_feature(fa),
                       self.global_feature(fb)]))
        za, zb = z.chunk(2)
        out = self.loss_global(za, zb)
        return dict(loss_global=out['loss'], acc_global=out['acc'])
