"""The one reader of view records: what models read from a batch's data
samples (``docs/data_contract.md``).

Every access of a model, head or loss to ``metainfo['geometry']``,
``metainfo['view_names']`` or ``metainfo['pretext']`` goes through this
module; ``mmvssl.ops`` then computes on the arrays it returns and never
touches a data sample.

* :func:`view_names`, :func:`records_by_view`, :func:`view_records`: the
  geometry records of a batch, by view name or position;
* :func:`stacked_boxes`: one view's region boxes / validity / timestamps
  stacked over the batch (ConST-CL);
* :func:`geometry_labels`, :func:`pretext_labels`: integer labels of a view's
  record (playback rate, rotation) or of the video-level ``pretext`` dict
  (STOR overlap classes);
* :func:`record_levels`: intensity level ids of records (controllable
  augmentations);
* :class:`LocalGlobalBatch`: the local clips + global video batch of
  controllable augmentations (feature maps, records, ``S_k``).
"""
from dataclasses import dataclass, field
from functools import cached_property
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    'metainfo_of', 'view_names', 'records_by_view', 'view_records',
    'stacked_boxes', 'geometry_labels', 'pretext_labels', 'record_levels',
    'LocalGlobalBatch'
]

_HINT = "use mmvssl's multi-view dataset (MultiViewVideoDataset with " \
        'PackMultiView)'


def metainfo_of(sample) -> Dict:
    """The metainfo dict of a data sample (or the dict itself)."""
    return sample.metainfo if hasattr(sample, 'metainfo') else sample


def _meta(sample, key: str, index: int):
    meta = metainfo_of(sample)
    if key not in meta or meta[key] is None:
        raise KeyError(f"data sample {index} has no {key!r} in its metainfo;"
                       f' {_HINT}')
    return meta[key]


def view_names(data_samples: Sequence) -> List[str]:
    """View names of a batch (``metainfo['view_names']`` of its first
    sample, else the records' ``name``); ``[]`` without data samples."""
    if not data_samples:
        return []
    meta = metainfo_of(data_samples[0])
    names = meta.get('view_names')
    if names is None:
        names = [g.get('name') for g in meta.get('geometry') or []]
    return list(names)


def records_by_view(data_samples: Sequence,
                    names: Sequence[str]) -> List[List[Dict]]:
    """Per data sample, the geometry records of the views ``names`` (looked
    up by name in ``metainfo['view_names']``)."""
    out = []
    for i, ds in enumerate(data_samples):
        meta = metainfo_of(ds)
        geoms = meta.get('geometry')
        if geoms is None:
            raise KeyError(f'data sample {i} has no geometry records '
                           "(metainfo['geometry']); use mmvssl's multi-view "
                           'dataset')
        names_i = list(meta.get('view_names') or
                       [g.get('name') for g in geoms])
        try:
            out.append([geoms[names_i.index(n)] for n in names])
        except ValueError:
            raise KeyError(f'data sample {i} has views {names_i}, '
                           f'expected {list(names)}') from None
    return out


def view_records(data_samples: Sequence, view: int) -> List[Dict]:
    """The geometry record of view number ``view`` (config order) of every
    data sample."""
    out = []
    for i, ds in enumerate(data_samples):
        geoms = metainfo_of(ds).get('geometry')
        if geoms is None or len(geoms) <= view:
            raise KeyError(
                f'data sample {i} has no geometry record for view {view} '
                "(metainfo['geometry']); use mmvssl's multi-view dataset")
        out.append(geoms[view])
    return out


def _to_tensor(x, dtype, device) -> Tensor:
    if isinstance(x, Tensor):
        return x.to(device=device, dtype=dtype)
    return torch.as_tensor(np.asarray(x), dtype=dtype, device=device)


def stacked_boxes(data_samples: Sequence, view: int,
                  device=None) -> Dict[str, Optional[Tensor]]:
    """Stack one view's boxes, validity and timestamps over the batch.

    Reads ``geometry[view]['boxes']`` / ``['box_valid']`` /
    ``['timestamps']``; pads the number of boxes to the largest in the batch
    (padding is invalid). Rotated views are refused (boxes are defined
    before rotation).

    Returns:
        dict: ``boxes`` (B, T, N, 4) float32 view pixels, ``box_valid``
        (B, T, N) bool, ``timestamps`` (B, T) float64 or None.
    """
    boxes, valid, stamps = [], [], []
    for geom in view_records(data_samples, view):
        if 'boxes' not in geom:
            raise KeyError(
                f"geometry record of view {view} ({geom.get('name')!r}) has "
                "no 'boxes': add a region-source transform (e.g. "
                'RandomRegionBoxes) to that view\'s pipeline')
        if geom.get('rotation', 0):
            raise ValueError(
                f"view {view} is rotated (rotation={geom['rotation']}); "
                'ConST-CL boxes are defined before rotation: do not rotate '
                'ConST-CL views')
        b = _to_tensor(geom['boxes'], torch.float32, device)
        v = _to_tensor(geom['box_valid'], torch.bool, device) \
            if 'box_valid' in geom else torch.ones(
                b.shape[:2], dtype=torch.bool, device=device)
        boxes.append(b)
        valid.append(v)
        stamps.append(geom.get('timestamps'))
    n = max(b.shape[1] for b in boxes)
    boxes = torch.stack([F.pad(b, (0, 0, 0, n - b.shape[1])) for b in boxes])
    valid = torch.stack([F.pad(v, (0, n - v.shape[1])) for v in valid])
    ts = None
    if all(s is not None for s in stamps):
        ts = torch.stack(
            [_to_tensor(s, torch.float64, device) for s in stamps])
    return dict(boxes=boxes, box_valid=valid, timestamps=ts)


def _check_range(labels: Tensor, num_classes: Optional[int],
                 what: str) -> Tensor:
    if num_classes is not None and (
            (labels < -1) | (labels >= num_classes)).any():
        raise ValueError(f'{what} labels {labels.tolist()} outside [0, '
                         f'{num_classes})')
    return labels


def geometry_labels(data_samples: Sequence,
                    view: int,
                    key: str,
                    num_classes: Optional[int] = None,
                    hint: str = '',
                    owner: str = 'geometry_labels') -> Tensor:
    """``(B,)`` int64 labels ``geometry[view][key]`` of a batch (``-1`` =
    ignore); a missing label raises naming the view and ``hint``."""
    labels = []
    for i, ds in enumerate(data_samples):
        g = _meta(ds, 'geometry', i)[view]
        if g.get(key) is None:
            raise KeyError(f'{owner}: view {g.get("name", view)!r} has no '
                           f'{key!r} label; {hint}')
        labels.append(int(g[key]))
    return _check_range(torch.tensor(labels, dtype=torch.long), num_classes,
                        owner)


def pretext_labels(data_samples: Sequence,
                   key: str,
                   num_classes: Optional[int] = None,
                   hint: str = '',
                   owner: str = 'pretext_labels',
                   classes_arg: str = 'num_classes') -> Tensor:
    """``(B,)`` int64 video-level labels ``pretext[key]`` of a batch
    (``-1`` = ignore). When the pretext dict lists ``<key>_candidates``
    their number must equal ``num_classes`` (the owner's argument
    ``classes_arg``)."""
    labels = []
    for i, ds in enumerate(data_samples):
        pretext = _meta(ds, 'pretext', i)
        if key not in pretext:
            raise KeyError(f'{owner}: no {key!r} label in the pretext dict; '
                           f'{hint}')
        cands = pretext.get(f'{key}_candidates')
        if cands is not None and num_classes is not None and \
                len(cands) != num_classes:
            raise ValueError(
                f'{owner}: {len(cands)} {key} candidates in the data '
                f'but {classes_arg}={num_classes}')
        labels.append(int(pretext[key]))
    return _check_range(torch.tensor(labels, dtype=torch.long), num_classes,
                        owner)


def record_levels(records: Sequence[Dict], keys: Sequence[str],
                  device=None) -> Tensor:
    """``(len(records), len(keys))`` int64 intensity level ids read from
    the records' ``levels`` (``-1``: transform skipped; a missing key is an
    error)."""
    rows = []
    for i, r in enumerate(records):
        lv = r.get('levels') or {}
        missing = [k for k in keys if k not in lv]
        if missing:
            raise KeyError(
                f'video {i}: geometry levels {sorted(lv)} lack '
                f'{missing}; give the view pipelines levelled '
                'ClipColorJitter / ClipGaussianBlur transforms')
        rows.append([int(lv[k]) for k in keys])
    return torch.tensor(
        np.asarray(rows, dtype=np.int64).reshape(len(rows), len(keys)),
        device=device)


@dataclass
class LocalGlobalBatch:
    """What the heads of controllable augmentations (``CtrlAug``) see for
    one batch: the features of ``K`` local clips and of the global video of
    each video, with their geometry records.

    Attributes:
        clip_maps (Tensor): ``(B, K, C, T_c, H, W)`` local clip features.
        video_maps (Tensor): ``(B, C, T_v, H, W)`` global video features
            (higher temporal resolution).
        clip_records (list[list[dict]]): per video, its clips' geometry.
        video_records (list[dict]): per video, the global view's geometry.
        correspondence (Tensor, optional): ``(B, K, N_c, N_v)`` ``S_k``,
            filled by the algorithm when a head declares
            ``requires_correspondence``.
    """
    clip_maps: Tensor
    video_maps: Tensor
    clip_records: List[List[Dict]] = field(default_factory=list)
    video_records: List[Dict] = field(default_factory=list)
    correspondence: Optional[Tensor] = None

    @property
    def batch_size(self) -> int:
        return self.clip_maps.shape[0]

    @property
    def num_clips(self) -> int:
        return self.clip_maps.shape[1]

    @cached_property
    def clip_vecs(self) -> Tensor:
        """``(B, K, C)`` average-pooled clip features."""
        return self.clip_maps.flatten(3).mean(3)

    @cached_property
    def video_vecs(self) -> Tensor:
        """``(B, C)`` average-pooled global video features."""
        return self.video_maps.flatten(2).mean(2)

    def levels(self, keys: Sequence[str]) -> Tensor:
        """``(B, len(keys))`` int64 intensity level ids of each video, read
        from the global view's ``geometry['levels']`` (see
        :func:`record_levels`)."""
        return record_levels(self.video_records, keys,
                             self.clip_maps.device)
