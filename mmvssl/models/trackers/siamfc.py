"""SiamFC (Bertinetto et al., ECCV-W 2016) on 3D video backbones.

Tracking protocol of ConST-CL (Sec. 4 / App. C.3): the backbone's res4 and
res5 lose their spatial stride (dilation 2 and 4 instead, weights unchanged,
see :mod:`.dilation`); each frame is represented by the ``2n + 1`` frames
around it (n = 2, clamped at the ends of the video) and the centre time
slice of the res5 feature map feeds SiamFC's cross-correlation.
"""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import Tensor, nn

from mmvssl.registry import MODELS
from mmvssl.structures.sot_crops import (context_size, crop_square,
                                         neighbor_indices)
from .dilation import dilate_backbone

#: ConST-CL: stride 1 + dilation 2 in res4, stride 1 + dilation 4 in res5
PAPER_DILATIONS = dict(layer3=2, layer4=4, layer4_r=4)


def xcorr(z: Tensor, x: Tensor) -> Tensor:
    """Cross-correlation of exemplar features ``z`` (B or 1, C, h, w) over
    search features ``x`` (B, C, H, W): (B, 1, H - h + 1, W - w + 1)."""
    b, c, hh, ww = x.shape
    if z.size(0) == 1 and b > 1:
        return F.conv2d(x, z)
    out = F.conv2d(x.reshape(1, b * c, hh, ww), z, groups=b)
    return out.reshape(b, 1, out.size(-2), out.size(-1))


def siamfc_labels(size: int, shift: Tensor, total_stride: int,
                  pos_radius: float) -> Tensor:
    """SiamFC's 0/1 labels on a ``size x size`` response map: 1 within
    ``pos_radius / total_stride`` cells of the target (centre + ``shift /
    total_stride``; ``shift`` (B, 2) in search px)."""
    c = (size - 1) / 2
    ys = torch.arange(size, dtype=torch.float32, device=shift.device)
    dy = ys[None, :, None] - c - shift[:, 1, None, None] / total_stride
    dx = ys[None, None, :] - c - shift[:, 0, None, None] / total_stride
    dist = torch.sqrt(dx**2 + dy**2)
    return (dist <= pos_radius / total_stride).float().unsqueeze(1)


def balanced_logistic_loss(logits: Tensor, labels: Tensor) -> Tensor:
    """SiamFC's loss: per-position logistic loss, positives and negatives
    each weighted to half of the total (per sample), averaged over the
    batch."""
    pos = labels.flatten(1).sum(1).clamp(min=1)
    neg = (1 - labels).flatten(1).sum(1).clamp(min=1)
    w = labels * (0.5 / pos)[:, None, None, None] + (1 - labels) * (
        0.5 / neg)[:, None, None, None]
    loss = F.binary_cross_entropy_with_logits(logits, labels, reduction='none')
    return (loss * w).flatten(1).sum(1).mean()


@MODELS.register_module()
class SiamFC(BaseModel):
    """Fully-convolutional Siamese tracker on a (pre-trained) 3D backbone.

    Args:
        backbone (dict): backbone config, e.g. ``ResNet3dY(out_branch=
            'local')`` (ConST-CL local branch), ``out_branch='global'``, or
            a plain mmaction2 ``ResNet3d``. It must return one
            ``(B, C, T, H, W)`` tensor.
        pretrained (str, optional): checkpoint whose backbone is loaded
            strictly (:func:`mmvssl.apis.load_pretrained_backbone`) before
            the dilation (the weights do not depend on it).
        pretrained_branch (str, optional): res5 branch of a Y checkpoint
            (``'local'`` / ``'global'``); None loads keys unchanged.
        dilations (dict): ``{stage: dilation}`` made stride-1 / dilated;
            default ConST-CL's ``layer3`` (res4) 2 and res5 4.
        total_stride (int): stride of the resulting feature map (8 for the
            ConST-CL R3D: stem 2, pool 2, res3 2).
        num_neighbors (int): ``n``: ``2n + 1`` frames per input (2).
        exemplar_size / instance_size (int): exemplar and search crops (px;
            SiamFC 127 / 255).
        context_amount (float): context margin ``p = a (w + h)`` (0.5).
        scale_num, scale_step, scale_penalty, scale_lr (SiamFC 3, 1.0375,
            0.9745, 0.59), window_influence (0.176), response_up (16):
            SiamFC's tracking hyper-parameters.
        response_scale (float): the correlation is multiplied by it (1e-3,
            SiamFC's adjust layer) before ``adjust``.
        adjust (str): ``'bias'`` (learnable bias, SiamFC) or ``'bn'``
            (``BatchNorm2d(1)``, the SiamFC PyTorch ports).
        pos_radius (float): positive-label radius in search px (16).
        exemplar_feat_crop (int, optional): keep the centre ``k x k`` cells
            of the exemplar features (SiamDW / SiamRPN++ practice for
            padded ResNets: the border cells mostly see the zero padding
            and bias the response towards the search map's corners). None
            (default) keeps the whole map.
        mean, std (sequence): RGB normalisation of the pre-training.
    """

    def __init__(self,
                 backbone: dict,
                 pretrained: Optional[str] = None,
                 pretrained_branch: Optional[str] = 'local',
                 dilations: Optional[Dict[str, int]] = None,
                 total_stride: int = 8,
                 num_neighbors: int = 2,
                 exemplar_size: int = 127,
                 instance_size: int = 255,
                 context_amount: float = 0.5,
                 scale_num: int = 3,
                 scale_step: float = 1.0375,
                 scale_penalty: float = 0.9745,
                 scale_lr: float = 0.59,
                 window_influence: float = 0.176,
                 response_up: int = 16,
                 response_scale: float = 1e-3,
                 adjust: str = 'bias',
                 pos_radius: float = 16,
                 exemplar_feat_crop: Optional[int] = None,
                 mean: Sequence[float] = (123.675, 116.28, 103.53),
                 std: Sequence[float] = (58.395, 57.12, 57.375),
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self._backbone_cfg = backbone
        self.pretrained = pretrained
        self.pretrained_branch = pretrained_branch
        if pretrained:
            self.load_pretrained(pretrained, pretrained_branch)
        self.dilations = dict(
            PAPER_DILATIONS if dilations is None else dilations)
        dilate_backbone(self.backbone, self.dilations)
        self.total_stride = total_stride
        self.num_neighbors = num_neighbors
        self.exemplar_size = exemplar_size
        self.instance_size = instance_size
        self.context_amount = context_amount
        self.scale_num = scale_num
        self.scale_step = scale_step
        self.scale_penalty = scale_penalty
        self.scale_lr = scale_lr
        self.window_influence = window_influence
        self.response_up = response_up
        self.response_scale = response_scale
        self.pos_radius = pos_radius
        self.exemplar_feat_crop = exemplar_feat_crop
        if adjust == 'bias':
            self.adjust = None
            self.adjust_bias = nn.Parameter(torch.zeros(1))
        elif adjust == 'bn':
            self.adjust = nn.BatchNorm2d(1)
        else:
            raise ValueError(f"adjust={adjust!r} is not 'bias' or 'bn'")
        self.register_buffer(
            'mean', torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1,
                                                                 1), False)
        self.register_buffer(
            'std', torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1, 1),
            False)
        self._state = None

    # ------------------------------------------------------------ network
    def load_pretrained(self, checkpoint, branch=None):
        """Strict: every backbone tensor from ``checkpoint`` (the SSL heads
        and the other res5 branch dropped), architecture checked against
        the recorded pre-training config
        (:func:`mmvssl.apis.load_pretrained_backbone`)."""
        from mmvssl.apis.checkpoint import load_pretrained_backbone
        return load_pretrained_backbone(
            self.backbone, checkpoint, branch=branch,
            arch=self._backbone_cfg)

    def init_weights(self):
        # the backbone is loaded in __init__ (pretrained) or keeps its own
        # initialisation; nothing else needs one
        if not self.pretrained and hasattr(self.backbone, 'init_weights'):
            self.backbone.init_weights()

    def extract_feat(self, clips: Tensor) -> Tensor:
        """``(B, 3, 2n+1, S, S)`` uint8 / float RGB clips -> centre time
        slice of the backbone features ``(B, C, h, w)``."""
        x = (clips.float() - self.mean) / self.std
        feat = self.backbone(x)
        if isinstance(feat, (list, tuple)):
            feat = feat[-1]
        return feat[:, :, feat.size(2) // 2]

    def exemplar_feat(self, clips: Tensor) -> Tensor:
        """Exemplar features (centre-cropped by ``exemplar_feat_crop``)."""
        z = self.extract_feat(clips)
        k = self.exemplar_feat_crop
        if k and k < z.size(-1):
            a = (z.size(-1) - k) // 2
            z = z[..., a:a + k, a:a + k]
        return z

    def head(self, z: Tensor, x: Tensor) -> Tensor:
        """Response logits ``(B, 1, R, R)``."""
        out = xcorr(z, x) * self.response_scale
        if self.adjust is not None:
            return self.adjust(out)
        return out + self.adjust_bias

    def forward(self, inputs=None, shift=None, mode: str = 'loss',
                **kwargs):
        if mode == 'loss':
            return self.loss(inputs, shift)
        if mode == 'tensor':
            return self.head(
                self.exemplar_feat(inputs['exemplar']),
                self.extract_feat(inputs['search']))
        if mode == 'predict':
            return self.predict(kwargs.get('videos', inputs))
        raise ValueError(f'mode={mode!r}')

    def loss(self, inputs: dict, shift: Tensor) -> Dict[str, Tensor]:
        logits = self.head(
            self.exemplar_feat(inputs['exemplar']),
            self.extract_feat(inputs['search']))
        labels = siamfc_labels(logits.size(-1), shift.float(),
                               self.total_stride, self.pos_radius)
        loss = balanced_logistic_loss(logits, labels)
        with torch.no_grad():
            r = logits.flatten(1).argmax(1)
            hit = labels.flatten(1).gather(1, r[:, None]).mean()
        return dict(loss=loss, acc_peak=hit)

    # ----------------------------------------------------------- tracking
    def _clip(self, frames: Sequence[np.ndarray], center, size: float,
              out_size: int) -> Tensor:
        crops = [crop_square(f, center, size, out_size) for f in frames]
        arr = np.stack(crops).transpose(3, 0, 1, 2)  # (3, T, S, S)
        return torch.from_numpy(np.ascontiguousarray(arr))

    def _frames(self, frames) -> List[np.ndarray]:
        t = 2 * self.num_neighbors + 1
        if isinstance(frames, np.ndarray) and frames.ndim == 3:
            return [frames] * t
        frames = list(frames)
        if len(frames) == 1:
            return frames * t
        if len(frames) != t:
            raise ValueError(f'expected 1 or {t} frames, got {len(frames)}')
        return frames

    @torch.no_grad()
    def init(self, frames, box: Sequence[float]) -> None:
        """Start tracking. ``frames``: the ``2n + 1`` RGB frames (H, W, 3)
        centred on the first frame (or one frame, repeated); ``box``:
        ``[x, y, w, h]`` of the target in it (0-based)."""
        frames = self._frames(frames)
        box = np.asarray(box, dtype=np.float64)
        center = box[:2] + box[2:] / 2
        wh = box[2:].copy()
        z_side = context_size(wh, self.context_amount)
        z = self._clip(frames, center, z_side, self.exemplar_size)
        device = self.mean.device
        z_feat = self.exemplar_feat(z[None].to(device))
        scales = self.scale_step**(
            np.arange(self.scale_num) - (self.scale_num - 1) / 2)
        self._state = dict(center=center, wh=wh, z_feat=z_feat,
                           x_side=z_side * self.instance_size /
                           self.exemplar_size,
                           scales=scales, window=None)

    @torch.no_grad()
    def track(self, frames) -> np.ndarray:
        """Locate the target in the next frame: ``frames`` are the ``2n +
        1`` frames centred on it (or one frame). Returns ``[x, y, w, h]``."""
        if self._state is None:
            raise RuntimeError('call init() before track()')
        st = self._state
        frames = self._frames(frames)
        scales = st['scales']
        x = torch.stack([
            self._clip(frames, st['center'], st['x_side'] * s,
                       self.instance_size) for s in scales
        ]).to(self.mean.device)
        resp = self.head(st['z_feat'], self.extract_feat(x))  # (S,1,R,R)
        r = resp.size(-1)
        up = r * self.response_up
        resp = F.interpolate(resp, size=(up, up), mode='bicubic',
                             align_corners=True)[:, 0].cpu().numpy()
        if st['window'] is None or st['window'].shape[0] != up:
            hann = np.hanning(up)
            win = np.outer(hann, hann)
            st['window'] = win / win.sum()
        mid = (self.scale_num - 1) // 2
        peaks = resp.reshape(len(scales), -1).max(1)
        pen = np.full(len(scales), self.scale_penalty)
        pen[mid] = 1.0
        best = int(np.argmax(peaks * pen))
        m = resp[best] - resp[best].min()
        m = m / (m.sum() + 1e-12)
        m = (1 - self.window_influence) * m + \
            self.window_influence * st['window']
        iy, ix = np.unravel_index(int(np.argmax(m)), m.shape)
        # upsampled response (align_corners) -> response cells -> search px
        # -> source px
        disp_resp = (np.array([ix, iy], dtype=np.float64) - (up - 1) / 2) * \
            (r - 1) / (up - 1)
        disp = disp_resp * self.total_stride * \
            (st['x_side'] * scales[best]) / self.instance_size
        st['center'] = st['center'] + disp
        s = (1 - self.scale_lr) + self.scale_lr * scales[best]
        st['wh'] = st['wh'] * s
        st['x_side'] = st['x_side'] * s
        box = np.concatenate([st['center'] - st['wh'] / 2, st['wh']])
        return box

    def track_video(self, frames: Sequence[np.ndarray],
                    init_box: Sequence[float]) -> np.ndarray:
        """One-pass evaluation of a whole video: ``frames`` the decoded RGB
        frames (any sequence, e.g. the datasets' lazy ``FrameSequence``;
        each frame is taken once while it is in the window), ``init_box``
        the first frame's ``[x, y, w, h]``. Returns ``(N, 4)`` boxes; row 0
        is ``init_box`` (as OTB / GOT-10k)."""
        n = len(frames)
        cache = {}

        def get(i):
            if i not in cache:
                f = frames[i]
                if not isinstance(f, np.ndarray):
                    raise TypeError(
                        f'{type(self).__name__}.track_video takes decoded '
                        f'frames (arrays), got {type(f).__name__} for frame '
                        f'{i}; use mmvssl.apis.track_video for image files')
                cache[i] = f
            return cache[i]

        def window(t):
            idx = neighbor_indices(t, n, self.num_neighbors)
            for k in [k for k in cache if k < idx[0]]:
                del cache[k]
            return [get(i) for i in idx]

        boxes = np.zeros((n, 4), dtype=np.float64)
        boxes[0] = init_box
        self.init(window(0), init_box)
        for t in range(1, n):
            boxes[t] = self.track(window(t))
        return boxes

    def predict(self, videos: List[dict]) -> List[dict]:
        """Track every video from its first frame's ground truth; a video
        hands its decoded ``frames`` (the tracking datasets add them)."""
        out = []
        for v in videos:
            if 'frames' not in v:
                raise KeyError(
                    f'{type(self).__name__}.predict: video '
                    f'{v.get("video_name")!r} has no decoded `frames` (keys '
                    f'{sorted(v)}); load it with OTB2015Dataset / '
                    'GOT10kDataset or mmvssl.apis.track_video')
            gt = np.asarray(v['gt_bboxes'], dtype=np.float64)
            pred = self.track_video(v['frames'], gt[0])
            gt_eval = gt.copy()
            if 'valid' in v:
                gt_eval[~np.asarray(v['valid'], bool)] = np.nan
            out.append(
                dict(video_name=v['video_name'], pred_bboxes=pred,
                     gt_bboxes=gt_eval))
        return out

    def val_step(self, data) -> list:
        return self.test_step(data)

    def test_step(self, data) -> list:
        was_training = self.training
        self.eval()
        try:
            return self.predict(data['videos'])
        finally:
            self.train(was_training)
