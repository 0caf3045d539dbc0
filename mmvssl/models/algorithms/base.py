"""Common base class of mmvssl's self-supervised algorithms."""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import Tensor

from mmvssl.ops import pool_feature, select_feature
from mmvssl.registry import MODELS

Views = Union[Tensor, Sequence[Tensor]]


class BaseSSLAlgorithm(BaseModel):
    """Backbone (+ optional neck and head) trained by a pretext loss.

    Subclasses implement :meth:`loss`. ``forward(inputs, data_samples,
    mode)`` dispatches ``mode`` to :meth:`loss` (training: a dict of losses
    and logging values), :meth:`predict` (features stored in the data
    samples) or :meth:`_forward` (``'tensor'``: raw backbone outputs).

    Heads are called one way (``docs/architecture.md``): every head with a
    loss has ``head.loss(feats, data_samples, **kwargs) -> dict``
    (mmaction2's ``BaseHead.loss`` signature); the keys starting with
    ``loss`` are losses, the others logging values, and the algorithm names
    them with :meth:`collect_losses`.

    Args:
        backbone (dict): backbone config.
        neck (dict, optional): neck config.
        head (dict, optional): head config.
        data_preprocessor (dict, optional): e.g.
            ``dict(type='MultiViewDataPreprocessor', ...)``; ``inputs`` then
            arrive as a list of ``(B, C, T, H, W)`` views.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self,
                 backbone: Dict,
                 neck: Optional[Dict] = None,
                 head: Optional[Dict] = None,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        if neck is not None:
            self.neck = MODELS.build(neck)
        if head is not None:
            self.head = MODELS.build(head)

    @property
    def with_neck(self) -> bool:
        return getattr(self, 'neck', None) is not None

    @property
    def with_head(self) -> bool:
        return getattr(self, 'head', None) is not None

    def forward(self,
                inputs: Views,
                data_samples: Optional[List] = None,
                mode: str = 'tensor'):
        """Dispatch to ``loss`` / ``predict`` / ``tensor``."""
        modes = {
            'loss': self.loss,
            'predict': self.predict,
            'tensor': self._forward
        }
        if mode not in modes:
            raise ValueError(f'{self.__class__.__name__}.forward: mode='
                             f'{mode!r} is not one of {sorted(modes)}')
        return modes[mode](inputs, data_samples)

    @staticmethod
    def _as_views(inputs: Views) -> List[Tensor]:
        if isinstance(inputs, Tensor):
            return [inputs]
        return list(inputs)

    def extract_feat(self, inputs: Views):
        """Backbone outputs of each view (one tensor or dict per view).

        Views with equal shapes share one backbone call (so BatchNorm
        statistics cover all of them, as in the official implementations).
        """
        views = self._as_views(inputs)
        if len({tuple(v.shape[1:]) for v in views}) == 1 and len(views) > 1:
            out = self.backbone(torch.cat(views, dim=0))
            sizes = [v.shape[0] for v in views]
            if isinstance(out, dict):
                parts = {k: torch.split(o, sizes) for k, o in out.items()}
                return [{k: p[i] for k, p in parts.items()}
                        for i in range(len(views))]
            return list(torch.split(out, sizes))
        return [self.backbone(v) for v in views]

    @staticmethod
    def global_feature(feat) -> Tensor:
        """The video-level feature map of one backbone output
        (:func:`mmvssl.ops.select_feature`)."""
        return select_feature(feat)

    @staticmethod
    def collect_losses(losses: Dict,
                       name: str,
                       out: Dict,
                       weight: Optional[float] = None,
                       name_first: bool = False) -> Dict:
        """Add the output dict ``out`` of head ``name`` to ``losses``.

        ``loss`` becomes ``loss_<name>`` and ``loss_<x>`` becomes
        ``loss_<name>_<x>`` (multiplied by ``weight`` when given); any other
        key ``k`` becomes ``<k>_<name>`` (``<name>_<k>`` with
        ``name_first``, the controllable-augmentation logs).
        """
        for key, value in out.items():
            if key.startswith('loss'):
                losses[f'loss_{name}{key[4:]}'] = \
                    value if weight is None else weight * value
            else:
                losses[f'{name}_{key}' if name_first else f'{key}_{name}'] = \
                    value
        return losses

    def _forward(self, inputs: Views, data_samples=None):
        feats = self.extract_feat(inputs)
        return feats[0] if isinstance(inputs, Tensor) else feats

    def predict(self, inputs: Views, data_samples=None):
        """Store the L2-normalised, average-pooled global feature of the
        first view as ``data_sample.feats`` (for kNN / retrieval monitors).
        Returns the data samples (or the features if none are given)."""
        view = self._as_views(inputs)[0]
        feat = F.normalize(pool_feature(self.extract_feat(view)[0]), dim=1)
        if data_samples is None:
            return feat
        for ds, f in zip(data_samples, feat):
            ds.set_field(f, 'feats', field_type='data')
        return data_samples

    def loss(self, inputs: Views, data_samples=None) -> Dict[str, Tensor]:
        raise NotImplementedError(
            f'{self.__class__.__name__} does not implement loss()')
