"""ResNet3D with a duplicated res5 stage (the "Y" network of ConST-CL)."""
from typing import Callable, Dict, Optional, Sequence, Tuple, Union

import torch.nn.functional as F
from mmaction.models.backbones.resnet3d import ResNet3d
from torch import Tensor

from mmvssl.registry import MODELS


def _res5_global(model: 'ResNet3dY', c4: Tensor) -> Tensor:
    return model.layer4(c4)


def _res5_local(model: 'ResNet3dY', c4: Tensor) -> Tensor:
    return model.layer4_r(c4)


def _c4_pooled(model: 'ResNet3dY', c4: Tensor) -> Tensor:
    k = model.c4_pool_size
    return F.avg_pool3d(c4, kernel_size=(1, k, k), stride=(1, k, k))


# loss endpoints: output name -> (module it needs or None, function of C4)
LOSS_ENDPOINTS: Dict[str, Dict[str, Tuple[Optional[str], Callable]]] = {
    # Fig. 3(c): res5 duplicated; L_g on C5_g, L_r on C5_r (default)
    'C5g+C5r': {
        'global': ('layer4', _res5_global),
        'local': ('layer4_r', _res5_local)
    },
    # Fig. 3(a): single res5; both losses on C5
    'C5': {
        'global': ('layer4', _res5_global),
        'local': ('layer4', _res5_global)
    },
    # Fig. 3(b): single res5 for L_g; L_r on 2x2 average-pooled res4
    'C4_p': {
        'global': ('layer4', _res5_global),
        'local': (None, _c4_pooled)
    },
}
BRANCHES = ('global', 'local')


@MODELS.register_module()
class ResNet3dY(ResNet3d):
    """R3D with res5 duplicated into a global and a local branch.

    Built from mmaction2's :class:`ResNet3d` (its stem, ``make_res_layer`` and
    3D blocks). The defaults are the R3D-50 of ConST-CL (Table 6) / CVRL:
    stem ``5x7x7`` conv (stride ``2, 2x2``), ``1x3x3`` max pool (stride
    ``1, 2x2``), res2/res3 without temporal kernels, res4/res5 with a
    temporal kernel 3 in the first conv of each bottleneck: a
    ``16x224x224`` clip gives ``8x7x7`` features. ``layer4`` is res5_g (so
    a global branch loads into a plain ``ResNet3d``) and ``layer4_r`` is
    res5_r: same architecture, independent weights, both fed from res4.

    Args:
        depth (int): 18, 34 (BasicBlock3d) or 50, 101, 152 (Bottleneck3d).
        base_channels (int): width of the stem; stage ``i`` has
            ``base_channels * 2**i`` planes. Defaults to 64.
        loss_endpoints (str): where the losses attach, one of
            ``'C5g+C5r'`` (default; Y network), ``'C5'`` (single res5, both
            losses on C5), ``'C4_p'`` (single res5 for the global loss, the
            local loss on res4 average-pooled by ``c4_pool_size``).
        out_branch (str, optional): ``None`` (pre-training): ``forward``
            returns ``dict(global=..., local=...)``, the features each loss
            uses. ``'global'`` or ``'local'`` (downstream): ``forward``
            returns that one ``(B, C, T, H, W)`` tensor, as a plain mmaction2
            backbone does (usable in ``Recognizer3D``, AVA detectors, ...),
            and the modules the other branch alone needs are not built
            (their checkpoint keys are reported as unexpected and skipped).
        c4_pool_size (int): pooling of the ``'C4_p'`` endpoint. Default 2.
        pretrained2d (bool): see :class:`ResNet3d`; defaults to False here.
        conv1_kernel, conv1_stride_t, pool1_stride_t, with_pool2, inflate,
        spatial_strides, temporal_strides, **kwargs: see :class:`ResNet3d`
            (defaults changed to Table 6's values).

    Attributes:
        feat_dims (dict): channels of the ``global`` / ``local`` outputs.
    """

    def __init__(self,
                 depth: int = 50,
                 base_channels: int = 64,
                 loss_endpoints: str = 'C5g+C5r',
                 out_branch: Optional[str] = None,
                 c4_pool_size: int = 2,
                 pretrained: Optional[str] = None,
                 pretrained2d: bool = False,
                 conv1_kernel: Sequence[int] = (5, 7, 7),
                 conv1_stride_t: int = 2,
                 pool1_stride_t: int = 1,
                 with_pool2: bool = False,
                 inflate: Sequence[int] = (0, 0, 1, 1),
                 spatial_strides: Sequence[int] = (1, 2, 2, 2),
                 temporal_strides: Sequence[int] = (1, 1, 1, 1),
                 **kwargs) -> None:
        if loss_endpoints not in LOSS_ENDPOINTS:
            raise ValueError(
                f'ResNet3dY: loss_endpoints={loss_endpoints!r} is not one of '
                f'{sorted(LOSS_ENDPOINTS)}')
        if out_branch is not None and out_branch not in BRANCHES:
            raise ValueError(f'ResNet3dY: out_branch={out_branch!r} is not '
                             f'None or one of {BRANCHES}')
        for key in ('num_stages', 'out_indices'):
            if key in kwargs:
                raise ValueError(f'ResNet3dY: {key!r} is fixed (4 stages, '
                                 'outputs chosen by loss_endpoints / '
                                 'out_branch); remove it from the config')
        super().__init__(
            depth=depth,
            pretrained=pretrained,
            pretrained2d=pretrained2d,
            base_channels=base_channels,
            num_stages=4,
            out_indices=(3, ),
            conv1_kernel=conv1_kernel,
            conv1_stride_t=conv1_stride_t,
            pool1_stride_t=pool1_stride_t,
            with_pool2=with_pool2,
            inflate=inflate,
            spatial_strides=spatial_strides,
            temporal_strides=temporal_strides,
            **kwargs)
        self.loss_endpoints = loss_endpoints
        self.out_branch = out_branch
        self.c4_pool_size = c4_pool_size

        spec = LOSS_ENDPOINTS[loss_endpoints]
        kept = BRANCHES if out_branch is None else (out_branch, )
        self._outputs = {b: spec[b][1] for b in kept}
        needed = {spec[b][0] for b in kept}

        c4_channels = self.base_channels * 2**2 * self.block.expansion
        if 'layer4_r' in needed:
            self.layer4_r = self.make_res_layer(
                self.block,
                c4_channels,
                self.base_channels * 2**3,
                self.stage_blocks[3],
                spatial_stride=spatial_strides[3],
                temporal_stride=temporal_strides[3],
                dilation=self.dilations[3],
                style=self.style,
                norm_cfg=self.norm_cfg,
                conv_cfg=self.conv_cfg,
                act_cfg=self.act_cfg,
                non_local=self.non_local_stages[3],
                non_local_cfg=self.non_local_cfg,
                inflate=self.stage_inflations[3],
                inflate_style=self.inflate_style,
                with_cp=self.with_cp)
        if 'layer4' not in needed:
            del self.layer4
        self.res_layers = ['layer1', 'layer2', 'layer3']  # the shared trunk
        self.feat_dims = {
            b: c4_channels if spec[b][0] is None else self.feat_dim
            for b in kept
        }

    def _freeze_stages(self) -> None:
        """Freeze the stem and the first ``frozen_stages`` stages; stage 4
        means both res5 branches."""
        if self.frozen_stages >= 0:
            self.conv1.eval()
            for param in self.conv1.parameters():
                param.requires_grad = False
        names = [f'layer{i}' for i in range(1, self.frozen_stages + 1)]
        if self.frozen_stages >= 4:
            names.append('layer4_r')
        for name in names:
            m = getattr(self, name, None)
            if m is None:
                continue
            m.eval()
            for param in m.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> 'ResNet3dY':
        """As :meth:`ResNet3d.train` (frozen stages, ``norm_eval``), but
        returns ``self`` like ``nn.Module.train``."""
        super().train(mode)
        return self

    def forward_trunk(self, x: Tensor) -> Tensor:
        """Stem + res2..res4: the C4 feature map shared by both branches."""
        x = self.conv1(x)
        if self.with_pool1:
            x = self.maxpool(x)
        for i, name in enumerate(self.res_layers):
            x = getattr(self, name)(x)
            if i == 0 and self.with_pool2:
                x = self.pool2(x)
        return x

    def forward(self, x: Tensor) -> Union[Tensor, Dict[str, Tensor]]:
        """``(B, 3, T, H, W)`` -> ``dict(global=, local=)`` when
        ``out_branch`` is None, else the ``out_branch`` tensor."""
        c4 = self.forward_trunk(x)
        if self.out_branch is not None:
            return self._outputs[self.out_branch](self, c4)
        outs, done = {}, {}
        for branch, fn in self._outputs.items():
            if fn not in done:  # 'C5': both outputs are the same tensor
                done[fn] = fn(self, c4)
            outs[branch] = done[fn]
        return outs
