"""ConST-CL: contextualised spatio-temporal contrastive learning."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor

from mmvssl.ops import RoIAlign3D, get_dist_info
from mmvssl.registry import MODELS
from mmvssl.structures.views import stacked_boxes
from .base import BaseSSLAlgorithm
from .temporal_sampling import build_frame_sampler, context_frame_indices


@MODELS.register_module()
class ConSTCL(BaseSSLAlgorithm):
    """ConST-CL (Yuan et al., CVPR 2022): global InfoNCE on the global branch
    plus region contrast on the local branch, where a transformer head
    reconstructs view a's regions from view b's context (Eq. 5-6).

    Per video, two views ``a`` and ``b``. One feature frame is chosen in
    each (``temporal_sampling``); the boxes of the input frame that feature
    frame is centred on (``t * s``, ``s = T_in / T_feat``, e.g. 8 of 16 for
    the centre frame of R3D-50) are mapped to the feature grid by the
    input/feature size ratio and pooled with :class:`RoIAlign3D`
    (``roi_output_size`` bins, averaged) from the L2-normalised local
    feature map. The head predicts ``z_ab = g(h_a, F_b^c)`` with the
    ``context_length`` feature frames of view b around its chosen frame;
    ``loss_local`` contrasts it with view b's region features (positive =
    argmax similarity, Eq. 6); symmetric b -> a. The head owns that loss
    (``head.loss(regions, data_samples)``, see
    :class:`~mmvssl.models.heads.RegionContrastMixin`); ``loss_local`` is
    given to the head at build time.

    Args:
        backbone (dict): e.g. ``dict(type='ResNet3dY')``; its forward must
            return ``dict(global=..., local=...)``.
        neck (dict): global projection, e.g. ``MLPProjectionNeck``.
        head (dict): local head, ``ConSTCLHead`` (context >= 1) or
            ``RegionMLPHead`` (context 0, vanilla region contrast).
        loss_global (dict): defaults to ``InfoNCELoss(temperature=0.1)``.
        loss_local (dict): defaults to
            ``RegionInfoNCELoss(temperature=0.2, loss_weight=0.001)``.
        roi_output_size (int): RoIAlign bins per side. Defaults to 4.
        roi_sampling_ratio (int): RoIAlign samples per bin. Defaults to 0.
        temporal_sampling (str | dict): ``'center'`` (default),
            ``'nearest'`` or ``'random'``, or a ``TASK_UTILS`` config.
        normalize_local (bool): L2-normalise the local feature map over
            channels before pooling regions / context. Defaults to True.
        view_indices (tuple[int, int]): which two views of ``inputs``.
        data_preprocessor, init_cfg: see :class:`BaseSSLAlgorithm`.
    """

    def __init__(self,
                 backbone: Dict,
                 neck: Dict,
                 head: Dict,
                 loss_global: Dict = dict(type='InfoNCELoss',
                                          temperature=0.1),
                 loss_local: Dict = dict(type='RegionInfoNCELoss',
                                         temperature=0.2,
                                         loss_weight=0.001),
                 roi_output_size: int = 4,
                 roi_sampling_ratio: int = 0,
                 temporal_sampling: Union[str, Dict] = 'center',
                 normalize_local: bool = True,
                 view_indices: Tuple[int, int] = (0, 1),
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        head = dict(head)
        if 'loss' in head:
            raise ValueError('ConSTCL: set the region loss with '
                             'ConSTCL(loss_local=...), not head.loss')
        head['loss'] = loss_local
        super().__init__(backbone, neck, head, data_preprocessor, init_cfg)
        self.loss_global = MODELS.build(loss_global)
        self.roi_align = RoIAlign3D(
            roi_output_size, spatial_scale=1.0,
            sampling_ratio=roi_sampling_ratio, aligned=True)
        self.frame_sampler = build_frame_sampler(temporal_sampling)
        self.normalize_local = normalize_local
        self.view_indices = tuple(view_indices)

    @property
    def loss_local(self):
        """The region loss (``loss_local``), owned by the head."""
        return self.head.loss_module

    @property
    def context_length(self) -> int:
        return int(getattr(self.head, 'context_length', 0))

    # ----------------------------------------------------------------- regions
    def _pool_regions(self, fmap: Tensor, frame: Tensor, boxes: Tensor,
                      in_hw: Tuple[int, int]) -> Tuple[Tensor, Tensor]:
        """Region features on one feature frame per video.

        Args:
            fmap: ``(B, C, T, H, W)``; frame: ``(B,)``; boxes: ``(B, N, 4)``
            in input pixels; in_hw: input ``(H, W)``.

        Returns:
            ``(B, N, C)`` features and ``(B, N, 3)`` ``(t, y, x)`` positions.
        """
        B, C, T, H, W = fmap.shape
        N = boxes.shape[1]
        scale = boxes.new_tensor([W / in_hw[1], H / in_hw[0]] * 2)
        feat_boxes = boxes * scale
        bidx = torch.arange(B, device=fmap.device).repeat_interleave(N)
        rois = torch.cat([
            bidx[:, None].to(boxes.dtype),
            frame.repeat_interleave(N)[:, None].to(boxes.dtype),
            feat_boxes.reshape(B * N, 4)
        ], dim=1)
        pooled = self.roi_align(fmap, rois).mean(dim=(2, 3))
        cx = (boxes[..., 0] + boxes[..., 2]) / 2 / in_hw[1] - 0.5
        cy = (boxes[..., 1] + boxes[..., 3]) / 2 / in_hw[0] - 0.5
        pos = torch.stack([torch.zeros_like(cx), cy, cx], dim=-1)
        return pooled.reshape(B, N, C), pos.to(fmap.dtype)

    def _context(self, fmap: Tensor, key: Tensor) -> Tuple[Tensor, Tensor]:
        """``context_length`` frames around ``key``: ``(B, c*H*W, C)``
        tokens and their ``(B, c*H*W, 3)`` positions."""
        B, C, T, H, W = fmap.shape
        c = self.context_length
        idx = context_frame_indices(key, T, c)  # (B, c)
        frames = fmap.transpose(1, 2)[torch.arange(B, device=fmap.device)
                                      [:, None], idx]  # (B, c, C, H, W)
        tokens = frames.permute(0, 1, 3, 4, 2).reshape(B, c * H * W, C)
        t = ((idx - key[:, None]).to(fmap.dtype) / T)[:, :, None, None]
        y = ((torch.arange(H, device=fmap.device, dtype=fmap.dtype) + 0.5) /
             H - 0.5)[None, None, :, None]
        x = ((torch.arange(W, device=fmap.device, dtype=fmap.dtype) + 0.5) /
             W - 0.5)[None, None, None, :]
        pos = torch.stack(torch.broadcast_tensors(t, y, x), dim=-1)
        return tokens, pos.reshape(B, c * H * W, 3)

    def _view_regions(self, fmap: Tensor, view_input: Tensor, geom: Dict,
                      key: Tensor) -> Dict[str, Tensor]:
        """Regions of one view on its chosen feature frame."""
        T_in, H_in, W_in = view_input.shape[2:]
        T_f = fmap.shape[2]
        stride = T_in // T_f
        box_frame = key * stride
        if geom['boxes'].shape[1] != T_in:
            raise ValueError(
                f"geometry 'boxes' cover {geom['boxes'].shape[1]} frames but "
                f'the view has {T_in} input frames')
        B = fmap.shape[0]
        ar = torch.arange(B, device=fmap.device)
        boxes = geom['boxes'][ar, box_frame]
        valid = geom['box_valid'][ar, box_frame]
        feats, pos = self._pool_regions(fmap, key, boxes, (H_in, W_in))
        return dict(feats=feats, pos=pos, valid=valid)

    def _feature_timestamps(self, ts: Optional[Tensor], T_in: int,
                            T_f: int) -> Optional[Tensor]:
        if ts is None:
            return None
        return ts[:, ::T_in // T_f][:, :T_f]

    # -------------------------------------------------------------------- loss
    def loss(self, inputs: Sequence[Tensor],
             data_samples: List) -> Dict[str, Tensor]:
        views = self._as_views(inputs)
        ia, ib = self.view_indices
        if len(views) <= max(ia, ib):
            raise ValueError(f'ConSTCL needs views {self.view_indices}, got '
                             f'{len(views)} view(s)')
        va, vb = views[ia], views[ib]
        fa, fb = self.extract_feat([va, vb])
        for v, f in ((va, fa), (vb, fb)):
            if not isinstance(f, dict) or 'local' not in f:
                raise TypeError('ConSTCL: the backbone must return '
                                "dict(global=..., local=...) (e.g. "
                                'ResNet3dY with out_branch=None)')
            if v.shape[2] % f['local'].shape[2]:
                raise ValueError(
                    f'input frames {v.shape[2]} not a multiple of feature '
                    f"frames {f['local'].shape[2]}")

        # global: InfoNCE on the projected, pooled global features
        z = self.neck(torch.cat([fa['global'], fb['global']]))
        za, zb = z.chunk(2)
        losses = self.collect_losses({}, 'global', self.loss_global(za, zb))

        # local: regions on one feature frame per view
        device = va.device
        ga = stacked_boxes(data_samples, ia, device)
        gb = stacked_boxes(data_samples, ib, device)
        la, lb = fa['local'], fb['local']
        if self.normalize_local:
            la, lb = F.normalize(la, dim=1), F.normalize(lb, dim=1)
        Ta, Tb = la.shape[2], lb.shape[2]
        ts_a = self._feature_timestamps(ga['timestamps'], va.shape[2], Ta)
        ts_b = self._feature_timestamps(gb['timestamps'], vb.shape[2], Tb)
        ka, kb = self.frame_sampler(
            Ta, Tb, ts_a, ts_b, batch_size=va.shape[0], device=device)
        ra = self._view_regions(la, va, ga, ka)
        rb = self._view_regions(lb, vb, gb, kb)

        for r, fmap, key in ((ra, la, ka), (rb, lb, kb)):
            r['context'], r['context_pos'] = self._context(fmap, key) \
                if self.context_length > 0 else (None, None)
        out = self.head.loss(dict(a=ra, b=rb), data_samples)
        # valid regions per video: 0 means that no boxes exist on the
        # sampled frames (check the region source's `frames`)
        out['regions'] = out.pop('num_anchors') / max(
            va.shape[0] * get_dist_info()[1], 1)
        return self.collect_losses(losses, 'local', out)
