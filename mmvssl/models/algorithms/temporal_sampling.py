"""Choice of the source / target feature frames of ConST-CL (Sec. 4.4)."""
from typing import Optional, Tuple

import torch
from torch import Tensor

from mmvssl.registry import TASK_UTILS


class _FrameSampler:
    """Returns one feature-frame index per video for each of two views.

    ``__call__(num_frames_a, num_frames_b, ts_a=None, ts_b=None,
    batch_size=None, device=None) -> (idx_a (B,), idx_b (B,))``, where
    ``ts_*`` are ``(B, T_*)`` timestamps (seconds) of the feature frames.
    """
    needs_timestamps = False

    def __call__(self,
                 num_frames_a: int,
                 num_frames_b: int,
                 ts_a: Optional[Tensor] = None,
                 ts_b: Optional[Tensor] = None,
                 batch_size: Optional[int] = None,
                 device=None) -> Tuple[Tensor, Tensor]:
        raise NotImplementedError


@TASK_UTILS.register_module()
class CenterFrameSampler(_FrameSampler):
    """The centre feature frame ``T // 2`` of both views (paper default)."""

    def __call__(self, num_frames_a, num_frames_b, ts_a=None, ts_b=None,
                 batch_size=None, device=None):
        full = torch.full((batch_size, ), 0, dtype=torch.long, device=device)
        return full + num_frames_a // 2, full + num_frames_b // 2


@TASK_UTILS.register_module()
class RandomFrameSampler(_FrameSampler):
    """Independent uniformly random frames in both views."""

    def __call__(self, num_frames_a, num_frames_b, ts_a=None, ts_b=None,
                 batch_size=None, device=None):
        return (torch.randint(num_frames_a, (batch_size, ), device=device),
                torch.randint(num_frames_b, (batch_size, ), device=device))


@TASK_UTILS.register_module()
class NearestFrameSampler(_FrameSampler):
    """The temporally closest frame pair of the two clips.

    If the clips overlap in time (``[first, last]`` feature-frame
    timestamps), a source frame is drawn uniformly among the source frames
    inside the overlap and paired with the closest target frame; otherwise
    (or if no source frame falls inside the overlap) the pair with the
    smallest time difference is taken, i.e. the closest ends of the clips.
    """
    needs_timestamps = True

    def __call__(self, num_frames_a, num_frames_b, ts_a=None, ts_b=None,
                 batch_size=None, device=None):
        if ts_a is None or ts_b is None:
            raise ValueError(
                'NearestFrameSampler needs the views\' timestamps '
                "(geometry['timestamps']); use 'center' or 'random' "
                'sampling for data without them')
        ts_a, ts_b = ts_a.double(), ts_b.double()
        B, Ta = ts_a.shape
        dist = (ts_a[:, :, None] - ts_b[:, None, :]).abs()  # (B, Ta, Tb)
        flat = dist.flatten(1).argmin(dim=1)
        idx_a, idx_b = flat // ts_b.shape[1], flat % ts_b.shape[1]

        lo = torch.maximum(ts_a.min(1).values, ts_b.min(1).values)
        hi = torch.minimum(ts_a.max(1).values, ts_b.max(1).values)
        inside = (ts_a >= lo[:, None]) & (ts_a <= hi[:, None])
        has = inside.any(dim=1)
        if has.any():
            draw = torch.multinomial(inside[has].double(), 1)[:, 0]
            idx_a[has] = draw
            rows = torch.nonzero(has)[:, 0]
            idx_b[has] = dist[rows, draw].argmin(dim=1)
        return idx_a.to(device), idx_b.to(device)


# short names accepted by ConSTCL(temporal_sampling=...)
FRAME_SAMPLERS = dict(
    center='CenterFrameSampler',
    nearest='NearestFrameSampler',
    random='RandomFrameSampler')


def build_frame_sampler(cfg) -> _FrameSampler:
    """Build from ``'center' | 'nearest' | 'random'`` or a config dict."""
    if isinstance(cfg, str):
        if cfg not in FRAME_SAMPLERS:
            raise ValueError(f'temporal_sampling={cfg!r} is not one of '
                             f'{sorted(FRAME_SAMPLERS)} (or a config dict)')
        cfg = dict(type=FRAME_SAMPLERS[cfg])
    return TASK_UTILS.build(cfg)


def context_frame_indices(key: Tensor, num_frames: int,
                          length: int) -> Tensor:
    """``length`` feature frames around each key frame.

    Frames are spaced by ``max(num_frames // length, 1)`` and centred on
    the key frame (``key - length // 2 * stride`` ...), the window shifted
    to stay inside ``[0, num_frames)`` (so with ``T = 8`` and a centre key
    frame: c=1 -> [4], c=3 -> [2, 4, 6], c=5 -> [2..6]).

    Args:
        key (Tensor): ``(B,)`` key-frame indices.
        num_frames (int): feature frames ``T``.
        length (int): context length ``c >= 1``.

    Returns:
        Tensor: ``(B, c)`` int64 indices.
    """
    stride = max(num_frames // length, 1)
    offsets = (torch.arange(length, device=key.device) - length // 2) * stride
    idx = key[:, None] + offsets[None]
    shift = (-idx.min(dim=1).values).clamp(min=0) - \
        (idx.max(dim=1).values - (num_frames - 1)).clamp(min=0)
    return (idx + shift[:, None]).clamp(0, num_frames - 1)
