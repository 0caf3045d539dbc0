"""Controllable augmentations (Qian et al., ECCV 2022)."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from torch import Tensor

from mmvssl.ops import tube_correspondence
from mmvssl.registry import MODELS
from mmvssl.structures.views import (LocalGlobalBatch, records_by_view,
                                     view_names)
from .base import BaseSSLAlgorithm


@MODELS.register_module()
class CtrlAug(BaseSSLAlgorithm):
    """Local clips + global video with soft region contrast, low-level
    shortcut elimination and local-global temporal dependency.

    Per video the batch holds one global view (``global_view``, 16 frames
    spread over the whole video, weakly cropped) and ``K`` local clips (all
    other views, in config order = temporal order of their segments). The
    clips go through the backbone with its default strides (``f``), the
    global video with ``global_stride_mode`` (``f'``, e.g. the last three
    stages at temporal stride 1; same weights). A
    :class:`~mmvssl.structures.LocalGlobalBatch` with both feature maps
    and the views' geometry is passed to every configured objective head
    (``head.loss(batch, data_samples)``) and the losses are collected;
    ``S_k`` (:func:`tube_correspondence`, on the grids the backbone actually
    produced) is computed only when a head declares
    ``requires_correspondence``.

    The objectives are composed, not switched: ``objectives`` maps a name
    to an objective head config (``None`` removes it). The paper's full
    model::

        objectives=dict(
            rc=dict(type='SoftRegionContrastHead'),              # L_rc
            mi=dict(type='LowLevelMIHead',                        # L_mi
                    estimator=dict(type='MINEEstimator', in_channels=512)),
            td=dict(type='TemporalDependencyHead',                # L_td
                    head=dict(type='GRUOrderHead', in_channels=512)))

    Table 7 variants drop terms (``td=None``) or add
    ``nce=dict(type='LocalGlobalNCEHead')``. An objective's output key
    ``loss`` becomes ``loss_<name>`` (``loss_adv`` -> ``loss_<name>_adv``),
    any other key ``<name>_<key>``.

    Args:
        backbone (dict): e.g. ``StrideSwitchResNet3d``.
        objectives (dict): name -> objective head config or None.
        global_view (str): name of the global view. Defaults to
            ``'global'``; every other view is a local clip.
        global_stride_mode (str | tuple, optional): ``stride_mode`` passed
            to the backbone for the global view. Defaults to ``'dense'``
            (``StrideSwitchResNet3d``: all temporal strides 1); None: the
            clips' strides.
        data_preprocessor, init_cfg: see :class:`BaseSSLAlgorithm`.
    """

    def __init__(self,
                 backbone: Dict,
                 objectives: Dict[str, Optional[Dict]],
                 global_view: str = 'global',
                 global_stride_mode: Union[str, Sequence[int],
                                           None] = 'dense',
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(backbone, None, None, data_preprocessor, init_cfg)
        built = {
            str(k): MODELS.build(v)
            for k, v in dict(objectives).items() if v is not None
        }
        if not built:
            raise ValueError('CtrlAug: `objectives` enables no loss')
        self.objectives = nn.ModuleDict(built)
        self.global_view = global_view
        self.global_stride_mode = global_stride_mode

    @property
    def requires_correspondence(self) -> bool:
        return any(
            getattr(o, 'requires_correspondence', False)
            for o in self.objectives.values())

    def split_views(self, views: Sequence[Tensor],
                    data_samples: Sequence) -> Tuple[int, List[int],
                                                     List[str]]:
        """Index of the global view, indices of the clips, view names."""
        if not data_samples:
            raise ValueError('CtrlAug needs data samples with geometry')
        names = view_names(data_samples)
        if len(names) != len(views):
            raise ValueError(f'CtrlAug: {len(views)} input views but the '
                             f'data samples name {names}')
        if self.global_view not in names:
            raise KeyError(f'CtrlAug: no view named {self.global_view!r} '
                           f'among {names}')
        gi = names.index(self.global_view)
        return gi, [i for i in range(len(names)) if i != gi], names

    def encode_video(self, video: Tensor) -> Tensor:
        """``f'(v)``: the global video with ``global_stride_mode``."""
        if self.global_stride_mode is None:
            return self.backbone(video)
        return self.backbone(video, stride_mode=self.global_stride_mode)

    def encode_clips(self, clips: Sequence[Tensor]) -> Tensor:
        """``f(v_k)`` of ``K`` views ``(B, C, T, H, W)`` in one backbone
        call; returns ``(B, K, C', T_c, H', W')``."""
        K = len(clips)
        out = self.backbone(torch.cat(list(clips), dim=0))
        return out.view(K, -1, *out.shape[1:]).transpose(0, 1)

    def build_batch(self, inputs, data_samples) -> LocalGlobalBatch:
        """Features and geometry of a batch (``S_k`` when needed)."""
        views = self._as_views(inputs)
        gi, local, names = self.split_views(views, data_samples)
        if not local:
            raise ValueError('CtrlAug needs at least one local clip view')
        clip_maps = self.encode_clips([views[i] for i in local])
        video_maps = self.encode_video(views[gi])
        records = records_by_view(data_samples, names)
        batch = LocalGlobalBatch(
            clip_maps=clip_maps,
            video_maps=video_maps,
            clip_records=[[r[i] for i in local] for r in records],
            video_records=[r[gi] for r in records])
        if self.requires_correspondence:
            batch.correspondence = tube_correspondence(
                batch.clip_records, batch.video_records,
                tuple(clip_maps.shape[3:]), tuple(video_maps.shape[2:]),
                device=clip_maps.device, dtype=torch.float32)
        return batch

    def loss(self, inputs, data_samples=None) -> Dict[str, Tensor]:
        batch = self.build_batch(inputs, data_samples)
        losses = {}
        for name, head in self.objectives.items():
            self.collect_losses(losses, name, head.loss(batch, data_samples),
                                name_first=True)
        return losses

