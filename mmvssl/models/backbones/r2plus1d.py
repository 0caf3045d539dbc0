"""R(2+1)D as used for self-supervised pretraining at 16 x 112 x 112."""
from typing import Dict, Sequence

import torch
from mmaction.models.backbones import ResNet2Plus1d

from mmvssl.registry import MODELS


@MODELS.register_module()
class ResNet2Plus1dSSL(ResNet2Plus1d):
    """mmaction2's ``ResNet2Plus1d`` with the settings of the SSL literature.

    Differences from the parent: ``with_pool1`` is honoured (the parent's
    ``forward`` always max-pools after the stem) and the defaults are those
    of VCOP / PacePred / CSTP's R(2+1)D (Tran et al. 2018): (2+1)D
    convolutions with the parameter-matched middle width, stem ``3x7x7``
    stride ``(1, 2, 2)`` without max-pool, stages with spatial *and*
    temporal stride 2 (``layer2``-``layer4``), no ``pool2``, BatchNorm.

    ``stage_blocks=(1, 1, 1, 1)`` (default) is the shallow R(2+1)D-10 the
    CSTP paper uses ("R(2+1)D" in its tables, from VCOP / PacePred);
    ``stage_blocks=(2, 2, 2, 2)`` is R(2+1)D-18. At 16 x 112 x 112 the output
    is ``(B, 512, 2, 7, 7)``.

    Args:
        depth (int): 18 or 34 (basic blocks). Defaults to 18.
        stage_blocks (Sequence[int]): blocks per stage. Defaults to
            ``(1, 1, 1, 1)``.
        with_pool1 (bool): max-pool after the stem. Defaults to False.
        **kwargs: other ``ResNet3d`` arguments.
    """

    def __init__(self,
                 depth: int = 18,
                 stage_blocks: Sequence[int] = (1, 1, 1, 1),
                 with_pool1: bool = False,
                 conv_cfg: Dict = dict(type='Conv2plus1d'),
                 norm_cfg: Dict = dict(type='BN3d', requires_grad=True),
                 act_cfg: Dict = dict(type='ReLU', inplace=True),
                 conv1_kernel: Sequence[int] = (3, 7, 7),
                 spatial_strides: Sequence[int] = (1, 2, 2, 2),
                 temporal_strides: Sequence[int] = (1, 2, 2, 2),
                 pretrained2d: bool = False,
                 with_pool2: bool = False,
                 zero_init_residual: bool = False,
                 **kwargs) -> None:
        super().__init__(
            depth=depth,
            stage_blocks=tuple(stage_blocks),
            with_pool1=with_pool1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
            conv1_kernel=conv1_kernel,
            spatial_strides=spatial_strides,
            temporal_strides=temporal_strides,
            pretrained2d=pretrained2d,
            with_pool2=with_pool2,
            zero_init_residual=zero_init_residual,
            **kwargs)

    def forward(self, x: torch.Tensor):
        x = self.conv1(x)
        if self.with_pool1:
            x = self.maxpool(x)
        outs = []
        for i, name in enumerate(self.res_layers):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return outs[0] if len(outs) == 1 else tuple(outs)
