"""Base augmentations of CSTP that the generic clip transforms lack.

The 90-degree rotation pretext is :class:`ClipRotation` (its label is
``geometry['rotation']``) and the playback-rate pretext is drawn by the clip
sampler (``playback_label``); this module adds CSTP's small-angle rotation
jitter ("random rotation jittering, randomly rotate 0-10 degrees").
"""
from typing import Dict

import cv2
import numpy as np

from mmvssl.registry import TRANSFORMS
from .base import ClipTransform, get_clip, get_geometry, set_clip

_BORDERS = {
    'constant': cv2.BORDER_CONSTANT,
    'reflect': cv2.BORDER_REFLECT_101,
    'replicate': cv2.BORDER_REPLICATE,
}


@TRANSFORMS.register_module()
class ClipRotationJitter(ClipTransform):
    """Rotate a whole clip by a small random angle about the image centre.

    One angle ``a ~ U(-max_angle, max_angle)`` degrees (positive =
    counter-clockwise) is drawn per clip (with probability ``prob``; else
    ``a = 0``) and applied to every frame with the same output size; pixels
    that come from outside the frame are filled by ``border``. The geometry
    record gets ``rotation_jitter = a``. This small rotation is not part of
    the contract's crop / resize / flip / rotation mapping (boxes of the
    record are not rotated by it), so use it after the crop and resize, and
    not in views whose losses map boxes (ConST-CL, controllable
    augmentations); STOR's overlap labels only use ``crop_box``.

    Args:
        max_angle (float): largest absolute angle in degrees. Defaults to
            10 (CSTP).
        prob (float): probability to rotate a clip. Defaults to 1.
        border (str): ``'reflect'`` (default), ``'replicate'`` or
            ``'constant'`` (black).
        interpolation (str): ``'bilinear'`` (default) or ``'nearest'``.
    """

    def __init__(self,
                 max_angle: float = 10.,
                 prob: float = 1.,
                 border: str = 'reflect',
                 interpolation: str = 'bilinear') -> None:
        if max_angle < 0:
            raise ValueError(f'ClipRotationJitter: max_angle must be >= 0, '
                             f'got {max_angle}')
        if border not in _BORDERS:
            raise ValueError(f'ClipRotationJitter: border must be one of '
                             f'{sorted(_BORDERS)}, got {border!r}')
        if interpolation not in ('bilinear', 'nearest'):
            raise ValueError('ClipRotationJitter: interpolation must be '
                             f"'bilinear' or 'nearest', got {interpolation!r}")
        self.max_angle = float(max_angle)
        self.prob = prob
        self.border = border
        self.interpolation = interpolation

    def transform(self, results: Dict) -> Dict:
        imgs = get_clip(results)
        geometry = get_geometry(results)
        if geometry.get('rotation'):
            raise ValueError('ClipRotationJitter must come before '
                             'ClipRotation')
        angle = 0.
        if self.max_angle > 0 and self._maybe(self.prob):
            angle = float(np.random.uniform(-self.max_angle, self.max_angle))
        geometry['rotation_jitter'] = angle
        if angle == 0:
            return results
        t, h, w, _ = imgs.shape
        mat = cv2.getRotationMatrix2D(((w - 1) / 2., (h - 1) / 2.), angle, 1.)
        flag = (cv2.INTER_LINEAR
                if self.interpolation == 'bilinear' else cv2.INTER_NEAREST)
        out = np.empty_like(imgs)
        for i in range(t):
            cv2.warpAffine(
                imgs[i], mat, (w, h),
                dst=out[i],
                flags=flag,
                borderMode=_BORDERS[self.border])
        set_clip(results, out)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(max_angle={self.max_angle}, '
                f'prob={self.prob}, border={self.border!r})')
