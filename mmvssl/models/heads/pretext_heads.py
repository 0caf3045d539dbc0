"""CSTP's pretext classifiers: playback rate, rotation, STOR overlap rates.

Every head is a small classifier on pooled backbone features with a
cross-entropy loss whose labels come from the data samples' metainfo (the
geometry records and the ``pretext`` dict written by the data pipeline, see
``docs/data_contract.md``), read with :mod:`mmvssl.structures.views`.
Interface (the one head signature of mmvssl)::

    out = head.loss(feats, data_samples, view_indices=(0, 1))
    # feats: [f1, f2] pooled features (B, C) of the views whose geometry
    #        records are data_sample.geometry[view_indices[j]]
    # out: dict(loss=..., acc=..., <more logging values>)

Labels ``-1`` are ignored (e.g. a STOR label whose placement was
impossible); a batch without any valid label gives a zero loss.
"""
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.model import BaseModule
from torch import Tensor

from mmvssl.registry import MODELS
from mmvssl.structures.views import geometry_labels, pretext_labels
from ..losses.ssl_losses import masked_cross_entropy


def _classifier(in_channels: int, num_classes: int,
                hid_channels: Optional[int], norm_cfg: Optional[Dict]):
    """``Linear`` (no hidden layer) or FC-BN-ReLU-FC (``hid_channels``)."""
    return MODELS.build(
        dict(
            type='MLPProjectionNeck',
            in_channels=in_channels,
            hid_channels=hid_channels or in_channels,
            out_channels=num_classes,
            num_hidden_layers=1 if hid_channels else 0,
            norm_cfg=norm_cfg,
            with_avg_pool=True,
            normalize_inputs=False))


class _ViewClsHead(BaseModule):
    """A per-view classifier whose label is a key of each view's geometry
    record; the loss averages over the batch and, with
    ``view_reduction='mean'`` (default), over the views in ``views``
    (default: both clips), or sums the per-view losses with
    ``view_reduction='sum'`` (the released CSTP code:
    ``CE(clip 1) + CE(clip 2)``)."""

    #: geometry key of the label (subclasses)
    label_key: str = ''
    #: hint shown when the key is missing
    hint: str = ''

    def __init__(self,
                 in_channels: int,
                 num_classes: int = 4,
                 hid_channels: Optional[int] = None,
                 norm_cfg: Optional[Dict] = dict(type='BN1d'),
                 views: Sequence[int] = (0, 1),
                 view_reduction: str = 'mean',
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if view_reduction not in ('mean', 'sum'):
            raise ValueError(f'{type(self).__name__}: view_reduction must be '
                             f"'mean' or 'sum', got {view_reduction!r}")
        self.num_classes = int(num_classes)
        self.views = tuple(views)
        self.view_reduction = view_reduction
        self.classifier = _classifier(in_channels, num_classes, hid_channels,
                                      norm_cfg)

    def get_labels(self, data_samples, view: int) -> Tensor:
        """``(B,)`` labels ``geometry[view][label_key]``."""
        return geometry_labels(data_samples, view, self.label_key,
                               self.num_classes, self.hint,
                               type(self).__name__)

    def loss(self, feats: Sequence[Tensor], data_samples,
             view_indices: Sequence[int] = (0, 1)) -> Dict[str, Tensor]:
        logits, labels = [], []
        for j in self.views:
            if j >= len(feats):
                raise ValueError(f'{type(self).__name__}: view {j} requested '
                                 f'but only {len(feats)} views are given')
            logits.append(self.classifier(feats[j]))
            labels.append(self.get_labels(data_samples, view_indices[j]))
        out = masked_cross_entropy(torch.cat(logits), torch.cat(labels))
        if self.view_reduction == 'sum':
            loss = sum(
                masked_cross_entropy(lg, lb)['loss']
                for lg, lb in zip(logits, labels))
            return dict(loss=loss, acc=out['acc'])
        return dict(loss=out['loss'], acc=out['acc'])


@MODELS.register_module()
class PlaybackRateHead(_ViewClsHead):
    """Playback-rate classifier (CSTP's ``c_theta``): which of the clip
    sampler's ``playback_rates`` (CSTP: 1, 2, 4, 8) a clip was sampled at;
    label ``geometry['playback_label']``.

    Args:
        in_channels (int): backbone feature size.
        num_classes (int): number of rates. Defaults to 4.
        hid_channels (int, optional): a hidden FC-BN-ReLU layer; None
            (default) for a single linear layer.
        norm_cfg (dict): norm of the hidden layer. Defaults to BN1d.
        views (Sequence[int]): positions in ``feats`` to classify. Defaults
            to ``(0, 1)`` (the paper's figure shows clip 1 only; with the
            overlap sampler clip 2 has the same label).
        view_reduction (str): ``'mean'`` (default) or ``'sum'`` over the
            views (the released code sums the two clips' losses).
    """

    label_key = 'playback_label'
    hint = 'set playback_rates in the clip sampler'


@MODELS.register_module()
class RotationHead(_ViewClsHead):
    """Rotation classifier (CSTP's ``d_theta``): 0 / 90 / 180 / 270 degrees,
    drawn per clip by ``ClipRotation``; label ``geometry['rotation']``.

    Args: as :class:`PlaybackRateHead` (``num_classes=4``).
    """

    label_key = 'rotation'
    hint = 'add ClipRotation to the view pipelines'


@MODELS.register_module()
class STORHead(BaseModule):
    """Spatio-temporal overlap rate prediction (STOR, Eq. 4).

    Two classifiers ``e_s`` / ``e_t`` (FC-BN-ReLU-FC) on ``cat(f1, f2)``
    predict the spatial and the temporal overlap class of the clip pair,
    with labels ``pretext['spatial_overlap']`` /
    ``pretext['temporal_overlap']`` (see
    :mod:`mmvssl.datasets.transforms.overlap`)::

        L_ocls = l_s * CE(e_s(cat), s) + l_t * CE(e_t(cat), t)

    Either task can be switched off with ``num_spatial_classes=None`` /
    ``num_temporal_classes=None`` (Table 5).

    Args:
        in_channels (int): backbone feature size ``C`` (the classifiers see
            ``2C``).
        num_spatial_classes (int, optional): spatial candidates. Defaults
            to 5.
        num_temporal_classes (int, optional): temporal candidates. Defaults
            to 5.
        hid_channels (int, optional): hidden width. Defaults to
            ``in_channels``; ``0``: a single linear layer per task (the
            released code's C3D / R3D heads).
        spatial_weight (float): ``l_s``. Defaults to 1.
        temporal_weight (float): ``l_t``. Defaults to 1.
        norm_cfg (dict): Defaults to BN1d.
    """

    def __init__(self,
                 in_channels: int,
                 num_spatial_classes: Optional[int] = 5,
                 num_temporal_classes: Optional[int] = 5,
                 hid_channels: Optional[int] = None,
                 spatial_weight: float = 1.,
                 temporal_weight: float = 1.,
                 norm_cfg: Optional[Dict] = dict(type='BN1d'),
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_spatial_classes is None and num_temporal_classes is None:
            raise ValueError('STORHead needs the spatial or the temporal task')
        hid = in_channels if hid_channels is None else int(hid_channels)
        self.tasks: List[str] = []
        self.weights = {}
        self.num_classes = {}
        for task, n, w in (('spatial', num_spatial_classes, spatial_weight),
                           ('temporal', num_temporal_classes,
                            temporal_weight)):
            if n is None:
                continue
            self.tasks.append(task)
            self.weights[task] = float(w)
            self.num_classes[task] = int(n)
            self.add_module(f'{task}_cls',
                            _classifier(2 * in_channels, n, hid, norm_cfg))

    def get_labels(self, data_samples, task: str) -> Tensor:
        """``(B,)`` labels ``pretext['<task>_overlap']``."""
        return pretext_labels(
            data_samples, f'{task}_overlap', self.num_classes[task],
            'use OverlapClipSampler with its '
            f'{task}_overlaps set (and, for the spatial task, '
            'OverlapAnchorCrop / OverlapCrop)', 'STORHead',
            f'num_{task}_classes')

    def loss(self, feats: Sequence[Tensor], data_samples,
             view_indices: Sequence[int] = (0, 1)) -> Dict[str, Tensor]:
        if len(feats) < 2:
            raise ValueError('STORHead needs two views')
        pair = torch.cat([feats[0], feats[1]], dim=1)
        total, out = 0., {}
        for task in self.tasks:
            res = masked_cross_entropy(
                getattr(self, f'{task}_cls')(pair),
                self.get_labels(data_samples, task))
            total = total + self.weights[task] * res['loss']
            out[f'acc_{task}'] = res['acc']
        out['loss'] = total
        return out
