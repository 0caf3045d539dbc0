"""Action-transformer RoI head for spatio-temporal action localization.

ConST-CL evaluates its local features on AVA / AVA-Kinetics with "the same
action transformer head as in [21, 33]" (Girdhar et al., Video Action
Transformer Network, CVPR 2019; Li et al., AVA-Kinetics, 2020): the feature
of a person box (RoIAlign) is the *query* of a small transformer whose
*memory* (keys / values) is the feature map of the whole clip with a
positional encoding; the updated query is classified.

:class:`ActionTransformerHead` is a *shared head* of mmaction2's
:class:`AVARoIHead`. That RoI head already hands its shared head everything
the transformer needs:

``shared_head(bbox_feats, feat=clip_feat, rois=rois, img_metas=...)``

where ``bbox_feats`` are the RoI features of :class:`SingleRoIExtractor3D`
(``(K, C, t, h, w)``), ``clip_feat`` is the clip feature map the RoIs were
pooled from (``(N, C, T, H, W)``; ``T = 1`` when the extractor averages over
time, ``with_temporal_pool=True``) and ``rois`` are ``(K, 5)`` boxes
``(batch_index, x1, y1, x2, y2)`` in input pixels. The head returns
``(K, out_channels, 1, 1, 1)`` features, so mmaction2's :class:`BBoxHeadAVA`
(``in_channels=out_channels``) classifies them and computes the multi-label
loss unchanged, and the plain ``BBoxHeadAVA`` baseline is the same config
without the shared head.
"""
import math
from typing import List, Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmvssl.registry import MODELS


def fourier_position_features(coords: Tensor, num_freqs: int) -> Tensor:
    """Sine / cosine features of normalised coordinates.

    Args:
        coords (Tensor): ``(..., D)`` coordinates in ``[0, 1]``.
        num_freqs (int): frequencies ``pi * 2**k``, ``k < num_freqs``.

    Returns:
        Tensor: ``(..., 2 * D * num_freqs)``.
    """
    freqs = math.pi * (2.0**torch.arange(
        num_freqs, dtype=coords.dtype, device=coords.device))
    angles = coords[..., None] * freqs  # (..., D, F)
    feats = torch.cat([angles.sin(), angles.cos()], dim=-1)
    return feats.flatten(-2)


def grid_coordinates(t: int, h: int, w: int, device=None,
                     dtype=torch.float32) -> Tensor:
    """Normalised ``(t, y, x)`` centres of a ``t x h x w`` grid, ``(t*h*w,
    3)`` in ``[0, 1]`` (0.5 along an axis of length 1)."""
    axes = [(torch.arange(n, device=device, dtype=dtype) + 0.5) / n
            for n in (t, h, w)]
    grid = torch.meshgrid(*axes, indexing='ij')
    return torch.stack(grid, dim=-1).reshape(-1, 3)


class ActionTransformerUnit(nn.Module):
    """One query-update unit of the action transformer: cross-attention of
    the person queries over the clip memory, then a feed-forward network,
    each with dropout, a residual connection and LayerNorm (post-norm, as in
    Girdhar et al.)."""

    def __init__(self, embed_dims: int, num_heads: int, ffn_channels: int,
                 dropout: float) -> None:
        super().__init__()
        self.attn = nn.MultiheadAttention(
            embed_dims, num_heads, dropout=0.0, batch_first=True)
        self.norm1 = nn.LayerNorm(embed_dims)
        self.ffn = nn.Sequential(
            nn.Linear(embed_dims, ffn_channels), nn.ReLU(inplace=True),
            nn.Dropout(dropout), nn.Linear(ffn_channels, embed_dims))
        self.norm2 = nn.LayerNorm(embed_dims)
        self.drop = nn.Dropout(dropout)

    def forward(self, query: Tensor, memory: Tensor,
                memory_pos: Tensor) -> Tensor:
        """``query (K, 1, D)``, ``memory / memory_pos (K, M, D)``."""
        attended, _ = self.attn(
            query, memory + memory_pos, memory, need_weights=False)
        query = self.norm1(query + self.drop(attended))
        query = self.norm2(query + self.drop(self.ffn(query)))
        return query


@MODELS.register_module()
class ActionTransformerHead(BaseModule):
    """Action transformer (Girdhar et al. 2019) as an AVA shared RoI head.

    * query: the RoI feature of each person box, averaged over time,
      reduced to ``embed_dims`` channels by a 1x1 conv, average-pooled to
      ``query_size x query_size`` and flattened into one ``embed_dims``
      vector by a linear layer (the "HighRes" query preprocessor of the
      paper; ``query_size=1`` is plain average pooling); with
      ``query_pos=True`` the positional encoding of the box (centre and size)
      is added to it;
    * memory: the clip feature map, reduced to ``embed_dims`` channels by a
      1x1 conv; every ``(t, y, x)`` cell gets a positional encoding (Fourier
      features of its normalised coordinates, projected linearly), added to
      the keys;
    * ``num_layers`` units of multi-head cross-attention (the query of each
      box attends to the memory of its own clip) + FFN;
    * output: the updated query, optionally concatenated with the
      average-pooled RoI feature (``with_roi_feat``), as a
      ``(K, out_channels, 1, 1, 1)`` tensor for :class:`BBoxHeadAVA`.

    Args:
        in_channels (int): channels of the backbone features. Default 2048.
        embed_dims (int): transformer width. Default 128 (Girdhar et al.).
        num_heads (int): attention heads per unit. Default 2.
        num_layers (int): stacked units. Default 3 (the paper's "2 heads x
            3 layers").
        ffn_channels (int, optional): hidden width of the FFN; defaults to
            ``embed_dims``.
        dropout (float): dropout in the units. Default 0.3.
        query_size (int): spatial size the query is pooled to before
            flattening. Default 4.
        num_pos_freqs (int): Fourier frequencies per coordinate. Default 8.
        query_pos (bool): add the box position to the query. Default True.
        with_roi_feat (bool): concatenate the pooled RoI feature
            (``in_channels``) to the output. Default False.
        init_cfg (dict, optional): mmengine initialisation config.

    Attributes:
        out_channels (int): channels of the output, ``embed_dims`` (+
            ``in_channels`` with ``with_roi_feat``): the ``in_channels`` of
            the :class:`BBoxHeadAVA` that follows.
    """

    def __init__(self,
                 in_channels: int = 2048,
                 embed_dims: int = 128,
                 num_heads: int = 2,
                 num_layers: int = 3,
                 ffn_channels: Optional[int] = None,
                 dropout: float = 0.3,
                 query_size: int = 4,
                 num_pos_freqs: int = 8,
                 query_pos: bool = True,
                 with_roi_feat: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if embed_dims % num_heads:
            raise ValueError(f'embed_dims={embed_dims} is not divisible by '
                             f'num_heads={num_heads}')
        self.in_channels = in_channels
        self.embed_dims = embed_dims
        self.query_size = query_size
        self.num_pos_freqs = num_pos_freqs
        self.query_pos = query_pos
        self.with_roi_feat = with_roi_feat
        self.out_channels = embed_dims + (in_channels if with_roi_feat else 0)

        self.query_reduce = nn.Conv2d(in_channels, embed_dims, 1)
        self.query_fc = nn.Linear(embed_dims * query_size**2, embed_dims)
        self.query_norm = nn.LayerNorm(embed_dims)
        self.memory_reduce = nn.Conv3d(in_channels, embed_dims, 1)
        # (t, y, x) of a memory cell; (t, cy, cx, w, h) of a box
        self.memory_pos = nn.Linear(3 * 2 * num_pos_freqs, embed_dims)
        if query_pos:
            self.box_pos = nn.Linear(5 * 2 * num_pos_freqs, embed_dims)
        self.units = nn.ModuleList([
            ActionTransformerUnit(embed_dims, num_heads, ffn_channels
                                  or embed_dims, dropout)
            for _ in range(num_layers)
        ])

    def init_weights(self) -> None:
        super().init_weights()
        if self.init_cfg is None:
            for m in self.modules():
                if isinstance(m, (nn.Linear, nn.Conv2d, nn.Conv3d)):
                    nn.init.xavier_uniform_(m.weight)
                    if m.bias is not None:
                        nn.init.zeros_(m.bias)

    def _box_position(self, rois: Tensor, feat: Tensor,
                      img_metas: Optional[List[dict]]) -> Tensor:
        """Normalised ``(t, cx, cy, w, h)`` of each box (``t = 0.5``, the
        keyframe at the clip centre)."""
        # the input size comes from the image metas (``img_shape``); without
        # them the boxes are normalised by their own extent in the batch
        size = None
        if img_metas:
            shape = img_metas[0].get('img_shape')
            if shape is not None:
                size = rois.new_tensor([shape[1], shape[0]])
        if size is None:
            size = rois[:, 3:5].max(0).values.clamp(min=1)
        hw = size.repeat(2)
        box = rois[:, 1:] / hw
        coords = torch.stack([
            torch.full_like(box[:, 0], 0.5), (box[:, 0] + box[:, 2]) / 2,
            (box[:, 1] + box[:, 3]) / 2, box[:, 2] - box[:, 0],
            box[:, 3] - box[:, 1]
        ], dim=1).clamp(0, 1)
        return self.box_pos(
            fourier_position_features(coords, self.num_pos_freqs))

    def forward(self,
                x: Tensor,
                feat: Tensor,
                rois: Tensor,
                img_metas: Optional[List[dict]] = None,
                **kwargs) -> Tensor:
        """Update the person features with the clip context.

        Args:
            x (Tensor): RoI features ``(K, C, t, h, w)``.
            feat (Tensor): clip features ``(N, C, T, H, W)`` (the memory).
            rois (Tensor): ``(K, 5)``, ``(batch_index, x1, y1, x2, y2)``.
            img_metas (list[dict], optional): metainfo of the N clips
                (``img_shape`` normalises the box positions).

        Returns:
            Tensor: ``(K, out_channels, 1, 1, 1)``.
        """
        if isinstance(feat, (tuple, list)):
            feat = torch.cat(list(feat), dim=1)
        if feat.dim() == 4:  # (N, C, H, W): a single frame
            feat = feat.unsqueeze(2)
        roi = x.mean(dim=2)  # (K, C, h, w): averaged over time
        q = self.query_reduce(roi)
        q = F.adaptive_avg_pool2d(q, self.query_size).flatten(1)
        q = self.query_norm(self.query_fc(q))
        if self.query_pos:
            q = q + self._box_position(rois, feat, img_metas)

        mem = self.memory_reduce(feat)  # (N, D, T, H, W)
        n, d, t, h, w = mem.shape
        mem = mem.flatten(2).transpose(1, 2)  # (N, THW, D)
        pos = self.memory_pos(
            fourier_position_features(
                grid_coordinates(t, h, w, mem.device, mem.dtype),
                self.num_pos_freqs))  # (THW, D)
        inds = rois[:, 0].long()
        mem = mem[inds]  # each box attends to its own clip
        pos = pos.unsqueeze(0).expand(len(inds), -1, -1)

        q = q.unsqueeze(1)  # (K, 1, D)
        for unit in self.units:
            q = unit(q, mem, pos)
        out = q.squeeze(1)
        if self.with_roi_feat:
            out = torch.cat([out, roi.mean(dim=(2, 3))], dim=1)
        return out[:, :, None, None, None]
