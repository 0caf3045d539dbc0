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

Deferred application (``deferred=True``, opt-in per transform): the
transform draws its parameters (and levels) in the worker exactly as
before, the same random numbers in the same order, but leaves the pixels
alone and appends the operation to ``geometry['photometric']``, a list of
plain dicts in application order::

    dict(type='color_jitter', steps=[('brightness', factor), ('hue', shift),
         ...], crop_box=[...], img_shape=[h, w])
    dict(type='grayscale', ...)
    dict(type='gaussian_blur', kernel_size=k, sigma=s, ...)
    dict(type='solarize', threshold=t, ...)

``MultiViewDataPreprocessor`` applies them to the batch (on the model's
device; :mod:`mmvssl.models.data_preprocessors.photometric`), giving the
same pixels as the worker path. ``crop_box`` / ``img_shape`` are the view's
at the time of the draw: a spatial transform that crops or resizes after a
deferred one is refused there (flips and rotations commute). A worker-side
photometric transform after a deferred one is refused at once.
"""
from typing import Dict, Optional, Sequence, Union

import cv2
import numpy as np

from mmvssl.registry import TRANSFORMS
from .base import ClipTransform, get_clip, get_geometry, set_clip
from .intensity import IntensityParam, draw_levels, record_levels

#: key of the deferred operations in a geometry record
DEFERRED_KEY = 'photometric'

#: ITU-R 601 luma weights (torchvision's rgb_to_grayscale).
GRAY_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _gray(x: np.ndarray) -> np.ndarray:
    return x @ GRAY_WEIGHTS


def _fixed(spec):
    """A bare number means a fixed value for thresholds and kernel sizes."""
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        return (float(spec), float(spec))
    return spec


class PhotometricTransform(ClipTransform):
    """Base class of the colour / blur transforms.

    A subclass implements :meth:`draw` (all random draws of one clip,
    levels recorded; returns the operation as a dict, or ``None`` when the
    transform is skipped) and :meth:`apply` (the operation on a uint8
    clip). ``deferred=True`` records the operation in
    ``geometry['photometric']`` instead of applying it (module doc).
    """

    deferred = False
    prob = 1.0

    def transform(self, results: Dict) -> Dict:
        imgs = get_clip(results)
        geometry = get_geometry(results)
        op = self.draw(results, imgs.shape, geometry)
        if op is None:
            return results
        if self.deferred:
            op['crop_box'] = [float(v) for v in geometry['crop_box']]
            op['img_shape'] = [int(v) for v in geometry['img_shape']]
            geometry.setdefault(DEFERRED_KEY, []).append(op)
            return results
        if geometry.get(DEFERRED_KEY):
            done = [o['type'] for o in geometry[DEFERRED_KEY]]
            raise ValueError(
                f'{type(self).__name__} runs in the worker after deferred '
                f'photometric transforms ({done}) of view '
                f'{geometry.get("name")!r}; set deferred=True on it too, or '
                'on none of them')
        set_clip(results, self.apply(imgs, op))
        return results

    def draw(self, results: Dict, shape, geometry: Dict) -> Optional[Dict]:
        raise NotImplementedError

    def apply(self, imgs: np.ndarray, op: Dict) -> np.ndarray:
        raise NotImplementedError

    def draw_levels(self, results: Dict, geometry: Dict,
                    params: Sequence[IntensityParam],
                    combined_key: Optional[str],
                    applied: bool) -> Optional[Dict[str, int]]:
        """The levels of one clip, recorded in ``geometry['levels']``
        (``-1`` for all of them when not ``applied``); ``None`` when not
        applied."""
        if not applied:
            record_levels(params, geometry, None, combined_key)
            return None
        levels = draw_levels(params, geometry, results, combined_key,
                             self.share_levels_with)
        record_levels(params, geometry, levels, combined_key)
        return levels


@TRANSFORMS.register_module()
class ClipColorJitter(PhotometricTransform):
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
        deferred (bool): draw and record here, apply in
            ``MultiViewDataPreprocessor`` (see the module doc). Defaults to
            False.
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
                 share_levels_with: Optional[str] = None,
                 deferred: bool = False) -> None:
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
        self.deferred = deferred

    def draw(self, results, shape, geometry):
        applied = self._maybe(self.prob) and any(p.enabled
                                                 for p in self.params)
        levels = self.draw_levels(results, geometry, self.params,
                                  self.level_key, applied)
        if levels is None:
            return None
        amounts = {}
        for name, p in zip(self.PARAMS, self.params):
            if p.enabled:
                s = p.draw_value(levels[p.key])
                amounts[name] = s if np.random.rand() < 0.5 else -s
        order = (
            np.random.permutation(len(self.PARAMS))
            if self.random_order else range(len(self.PARAMS)))
        steps = []
        for i in order:
            name = self.PARAMS[i]
            if name in amounts:  # factor, or a hue shift (fraction of 1)
                a = amounts[name]
                steps.append(
                    (name, float(a if name == 'hue' else max(0., 1. + a))))
        return dict(type='color_jitter', steps=steps)

    def apply(self, imgs, op):
        x = imgs.astype(np.float32)
        for name, value in op['steps']:
            x = getattr(self, f'_{name}')(x, value)
            np.clip(x, 0, 255, out=x)
        return np.rint(x).astype(np.uint8)

    @staticmethod
    def _brightness(x, f):
        x *= f
        return x

    @staticmethod
    def _contrast(x, f):
        mean = float(_gray(x).mean())
        x *= f
        x += (1. - f) * mean
        return x

    @staticmethod
    def _saturation(x, f):
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
                f'level_key={self.level_key!r}, deferred={self.deferred})')


@TRANSFORMS.register_module()
class ClipGrayscale(PhotometricTransform):
    """Convert a whole clip to grey (3 equal channels, ITU-R 601 weights)
    with probability ``prob`` (default 0.2, SimCLR / CVRL); ``deferred``: see
    :class:`ClipColorJitter`."""

    def __init__(self, prob: float = 0.2, deferred: bool = False) -> None:
        self.prob = prob
        self.deferred = deferred

    def draw(self, results, shape, geometry):
        return dict(type='grayscale') if self._maybe(self.prob) else None

    def apply(self, imgs, op):
        t, h, w, c = imgs.shape
        gray = cv2.cvtColor(
            np.ascontiguousarray(imgs).reshape(t * h, w, c),
            cv2.COLOR_RGB2GRAY).reshape(t, h, w, 1)
        return np.ascontiguousarray(np.broadcast_to(gray, imgs.shape))

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(prob={self.prob}, '
                f'deferred={self.deferred})')


@TRANSFORMS.register_module()
class ClipGaussianBlur(PhotometricTransform):
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
        deferred (bool): see :class:`ClipColorJitter`.
    """

    def __init__(self,
                 sigma=(0.1, 2.0),
                 kernel_size: Union[None, int, Sequence[int]] = None,
                 prob: float = 0.5,
                 level_key: str = 'blur',
                 share_levels_with: Optional[str] = None,
                 deferred: bool = False) -> None:
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
        self.deferred = deferred

    @staticmethod
    def auto_kernel(h: int, w: int) -> int:
        k = int(0.1 * min(h, w))
        return max(3, k + 1 - k % 2)

    def draw(self, results, shape, geometry):
        levels = self.draw_levels(results, geometry, self.params,
                                  self.level_key, self._maybe(self.prob))
        if levels is None:
            return None
        if self.kernel_param.enabled:
            k = int(
                self.kernel_param.draw_value(levels[self.kernel_param.key]))
        else:
            k = self.auto_kernel(*shape[1:3])
        sigma = self.sigma_param.draw_value(levels[self.sigma_param.key])
        return dict(type='gaussian_blur', kernel_size=k, sigma=float(sigma))

    def apply(self, imgs, op):
        k, sigma = int(op['kernel_size']), float(op['sigma'])
        out = np.empty_like(imgs)
        for t in range(len(imgs)):
            cv2.GaussianBlur(
                imgs[t], (k, k),
                sigmaX=sigma,
                sigmaY=sigma,
                dst=out[t],
                borderType=cv2.BORDER_REFLECT_101)
        return out

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(sigma={self.sigma}, '
                f'kernel_size={self.kernel_size}, prob={self.prob}, '
                f'level_key={self.level_key!r}, deferred={self.deferred})')


@TRANSFORMS.register_module()
class ClipSolarize(PhotometricTransform):
    """Solarize a clip (``v -> 255 - v`` where ``v >= threshold``).

    Args:
        threshold: a number (fixed, default 128), a ``(lo, hi)`` range or a
            list of ranges (levels; a lower threshold is stronger).
        prob (float): Defaults to 0.2.
        level_key (str): Defaults to ``'solarize'``.
        share_levels_with (str, optional): see :class:`ClipColorJitter`.
        deferred (bool): see :class:`ClipColorJitter`.
    """

    def __init__(self,
                 threshold=128,
                 prob: float = 0.2,
                 level_key: str = 'solarize',
                 share_levels_with: Optional[str] = None,
                 deferred: bool = False) -> None:
        self.threshold = threshold
        self.param = IntensityParam(
            level_key, _fixed(threshold), bounds=(0, 256))
        self.prob = prob
        self.level_key = level_key
        self.share_levels_with = share_levels_with
        self.deferred = deferred

    def draw(self, results, shape, geometry):
        levels = self.draw_levels(results, geometry, [self.param], None,
                                  self._maybe(self.prob))
        if levels is None:
            return None
        thr = self.param.draw_value(levels[self.param.key])
        return dict(type='solarize', threshold=float(thr))

    def apply(self, imgs, op):
        thr = op['threshold']
        return np.where(imgs >= thr, 255 - imgs, imgs)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(threshold={self.threshold}, '
                f'prob={self.prob}, level_key={self.level_key!r}, '
                f'deferred={self.deferred})')
