"""A backbone-only model whose ``predict`` returns video features."""
from typing import Dict, List, Optional

import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import Tensor

from mmvssl.apis.features import pool_features
from mmvssl.registry import MODELS


@MODELS.register_module()
class VideoFeatureExtractor(BaseModel):
    """Video-level features for retrieval and kNN evaluation.

    Every clip (and crop) of a video goes through the backbone; its output
    is globally average pooled and L2-normalised, the clip features of a
    video are averaged and L2-normalised again (the retrieval protocol of
    VCOP / CoCLR / CSTP: ten uniformly sampled clips, averaged).
    ``predict`` stores the ``(C,)`` feature in ``data_sample.feats``.

    Inputs are mmaction2's: ``ActionDataPreprocessor`` with
    ``format_shape='NCTHW'`` gives ``(B, N, C, T, H, W)``, ``N`` =
    clips x crops (a 5-D ``(B, C, T, H, W)`` is one clip per video). A
    backbone returning a dict (``ResNet3dY(out_branch=None)``) contributes
    its ``'global'`` entry, a tuple its first entry.

    Args:
        backbone (dict): backbone config, e.g. ``dict(type='ResNet3dY',
            out_branch='global')``.
        neck (dict, optional): applied to the backbone output before pooling.
        data_preprocessor (dict, optional): defaults to mmaction2's
            ``ActionDataPreprocessor`` (``NCTHW``, no normalisation).
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self,
                 backbone: Dict,
                 neck: Optional[Dict] = None,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(
                type='ActionDataPreprocessor', format_shape='NCTHW')
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck) if neck is not None else None

    def extract_feat(self, inputs: Tensor) -> Tensor:
        """``(B, N, C, T, H, W)`` or ``(B, C, T, H, W)`` -> ``(B, C')``
        L2-normalised video features."""
        if inputs.dim() == 6:
            batch = inputs.shape[0]
            inputs = inputs.flatten(0, 1)
        elif inputs.dim() == 5:
            batch = inputs.shape[0]
        else:
            raise ValueError('VideoFeatureExtractor expects (B, N, C, T, H, '
                             f'W) or (B, C, T, H, W), got {inputs.shape}')
        feat = self.backbone(inputs)
        if self.neck is not None:
            feat = self.neck(feat)
        return F.normalize(pool_features(feat, batch), dim=1)

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[List] = None,
                mode: str = 'tensor'):
        if mode == 'tensor':
            return self.extract_feat(inputs)
        if mode == 'predict':
            feats = self.extract_feat(inputs)
            if data_samples is None:
                return feats
            for ds, f in zip(data_samples, feats):
                ds.set_field(f, 'feats', field_type='data')
            return data_samples
        if mode == 'loss':
            raise RuntimeError('VideoFeatureExtractor is an evaluation model '
                               'and has no loss')
        raise ValueError(f"mode must be 'tensor' or 'predict', got {mode!r}")
