"""ConST-CL local heads: the transformer decoder g(h, F'_c) and the MLP
head of vanilla region contrast (context length 0)."""
from typing import Dict, List, Optional

import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_activation_layer
from mmengine.model import BaseModule
from torch import Tensor

from mmvssl.registry import MODELS
from .region_contrast import REGION_LOSS, RegionContrastMixin
from ..necks import MLPProjectionNeck


class SpatioTemporalPosEmbed(nn.Module):
    """Learned embedding of a token's ``(t, y, x)`` position: a 2-layer MLP.

    Positions are given in normalised units (see :class:`ConSTCLHead`).
    """

    def __init__(self, embed_dims: int, hidden_dims: int = 32) -> None:
        super().__init__()
        self.mlp = nn.Sequential(
            nn.Linear(3, hidden_dims), nn.ReLU(inplace=True),
            nn.Linear(hidden_dims, embed_dims))

    def forward(self, pos: Tensor) -> Tensor:
        return self.mlp(pos)


class MultiHeadCrossAttention(nn.Module):
    """Multi-head attention whose per-head width ``head_dims`` is set
    independently of ``embed_dims`` (Keras ``key_dim`` semantics).

    Queries, keys and values (``embed_dims`` each) are projected to
    ``num_heads * head_dims``; the heads are concatenated and projected back
    to ``embed_dims``. ConST-CL's "3 heads, hidden 128" is
    ``embed_dims=128, num_heads=3, head_dims=128`` (as in the official code,
    where every head has its own 128-channel projections).
    """

    def __init__(self, embed_dims: int, num_heads: int, head_dims: int,
                 dropout: float = 0.) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.head_dims = head_dims
        inner = num_heads * head_dims
        self.q_proj = nn.Linear(embed_dims, inner)
        self.k_proj = nn.Linear(embed_dims, inner)
        self.v_proj = nn.Linear(embed_dims, inner)
        self.out_proj = nn.Linear(inner, embed_dims)
        self.dropout = dropout

    def _split(self, x: Tensor) -> Tensor:
        B, L, _ = x.shape
        return x.view(B, L, self.num_heads, self.head_dims).transpose(1, 2)

    def forward(self, query: Tensor, key: Tensor, value: Tensor) -> Tensor:
        B, N, _ = query.shape
        q = self._split(self.q_proj(query))
        k = self._split(self.k_proj(key))
        v = self._split(self.v_proj(value))
        out = F.scaled_dot_product_attention(
            q, k, v, dropout_p=self.dropout if self.training else 0.)
        out = out.transpose(1, 2).reshape(B, N, -1)
        return self.out_proj(out)

    def attention_weights(self, query: Tensor, key: Tensor) -> Tensor:
        """``(B, heads, N, M)`` softmax weights (for visualisation)."""
        q = self._split(self.q_proj(query))
        k = self._split(self.k_proj(key))
        return (q @ k.transpose(-1, -2) / self.head_dims**0.5).softmax(-1)


class DecoderLayer(nn.Module):
    """Post-norm transformer decoder layer with cross-attention only
    (queries attend to the context tokens; Vaswani et al.)."""

    def __init__(self, embed_dims: int, num_heads: int, head_dims: int,
                 ffn_channels: int, act_cfg: Dict, dropout: float) -> None:
        super().__init__()
        self.attn = MultiHeadCrossAttention(embed_dims, num_heads, head_dims,
                                            dropout)
        self.norm1 = nn.LayerNorm(embed_dims)
        self.ffn = nn.Sequential(
            nn.Linear(embed_dims, ffn_channels), build_activation_layer(
                act_cfg), nn.Dropout(dropout),
            nn.Linear(ffn_channels, embed_dims))
        self.norm2 = nn.LayerNorm(embed_dims)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: Tensor, key: Tensor, value: Tensor) -> Tensor:
        x = self.norm1(x + self.drop(self.attn(x, key, value)))
        return self.norm2(x + self.drop(self.ffn(x)))


@MODELS.register_module()
class ConSTCLHead(RegionContrastMixin, BaseModule):
    """ConST-CL head ``z = g(h, F'_c)`` (Eq. 5, Table 7).

    Query tokens = ``Linear(in_channels -> embed_dims)`` of source-view
    region features; key / value tokens = two ``Linear`` projections of the
    target view's context features; a learned spatio-temporal position
    embedding of ``(t, y, x)`` is added to queries, keys and values;
    ``num_layers`` decoder layers (cross-attention with ``num_heads`` heads
    of width ``head_dims`` + FFN, ReLU, post-LayerNorm, no dropout); a final
    ``Linear(embed_dims -> out_channels)`` back to the feature dimension.

    Positions: ``t`` is the frame offset from the view's sampled key frame
    divided by the number of feature frames; ``y, x`` are the token centre
    divided by the feature-map (or input) size, minus 0.5. A region query
    sits on its key frame (``t = 0``) at its box centre.

    Args:
        in_channels (int): backbone feature channels (2048 for R3D-50).
        embed_dims (int): token width (hidden size). Defaults to 128.
        num_heads (int): attention heads. Defaults to 3.
        head_dims (int): width of each head. Defaults to 128, the paper's
            hidden size (3 x 128 does not split 128 evenly; see
            :class:`MultiHeadCrossAttention`).
        num_layers (int): decoder layers. Defaults to 3.
        ffn_channels (int): FFN hidden width. Defaults to 128.
        out_channels (int, optional): output width; defaults to
            ``in_channels`` (the prediction is compared with native features).
        context_length (int): number of target-view feature frames used as
            context (1, 3 or 5 in the paper). Defaults to 5.
        with_pos_embed (bool): add position embeddings. Defaults to True.
        act_cfg (dict): FFN activation. Defaults to ReLU.
        dropout (float): dropout. Defaults to 0.
        loss (dict): the parameter-free region loss of :meth:`loss`.
            Defaults to ``RegionInfoNCELoss(temperature=0.2,
            loss_weight=0.001)``; ``ConSTCL`` passes its ``loss_local``.
    """

    def __init__(self,
                 in_channels: int = 2048,
                 embed_dims: int = 128,
                 num_heads: int = 3,
                 head_dims: int = 128,
                 num_layers: int = 3,
                 ffn_channels: int = 128,
                 out_channels: Optional[int] = None,
                 context_length: int = 5,
                 with_pos_embed: bool = True,
                 act_cfg: Dict = dict(type='ReLU'),
                 dropout: float = 0.,
                 loss: Dict = REGION_LOSS,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.build_loss(loss)
        if context_length < 1:
            raise ValueError(
                f'ConSTCLHead: context_length={context_length} must be >= 1; '
                'context length 0 is vanilla region contrast: use '
                'RegionMLPHead')
        self.in_channels = in_channels
        self.out_channels = out_channels or in_channels
        self.context_length = context_length
        self.query_proj = nn.Linear(in_channels, embed_dims)
        self.key_proj = nn.Linear(in_channels, embed_dims)
        self.value_proj = nn.Linear(in_channels, embed_dims)
        self.pos_embed = SpatioTemporalPosEmbed(embed_dims) \
            if with_pos_embed else None
        self.layers = nn.ModuleList([
            DecoderLayer(embed_dims, num_heads, head_dims, ffn_channels,
                         act_cfg, dropout) for _ in range(num_layers)
        ])
        self.out_proj = nn.Linear(embed_dims, self.out_channels)

    def forward(self,
                query: Tensor,
                query_pos: Optional[Tensor],
                context: Tensor,
                context_pos: Optional[Tensor] = None) -> Tensor:
        """Reconstruct the queries in the context of the other view.

        Args:
            query (Tensor): ``(B, N, C)`` source-view region features.
            query_pos (Tensor): ``(B, N, 3)`` their ``(t, y, x)``.
            context (Tensor): ``(B, M, C)`` target-view context features.
            context_pos (Tensor): ``(B, M, 3)`` their ``(t, y, x)``.

        Returns:
            Tensor: ``(B, N, out_channels)`` predictions ``z``.
        """
        q, k, v = self._tokens(query, query_pos, context, context_pos)
        for layer in self.layers:
            q = layer(q, k, v)
        return self.out_proj(q)

    def _tokens(self, query: Tensor, query_pos: Optional[Tensor],
                context: Tensor, context_pos: Optional[Tensor]):
        """Query, key and value tokens (projections + position embeddings)
        entering the first decoder layer."""
        q = self.query_proj(query)
        k = self.key_proj(context)
        v = self.value_proj(context)
        if self.pos_embed is not None:
            if query_pos is None or context_pos is None:
                raise ValueError('ConSTCLHead: with_pos_embed=True needs '
                                 'query_pos and context_pos')
            q = q + self.pos_embed(query_pos)
            pe = self.pos_embed(context_pos)
            k, v = k + pe, v + pe
        return q, k, v

    def attention_maps(self,
                       query: Tensor,
                       query_pos: Optional[Tensor],
                       context: Tensor,
                       context_pos: Optional[Tensor] = None) -> List[Tensor]:
        """Cross-attention weights of every decoder layer (for
        visualisation, e.g. ``tools/visualization/constcl_attention.py``).

        Arguments as :meth:`forward`. Returns one ``(B, num_heads, N, M)``
        softmax tensor per layer: how much each query attends to each of
        the ``M`` context tokens.
        """
        q, k, v = self._tokens(query, query_pos, context, context_pos)
        maps = []
        for layer in self.layers:
            maps.append(layer.attn.attention_weights(q, k))
            q = layer(q, k, v)
        return maps

    def project_target(self, regions: Tensor) -> Tensor:
        """Eq. (6): predictions are compared with the native features."""
        return regions


@MODELS.register_module()
class RegionMLPHead(RegionContrastMixin, BaseModule):
    """Vanilla region contrast head (Eq. 1-3; ConST-CL with context length
    0): ``z = MLP(h)`` for queries and targets alike; context is ignored.

    Args:
        in_channels (int): region feature channels.
        hid_channels (int): hidden width. Defaults to 2048.
        out_channels (int): output width. Defaults to 128.
        num_hidden_layers (int): Linear-BN-ReLU blocks. Defaults to 3.
        norm_cfg (dict): hidden norm. Defaults to ``dict(type='BN1d')``.
        loss (dict): the parameter-free region loss of :meth:`loss`.
            Defaults to ``RegionInfoNCELoss(temperature=0.2,
            loss_weight=0.001)``; ``ConSTCL`` passes its ``loss_local``.
    """
    context_length = 0

    def __init__(self,
                 in_channels: int = 2048,
                 hid_channels: int = 2048,
                 out_channels: int = 128,
                 num_hidden_layers: int = 3,
                 norm_cfg: Optional[Dict] = dict(type='BN1d'),
                 loss: Dict = REGION_LOSS,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.build_loss(loss)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.mlp = MLPProjectionNeck(
            in_channels,
            hid_channels,
            out_channels,
            num_hidden_layers,
            norm_cfg=norm_cfg,
            with_avg_pool=False,
            normalize_inputs=True)

    def forward(self,
                query: Tensor,
                query_pos: Optional[Tensor] = None,
                context: Optional[Tensor] = None,
                context_pos: Optional[Tensor] = None) -> Tensor:
        return self.mlp(query)

    def project_target(self, regions: Tensor) -> Tensor:
        """Eq. (2): targets go through the same MLP."""
        return self.mlp(regions)
