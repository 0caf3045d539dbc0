"""ConST-CL's context head as released with the paper's code.

The released TensorFlow implementation (tensorflow/models,
``official/projects/const_cl/modeling/heads/{instance_reconstructor,
transformer_decoder}.py``) builds the head ``z = g(h, F'_c)`` differently
from the reading of the paper's Table 7 that :class:`ConSTCLHead` follows,
and Table 4's parameter counts (71.7 M for contexts 1 / 3 / 5) and FLOP
growth with the context length are those of the released head. This module
is an independent PyTorch implementation of that architecture (written from
a description of it, no code copied):

* the memory (keys / values) is the target view's context feature frames
  with learned position channels *concatenated*: a temporal MLP
  ``1 -> 4 (ReLU) -> 8`` and a spatial MLP ``2 -> 4 (ReLU) -> 8`` of the
  token's integer ``(t, y, x)`` grid position minus the mean position, so
  ``2048 + 16 = 2064`` channels;
* queries are the region features themselves (no input projection, no
  position embedding);
* every layer has ``num_heads`` independent *units* of width
  ``num_channels`` (128). A unit projects the query and -- in every layer --
  the raw 2064-d memory to 128-d ``q, k, v``; ``softmax(q k^T / sqrt(128))
  v``; a residual on the *projected* query ``q``; LayerNorm; then an FFN
  ``Linear-GELU-Linear`` without residual. The units' outputs are
  concatenated (``num_heads * 128 = 384``), the next layer's query;
* a final ``Linear(384 -> out_channels)`` (2048): the prediction compared
  with the native region features of the other view (Eq. 6).

With the defaults it has 6,928,356 parameters, independent of the context
length.
"""
import math
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer
from mmengine.model import BaseModule
from torch import Tensor

from mmvssl.registry import MODELS
from .region_contrast import REGION_LOSS, RegionContrastMixin


class ReconstructorDecoderUnit(nn.Module):
    """One attention unit ("head") of a released-style decoder layer.

    ``q = Wq x``, ``k = Wk m``, ``v = Wv m``;
    ``h = LN(softmax(q k^T / sqrt(d)) v + q)``; ``out = W2 act(W1 h)``.

    Args:
        query_channels (int): width of the incoming query tokens.
        memory_channels (int): width of the memory tokens.
        num_channels (int): width ``d`` of ``q, k, v`` and of the output.
        act_cfg (dict): activation after the first FFN layer.
        dropout (float): dropout on the attention output.
        layer_norm_eps (float): LayerNorm epsilon.
        bias (bool): biases in the linear layers.
    """

    def __init__(self, query_channels: int, memory_channels: int,
                 num_channels: int, act_cfg: Dict, dropout: float,
                 layer_norm_eps: float, bias: bool = True) -> None:
        super().__init__()
        self.num_channels = num_channels
        self.query = nn.Linear(query_channels, num_channels, bias=bias)
        self.key = nn.Linear(memory_channels, num_channels, bias=bias)
        self.value = nn.Linear(memory_channels, num_channels, bias=bias)
        self.drop = nn.Dropout(dropout)
        self.layer_norm = nn.LayerNorm(num_channels, eps=layer_norm_eps)
        self.ffn1 = nn.Linear(num_channels, num_channels, bias=bias)
        self.act = build_activation_layer(act_cfg)
        self.ffn2 = nn.Linear(num_channels, num_channels, bias=bias)

    def attention(self, x: Tensor, memory: Tensor) -> Tuple[Tensor, Tensor]:
        """``(projected query, (B, N, M) attention weights)``."""
        q = self.query(x)
        k = self.key(memory)
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.num_channels)
        return q, scores.softmax(dim=-1)

    def forward(self, x: Tensor, memory: Tensor) -> Tensor:
        q, weights = self.attention(x, memory)
        h = self.drop(weights @ self.value(memory)) + q
        h = self.layer_norm(h)
        return self.ffn2(self.act(self.ffn1(h)))


class ReconstructorDecoderLayer(nn.Module):
    """``num_heads`` independent units; their outputs are concatenated."""

    def __init__(self, query_channels: int, memory_channels: int,
                 num_channels: int, num_heads: int, act_cfg: Dict,
                 dropout: float, layer_norm_eps: float,
                 bias: bool = True) -> None:
        super().__init__()
        self.units = nn.ModuleList([
            ReconstructorDecoderUnit(query_channels, memory_channels,
                                     num_channels, act_cfg, dropout,
                                     layer_norm_eps, bias)
            for _ in range(num_heads)
        ])

    @property
    def out_channels(self) -> int:
        return sum(u.num_channels for u in self.units)

    def forward(self, x: Tensor, memory: Tensor) -> Tensor:
        return torch.cat([u(x, memory) for u in self.units], dim=-1)

    def attention_weights(self, x: Tensor, memory: Tensor) -> Tensor:
        """``(B, num_heads, N, M)`` softmax weights."""
        return torch.stack([u.attention(x, memory)[1] for u in self.units],
                           dim=1)


@MODELS.register_module()
class InstanceReconstructorHead(RegionContrastMixin, BaseModule):
    """ConST-CL head ``z = g(h, F'_c)`` as in the released (TensorFlow)
    code; see the module docstring for the architecture and how it differs
    from :class:`ConSTCLHead` (the paper-text reading of Table 7).

    Same interface as :class:`ConSTCLHead`, so :class:`ConSTCL` uses either.

    Positions: the context tokens must come frame-major, then row-major
    (``(c, H, W)`` flattened, as :meth:`ConSTCL._context` lays them out);
    the head computes the released code's integer grid positions
    ``(j, i, k) - mean`` from that layout. ``context_pos`` (the algorithm's
    normalised positions) is only read to find the grid height ``H``
    (its number of distinct ``y`` values); without it the grid is assumed
    square. ``query_pos`` is ignored: the released head embeds no query
    position.

    Args:
        in_channels (int): region / context feature channels (2048).
        num_channels (int): width of every unit. Defaults to 128.
        num_heads (int): units per layer. Defaults to 3.
        num_layers (int): decoder layers. Defaults to 3.
        out_channels (int, optional): output width; defaults to
            ``in_channels``.
        context_length (int): target-view feature frames in the memory.
            Defaults to 5.
        with_pos_embed (bool): concatenate the 16 position channels.
            Defaults to True.
        pos_hidden_channels (int): hidden width of the position MLPs (4).
        pos_channels (int): output width of each position MLP (8).
        act_cfg (dict): FFN activation. Defaults to GELU (exact, erf form,
            as Keras' ``'gelu'``).
        dropout (float): dropout on the attention output. Defaults to 0.
        layer_norm_eps (float): Defaults to 1e-12 (the released config).
        bias (bool): biases in the decoder. Defaults to True.
        tf_init (bool): when ``init_cfg`` is None, initialise every
            ``Linear`` as Keras' ``Dense`` default (Glorot-uniform weights,
            zero biases) in ``init_weights``. Defaults to True.
        loss (dict): the parameter-free region loss of :meth:`loss`.
            Defaults to ``RegionInfoNCELoss(temperature=0.2,
            loss_weight=0.001)``; ``ConSTCL`` passes its ``loss_local``.
    """

    def __init__(self,
                 in_channels: int = 2048,
                 num_channels: int = 128,
                 num_heads: int = 3,
                 num_layers: int = 3,
                 out_channels: Optional[int] = None,
                 context_length: int = 5,
                 with_pos_embed: bool = True,
                 pos_hidden_channels: int = 4,
                 pos_channels: int = 8,
                 act_cfg: Dict = dict(type='GELU'),
                 dropout: float = 0.,
                 layer_norm_eps: float = 1e-12,
                 bias: bool = True,
                 tf_init: bool = True,
                 loss: Dict = REGION_LOSS,
                 init_cfg: Optional[Dict] = None) -> None:
        if init_cfg is None and tf_init:
            # Keras Dense default: Glorot-uniform kernels, zero biases
            init_cfg = dict(type='Xavier', layer='Linear',
                            distribution='uniform', bias=0.)
        super().__init__(init_cfg=init_cfg)
        self.build_loss(loss)
        if context_length < 1:
            raise ValueError(
                f'InstanceReconstructorHead: context_length={context_length}'
                ' must be >= 1; context length 0 is vanilla region contrast:'
                ' use RegionMLPHead')
        self.in_channels = in_channels
        self.out_channels = out_channels or in_channels
        self.context_length = context_length
        if with_pos_embed:
            self.temporal_mlp = nn.Sequential(
                nn.Linear(1, pos_hidden_channels), nn.ReLU(inplace=True),
                nn.Linear(pos_hidden_channels, pos_channels))
            self.spatial_mlp = nn.Sequential(
                nn.Linear(2, pos_hidden_channels), nn.ReLU(inplace=True),
                nn.Linear(pos_hidden_channels, pos_channels))
            memory_channels = in_channels + 2 * pos_channels
        else:
            self.temporal_mlp = self.spatial_mlp = None
            memory_channels = in_channels
        self.memory_channels = memory_channels
        layers, q_channels = [], in_channels
        for _ in range(num_layers):
            layer = ReconstructorDecoderLayer(q_channels, memory_channels,
                                              num_channels, num_heads,
                                              act_cfg, dropout,
                                              layer_norm_eps, bias)
            layers.append(layer)
            q_channels = layer.out_channels
        self.layers = nn.ModuleList(layers)
        self.projection = nn.Linear(q_channels, self.out_channels)

    # ------------------------------------------------------------- memory
    def grid_positions(self, num_tokens: int,
                       context_pos: Optional[Tensor] = None,
                       device=None, dtype=None) -> Tensor:
        """``(M, 3)`` integer ``(t, y, x)`` grid positions of the memory
        tokens minus their mean (the released code's position input)."""
        c = self.context_length
        if num_tokens % c:
            raise ValueError(f'{num_tokens} context tokens are not '
                             f'{c} frames of equal size')
        hw = num_tokens // c
        if context_pos is not None:
            h = int(torch.unique(context_pos[0, :hw, 1]).numel())
        else:
            h = int(round(math.sqrt(hw)))
        if h < 1 or hw % h:
            raise ValueError(f'cannot split {hw} tokens per frame into a '
                             f'grid of {h} rows')
        w = hw // h
        dtype = dtype if dtype is not None and dtype.is_floating_point \
            else torch.float32
        t, y, x = torch.meshgrid(
            torch.arange(c, device=device, dtype=dtype),
            torch.arange(h, device=device, dtype=dtype),
            torch.arange(w, device=device, dtype=dtype),
            indexing='ij')
        pos = torch.stack([t, y, x], dim=-1).reshape(-1, 3)
        return pos - pos.mean(dim=0, keepdim=True)

    def memory(self, context: Tensor,
               context_pos: Optional[Tensor] = None) -> Tensor:
        """``(B, M, memory_channels)``: context features with the position
        channels concatenated (temporal, then spatial)."""
        if self.temporal_mlp is None:
            return context
        B, M, _ = context.shape
        pos = self.grid_positions(M, context_pos, context.device,
                                  context.dtype)
        emb = torch.cat(
            [self.temporal_mlp(pos[:, :1]),
             self.spatial_mlp(pos[:, 1:])], dim=-1)
        return torch.cat([context, emb.expand(B, -1, -1).to(context.dtype)],
                         dim=-1)

    # ------------------------------------------------------------ forward
    def forward(self,
                query: Tensor,
                query_pos: Optional[Tensor],
                context: Tensor,
                context_pos: Optional[Tensor] = None) -> Tensor:
        """Reconstruct the queries in the context of the other view.

        Args:
            query (Tensor): ``(B, N, C)`` source-view region features.
            query_pos (Tensor): ignored (kept for the common interface).
            context (Tensor): ``(B, M, C)`` target-view context features,
                ``M = context_length * H * W`` in ``(c, H, W)`` order.
            context_pos (Tensor): ``(B, M, 3)`` positions (see class doc).

        Returns:
            Tensor: ``(B, N, out_channels)`` predictions ``z``.
        """
        mem = self.memory(context, context_pos)
        x = query
        for layer in self.layers:
            x = layer(x, mem)
        return self.projection(x)

    def attention_maps(self,
                       query: Tensor,
                       query_pos: Optional[Tensor],
                       context: Tensor,
                       context_pos: Optional[Tensor] = None) -> List[Tensor]:
        """One ``(B, num_heads, N, M)`` softmax tensor per layer (for
        ``tools/visualization/constcl_attention.py``)."""
        mem = self.memory(context, context_pos)
        x, maps = query, []
        for layer in self.layers:
            maps.append(layer.attention_weights(x, mem))
            x = layer(x, mem)
        return maps

    def project_target(self, regions: Tensor) -> Tensor:
        """Eq. (6): predictions are compared with the native features."""
        return regions
