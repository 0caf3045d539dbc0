"""Heads of controllable augmentations (Qian et al., ECCV 2022).

Two kinds, both registered in ``MODELS``:

* networks on *pooled* features (``(N, C)`` vectors): the MINE statistics
  network and the temporal-order dependency heads (Sec. 3.2, 3.3, Table
  6); their inputs are L2-normalised first when ``normalize_inputs``
  (default), which keeps the scores of the Donsker-Varadhan bounds in a
  sane range whatever the scale of the backbone features;
* the objective heads that :class:`~mmvssl.models.algorithms.CtrlAug`
  composes (``L_rc``, ``L_mi``, ``L_td``, VCOP, ``L_nce``): each owns its
  networks (a projector, an estimator, an order head) and computes its
  objective with the pure functions of :mod:`mmvssl.models.losses`. Called
  as every head of mmvssl, ``head.loss(batch, data_samples)`` with a
  :class:`~mmvssl.structures.LocalGlobalBatch`; it returns a dict whose
  keys starting with ``loss`` are losses (summed by mmengine) and the rest
  logging values.
"""
import itertools
import math
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from mmvssl.models.utils.precision import float32_island
from mmvssl.ops import gather_no_grad, gather_with_grad, global_row_offset
from mmvssl.registry import MODELS
from mmvssl.structures.views import LocalGlobalBatch
from ..losses.contrastive import soft_info_nce
from ..losses.mutual_information import donsker_varadhan, grad_reverse


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


# ------------------------------------------------------ objective heads
@MODELS.register_module()
class SoftRegionContrastHead(BaseModule):
    """L_rc (Eq. 3-4): every cell of every local clip against the global
    cells of its video, with ``S_k`` as the soft target, other videos'
    global cells as negatives (:func:`~mmvssl.models.losses.soft_info_nce`).

    Args:
        temperature (float): tau of ``sim = exp(cos / tau)``. Defaults to
            0.1 (not given in the paper).
        min_coverage (float): see :func:`~mmvssl.models.losses.soft_info_nce`. Defaults to
            0.5.
        projector (dict, optional): a dense projection applied to every cell
            before the cosine (e.g. ``MLPProjectionNeck`` with
            ``with_avg_pool=False``); the paper contrasts the backbone cells
            directly (default None).
        gather_distributed (bool): negatives from all processes. Defaults to
            True.
        loss_weight (float): Defaults to 1.0.
    """

    requires_correspondence = True

    def __init__(self,
                 temperature: float = 0.1,
                 min_coverage: float = 0.5,
                 projector: Optional[dict] = None,
                 gather_distributed: bool = True,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.temperature = temperature
        self.min_coverage = min_coverage
        self.projector = MODELS.build(projector) if projector else None
        self.gather_distributed = gather_distributed
        self.loss_weight = loss_weight

    def _cells(self, maps: Tensor) -> Tensor:
        """``(N, C, T, H, W)`` -> L2-normalised ``(N, T H W, D)``."""
        cells = maps.flatten(2).transpose(1, 2)
        if self.projector is not None:
            cells = self.projector(cells)
        return F.normalize(cells, dim=-1)

    @float32_island
    def loss(self, feats: LocalGlobalBatch,
             data_samples: Optional[Sequence] = None) -> Dict[str, Tensor]:
        batch = feats
        if batch.correspondence is None:
            raise ValueError('SoftRegionContrastHead needs '
                             'batch.correspondence (S_k)')
        B, K = batch.batch_size, batch.num_clips
        query = self._cells(batch.clip_maps.flatten(0, 1))
        query = query.reshape(B, K * query.shape[1], -1)
        keys = self._cells(batch.video_maps)
        target = batch.correspondence.flatten(1, 2)  # (B, K N_c, N_v)
        out = soft_info_nce(
            query, keys, target, self.temperature, self.min_coverage,
            self.gather_distributed)
        return dict(
            loss=self.loss_weight * out['loss'],
            acc=out['acc'],
            coverage=out['coverage'])


@MODELS.register_module()
class LowLevelMIHead(BaseModule):
    """L_mi (Eq. 5-6): low-level shortcut elimination with a MINE estimator
    trained adversarially through a gradient reversal layer.

    Samples are videos; each has an intensity level (the tuple of
    ``level_keys`` of its global view's ``geometry['levels']``; all views of
    a video share it, see ``LocalGlobalVideoDataset``). With ``x`` the pooled
    clip features and ``y`` the pooled global features (``G(x, y)`` is
    scored for every clip of every video against every global video):

    * estimator term (``loss_adv``): ``-I_DV`` with joint pairs ``(x_a^k,
      y_b)``, ``a != b`` of the *same level* (semantically unrelated,
      sharing low-level statistics) and marginal pairs all ``(x_a^k, y_b)``,
      ``a != b``. ``G`` descends ``-I_DV`` (maximises the bound); the
      features pass a gradient reversal layer, so the encoder minimises it.
    * local-global term (``loss_lg``): ``I_DV`` of the local-global pairs
      ``(x_a^k, y_a)`` (joint) against all pairs ``(x_a^k, y_b)`` (marginal),
      with ``G`` frozen (detached parameters): only the encoder minimises it.
      With ``clamp_lg`` (default) the estimate is clamped at 0 (MI is
      non-negative; below 0 the frozen estimator would only be exploited).

    Args:
        estimator (dict): ``MINEEstimator`` config.
        level_keys (tuple[str]): keys of ``geometry['levels']`` forming the
            level. Defaults to ``('color_jitter', 'blur')`` (the combined
            ids of ``ClipColorJitter`` and ``ClipGaussianBlur``: 128 x 4 =
            512 levels with the paper's ranges).
        grl_coeff (float): gradient reversal coefficient. Defaults to 1.0.
        adv_weight (float): weight of ``loss_adv``. Defaults to 1.0.
        lg_weight (float): weight of ``loss_lg``. Defaults to 1.0.
        clamp_lg (bool): Defaults to True.
        gather_distributed (bool): pair with the global videos of all
            processes. Defaults to True.
    """

    requires_correspondence = False

    def __init__(self,
                 estimator: dict,
                 level_keys: Sequence[str] = ('color_jitter', 'blur'),
                 grl_coeff: float = 1.0,
                 adv_weight: float = 1.0,
                 lg_weight: float = 1.0,
                 clamp_lg: bool = True,
                 gather_distributed: bool = True) -> None:
        super().__init__()
        self.estimator = MODELS.build(estimator)
        self.level_keys = tuple(level_keys)
        self.grl_coeff = grl_coeff
        self.adv_weight = adv_weight
        self.lg_weight = lg_weight
        self.clamp_lg = clamp_lg
        self.gather_distributed = gather_distributed

    @float32_island
    def loss(self, feats: LocalGlobalBatch,
             data_samples: Optional[Sequence] = None) -> Dict[str, Tensor]:
        batch = feats
        B, K = batch.batch_size, batch.num_clips
        x = batch.clip_vecs.flatten(0, 1)  # (B K, C), row = b K + k
        y = batch.video_vecs
        levels = batch.levels(self.level_keys)
        if self.gather_distributed:
            y_all = gather_with_grad(y)
            levels_all = gather_no_grad(levels)
            offset = global_row_offset(B, y.device)
        else:
            y_all, levels_all, offset = y, levels, 0
        owner = torch.arange(B, device=y.device).repeat_interleave(K)
        cols = torch.arange(y_all.shape[0], device=y.device)
        same_video = cols[None, :] == (owner + offset)[:, None]
        same_level = (levels[owner][:, None, :] ==
                      levels_all[None, :, :]).all(-1)
        joint = same_level & ~same_video
        other = ~same_video

        out = {}
        g = self.estimator.pairwise(
            grad_reverse(x, self.grl_coeff),
            grad_reverse(y_all, self.grl_coeff))
        num_joint = joint.sum()
        if num_joint > 0 and other.any():
            mi_levels = donsker_varadhan(g, g, joint, other)
            out['loss_adv'] = -self.adv_weight * mi_levels
        else:  # no two videos share a level in this batch
            mi_levels = g.sum() * 0.
            out['loss_adv'] = mi_levels
        g_lg = self.estimator.pairwise(x, y_all, frozen=True)
        mi_lg = donsker_varadhan(g_lg, g_lg, same_video, None)
        lg = mi_lg.clamp(min=0) if self.clamp_lg else mi_lg
        out['loss_lg'] = self.lg_weight * lg
        out['levels'] = mi_levels.detach()
        out['local_global'] = mi_lg.detach()
        out['joint_pairs'] = num_joint.to(g.dtype) / max(K, 1)
        return out


def _sample_orders(num_clips: int, num_orders: Optional[int],
                   device) -> Tensor:
    """The orders scored for the marginal: all ``K!`` (identity included)
    when ``num_orders`` is None, else the identity plus ``num_orders - 1``
    uniformly drawn ones."""
    perms = permutations(num_clips)
    if num_orders is not None and num_orders < len(perms):
        pick = torch.randint(0, len(perms), (max(num_orders - 1, 0), ))
        perms = torch.cat([perms[:1], perms[pick]])
    return perms.to(device)


@MODELS.register_module()
class TemporalDependencyHead(BaseModule):
    """L_td (Eq. 7): maximise the Donsker-Varadhan bound between the
    correctly ordered clip features ``[f(v_1), ..., f(v_K)]`` and the global
    feature ``f'(v)`` (joint) against arbitrarily ordered clips with the
    same ``f'(v)`` (marginal); head and encoder both ascend it (the loss is
    ``-I_DV``).

    The marginal scores every video under ``num_orders`` orders drawn
    uniformly from all ``K!`` permutations, the identity included, so it is
    the product of the order distribution and ``f'(v)``; with all ``K!``
    orders (``num_orders=None``, default for ``K <= 5``) the bound is at
    most ``log K!``.

    Args:
        head (dict): ``MLPOrderHead``, ``GRUOrderHead`` (the paper's
            default) or ``GRUMLPOrderHead``.
        num_orders (int, optional): orders per video in the marginal
            (identity + ``num_orders - 1`` random ones). Defaults to None
            (all ``K!``).
        loss_weight (float): Defaults to 1.0.
    """

    requires_correspondence = False

    def __init__(self,
                 head: dict,
                 num_orders: Optional[int] = None,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.head = MODELS.build(head)
        self.num_orders = num_orders
        self.loss_weight = loss_weight

    @float32_island
    def loss(self, feats: LocalGlobalBatch,
             data_samples: Optional[Sequence] = None) -> Dict[str, Tensor]:
        batch = feats
        clips, video = batch.clip_vecs, batch.video_vecs
        B, K, C = clips.shape
        if self.num_orders is None and K > 5:
            raise ValueError('TemporalDependencyHead: set num_orders for '
                             f'K = {K} clips (K! = {math.factorial(K)})')
        orders = _sample_orders(K, self.num_orders, clips.device)
        P = len(orders)
        shuffled = clips[:, orders]  # (B, P, K, C)
        scores = self.head(
            shuffled.flatten(0, 1),
            video[:, None].expand(B, P, C).flatten(0, 1)).view(B, P)
        mi = donsker_varadhan(scores[:, 0], scores)
        with torch.no_grad():
            acc = (scores.argmax(1) == 0).float().mean()
        return dict(loss=-self.loss_weight * mi, mi=mi.detach(), acc=acc)


@MODELS.register_module()
class ClipOrderHead(BaseModule):
    """VCOP's clip order prediction (the Table 6 baseline): the clips of
    each video are presented in a uniformly drawn order and ``VCOPHead``
    classifies it among the ``K!`` orders (cross-entropy); the global video
    is not used.

    Args:
        head (dict): ``VCOPHead`` config.
        loss_weight (float): Defaults to 1.0.
    """

    requires_correspondence = False

    def __init__(self, head: dict, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.head = MODELS.build(head)
        self.loss_weight = loss_weight

    @float32_island
    def loss(self, feats: LocalGlobalBatch,
             data_samples: Optional[Sequence] = None) -> Dict[str, Tensor]:
        batch = feats
        clips = batch.clip_vecs
        B = clips.shape[0]
        orders = self.head.orders
        label = torch.randint(0, len(orders), (B, ), device=clips.device)
        presented = clips[torch.arange(B, device=clips.device)[:, None],
                          orders[label]]
        logits = self.head(presented)
        loss = F.cross_entropy(logits, label)
        with torch.no_grad():
            acc = (logits.argmax(1) == label).float().mean()
        return dict(loss=self.loss_weight * loss, acc=acc)


@MODELS.register_module()
class LocalGlobalNCEHead(BaseModule):
    """L_nce of Table 7, "the standard contrastive loss of previous works":
    instance InfoNCE between each pooled local clip and the pooled global
    video of the same video (other videos are negatives), averaged over the
    ``K`` clips. Reuses :class:`InfoNCELoss` (NT-Xent).

    Args:
        temperature (float): Defaults to 0.1.
        projector (dict, optional): projection of the pooled features (e.g.
            ``MLPProjectionNeck``); None: contrast the pooled backbone
            features (default, as ``L_rc``).
        intra_view_negatives (bool): see ``InfoNCELoss``. Defaults to True.
        gather_distributed (bool): Defaults to True.
        loss_weight (float): Defaults to 1.0.
    """

    requires_correspondence = False

    def __init__(self,
                 temperature: float = 0.1,
                 projector: Optional[dict] = None,
                 intra_view_negatives: bool = True,
                 gather_distributed: bool = True,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.projector = MODELS.build(projector) if projector else None
        self.nce = MODELS.build(
            dict(
                type='InfoNCELoss',
                temperature=temperature,
                intra_view_negatives=intra_view_negatives,
                gather_distributed=gather_distributed,
                loss_weight=loss_weight))

    @float32_island
    def loss(self, feats: LocalGlobalBatch,
             data_samples: Optional[Sequence] = None) -> Dict[str, Tensor]:
        batch = feats
        clips, video = batch.clip_vecs, batch.video_vecs
        B, K, C = clips.shape
        if self.projector is not None:
            z = self.projector(torch.cat([clips.flatten(0, 1), video]))
            clips, video = z[:B * K].view(B, K, -1), z[B * K:]
        losses, accs = [], []
        for k in range(K):  # K (= 4) calls, each batched over videos
            out = self.nce(clips[:, k], video)
            losses.append(out['loss'])
            accs.append(out['acc'])
        return dict(loss=torch.stack(losses).mean(),
                    acc=torch.stack(accs).mean())
