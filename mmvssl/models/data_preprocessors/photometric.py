"""Batched photometric augmentation from the views' geometry records.

A colour / blur transform with ``deferred=True``
(:mod:`mmvssl.datasets.transforms.photometric`) draws its parameters in the
DataLoader worker and appends the operation to the view's
``geometry['photometric']`` list instead of changing the pixels;
:func:`apply_photometric` applies those operations to a batch on whatever
device the batch is on (the GPU when there is one). The result equals the
worker path for the same parameters: each transform's output is rounded to
integers where the worker's uint8 arrays are; grayscale and blur reproduce
OpenCV's fixed-point arithmetic (bit-exact), hue its float HSV conversion;
the colour jitter differs by float rounding only (one grey level on a few
pixels, see
``tests/test_models/test_data_preprocessors/test_photometric_preprocessor.py``).

Operations (plain dicts, in application order):

* ``dict(type='color_jitter', steps=[(name, value), ...])``: ``brightness``
  / ``contrast`` / ``saturation`` multiply by ``value`` (contrast towards
  the clip's mean grey level, saturation towards each pixel's grey), ``hue``
  rotates by ``value`` of a full turn; values clipped to [0, 255] after
  each step;
* ``dict(type='grayscale')``;
* ``dict(type='gaussian_blur', kernel_size=k, sigma=s)`` (reflect-101
  border, as ``cv2.GaussianBlur``);
* ``dict(type='solarize', threshold=t)``: ``v -> 255 - v`` where
  ``v >= t``.
"""
import math
from typing import Dict, List, Sequence

import torch
import torch.nn.functional as F

__all__ = ['apply_photometric', 'PHOTOMETRIC_OPS']

#: cv2.COLOR_RGB2GRAY's fixed-point weights (sum 2**15) for uint8 images
_GRAY_FIXED = (9798, 19235, 3735)
_GRAY_FLOAT = (0.299, 0.587, 0.114)


def _values(ops: Sequence[Dict], key: str, like: torch.Tensor):
    return torch.tensor([float(o[key]) for o in ops],
                        dtype=like.dtype,
                        device=like.device).view(-1, 1, 1, 1, 1)


def _gray_float(x: torch.Tensor) -> torch.Tensor:
    """Luma of float ``(N, 3, T, H, W)``: ``(N, 1, T, H, W)``."""
    r, g, b = x[:, 0:1], x[:, 1:2], x[:, 2:3]
    return r * _GRAY_FLOAT[0] + g * _GRAY_FLOAT[1] + b * _GRAY_FLOAT[2]


def _rgb_to_hsv(x):
    """OpenCV's float RGB -> HSV (H in degrees, S and V in [0, 1])."""
    r, g, b = x.unbind(1)
    v, _ = x.max(1)
    vmin, _ = x.min(1)
    diff = v - vmin
    s = torch.where(v > 0, diff / (v + 1.1920929e-07), torch.zeros_like(v))
    scale = 60. / (diff + 1.1920929e-07)
    h = torch.where(
        v == r, (g - b) * scale,
        torch.where(v == g, (b - r) * scale + 120., (r - g) * scale + 240.))
    h = torch.where(h < 0, h + 360., h)
    return h, s, v


def _hsv_to_rgb(h, s, v):
    """HSV (H in degrees) -> RGB, ``c = v - v s clamp(min(k, 4 - k), 0, 1)``
    with ``k = (n + H / 60) mod 6`` and ``n = 5, 3, 1`` for R, G, B: OpenCV's
    six sectors in closed form (equal up to float rounding)."""
    h6 = h * (1. / 60.)
    vs = v * s
    out = []
    for n in (5., 3., 1.):
        k = torch.remainder(h6 + n, 6.)
        out.append(v - vs * torch.minimum(k, 4. - k).clamp_(0., 1.))
    return torch.stack(out, 1)


def _jitter_step(x, name, value):
    """One colour-jitter step on float ``(N, 3, T, H, W)`` with per-sample
    ``value`` ``(N, 1, 1, 1, 1)``."""
    if name == 'brightness':
        x.mul_(value)
    elif name == 'contrast':
        mean = _gray_float(x).mean(dim=(1, 2, 3, 4), keepdim=True)
        x.mul_(value).add_((1. - value) * mean)
    elif name == 'saturation':
        gray = _gray_float(x)
        x.mul_(value).add_((1. - value) * gray)
    elif name == 'hue':
        h, s, v = _rgb_to_hsv(x * (1. / 255.))
        x = _hsv_to_rgb(h + value.view(-1, 1, 1, 1) * 360., s, v) * 255.
    else:
        raise ValueError(f'unknown colour-jitter step {name!r}')
    return x.clamp_(0., 255.)


def _on_subset(x, sel, fn):
    """``fn`` on samples ``sel`` of ``x`` (in place on ``x`` when ``sel`` is
    all of them, else through a gathered copy)."""
    if len(sel) == x.shape[0]:
        return fn(x)
    idx = torch.tensor(sel, device=x.device)
    x[idx] = fn(x[idx])
    return x


def _color_jitter(x, ops):
    steps = [o['steps'] for o in ops]
    for k in range(max((len(s) for s in steps), default=0)):
        for name in ('brightness', 'contrast', 'saturation', 'hue'):
            sel = [
                i for i, s in enumerate(steps)
                if len(s) > k and s[k][0] == name
            ]
            if not sel:
                continue
            value = torch.tensor([float(steps[i][k][1]) for i in sel],
                                 dtype=x.dtype,
                                 device=x.device).view(-1, 1, 1, 1, 1)
            x = _on_subset(x, sel,
                           lambda sub: _jitter_step(sub, name, value))
    return x.round_()


def _grayscale(x, ops):
    # the inputs are integers here: OpenCV's fixed-point rounding exactly
    w = _GRAY_FIXED
    gray = torch.floor(
        (x[:, 0:1] * w[0] + x[:, 1:2] * w[1] + x[:, 2:3] * w[2] + 16384.) /
        32768.)
    return x.copy_(gray.expand_as(x))


def _blur_kernel(k: int, sigma: float, bits: int = 8) -> List[int]:
    """OpenCV's fixed-point Gaussian kernel of uint8 images: the normalised
    Gaussian in units of ``2**-bits``, rounded with error diffusion from
    the ends, the centre tap taking the rest (``cv2.GaussianBlur``'s
    bit-exact path)."""
    pos = [i - (k - 1) / 2 for i in range(k)]
    g = [math.exp(-p * p / (2 * sigma * sigma)) for p in pos]
    total = sum(g)
    scale = float(1 << bits)
    out, err, acc = [0] * k, 0.0, 0
    for i in range(k // 2):
        adj = g[i] / total * scale + err
        v = int(round(adj))
        err = adj - v
        out[i] = out[k - 1 - i] = v
        acc += v
    out[k // 2] = (1 << bits) - 2 * acc
    return out


def _gaussian_blur(x, ops):
    # integer inputs, integer kernels (sum 256): both passes are exact in
    # float32 (sums < 2**24), then OpenCV's rounding of the 16 fraction bits
    out = torch.empty_like(x)
    sizes = [int(o['kernel_size']) for o in ops]
    for k in sorted(set(sizes)):
        sel = [i for i, s in enumerate(sizes) if s == k]
        idx = torch.tensor(sel, device=x.device)
        sub = x[idx]
        n, c, t, h, w = sub.shape
        pad = k // 2
        if pad >= h or pad >= w:
            raise ValueError(f'gaussian_blur: kernel {k} is too large for '
                             f'{h}x{w} views')
        kern = torch.tensor(
            [_blur_kernel(k, float(ops[i]['sigma'])) for i in sel],
            dtype=x.dtype,
            device=x.device).repeat_interleave(c * t, 0)  # (n*c*t, k)
        planes = sub.reshape(1, n * c * t, h, w)
        planes = F.pad(planes, (pad, pad, pad, pad), mode='reflect')
        planes = F.conv2d(planes, kern.view(-1, 1, 1, k), groups=n * c * t)
        planes = F.conv2d(planes, kern.view(-1, 1, k, 1), groups=n * c * t)
        out[idx] = torch.floor(
            (planes.reshape(n, c, t, h, w) + 32768.) / 65536.)
    return out


def _solarize(x, ops):
    thr = _values(ops, 'threshold', x)
    return torch.where(x >= thr, 255. - x, x)


#: operation type -> batched implementation ``fn(x, ops) -> x``
PHOTOMETRIC_OPS = dict(
    color_jitter=_color_jitter,
    grayscale=_grayscale,
    gaussian_blur=_gaussian_blur,
    solarize=_solarize)


def apply_photometric(batch: torch.Tensor,
                      ops: List[Sequence[Dict]]) -> torch.Tensor:
    """Apply per-sample operation lists to a batch.

    Args:
        batch (Tensor): ``(B, 3, T, H, W)`` RGB in [0, 255] (any float
            dtype, any device; uint8 is converted to float32).
        ops (list): ``B`` lists of operations (module doc), each in
            application order; samples may have different lists.

    Returns:
        Tensor: the augmented batch, float, same device, values in
        [0, 255] (integers, as the worker path's uint8).
    """
    if len(ops) != batch.shape[0]:
        raise ValueError(f'{len(ops)} operation lists for a batch of '
                         f'{batch.shape[0]}')
    if batch.dim() != 5 or batch.shape[1] != 3:
        raise ValueError('photometric operations need (B, 3, T, H, W) RGB '
                         f'batches, got {tuple(batch.shape)}')
    # the operations work in place on this copy
    x = batch.clone() if batch.is_floating_point() else batch.float()
    for r in range(max((len(o) for o in ops), default=0)):
        by_type: Dict[str, List[int]] = {}
        for i, o in enumerate(ops):
            if len(o) > r:
                by_type.setdefault(o[r]['type'], []).append(i)
        for kind, sel in by_type.items():
            if kind not in PHOTOMETRIC_OPS:
                raise ValueError(f'unknown photometric operation {kind!r}; '
                                 f'known: {sorted(PHOTOMETRIC_OPS)}')
            fn = PHOTOMETRIC_OPS[kind]
            args = [ops[i][r] for i in sel]
            x = _on_subset(x, sel, lambda sub: fn(sub, args))
    return x
