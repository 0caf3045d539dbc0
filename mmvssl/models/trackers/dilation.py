"""Trade spatial stride for dilation in built ResNet stages, in place.

The tracking backbones of ConST-CL / VFS / SiamFC-ResNet keep the stride of
res4 and res5 at 1 and dilate their convolutions (2 and 4) instead, so the
feature map is 4x denser (total stride 8 instead of 32) while every weight
keeps its shape and meaning: pretrained checkpoints load unchanged.
"""
from typing import Dict

from torch import nn


def dilate_stage(stage: nn.Module, dilation: int) -> int:
    """Set the spatial stride of every convolution of ``stage`` (e.g. a
    ResNet ``layer3``) to 1 and the spatial dilation of its ``k > 1``
    kernels to ``dilation`` (padding ``dilation * (k - 1) / 2``, so the
    output keeps its size). Temporal stride / dilation / padding and the
    weights are untouched; the shortcut's 1x1 convolution loses its stride
    too. Applied to every block of the stage (a dilated ResNet stage, as
    mmdet's / torchvision's), so all its kernels see the receptive field
    they were trained with.

    Returns:
        int: the spatial stride the stage had (product over its convs of
        the first block's path).
    """
    old_stride = 1
    for m in stage.modules():
        if not isinstance(m, (nn.Conv2d, nn.Conv3d)):
            continue
        nd = m.weight.dim() - 2
        k = m.kernel_size[-2:]
        stride = list(m.stride)
        dil = list(m.dilation)
        pad = list(m.padding) if not isinstance(m.padding, str) else None
        old_stride = max(old_stride, stride[-1])
        stride[-2:] = [1, 1]
        if k[0] > 1 or k[1] > 1:
            dil[-2:] = [dilation, dilation]
            if pad is not None:
                pad[-2:] = [dilation * (k[0] - 1) // 2,
                            dilation * (k[1] - 1) // 2]
        m.stride = tuple(stride)
        m.dilation = tuple(dil)
        if pad is not None:
            m.padding = tuple(pad)
        if nd == 3 and hasattr(m, '_reversed_padding_repeated_twice'):
            m._reversed_padding_repeated_twice = tuple(
                x for x in reversed(m.padding) for _ in range(2))
    return old_stride


def dilate_backbone(backbone: nn.Module, stages: Dict[str, int]) -> int:
    """:func:`dilate_stage` for each ``{module name: dilation}`` present in
    ``backbone`` (names that the backbone lacks, e.g. ``layer4_r`` of a
    global-branch network, are skipped).

    Returns:
        int: the factor by which the total stride shrank (e.g. 4 when res4
        and res5 each lost a stride 2; shared branches counted once).
    """
    factor = {}
    for name, d in stages.items():
        stage = getattr(backbone, name, None)
        if stage is None:
            continue
        s = dilate_stage(stage, d)
        # layer4 and layer4_r are parallel branches: count them once
        key = 'res5' if name.startswith('layer4') else name
        factor[key] = max(factor.get(key, 1), s)
    out = 1
    for v in factor.values():
        out *= v
    return out
