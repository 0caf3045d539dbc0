"""S3D / S3D-G (Xie et al., ECCV 2018): separable 3D Inception-v1.

mmaction2 has no S3D. This is an implementation from the paper: the
Inception-v1 (GoogLeNet) layout with every ``k x k x k`` convolution
replaced by a separable ``1 x k x k`` spatial convolution followed by a
``k x 1 x 1`` temporal one (each with BatchNorm and ReLU), and, for S3D-G,
*feature gating* ``y = sigmoid(W mean(x) + b) * x`` (channel weights from
the spatio-temporally pooled features) on the output of ``Conv_2c`` and of
every Inception branch.
"""
from typing import Dict, Optional, Sequence

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmengine.model.weight_init import constant_init, kaiming_init
from torch import Tensor

from mmvssl.registry import MODELS

#: Inception-v1 widths: (1x1, 3x3 reduce, 3x3, "5x5" reduce, "5x5",
#: pool proj); the "5x5" branch is a 3x3 as in Inception-v2 / S3D.
INCEPTION_WIDTHS = {
    'mixed_3b': (64, 96, 128, 16, 32, 32),
    'mixed_3c': (128, 128, 192, 32, 96, 64),
    'mixed_4b': (192, 96, 208, 16, 48, 64),
    'mixed_4c': (160, 112, 224, 24, 64, 64),
    'mixed_4d': (128, 128, 256, 24, 64, 64),
    'mixed_4e': (112, 144, 288, 32, 64, 64),
    'mixed_4f': (256, 160, 320, 32, 128, 128),
    'mixed_5b': (256, 160, 320, 32, 128, 128),
    'mixed_5c': (384, 192, 384, 48, 128, 128),
}


class SelfGating(nn.Module):
    """S3D-G's feature gating: ``x * sigmoid(Linear(mean_{t,h,w} x))``."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.fc = nn.Linear(channels, channels)

    def forward(self, x: Tensor) -> Tensor:
        w = torch.sigmoid(self.fc(x.mean(dim=(2, 3, 4))))
        return x * w[:, :, None, None, None]


class SepConv3d(nn.Sequential):
    """``1 x k x k`` spatial then ``k x 1 x 1`` temporal convolution, each
    followed by norm and activation (``k`` may differ per axis)."""

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int = 3,
                 stride: Sequence[int] = (1, 1, 1),
                 temporal_kernel: Optional[int] = None,
                 norm_cfg: Dict = dict(type='BN3d'),
                 act_cfg: Dict = dict(type='ReLU', inplace=True)) -> None:
        kt = kernel_size if temporal_kernel is None else temporal_kernel
        k = kernel_size
        common = dict(
            bias=False,
            conv_cfg=dict(type='Conv3d'),
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        super().__init__(
            ConvModule(
                in_channels,
                out_channels, (1, k, k),
                stride=(1, stride[1], stride[2]),
                padding=(0, k // 2, k // 2),
                **common),
            ConvModule(
                out_channels,
                out_channels, (kt, 1, 1),
                stride=(stride[0], 1, 1),
                padding=(kt // 2, 0, 0),
                **common))


class InceptionBlock3d(nn.Module):
    """Four branches (1x1x1; 1x1x1 -> sep 3x3x3; 1x1x1 -> sep 3x3x3;
    3x3x3 max-pool -> 1x1x1), each optionally gated, concatenated."""

    def __init__(self, in_channels: int, widths: Sequence[int], gating: bool,
                 norm_cfg: Dict, act_cfg: Dict) -> None:
        super().__init__()
        b0, b1r, b1, b2r, b2, b3 = widths

        def unit(cin, cout):
            return ConvModule(
                cin,
                cout,
                1,
                bias=False,
                conv_cfg=dict(type='Conv3d'),
                norm_cfg=norm_cfg,
                act_cfg=act_cfg)

        self.branch0 = unit(in_channels, b0)
        self.branch1 = nn.Sequential(
            unit(in_channels, b1r),
            SepConv3d(b1r, b1, 3, norm_cfg=norm_cfg, act_cfg=act_cfg))
        self.branch2 = nn.Sequential(
            unit(in_channels, b2r),
            SepConv3d(b2r, b2, 3, norm_cfg=norm_cfg, act_cfg=act_cfg))
        self.branch3 = nn.Sequential(
            nn.MaxPool3d(3, stride=1, padding=1), unit(in_channels, b3))
        self.gates = nn.ModuleList(
            [SelfGating(c) for c in (b0, b1, b2, b3)]) if gating else None
        self.out_channels = b0 + b1 + b2 + b3

    def forward(self, x: Tensor) -> Tensor:
        outs = [self.branch0(x), self.branch1(x), self.branch2(x),
                self.branch3(x)]
        if self.gates is not None:
            outs = [g(o) for g, o in zip(self.gates, outs)]
        return torch.cat(outs, dim=1)


@MODELS.register_module()
class S3D(BaseModule):
    """S3D-G (``gating=True``, default) or S3D (``gating=False``).

    Layers (input ``T x H x W``)::

        conv_1a  sep 7x7x7 / 2          -> 64     T/2  H/2
        pool_2a  max 1x3x3 / (1, 2, 2)            T/2  H/4
        conv_2b  1x1x1                  -> 64
        conv_2c  sep 3x3x3 (+ gating)   -> 192
        pool_3a  max 1x3x3 / (1, 2, 2)            T/2  H/8
        mixed_3b, mixed_3c              -> 480
        pool_4a  max 3x3x3 / 2                    T/4  H/16
        mixed_4b ... mixed_4f           -> 832
        pool_5a  max 2x2x2 / 2 (ceil)             T/8  H/32
        mixed_5b, mixed_5c              -> 1024

    At 16 x 112 x 112 the output is ``(B, 1024, 2, 4, 4)``. Pooling pads
    like TensorFlow's ``SAME`` (the reference implementation).

    Args:
        in_channels (int): Defaults to 3.
        gating (bool): S3D-G feature gating. Defaults to True.
        first_temporal_kernel (int): temporal size of ``conv_1a``. Defaults
            to 7 (the paper; 3 is a common choice for 16-frame clips).
        norm_cfg (dict): Defaults to ``dict(type='BN3d')``.
        act_cfg (dict): Defaults to ReLU.
        with_cp (bool): activation checkpointing: when gradients are
            computed, the activations inside each unit (``conv_1a``,
            ``conv_2b``, ``conv_2c`` + gate, every Inception block) are not
            stored but recomputed in the backward pass (less memory, about
            one more forward of compute). Defaults to False.
        init_cfg (dict, optional): initialisation config.
    """

    feat_dim = 1024

    def __init__(self,
                 in_channels: int = 3,
                 gating: bool = True,
                 first_temporal_kernel: int = 7,
                 norm_cfg: Dict = dict(type='BN3d', requires_grad=True),
                 act_cfg: Dict = dict(type='ReLU', inplace=True),
                 with_cp: bool = False,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.gating = gating
        self.with_cp = with_cp
        kw = dict(norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.conv_1a = SepConv3d(
            in_channels,
            64,
            7,
            stride=(2, 2, 2),
            temporal_kernel=first_temporal_kernel,
            **kw)
        self.pool_2a = nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1))
        self.conv_2b = ConvModule(
            64, 64, 1, bias=False, conv_cfg=dict(type='Conv3d'), **kw)
        self.conv_2c = SepConv3d(64, 192, 3, **kw)
        self.gate_2c = SelfGating(192) if gating else nn.Identity()
        self.pool_3a = nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1))
        self.pool_4a = nn.MaxPool3d(3, 2, 1)
        self.pool_5a = nn.MaxPool3d(2, 2, 0, ceil_mode=True)
        channels = 192
        self.mixed_names = []
        for name, widths in INCEPTION_WIDTHS.items():
            block = InceptionBlock3d(channels, widths, gating, **kw)
            self.add_module(name, block)
            self.mixed_names.append(name)
            channels = block.out_channels
        self.out_channels = channels

    def init_weights(self) -> None:
        if self.init_cfg is not None:
            return super().init_weights()
        for m in self.modules():
            if isinstance(m, nn.Conv3d):
                kaiming_init(m)
            elif isinstance(m, nn.modules.batchnorm._BatchNorm):
                constant_init(m, 1)
            elif isinstance(m, SelfGating):
                # start with open gates (sigmoid(0) = 0.5 on every channel)
                constant_init(m.fc, 0)

    def _unit(self, fn, x: Tensor) -> Tensor:
        """``fn(x)``, checkpointed when ``with_cp`` and grads are on."""
        if self.with_cp and torch.is_grad_enabled():
            return cp.checkpoint(fn, x, use_reentrant=False)
        return fn(x)

    def _conv_2(self, x: Tensor) -> Tensor:
        return self.gate_2c(self.conv_2c(self.conv_2b(x)))

    def forward(self, x: Tensor) -> Tensor:
        x = self.pool_2a(self._unit(self.conv_1a, x))
        x = self.pool_3a(self._unit(self._conv_2, x))
        for name in self.mixed_names:
            if name == 'mixed_4b':
                x = self.pool_4a(x)
            elif name == 'mixed_5b':
                x = self.pool_5a(x)
            x = self._unit(getattr(self, name), x)
        return x
