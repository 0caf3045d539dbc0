"""Heads of controllable augmentations: the MINE statistics network and the
temporal-order dependency heads (Sec. 3.2, 3.3, Table 6).

All heads take *pooled* features (``(N, C)`` vectors) and are small; their
inputs are L2-normalised first when ``normalize_inputs`` (default), which
keeps the scores of the Donsker-Varadhan bounds in a sane range whatever
the scale of the backbone features.
"""
import itertools
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from mmvssl.registry import MODELS


def _norm(x: Tensor, on: bool) -> Tensor:
    return F.normalize(x, dim=-1) if on else x


def permutations(num: int) -> Tensor:
    """All ``num!`` orders of ``range(num)``, lexicographic (row 0 is the
    identity), ``(num!, num)`` int64."""
    return torch.tensor(list(itertools.permutations(range(num))),
                        dtype=torch.long)


@MODELS.register_module()
class MINEEstimator(BaseModule):
    """Statistics network ``G_theta(x, y)`` of MINE (Eq. 5), a two-layer
    MLP on ``concat(x, y)``: ``Linear(Cx + Cy, H) -> ReLU -> Linear(H, 1)``.

    :meth:`pairwise` scores every ``(x_i, y_j)`` pair without materialising
    the concatenations: the first layer is split into its ``x`` and ``y``
    halves, ``W [x; y] = W_x x + W_y y`` (identical to the concatenated MLP,
    ``N M H`` memory instead of ``N M (Cx + Cy)``).

    ``frozen=True`` evaluates with detached parameters: gradients reach the
    inputs (the encoder) but not ``theta`` (Sec. 3.2: the learned estimator
    is applied to local-global pairs "to minimize the low-level shortcut by
    optimizing f, but not update theta").

    Args:
        in_channels (int): channels of ``x``.
        y_channels (int, optional): channels of ``y``; defaults to
            ``in_channels``.
        hid_channels (int): hidden width. Defaults to 512.
        normalize_inputs (bool): L2-normalise ``x`` and ``y``. Defaults to
            True.
    """

    def __init__(self,
                 in_channels: int,
                 y_channels: Optional[int] = None,
                 hid_channels: int = 512,
                 normalize_inputs: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.x_channels = in_channels
        self.y_channels = in_channels if y_channels is None else y_channels
        self.normalize_inputs = normalize_inputs
        self.fc1 = nn.Linear(self.x_channels + self.y_channels, hid_channels)
        self.fc2 = nn.Linear(hid_channels, 1)

    def _params(self, frozen: bool):
        ps = (self.fc1.weight, self.fc1.bias, self.fc2.weight, self.fc2.bias)
        return [p.detach() for p in ps] if frozen else list(ps)

    def pairwise(self, x: Tensor, y: Tensor, frozen: bool = False) -> Tensor:
        """Scores of all pairs: ``x`` (N, Cx), ``y`` (M, Cy) -> (N, M)."""
        w1, b1, w2, b2 = self._params(frozen)
        x = _norm(x, self.normalize_inputs)
        y = _norm(y, self.normalize_inputs)
        hx = x @ w1[:, :self.x_channels].t()
        hy = F.linear(y, w1[:, self.x_channels:], b1)
        h = F.relu(hx[:, None, :] + hy[None, :, :])
        return F.linear(h, w2, b2).squeeze(-1)

    def forward(self, x: Tensor, y: Tensor, frozen: bool = False) -> Tensor:
        """Scores of aligned pairs: ``x`` (N, Cx), ``y`` (N, Cy) -> (N,)."""
        w1, b1, w2, b2 = self._params(frozen)
        x = _norm(x, self.normalize_inputs)
        y = _norm(y, self.normalize_inputs)
        h = F.relu(F.linear(torch.cat([x, y], dim=-1), w1, b1))
        return F.linear(h, w2, b2).squeeze(-1)


class _OrderHead(BaseModule):
    """Base of the local-global temporal dependency heads ``G_psi``:
    ``forward(clips (N, K, C), video (N, C)) -> (N,)`` scores."""

    def __init__(self, in_channels: int, normalize_inputs: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.normalize_inputs = normalize_inputs

    def _inputs(self, clips: Tensor, video: Tensor) -> Tuple[Tensor, Tensor]:
        if clips.dim() != 3 or video.dim() != 2 or \
                clips.shape[0] != video.shape[0]:
            raise ValueError(f'{type(self).__name__}: expected clips (N, K, '
                             f'C) and video (N, C), got {tuple(clips.shape)}'
                             f' and {tuple(video.shape)}')
        return (_norm(clips, self.normalize_inputs),
                _norm(video, self.normalize_inputs))


def _mlp(in_channels: int, hid_channels: int, num_layers: int) -> nn.Module:
    layers: List[nn.Module] = []
    c = in_channels
    for _ in range(num_layers - 1):
        layers += [nn.Linear(c, hid_channels), nn.ReLU(inplace=True)]
        c = hid_channels
    layers.append(nn.Linear(c, 1))
    return nn.Sequential(*layers)


@MODELS.register_module()
class MLPOrderHead(_OrderHead):
    """Table 6 "MLP": ``concat(f'(v), f(v_1), ..., f(v_K))`` -> MLP ->
    scalar.

    Args:
        in_channels (int): feature channels ``C``.
        num_clips (int): ``K``.
        hid_channels (int): Defaults to 512.
        num_layers (int): linear layers (ReLU between). Defaults to 2.
        normalize_inputs (bool): Defaults to True.
    """

    def __init__(self,
                 in_channels: int,
                 num_clips: int = 4,
                 hid_channels: int = 512,
                 num_layers: int = 2,
                 normalize_inputs: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(in_channels, normalize_inputs, init_cfg)
        self.num_clips = num_clips
        self.mlp = _mlp((num_clips + 1) * in_channels, hid_channels,
                        num_layers)

    def forward(self, clips: Tensor, video: Tensor) -> Tensor:
        clips, video = self._inputs(clips, video)
        if clips.shape[1] != self.num_clips:
            raise ValueError(f'MLPOrderHead: built for {self.num_clips} '
                             f'clips, got {clips.shape[1]}')
        return self.mlp(torch.cat([video, clips.flatten(1)], 1)).squeeze(-1)


@MODELS.register_module()
class GRUOrderHead(_OrderHead):
    """Table 6 "GRU" (the paper's default): a GRU reads the clip features in
    the given order; the score is the cosine similarity between its last
    hidden state and ``f'(v)``, divided by ``temperature``.

    Args:
        in_channels (int): ``C`` (also the GRU width, so that the cosine is
            defined).
        num_layers (int): GRU layers. Defaults to 1.
        temperature (float): score scale ``1 / tau``. Defaults to 0.1.
        normalize_inputs (bool): Defaults to True.
    """

    def __init__(self,
                 in_channels: int,
                 num_layers: int = 1,
                 temperature: float = 0.1,
                 normalize_inputs: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(in_channels, normalize_inputs, init_cfg)
        self.gru = nn.GRU(in_channels, in_channels, num_layers,
                          batch_first=True)
        self.temperature = temperature

    def encode(self, clips: Tensor) -> Tensor:
        """Last hidden state of the top GRU layer, ``(N, C)``."""
        _, h = self.gru(clips)
        return h[-1]

    def forward(self, clips: Tensor, video: Tensor) -> Tensor:
        clips, video = self._inputs(clips, video)
        return F.cosine_similarity(
            self.encode(clips), video, dim=-1) / self.temperature


@MODELS.register_module()
class GRUMLPOrderHead(GRUOrderHead):
    """Table 6 "GRU+MLP": GRU over the clips, its last hidden state
    concatenated with ``f'(v)`` -> MLP -> scalar.

    Args:
        in_channels (int): ``C``.
        hid_channels (int): GRU and MLP width. Defaults to 512.
        num_layers (int): GRU layers. Defaults to 1.
        mlp_layers (int): linear layers of the MLP. Defaults to 2.
        normalize_inputs (bool): Defaults to True.
    """

    def __init__(self,
                 in_channels: int,
                 hid_channels: int = 512,
                 num_layers: int = 1,
                 mlp_layers: int = 2,
                 normalize_inputs: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        _OrderHead.__init__(self, in_channels, normalize_inputs, init_cfg)
        self.gru = nn.GRU(in_channels, hid_channels, num_layers,
                          batch_first=True)
        self.mlp = _mlp(hid_channels + in_channels, hid_channels, mlp_layers)

    def forward(self, clips: Tensor, video: Tensor) -> Tensor:
        clips, video = self._inputs(clips, video)
        return self.mlp(torch.cat([self.encode(clips), video],
                                  1)).squeeze(-1)


@MODELS.register_module()
class VCOPHead(BaseModule):
    """Clip order prediction of VCOP (Xu et al., CVPR 2019), the Table 6
    baseline: the features of every pair of clips (in the presented order)
    are concatenated and embedded by a shared ``Linear(2C, H) + ReLU``, the
    ``K (K - 1) / 2`` pair embeddings are concatenated, and a linear layer
    classifies the order among the ``K!`` permutations (dropout before it,
    as VCOP). No global video feature is used.

    Args:
        in_channels (int): ``C``.
        num_clips (int): ``K``. Defaults to 4.
        hid_channels (int): pair embedding width. Defaults to 512.
        dropout (float): Defaults to 0.5.
        normalize_inputs (bool): Defaults to True.
    """

    def __init__(self,
                 in_channels: int,
                 num_clips: int = 4,
                 hid_channels: int = 512,
                 dropout: float = 0.5,
                 normalize_inputs: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.num_clips = num_clips
        self.normalize_inputs = normalize_inputs
        self.register_buffer('orders', permutations(num_clips), False)
        pairs = list(itertools.combinations(range(num_clips), 2))
        self.register_buffer('pairs', torch.tensor(pairs, dtype=torch.long),
                             False)
        self.pair_fc = nn.Sequential(
            nn.Linear(2 * in_channels, hid_channels), nn.ReLU(inplace=True))
        self.dropout = nn.Dropout(dropout)
        self.cls = nn.Linear(len(pairs) * hid_channels, len(self.orders))

    @property
    def num_orders(self) -> int:
        return len(self.orders)

    def forward(self, clips: Tensor) -> Tensor:
        """``(N, K, C)`` clips in presented order -> ``(N, K!)`` logits."""
        clips = _norm(clips, self.normalize_inputs)
        a, b = clips[:, self.pairs[:, 0]], clips[:, self.pairs[:, 1]]
        h = self.pair_fc(torch.cat([a, b], dim=-1)).flatten(1)
        return self.cls(self.dropout(h))
