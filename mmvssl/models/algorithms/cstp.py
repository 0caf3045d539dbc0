"""CSTP: contrastive spatio-temporal pretext learning (Zhang et al., AAAI
2022)."""
import copy
from typing import Dict, List, Optional, Sequence

import torch.nn as nn
from torch import Tensor

from mmvssl.ops import pool_feature
from mmvssl.registry import MODELS
from .base import BaseSSLAlgorithm

#: the paper's weights (appendix): lambda_ctr = 0.1, the pretexts 1.
CSTP_LOSS_WEIGHTS = dict(ctr=0.1, pcls=1., rcls=1., ocls=1.)


@MODELS.register_module()
class CSTP(BaseSSLAlgorithm):
    """A contrastive framework composed with any subset of pretext tasks.

    Both clips go through the online backbone once (one call, so BatchNorm
    sees both); their pooled features ``[y1, y2]`` are shared by the
    contrastive head (any :class:`~mmvssl.models.heads.ssl_heads.
    BaseContrastiveHead`: ``SimCLRHead``, ``MoCoHead``, ``BYOLHead``,
    ``SimSiamHead``) and by the pretext heads (``PlaybackRateHead``,
    ``RotationHead``, ``STORHead`` or any head with
    ``loss(feats, data_samples, view_indices=...)``). Both kinds are called
    as every head of mmvssl, ``head.loss(feats, data_samples, **kwargs)``
    (the contrastive head also gets ``views`` and ``backbone``, the source
    of its momentum target). Eq. 5::

        L = lambda_ctr L_ctr + lambda_pcls L_pcls + lambda_rcls L_rcls
            + lambda_ocls L_ocls

    ``pretext_heads`` maps a name to a head config; ``loss_weights`` maps
    ``'ctr'`` and the same names to the lambdas. A ``None`` entry (or no
    contrastive head) switches that term off, so the ablations of Tables
    1-5 are config overrides, e.g. ``model=dict(pretext_heads=dict(
    rcls=None))``.

    Returned dict: ``loss_<name>`` (weighted) and the heads' logging values
    as ``<value>_<name>`` (e.g. ``acc_ctr``, ``acc_spatial_ocls``).

    Args:
        backbone (dict): backbone config (any mmaction2 / mmvssl 3D
            backbone; its output is globally average pooled).
        contrastive_head (dict, optional): the framework.
        pretext_heads (dict[str, dict], optional): named pretext heads.
        loss_weights (dict[str, float], optional): lambdas; missing names
            default to 1. Defaults to the paper's
            ``dict(ctr=0.1, pcls=1, rcls=1, ocls=1)``.
        view_indices (tuple[int, int]): the two clips among the inputs.
            Defaults to ``(0, 1)``.
        data_preprocessor (dict, optional): e.g.
            ``MultiViewDataPreprocessor``.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self,
                 backbone: Dict,
                 contrastive_head: Optional[Dict] = None,
                 pretext_heads: Optional[Dict[str, Optional[Dict]]] = None,
                 loss_weights: Optional[Dict[str, float]] = None,
                 view_indices: Sequence[int] = (0, 1),
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(backbone, None, None, data_preprocessor, init_cfg)
        self.contrastive_head = None
        if contrastive_head is not None:
            self.contrastive_head = MODELS.build(contrastive_head)
            self.contrastive_head.build_target(self.backbone)
        self.pretext_heads = nn.ModuleDict()
        for name, cfg in (pretext_heads or {}).items():
            if cfg is not None:
                if name == 'ctr':
                    raise ValueError("'ctr' is reserved for the contrastive "
                                     'term; rename the pretext head')
                self.pretext_heads[name] = MODELS.build(cfg)
        if self.contrastive_head is None and not len(self.pretext_heads):
            raise ValueError(f'{type(self).__name__} needs a contrastive '
                             'head or at least one pretext head')
        weights = copy.deepcopy(
            CSTP_LOSS_WEIGHTS if loss_weights is None else loss_weights)
        self.loss_weights = {
            k: float(weights.get(k, 1.))
            for k in ['ctr'] + list(self.pretext_heads)
        }
        if len(view_indices) != 2:
            raise ValueError(f'view_indices must name two views, got '
                             f'{view_indices}')
        self.view_indices = tuple(int(i) for i in view_indices)

    def loss(self, inputs: Sequence[Tensor],
             data_samples: Optional[List] = None) -> Dict[str, Tensor]:
        views = self._as_views(inputs)
        if len(views) <= max(self.view_indices):
            raise ValueError(f'{type(self).__name__} needs views '
                             f'{self.view_indices}, got {len(views)} view(s)')
        views = [views[i] for i in self.view_indices]
        feats = [pool_feature(f) for f in self.extract_feat(views)]
        losses = {}
        if self.contrastive_head is not None:
            out = self.contrastive_head.loss(
                feats, data_samples, views=views, backbone=self.backbone)
            self.collect_losses(losses, 'ctr', out, self.loss_weights['ctr'])
        if len(self.pretext_heads) and data_samples is None:
            raise ValueError('the pretext heads need data_samples (labels)')
        for name, head in self.pretext_heads.items():
            out = head.loss(feats, data_samples,
                            view_indices=self.view_indices)
            self.collect_losses(losses, name, out, self.loss_weights[name])
        return losses


class ContrastiveBaseline(CSTP):
    """A plain contrastive framework: :class:`CSTP` with only the
    contrastive term, weight 1. Subclasses set :attr:`head_type`.

    Args:
        backbone (dict): backbone config.
        head (dict): the framework head config; ``type`` defaults to the
            subclass's framework.
        view_indices, data_preprocessor, init_cfg: as :class:`CSTP`.
    """

    head_type = None

    def __init__(self,
                 backbone: Dict,
                 head: Dict,
                 view_indices: Sequence[int] = (0, 1),
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        head = dict(head)
        head.setdefault('type', self.head_type)
        super().__init__(
            backbone,
            contrastive_head=head,
            pretext_heads=None,
            loss_weights=dict(ctr=1.),
            view_indices=view_indices,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
