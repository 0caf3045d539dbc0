"""Shared helpers of the clip transforms."""
from typing import Dict, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmvssl.structures import new_geometry

#: interpolation names accepted by the spatial transforms. ``nearest`` is the
#: half-pixel-aligned nearest neighbour (``cv2.INTER_NEAREST_EXACT``), the one
#: that agrees with the geometry record's continuous coordinates.
INTERPOLATIONS = {
    'nearest': cv2.INTER_NEAREST_EXACT,
    'bilinear': cv2.INTER_LINEAR,
    'bicubic': cv2.INTER_CUBIC,
    'area': cv2.INTER_AREA,
    'lanczos': cv2.INTER_LANCZOS4,
}


def get_interpolation(name: str) -> int:
    """cv2 flag of an interpolation name (error names the valid ones)."""
    if name not in INTERPOLATIONS:
        raise ValueError(f'interpolation must be one of '
                         f'{sorted(INTERPOLATIONS)}, got {name!r}')
    return INTERPOLATIONS[name]


def get_clip(results: Dict) -> np.ndarray:
    """``results['imgs']`` as a uint8 ``(T, H, W, 3)`` array.

    A list of frames (what mmaction2's decoders produce) is stacked once and
    written back, so the clip transforms also work in plain mmaction2
    pipelines.
    """
    imgs = results['imgs']
    if not isinstance(imgs, np.ndarray):
        imgs = np.stack(imgs)
        results['imgs'] = imgs
    if imgs.ndim != 4 or imgs.shape[-1] != 3 or imgs.dtype != np.uint8:
        raise ValueError('clip transforms expect imgs as a uint8 (T, H, W, 3)'
                         f' array, got {imgs.dtype} {imgs.shape}')
    return imgs


def get_geometry(results: Dict) -> Dict:
    """The view's geometry record; created (full-frame, unnamed) when a
    pipeline outside :class:`MultiViewVideoDataset` has none."""
    geometry = results.get('geometry')
    if geometry is None:
        imgs = get_clip(results)
        inds = results.get('frame_inds', np.arange(len(imgs)))
        geometry = new_geometry(
            name=results.get('view_name', 'view0'),
            src_shape=imgs.shape[1:3],
            total_frames=results.get('total_frames', len(imgs)),
            fps=results.get('avg_fps', None) or 30.0,
            frame_inds=np.asarray(inds).reshape(-1)[:len(imgs)])
        results['geometry'] = geometry
    return geometry


def set_clip(results: Dict, imgs: np.ndarray) -> None:
    """Store new images and keep mmaction2's ``img_shape`` key in sync."""
    results['imgs'] = imgs
    results['img_shape'] = imgs.shape[1:3]


def to_hw(size: Union[int, Sequence[int]], what: str) -> Tuple[int, int]:
    """mmaction2 size convention: ``int`` (square) or ``(w, h)`` -> (h, w)."""
    if isinstance(size, (int, np.integer)):
        return int(size), int(size)
    if isinstance(size, (tuple, list)) and len(size) == 2:
        return int(size[1]), int(size[0])
    raise ValueError(f'{what} must be an int or a (w, h) pair, got {size!r}')


def resize_clip(imgs: np.ndarray, out_hw: Tuple[int, int],
                interpolation: int) -> np.ndarray:
    """Resize every frame of a ``(T, H, W, C)`` clip to ``out_hw``."""
    h, w = out_hw
    if imgs.shape[1:3] == (h, w):
        return imgs
    out = np.empty((imgs.shape[0], h, w, imgs.shape[3]), dtype=imgs.dtype)
    for t in range(imgs.shape[0]):
        cv2.resize(imgs[t], (w, h), dst=out[t], interpolation=interpolation)
    return out


class ClipTransform(BaseTransform):
    """Base class of the clip transforms: one random draw per call (clip),
    applied to all frames; subclasses implement :meth:`transform`.

    The geometry record is ensured (created for the untouched input if a
    pipeline outside the dataset has none) before :meth:`transform` runs.
    """

    def __call__(self, results: Dict) -> Optional[Dict]:
        get_geometry(results)
        return super().__call__(results)

    def _maybe(self, prob: float) -> bool:
        return prob >= 1 or (prob > 0 and np.random.rand() < prob)

    @staticmethod
    def ref_record(results: Dict, name: Optional[str], who: str) -> Dict:
        """The geometry record of an earlier view (error names the views
        that are available)."""
        refs = results.get('ref_geometry') or {}
        if name not in refs:
            raise KeyError(
                f'{who}: reference view {name!r} is not among the views '
                f'processed before this one ({list(refs)}); list it earlier '
                'in `views`')
        return refs[name]
