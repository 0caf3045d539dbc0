"""Spatial clip transforms that record what they do in the geometry record.

Every transform draws its randomness once per clip and applies it to all
frames of ``results['imgs']`` (uint8 ``(T, H, W, 3)``). Crops are taken in
whole pixels of the current images; the record keeps the equivalent source
box (``crop_box``), so transforms compose in any order (e.g. resize the short
side first, then crop) as long as :class:`ClipRotation` comes last.
"""
import math
from typing import Dict, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from mmvssl.registry import TRANSFORMS
from mmvssl.structures import (crop_geometry, flip_geometry, resize_geometry,
                               rotate_geometry, source_to_view_boxes)
from .base import (ClipTransform, get_clip, get_geometry, get_interpolation,
                   resize_clip, set_clip, to_hw)


def apply_crop(results: Dict, imgs: np.ndarray, box: Sequence[int],
               out_hw: Optional[Tuple[int, int]], interpolation: int):
    """Cut ``box`` (``xyxy`` whole pixels of ``imgs``) from every frame,
    resize it to ``out_hw`` (if given and different) with
    ``interpolation``, record both in the view's geometry and store the
    clip in ``results``; the crop step of the clip crops."""
    x1, y1, x2, y2 = (int(v) for v in box)
    geometry = get_geometry(results)
    crop_geometry(geometry, (x1, y1, x2, y2))
    out = imgs[:, y1:y2, x1:x2]  # cv2 reads the strided crop directly
    if out_hw is not None and out_hw != out.shape[1:3]:
        out = resize_clip(out, out_hw, interpolation)
        resize_geometry(geometry, out_hw)
    else:
        out = np.ascontiguousarray(out)
    set_clip(results, out)


@TRANSFORMS.register_module()
class ClipRandomResizedCrop(ClipTransform):
    """Inception / CVRL-style random resized crop of a whole clip.

    One box is drawn per clip: its area is a fraction ``area_range`` of the
    region it is drawn from and its aspect ratio (w / h) is log-uniform in
    ``aspect_ratio_range``; after ``max_attempts`` failed draws the largest
    centred box with a ratio clamped into the range is used (torchvision's
    fallback). The crop is resized to ``scale`` (skipped if ``None``).

    With ``ref_view='global'`` the box is drawn *inside the crop of that
    earlier view* (its ``crop_box`` mapped into this view's pixels, clipped
    to the image) and ``area_range`` is relative to that region, e.g.
    controllable augmentations' local clips: ``area_range=(0.4, 0.8)`` inside
    the weakly cropped global view.

    Required keys: ``imgs``, ``geometry`` (``ref_geometry`` with
    ``ref_view``). Modified keys: ``imgs``, ``img_shape``, ``geometry``
    (``crop_box``, ``img_shape``).

    Args:
        scale (int | tuple[int, int] | None): output size, ``int`` or
            ``(w, h)`` (mmaction2 convention). Defaults to 224.
        area_range (tuple[float, float]): area fraction. Defaults to
            ``(0.08, 1.0)``.
        aspect_ratio_range (tuple[float, float]): w / h range. Defaults to
            ``(3 / 4, 4 / 3)``.
        ref_view (str, optional): name of an earlier view to crop inside.
        max_attempts (int): draws before the fallback. Defaults to 10.
        interpolation (str): see ``INTERPOLATIONS``. Defaults to
            ``'bilinear'``.
    """

    def __init__(self,
                 scale: Union[int, Tuple[int, int], None] = 224,
                 area_range: Tuple[float, float] = (0.08, 1.0),
                 aspect_ratio_range: Tuple[float, float] = (3 / 4, 4 / 3),
                 ref_view: Optional[str] = None,
                 max_attempts: int = 10,
                 interpolation: str = 'bilinear') -> None:
        if not 0 < area_range[0] <= area_range[1] <= 1:
            raise ValueError('area_range must satisfy 0 < lo <= hi <= 1, '
                             f'got {area_range}')
        if not 0 < aspect_ratio_range[0] <= aspect_ratio_range[1]:
            raise ValueError('aspect_ratio_range must satisfy 0 < lo <= hi, '
                             f'got {aspect_ratio_range}')
        self.scale = scale
        self.out_hw = None if scale is None else to_hw(scale, 'scale')
        self.area_range = tuple(area_range)
        self.aspect_ratio_range = tuple(aspect_ratio_range)
        self.ref_view = ref_view
        self.max_attempts = max_attempts
        self.interpolation = interpolation
        self._interp = get_interpolation(interpolation)

    def _region(self, results, img_h, img_w):
        """Integer region ``(x1, y1, x2, y2)`` the box is drawn from."""
        if self.ref_view is None:
            return 0, 0, img_w, img_h
        ref = self.ref_record(results, self.ref_view, type(self).__name__)
        box = source_to_view_boxes(
            np.asarray(ref['crop_box'], np.float64), get_geometry(results))
        x1 = max(0, math.ceil(box[0] - 1e-6))
        y1 = max(0, math.ceil(box[1] - 1e-6))
        x2 = min(img_w, math.floor(box[2] + 1e-6))
        y2 = min(img_h, math.floor(box[3] + 1e-6))
        if x2 <= x1 or y2 <= y1:
            raise ValueError(
                f'{type(self).__name__}: the crop of reference view '
                f'{self.ref_view!r} ({ref["crop_box"]}) does not overlap '
                'this view')
        return x1, y1, x2, y2

    def draw_box(self, rx1: int, ry1: int, rx2: int,
                 ry2: int) -> Tuple[int, int, int, int]:
        """Draw one ``xyxy`` box inside the region (integer pixels)."""
        rw, rh = rx2 - rx1, ry2 - ry1
        area = rw * rh
        log_lo, log_hi = (math.log(r) for r in self.aspect_ratio_range)
        for _ in range(self.max_attempts):
            target = area * np.random.uniform(*self.area_range)
            ratio = math.exp(np.random.uniform(log_lo, log_hi))
            w = int(round(math.sqrt(target * ratio)))
            h = int(round(math.sqrt(target / ratio)))
            if 0 < w <= rw and 0 < h <= rh:
                x = rx1 + int(np.random.randint(0, rw - w + 1))
                y = ry1 + int(np.random.randint(0, rh - h + 1))
                return x, y, x + w, y + h
        # fallback: central box, ratio clamped into the range
        ratio = rw / rh
        if ratio < self.aspect_ratio_range[0]:
            w, h = rw, int(round(rw / self.aspect_ratio_range[0]))
        elif ratio > self.aspect_ratio_range[1]:
            h, w = rh, int(round(rh * self.aspect_ratio_range[1]))
        else:
            w, h = rw, rh
        w, h = max(1, min(w, rw)), max(1, min(h, rh))
        x, y = rx1 + (rw - w) // 2, ry1 + (rh - h) // 2
        return x, y, x + w, y + h

    def transform(self, results: Dict) -> Dict:
        imgs = get_clip(results)
        region = self._region(results, imgs.shape[1], imgs.shape[2])
        apply_crop(results, imgs, self.draw_box(*region), self.out_hw,
                    self._interp)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(scale={self.scale}, '
                f'area_range={self.area_range}, '
                f'aspect_ratio_range={self.aspect_ratio_range}, '
                f'ref_view={self.ref_view!r}, '
                f'interpolation={self.interpolation!r})')


@TRANSFORMS.register_module()
class ClipCenterCrop(ClipTransform):
    """Crop the centre ``crop_size`` (``int`` or ``(w, h)``) of a clip; the
    offset is ``(W - w) // 2`` as in mmaction2's ``CenterCrop``."""

    def __init__(self, crop_size: Union[int, Tuple[int, int]]) -> None:
        self.crop_size = crop_size
        self.crop_hw = to_hw(crop_size, 'crop_size')

    def transform(self, results: Dict) -> Dict:
        imgs = get_clip(results)
        img_h, img_w = imgs.shape[1:3]
        h, w = self.crop_hw
        if h > img_h or w > img_w:
            raise ValueError(f'ClipCenterCrop: crop {w}x{h} (w x h) is larger'
                             f' than the {img_w}x{img_h} frames of '
                             f'{results.get("filename", "the clip")}')
        x, y = (img_w - w) // 2, (img_h - h) // 2
        apply_crop(results, imgs, (x, y, x + w, y + h), None, 0)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(crop_size={self.crop_size})'


@TRANSFORMS.register_module()
class ClipResize(ClipTransform):
    """Resize a clip, with mmaction2's ``Resize`` conventions.

    Args:
        scale (float | tuple[int, int]): a float is a scale factor; a
            ``(w, h)`` pair is the target size when ``keep_ratio=False`` and
            the bounding (long, short) edges otherwise; ``(-1, s)`` resizes
            the short side to ``s`` keeping the ratio.
        keep_ratio (bool): keep the aspect ratio. Defaults to True.
        interpolation (str): Defaults to ``'bilinear'``.
    """

    def __init__(self,
                 scale: Union[float, Tuple[int, int]],
                 keep_ratio: bool = True,
                 interpolation: str = 'bilinear') -> None:
        if isinstance(scale, (int, float)) and not isinstance(scale, bool):
            if scale <= 0:
                raise ValueError(f'ClipResize: scale must be > 0, got {scale}')
        elif not (isinstance(scale, (tuple, list)) and len(scale) == 2):
            raise ValueError('ClipResize: scale must be a float or a (w, h) '
                             f'pair, got {scale!r}')
        self.scale = scale
        self.keep_ratio = keep_ratio
        self.interpolation = interpolation
        self._interp = get_interpolation(interpolation)

    def out_hw(self, img_h: int, img_w: int) -> Tuple[int, int]:
        if isinstance(self.scale, (int, float)):
            f = float(self.scale)
        elif not self.keep_ratio:
            return int(self.scale[1]), int(self.scale[0])
        elif -1 in tuple(self.scale):
            f = max(self.scale) / min(img_h, img_w)
        else:
            long_e, short_e = max(self.scale), min(self.scale)
            f = min(long_e / max(img_h, img_w), short_e / min(img_h, img_w))
        return int(img_h * f + 0.5), int(img_w * f + 0.5)

    def transform(self, results: Dict) -> Dict:
        imgs = get_clip(results)
        out_hw = self.out_hw(*imgs.shape[1:3])
        set_clip(results, resize_clip(imgs, out_hw, self._interp))
        resize_geometry(get_geometry(results), out_hw)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(scale={self.scale}, '
                f'keep_ratio={self.keep_ratio}, '
                f'interpolation={self.interpolation!r})')


@TRANSFORMS.register_module()
class ClipFlip(ClipTransform):
    """Flip a whole clip horizontally with probability ``flip_ratio`` and
    record it (``geometry['flip']`` toggles)."""

    def __init__(self, flip_ratio: float = 0.5) -> None:
        self.flip_ratio = flip_ratio

    def transform(self, results: Dict) -> Dict:
        imgs = get_clip(results)
        if self._maybe(self.flip_ratio):
            flip_geometry(get_geometry(results))
            t, h, w, c = imgs.shape
            # cv2.flip on the clip seen as one tall image: every row is
            # mirrored, ~30x faster than a negative-stride numpy copy
            tall = np.ascontiguousarray(imgs).reshape(t * h, w, c)
            set_clip(results, cv2.flip(tall, 1).reshape(t, h, w, c))
        else:
            get_geometry(results)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(flip_ratio={self.flip_ratio})'


@TRANSFORMS.register_module()
class ClipRotation(ClipTransform):
    """Rotate a clip by ``k * 90`` degrees counter-clockwise (``np.rot90``)
    with ``k`` drawn uniformly from ``rotations``; records
    ``geometry['rotation'] = k`` (STOR's rotation pretext label). Must be the
    last spatial transform of a view.

    A clip sampler can choose ``k`` itself: if the view's record holds
    ``force_key`` (default ``'rotation_label'``), that ``k`` is used.
    ``ref_view`` (the name of an earlier view) reuses that view's rotation,
    so two views are rotated alike: a contrastive loss between them then
    does not ask for rotation invariance, while each clip keeps its
    rotation label (the synthetic CSTP recipe: a 180-degree turn maps the
    benchmark's slide_right onto slide_left).
    """

    def __init__(self,
                 rotations: Sequence[int] = (0, 1, 2, 3),
                 force_key: str = 'rotation_label',
                 ref_view: Optional[str] = None) -> None:
        rotations = [int(k) for k in rotations]
        if not rotations or any(k not in (0, 1, 2, 3) for k in rotations):
            raise ValueError('ClipRotation: rotations must be a non-empty '
                             f'subset of 0..3, got {rotations}')
        self.rotations = rotations
        self.force_key = force_key
        self.ref_view = ref_view

    def transform(self, results: Dict) -> Dict:
        imgs = get_clip(results)
        geometry = get_geometry(results)
        if self.ref_view is not None:
            k = int(self.ref_record(results, self.ref_view,
                                    type(self).__name__)['rotation'])
        elif geometry.get(self.force_key) is not None:
            k = int(geometry[self.force_key])
        else:
            k = self.rotations[np.random.randint(len(self.rotations))]
        if geometry['rotation']:
            raise ValueError('ClipRotation applied twice to view '
                             f'{geometry["name"]!r}')
        rotate_geometry(geometry, k)
        if k:
            code = {
                1: cv2.ROTATE_90_COUNTERCLOCKWISE,
                2: cv2.ROTATE_180,
                3: cv2.ROTATE_90_CLOCKWISE
            }[k]  # = np.rot90(frame, k)
            set_clip(results, np.stack([cv2.rotate(f, code) for f in imgs]))
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(rotations={self.rotations}, '
                f'ref_view={self.ref_view!r})')
