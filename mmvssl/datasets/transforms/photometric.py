"""Photometric clip transforms with controllable intensity levels.

They do not move pixels, so they leave the spatial part of the geometry
record alone; when a strength parameter is given as a list of ranges (see
:mod:`.intensity`) they record the chosen level ids in
``geometry['levels']``: ``'<level_key>.<param>'`` for each levelled
parameter and ``'<level_key>'`` for their mixed-radix combination
(``np.ravel_multi_index`` over the levelled parameters in signature order), a
single id to group clips by. ``-1`` means the transform was skipped by its
probability.

Each transform draws its parameters once per clip; all frames get the same
adjustment (so a clip with identical frames keeps identical frames).
Normalisation is not a transform: ``MultiViewDataPreprocessor`` does it.
"""
from typing import Dict, Optional, Sequence, Union

import cv2
import numpy as np

from mmvssl.registry import TRANSFORMS
from .base import ClipTransform, get_clip, get_geometry, set_clip
from .intensity import IntensityParam, draw_levels, record_levels

#: ITU-R 601 luma weights (torchvision's rgb_to_grayscale).
GRAY_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _gray(x: np.ndarray) -> np.ndarray:
    return x @ GRAY_WEIGHTS


def _fixed(spec):
    """A bare number means a fixed value for thresholds and kernel sizes."""
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        return (float(spec), float(spec))
    return spec


@TRANSFORMS.register_module()
class ClipColorJitter(ClipTransform):
    """Colour jitter of a clip: brightness, contrast, saturation, hue.

    For each enabled parameter a strength ``s`` is drawn (from its range or
    its level's range) and applied with a random sign: brightness /
    contrast / saturation multiply by ``max(0, 1 +/- s)`` and hue shifts by
    ``+/- s`` of a full turn. For a number ``x`` this equals torchvision's
    ``ColorJitter(x)`` (factor uniform in ``[1 - x, 1 + x]``). The four
    operations are applied in a random order per clip (torchvision /
    SimCLR / CVRL) when ``random_order=True``, else in the order brightness,
    contrast, saturation, hue. Values are clipped to [0, 255] after each one.

    Clip-level details: contrast blends towards the mean grey level of the
    *whole clip* (not per frame), so the jitter does not change the clip's
    temporal brightness profile; saturation blends towards each pixel's grey
    value; hue is rotated in HSV space.

    Args:
        brightness, contrast, saturation: strength in [0, 1] (number, pair
            or list of levels, see :mod:`.intensity`). Defaults to 0.4.
        hue: strength in [0, 0.5]. Defaults to 0.1.
        prob (float): probability to apply the jitter to a clip. Defaults to
            0.8 (SimCLR / CVRL).
        random_order (bool): Defaults to True.
        level_key (str): prefix of the recorded level keys. Defaults to
            ``'color_jitter'``.
        share_levels_with (str, optional): reuse the levels of this earlier
            view of the same video.
    """

    PARAMS = ('brightness', 'contrast', 'saturation', 'hue')

    def __init__(self,
                 brightness=0.4,
                 contrast=0.4,
                 saturation=0.4,
                 hue=0.1,
                 prob: float = 0.8,
                 random_order: bool = True,
                 level_key: str = 'color_jitter',
                 share_levels_with: Optional[str] = None) -> None:
        specs = dict(
            brightness=brightness,
            contrast=contrast,
            saturation=saturation,
            hue=hue)
        self.params = [
            IntensityParam(
                f'{level_key}.{name}',
                specs[name],
                bounds=(0, 0.5) if name == 'hue' else (0, 1))
            for name in self.PARAMS
        ]
        self.specs = specs
        self.prob = prob
        self.random_order = random_order
        self.level_key = level_key
        self.share_levels_with = share_levels_with

    def transform(self, results: Dict) -> Dict:
        imgs = get_clip(results)
        geometry = get_geometry(results)
        if not self._maybe(self.prob) or not any(p.enabled
                                                 for p in self.params):
            record_levels(self.params, geometry, None, self.level_key)
            return results
        levels = draw_levels(self.params, geometry, results, self.level_key,
                             self.share_levels_with)
        record_levels(self.params, geometry, levels, self.level_key)
        amounts = {}
        for name, p in zip(self.PARAMS, self.params):
            if p.enabled:
                s = p.draw_value(levels[p.key])
                amounts[name] = s if np.random.rand() < 0.5 else -s
        order = (
            np.random.permutation(len(self.PARAMS))
            if self.random_order else range(len(self.PARAMS)))
        x = imgs.astype(np.float32)
        for i in order:
            name = self.PARAMS[i]
            if name not in amounts:
                continue
            x = getattr(self, f'_{name}')(x, amounts[name])
            np.clip(x, 0, 255, out=x)
        set_clip(results, np.rint(x).astype(np.uint8))
        return results

    @staticmethod
    def _brightness(x, a):
        x *= max(0., 1. + a)
        return x

    @staticmethod
    def _contrast(x, a):
        f = max(0., 1. + a)
        mean = float(_gray(x).mean())
        x *= f
        x += (1. - f) * mean
        return x

    @staticmethod
    def _saturation(x, a):
        f = max(0., 1. + a)
        gray = _gray(x)[..., None]
        x *= f
        x += (1. - f) * gray
        return x

    @staticmethod
    def _hue(x, a):
        if a == 0:
            return x
        t, h, w, c = x.shape
        flat = (x * (1. / 255.)).reshape(t * h, w, c)  # one call per clip
        hsv = cv2.cvtColor(flat, cv2.COLOR_RGB2HSV)
        hsv[..., 0] = np.mod(hsv[..., 0] + a * 360., 360.)
        rgb = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
        return (rgb * 255.).reshape(t, h, w, c)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}({self.specs}, prob={self.prob}, '
                f'random_order={self.random_order}, '
                f'level_key={self.level_key!r})')


@TRANSFORMS.register_module()
class ClipGrayscale(ClipTransform):
    """Convert a whole clip to grey (3 equal channels, ITU-R 601 weights)
    with probability ``prob`` (default 0.2, SimCLR / CVRL)."""

    def __init__(self, prob: float = 0.2) -> None:
        self.prob = prob

    def transform(self, results: Dict) -> Dict:
        imgs = get_clip(results)
        get_geometry(results)
        if self._maybe(self.prob):
            t, h, w, c = imgs.shape
            gray = cv2.cvtColor(
                np.ascontiguousarray(imgs).reshape(t * h, w, c),
                cv2.COLOR_RGB2GRAY).reshape(t, h, w, 1)
            set_clip(results,
                     np.ascontiguousarray(np.broadcast_to(gray, imgs.shape)))
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(prob={self.prob})'


@TRANSFORMS.register_module()
class ClipGaussianBlur(ClipTransform):
    """Gaussian blur of a clip (same kernel and sigma for every frame).

    Args:
        sigma: sigma range: a pair (default ``(0.1, 2.0)``, SimCLR), a number
            (fixed) or a list of ranges (levels, e.g. controllable
            augmentations' ``[(0.1, 0.5), (0.5, 2.0)]``).
        kernel_size: ``None`` (default) for about 10% of the shorter side
            (odd, at least 3, as SimCLR), an odd int, or a list of odd ints
            (levels, e.g. ``[7, 11]``).
        prob (float): probability to blur a clip. Defaults to 0.5.
        level_key (str): Defaults to ``'blur'`` (keys ``'blur.kernel'``,
            ``'blur.sigma'``, ``'blur'``).
        share_levels_with (str, optional): see :class:`ClipColorJitter`.
    """

    def __init__(self,
                 sigma=(0.1, 2.0),
                 kernel_size: Union[None, int, Sequence[int]] = None,
                 prob: float = 0.5,
                 level_key: str = 'blur',
                 share_levels_with: Optional[str] = None) -> None:
        ks = [kernel_size] if isinstance(kernel_size, int) else kernel_size
        if ks is not None and any(
                int(k) != k or k < 1 or k % 2 == 0 for k in ks):
            raise ValueError('ClipGaussianBlur: kernel sizes must be odd '
                             f'positive ints, got {kernel_size!r}')
        self.kernel_size = kernel_size
        self.sigma = sigma
        self.kernel_param = IntensityParam(
            f'{level_key}.kernel',
            None if kernel_size is None else _fixed(kernel_size) if isinstance(
                kernel_size, int) else [int(k) for k in kernel_size])
        self.sigma_param = IntensityParam(
            f'{level_key}.sigma', _fixed(sigma), bounds=(0, float('inf')))
        self.params = [self.kernel_param, self.sigma_param]
        self.prob = prob
        self.level_key = level_key
        self.share_levels_with = share_levels_with

    @staticmethod
    def auto_kernel(h: int, w: int) -> int:
        k = int(0.1 * min(h, w))
        return max(3, k + 1 - k % 2)

    def transform(self, results: Dict) -> Dict:
        imgs = get_clip(results)
        geometry = get_geometry(results)
        if not self._maybe(self.prob):
            record_levels(self.params, geometry, None, self.level_key)
            return results
        levels = draw_levels(self.params, geometry, results, self.level_key,
                             self.share_levels_with)
        record_levels(self.params, geometry, levels, self.level_key)
        if self.kernel_param.enabled:
            k = int(
                self.kernel_param.draw_value(levels[self.kernel_param.key]))
        else:
            k = self.auto_kernel(*imgs.shape[1:3])
        sigma = self.sigma_param.draw_value(levels[self.sigma_param.key])
        out = np.empty_like(imgs)
        for t in range(len(imgs)):
            cv2.GaussianBlur(
                imgs[t], (k, k),
                sigmaX=sigma,
                sigmaY=sigma,
                dst=out[t],
                borderType=cv2.BORDER_REFLECT_101)
        set_clip(results, out)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(sigma={self.sigma}, '
                f'kernel_size={self.kernel_size}, prob={self.prob}, '
                f'level_key={self.level_key!r})')


@TRANSFORMS.register_module()
class ClipSolarize(ClipTransform):
    """Solarize a clip (``v -> 255 - v`` where ``v >= threshold``).

    Args:
        threshold: a number (fixed, default 128), a ``(lo, hi)`` range or a
            list of ranges (levels; a lower threshold is stronger).
        prob (float): Defaults to 0.2.
        level_key (str): Defaults to ``'solarize'``.
        share_levels_with (str, optional): see :class:`ClipColorJitter`.
    """

    def __init__(self,
                 threshold=128,
                 prob: float = 0.2,
                 level_key: str = 'solarize',
                 share_levels_with: Optional[str] = None) -> None:
        self.threshold = threshold
        self.param = IntensityParam(
            level_key, _fixed(threshold), bounds=(0, 256))
        self.prob = prob
        self.level_key = level_key
        self.share_levels_with = share_levels_with

    def transform(self, results: Dict) -> Dict:
        imgs = get_clip(results)
        geometry = get_geometry(results)
        if not self._maybe(self.prob):
            record_levels([self.param], geometry, None, None)
            return results
        levels = draw_levels([self.param], geometry, results, None,
                             self.share_levels_with)
        record_levels([self.param], geometry, levels, None)
        thr = self.param.draw_value(levels[self.param.key])
        set_clip(results, np.where(imgs >= thr, 255 - imgs, imgs))
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(threshold={self.threshold}, '
                f'prob={self.prob}, level_key={self.level_key!r})')
