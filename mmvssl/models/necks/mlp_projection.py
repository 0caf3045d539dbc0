"""MLP projection neck (CVRL / ConST-CL global head)."""
from typing import Dict, Optional

import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from torch import Tensor

from mmvssl.registry import MODELS


@MODELS.register_module()
class MLPProjectionNeck(BaseModule):
    """``num_hidden_layers x [Linear, BN, ReLU]`` then ``Linear`` to
    ``out_channels``.

    The ConST-CL / CVRL global head is ``in_channels=2048, hid_channels=2048,
    out_channels=128, num_hidden_layers=3`` (Sec. 4.1; official code: three
    Dense-BN-ReLU blocks then a Dense projection).

    Args:
        in_channels (int): input channels.
        hid_channels (int): hidden width. Defaults to 2048.
        out_channels (int): output width. Defaults to 128.
        num_hidden_layers (int): Linear-BN-ReLU blocks. Defaults to 3.
        norm_cfg (dict): norm of the hidden layers; ``None`` = no norm.
            Defaults to ``dict(type='BN1d')`` (``SyncBN`` for multi-GPU).
        with_avg_pool (bool): average-pool a ``(B, C, *spatial)`` input to
            ``(B, C)`` first. Defaults to True.
        normalize_inputs (bool): L2-normalise the (pooled) input, as the
            official code does. Defaults to True.
        out_norm_cfg (dict, optional): a norm after the output Linear, e.g.
            SimSiam's ``dict(type='BN1d', affine=False)`` (its projector
            ends in a BN without affine). Defaults to None (no norm).
        init_cfg (dict, optional): initialisation config.

    Inputs of shape ``(B, C)``, ``(B, N, C)`` (tokens, e.g. regions; BN over
    all tokens) or ``(B, C, ...)`` (pooled when ``with_avg_pool``).
    """

    def __init__(self,
                 in_channels: int,
                 hid_channels: int = 2048,
                 out_channels: int = 128,
                 num_hidden_layers: int = 3,
                 norm_cfg: Optional[Dict] = dict(type='BN1d'),
                 with_avg_pool: bool = True,
                 normalize_inputs: bool = True,
                 out_norm_cfg: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.with_avg_pool = with_avg_pool
        self.normalize_inputs = normalize_inputs
        self.in_channels = in_channels
        self.out_channels = out_channels
        layers = []
        c = in_channels
        for _ in range(num_hidden_layers):
            layers.append(nn.Linear(c, hid_channels, bias=norm_cfg is None))
            if norm_cfg is not None:
                layers.append(build_norm_layer(norm_cfg, hid_channels)[1])
            layers.append(nn.ReLU(inplace=True))
            c = hid_channels
        layers.append(nn.Linear(c, out_channels))
        if out_norm_cfg is not None:
            layers.append(build_norm_layer(out_norm_cfg, out_channels)[1])
        self.mlp = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        if isinstance(x, (tuple, list)):  # mmengine necks receive tuples
            x = x[-1]
        if x.dim() > 3 and self.with_avg_pool:
            x = x.flatten(2).mean(dim=2)
        if x.shape[-1] != self.in_channels:
            raise ValueError(f'{self.__class__.__name__}: expected '
                             f'in_channels={self.in_channels} on the last '
                             f'dim, got input shape {tuple(x.shape)}')
        lead = x.shape[:-1]
        x = x.reshape(-1, x.shape[-1])
        if self.normalize_inputs:
            x = F.normalize(x, dim=-1)
        return self.mlp(x).reshape(*lead, self.out_channels)
