"""Pack the views of one video into model inputs and one data sample."""
from typing import Dict, Sequence

import cv2
import numpy as np
import torch
from mmaction.structures import ActionDataSample
from mmcv.transforms import BaseTransform

from mmvssl.registry import TRANSFORMS
from mmvssl.structures import validate_geometry


def _finalise(geometry: Dict) -> Dict:
    """Normalise the dtypes the contract promises (in place)."""
    geometry['frame_inds'] = np.asarray(geometry['frame_inds'], np.int64)
    geometry['timestamps'] = np.asarray(geometry['timestamps'], np.float64)
    geometry['crop_box'] = np.asarray(geometry['crop_box'], np.float64)
    geometry['src_shape'] = tuple(int(v) for v in geometry['src_shape'])
    geometry['img_shape'] = tuple(int(v) for v in geometry['img_shape'])
    geometry['flip'] = bool(geometry['flip'])
    geometry['rotation'] = int(geometry['rotation'])
    geometry['playback_rate'] = int(geometry['playback_rate'])
    if 'boxes' in geometry:
        geometry['boxes'] = np.asarray(geometry['boxes'], np.float32)
    if 'box_valid' in geometry:
        geometry['box_valid'] = np.asarray(geometry['box_valid'], bool)
    return geometry


def _to_cthw(imgs: np.ndarray) -> np.ndarray:
    """``(T, H, W, C)`` -> contiguous, writable ``(C, T, H, W)``."""
    t, h, w, c = imgs.shape
    if c <= 4 and t * h > 0:  # cv2.split: one plane per channel, SIMD
        tall = np.ascontiguousarray(imgs).reshape(t * h, w, c)
        out = np.empty((c, t * h, w), imgs.dtype)
        planes = cv2.split(tall, list(out))  # written into `out`: one copy
        if not all(p is q or np.shares_memory(p, q)
                   for p, q in zip(planes, out)):
            out = np.stack(planes)  # a cv2 that allocated its own planes
        return out.reshape(c, t, h, w)
    return np.array(imgs.transpose(3, 0, 1, 2), order='C')


@TRANSFORMS.register_module()
class PackMultiView(BaseTransform):
    """Format the processed views of one video.

    Input: ``dict(views=[view results, ...], filename=..., sample_idx=...,
    label=..., pretext={...})`` where each view's results hold ``imgs``
    (uint8 ``(T, H, W, 3)``) and ``geometry``. Each view's images become a
    uint8 tensor ``(C, T, H, W)``; its geometry record is checked against
    the images (a spatial transform that did not record what it did is an
    error) and stored.

    Output: ``dict(inputs=[tensor per view], data_samples=ActionDataSample)``
    with ``gt_label`` and the metainfo keys ``filename``, ``sample_idx``,
    ``view_names``, ``geometry`` (list of records) and ``pretext``, plus any
    ``meta_keys`` found in the input.

    Args:
        meta_keys (Sequence[str]): extra video-level keys to copy into the
            metainfo. Defaults to ``()``.
    """

    def __init__(self, meta_keys: Sequence[str] = ()) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: Dict) -> Dict:
        inputs, geometries, names = [], [], []
        for view in results['views']:
            imgs = view['imgs']
            if not isinstance(imgs, np.ndarray):
                imgs = np.stack(imgs)
            geometry = _finalise(view['geometry'])
            validate_geometry(geometry, imgs.shape)
            if imgs.dtype != np.uint8:
                raise TypeError(f'view {geometry["name"]!r} of '
                                f'{results.get("filename")}: expected uint8 '
                                f'images, got {imgs.dtype}')
            inputs.append(torch.from_numpy(_to_cthw(imgs)))
            geometries.append(geometry)
            names.append(geometry['name'])
        sample = ActionDataSample()
        label = results.get('label', -1)
        sample.set_gt_label(label if label is not None else -1)
        meta = dict(
            filename=results.get('filename'),
            sample_idx=results.get('sample_idx'),
            view_names=names,
            geometry=geometries,
            pretext=dict(results.get('pretext') or {}))
        for k in self.meta_keys:
            if k in results:
                meta[k] = results[k]
        sample.set_metainfo(meta)
        return dict(inputs=inputs, data_samples=sample)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'
