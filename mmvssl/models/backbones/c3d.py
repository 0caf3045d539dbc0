"""C3D as a feature backbone (the self-supervised video literature's C3D)."""
from typing import Dict, Optional

import torch
import torch.utils.checkpoint as cp
from mmaction.models.backbones import C3D

from mmvssl.registry import MODELS


@MODELS.register_module()
class C3DFeatures(C3D):
    """mmaction2's ``C3D`` without ``fc6`` / ``fc7``: returns the conv5
    feature map, like the C3D of VCOP / PRP / PacePred / CSTP (8 convs
    ``3x3x3`` with BatchNorm, 512 output channels; the classifier is the
    downstream head's job).

    mmaction2's ``C3D`` ends in ``flatten -> fc6 -> fc7`` whose input size is
    fixed by the clip size (``out_dim=8192`` for 16 x 112 x 112); this
    subclass drops them, so any clip size works and the output is a
    ``(B, 512, T', H', W')`` map (``1 x 4 x 4`` for 16 x 112 x 112 with
    ``with_pool5=True``, ``2 x 7 x 7`` without).

    Args:
        norm_cfg (dict, optional): norm after every conv. Defaults to
            ``dict(type='BN3d')`` (mmaction2's C3D default is none, which
            trains poorly from scratch).
        with_pool5 (bool): apply the last max-pool. Defaults to True.
        with_cp (bool): activation checkpointing: when gradients are
            computed, each conv group (conv1, conv2, conv3a-b, conv4a-b,
            conv5a-b, with their pools) stores only its input and is
            recomputed in the backward pass. Defaults to False.
        pretrained (str, optional), style, conv_cfg, act_cfg: as
            mmaction2's ``C3D``.
    """

    def __init__(self,
                 norm_cfg: Optional[Dict] = dict(type='BN3d'),
                 with_pool5: bool = True,
                 with_cp: bool = False,
                 **kwargs) -> None:
        for k in ('out_dim', 'dropout_ratio', 'init_std'):
            if k in kwargs:
                raise TypeError(f'C3DFeatures has no fc layers; {k!r} does '
                                'not apply')
        super().__init__(norm_cfg=norm_cfg, **kwargs)
        del self.fc6, self.fc7, self.dropout
        self.with_pool5 = with_pool5
        self.with_cp = with_cp
        self.feat_dim = 512

    def _groups(self):
        return [
            lambda x: self.pool1(self.conv1a(x)),
            lambda x: self.pool2(self.conv2a(x)),
            lambda x: self.pool3(self.conv3b(self.conv3a(x))),
            lambda x: self.pool4(self.conv4b(self.conv4a(x))),
            lambda x: self.conv5b(self.conv5a(x)),
        ]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        checkpoint = self.with_cp and torch.is_grad_enabled()
        for group in self._groups():
            x = cp.checkpoint(group, x, use_reentrant=False) \
                if checkpoint else group(x)
        return self.pool5(x) if self.with_pool5 else x
