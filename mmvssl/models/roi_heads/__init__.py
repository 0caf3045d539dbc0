"""RoI heads for spatio-temporal action localization (AVA, AVA-Kinetics).

The detector itself is mmaction2's (mmdet ``FastRCNN`` + ``AVARoIHead`` +
``SingleRoIExtractor3D`` + ``BBoxHeadAVA``); mmvssl adds the action
transformer as a shared head of ``AVARoIHead``.

The detector is built in mmdet's scope (``_scope_='mmdet'``), and mmengine
resolves a scope prefix only among the root registry's direct children, so
``mmvssl.X`` cannot be reached from mmdet's registry (mmvssl's registry is
a grandchild of the root). As mmaction2 does for its own RoI heads, the
modules an AVA detector needs (this head and the ``ResNet3dY`` backbone)
are therefore also registered in mmdet's ``MODELS``; configs name them
without a prefix.
"""
from mmvssl.models.backbones.resnet3d_y import ResNet3dY
from .action_transformer_head import (ActionTransformerHead,
                                      ActionTransformerUnit)

try:
    from mmdet.registry import MODELS as MMDET_MODELS
    for _module in (ActionTransformerHead, ResNet3dY):
        if _module.__name__ not in MMDET_MODELS.module_dict:
            MMDET_MODELS.register_module(module=_module)
except ImportError:  # pragma: no cover
    pass

__all__ = ['ActionTransformerHead', 'ActionTransformerUnit']
