"""Spatio-temporal RoIAlign: one batched :func:`mmcv.ops.roi_align` call."""
from typing import Tuple, Union

import torch
import torch.nn as nn
from torch import Tensor


def _roi_align_2d():
    # imported lazily so that importing mmvssl does not require compiled ops
    from mmcv.ops import roi_align
    return roi_align


def roi_align_3d(feats: Tensor,
                 rois: Tensor,
                 output_size: Union[int, Tuple[int, int]],
                 spatial_scale: float = 1.0,
                 sampling_ratio: int = 0,
                 aligned: bool = True) -> Tensor:
    """RoIAlign on individual frames of a clip feature map.

    Every frame of every clip becomes one image of a ``(B*T, C, H, W)``
    batch and the row ``[b, t, x1, y1, x2, y2]`` becomes the 2D RoI
    ``[b*T + t, x1, y1, x2, y2]``; all boxes are then pooled by ONE call of
    :func:`mmcv.ops.roi_align` (CPU and CUDA kernels; gradients flow to
    ``feats``).

    Args:
        feats (Tensor): ``(B, C, T, H, W)`` feature maps.
        rois (Tensor): ``(K, 6)`` rows ``[batch_index, t, x1, y1, x2, y2]``;
            ``t`` is a feature-frame index in ``[0, T)``, the box is in
            input-pixel coordinates (multiplied by ``spatial_scale``).
        output_size (int | tuple[int, int]): ``(oh, ow)`` of every RoI.
        spatial_scale (float): factor from box to feature coordinates.
        sampling_ratio (int): samples per bin (0 = adaptive).
        aligned (bool): use the half-pixel offset of Detectron2.

    Returns:
        Tensor: ``(K, C, oh, ow)`` pooled features.
    """
    if feats.dim() != 5:
        raise ValueError('roi_align_3d: feats must be (B, C, T, H, W), got '
                         f'shape {tuple(feats.shape)}')
    if rois.dim() != 2 or rois.size(1) != 6:
        raise ValueError('roi_align_3d: rois must be (K, 6) rows [batch_index,'
                         f' t, x1, y1, x2, y2], got shape {tuple(rois.shape)}')
    B, C, T, H, W = feats.shape
    if not rois.is_cuda and rois.numel():  # cheap check, no device sync
        b_max, t_max = int(rois[:, 0].max()), int(rois[:, 1].max())
        b_min, t_min = int(rois[:, 0].min()), int(rois[:, 1].min())
        if b_min < 0 or b_max >= B:
            raise IndexError(f'roi_align_3d: batch_index out of [0, {B}): '
                             f'min {b_min}, max {b_max}')
        if t_min < 0 or t_max >= T:
            raise IndexError(f'roi_align_3d: t out of [0, {T}): '
                             f'min {t_min}, max {t_max}')
    # mmcv's kernels have no bfloat16 and box coordinates need more than
    # 8-11 mantissa bits: reduced-precision features (autocast) are pooled
    # in float32 and the result is cast back
    dtype = feats.dtype
    if dtype in (torch.float16, torch.bfloat16):
        feats = feats.float()
    # mmcv kernels index raw memory: the input must be contiguous
    frames = feats.transpose(1, 2).reshape(B * T, C, H, W).contiguous()
    frame_idx = rois[:, :1].round() * T + rois[:, 1:2].round()
    rois_2d = torch.cat([frame_idx, rois[:, 2:]],
                        dim=1).to(feats.dtype).contiguous()
    out = _roi_align_2d()(frames, rois_2d, output_size, spatial_scale,
                          sampling_ratio, 'avg', aligned)
    return out.to(dtype)


class RoIAlign3D(nn.Module):
    """Spatio-temporal RoIAlign module (see :func:`roi_align_3d`).

    Args:
        output_size (int | tuple[int, int]): output ``(oh, ow)``.
        spatial_scale (float): box-to-feature scale, e.g. ``1 / 32``.
        sampling_ratio (int): samples per bin, 0 = adaptive. Defaults to 0.
        aligned (bool): half-pixel aligned sampling. Defaults to True.

    Shapes:
        ``forward(feats (B, C, T, H, W), rois (K, 6)) -> (K, C, oh, ow)``
        with rois rows ``[batch_index, t, x1, y1, x2, y2]``.
    """

    def __init__(self,
                 output_size: Union[int, Tuple[int, int]],
                 spatial_scale: float = 1.0,
                 sampling_ratio: int = 0,
                 aligned: bool = True) -> None:
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = float(spatial_scale)
        self.sampling_ratio = int(sampling_ratio)
        self.aligned = aligned

    def forward(self, feats: Tensor, rois: Tensor) -> Tensor:
        return roi_align_3d(feats, rois, self.output_size, self.spatial_scale,
                            self.sampling_ratio, self.aligned)

    def extra_repr(self) -> str:
        return (f'output_size={self.output_size}, '
                f'spatial_scale={self.spatial_scale}, '
                f'sampling_ratio={self.sampling_ratio}, '
                f'aligned={self.aligned}')
