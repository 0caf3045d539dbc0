"""Contrastive frameworks as heads: SimCLR, MoCo, BYOL, SimSiam.

A framework head owns everything of its method that sits *after* the online
backbone: projector, predictor, momentum target encoder, queue, loss. The
algorithms (the plain baselines ``SimCLR`` / ``MoCo`` / ``BYOL`` /
``SimSiam`` and ``CSTP``) only compute the online backbone features of the
two views once and hand them over, so any framework composes with any set of
pretext heads.

Interface (:class:`BaseContrastiveHead`), the one head signature of
mmvssl (``head.loss(feats, data_samples, **kwargs)``)::

    head.build_target(backbone)            # once, by the algorithm
    out = head.loss(feats, data_samples, views=views, backbone=backbone)
    # feats: [f1, f2] pooled online backbone features (B, C)
    # data_samples: the batch's data samples (unused by these heads)
    # views: [v1, v2] the input clips (B, C, T, H, W), for target encoders
    # backbone: the online backbone (source of the momentum update)
    # out: dict(loss=..., <logging values>)

Momentum encoders (MoCo, BYOL) are :class:`~mmvssl.models.utils.
MomentumTarget` copies of ``[backbone, projector]``, updated by
:func:`~mmvssl.models.utils.momentum_update` at the start of each training
``loss`` call (before the keys / targets are computed, as the official MoCo;
for BYOL this equals updating after the previous optimizer step). The
coefficient follows ``MomentumUpdateHook``'s cosine schedule when the hook is
configured.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from mmvssl.ops import gather_no_grad, get_dist_info, pool_feature
from mmvssl.registry import MODELS
from ..losses.contrastive import queue_info_nce
from ..losses.ssl_losses import negative_cosine, normalized_mse
from ..utils.ema import MomentumTarget


# ------------------------------------------------------------- shuffle BN
@torch.no_grad()
def batch_shuffle(x: Tensor) -> Tuple[Tensor, Optional[Tensor]]:
    """MoCo's shuffling BN, step 1: gather the batch of all processes,
    permute it at random (one permutation, broadcast from rank 0) and give
    every process an equal slice, so a key's BatchNorm statistics come from
    other videos than its query's. Identity (``(x, None)``) when not
    distributed. All processes must hold the same batch size."""
    rank, world = get_dist_info()
    if world == 1:
        return x, None
    all_x = gather_no_grad(x)
    if all_x.shape[0] != world * x.shape[0]:
        raise ValueError('shuffle BN needs the same batch size on every '
                         'process')
    perm = torch.randperm(all_x.shape[0], device=x.device)
    dist.broadcast(perm, src=0)
    unshuffle = torch.argsort(perm)
    local = perm.view(world, -1)[rank]
    return all_x[local], unshuffle


@torch.no_grad()
def batch_unshuffle(x: Tensor, unshuffle: Optional[Tensor]) -> Tensor:
    """Step 2: undo :func:`batch_shuffle` on the outputs (identity when
    ``unshuffle`` is None)."""
    if unshuffle is None:
        return x
    rank, world = get_dist_info()
    all_x = gather_no_grad(x)
    return all_x[unshuffle.view(world, -1)[rank]]


# ------------------------------------------------------------------ base
class BaseContrastiveHead(BaseModule):
    """Base class of the framework heads (see the module docstring).

    Args:
        projector (dict): projection MLP, e.g. ``MLPProjectionNeck``.
        init_cfg (dict, optional): initialisation config.
    """

    #: whether :meth:`build_target` creates a momentum encoder
    has_target = False

    def __init__(self, projector: Dict, init_cfg: Optional[Dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.projector = MODELS.build(projector)

    def build_target(self, backbone: nn.Module) -> None:
        """Create the target encoder from the online backbone (no-op for
        frameworks without one)."""

    def project(self, feats: Sequence[Tensor]) -> List[Tensor]:
        """Online projections of the views (one projector call, so its
        BatchNorm sees both views)."""
        z = self.projector(torch.cat(list(feats), dim=0))
        return list(z.split([f.shape[0] for f in feats]))

    def loss(self,
             feats: Sequence[Tensor],
             data_samples: Optional[Sequence] = None,
             views: Optional[Sequence[Tensor]] = None,
             backbone: Optional[nn.Module] = None) -> Dict[str, Tensor]:
        """The framework's loss (see the module docstring)."""
        raise NotImplementedError

    @staticmethod
    def _check(feats, views=None):
        if len(feats) != 2 or (views is not None and len(views) != 2):
            raise ValueError('contrastive heads compare exactly two views, '
                             f'got {len(feats)} features')


class _MomentumHead(BaseContrastiveHead):
    """A head with a momentum copy of ``[backbone, projector]``."""

    has_target = True

    def __init__(self, projector: Dict, momentum: float,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(projector, init_cfg)
        if not 0. <= momentum <= 1.:
            raise ValueError(f'momentum must be in [0, 1], got {momentum}')
        self.momentum = float(momentum)
        self.target = None

    def build_target(self, backbone: nn.Module) -> None:
        self.target = MomentumTarget([backbone, self.projector],
                                     self.momentum)

    def _update_target(self, backbone: nn.Module) -> None:
        if self.target is None:
            raise RuntimeError(f'{type(self).__name__}.build_target(backbone)'
                               ' must be called before loss()')
        if self.training:
            self.target.update([backbone, self.projector])

    @torch.no_grad()
    def target_embed(self, view: Tensor, shuffle: bool = False) -> Tensor:
        """Target projection of one view (optionally with shuffle BN)."""
        idx = None
        if shuffle:
            view, idx = batch_shuffle(view)
        z = self.target[1](pool_feature(self.target[0](view)))
        return batch_unshuffle(z, idx)


def _embedding_std(z: Tensor) -> Tensor:
    """Mean per-dimension std of L2-normalised embeddings (collapse monitor:
    about ``1 / sqrt(D)`` when healthy, 0 when collapsed)."""
    with torch.no_grad():
        return F.normalize(z.float(), dim=-1).std(dim=0).mean()


# --------------------------------------------------------------- SimCLR
@MODELS.register_module()
class SimCLRHead(BaseContrastiveHead):
    """SimCLR: NT-Xent between the projections of the two views (negatives:
    both views of the other videos of the global batch).

    Args:
        projector (dict): projection MLP.
        temperature (float): tau. Defaults to 0.1 (SimCLR); CSTP's appendix
            states 1.0.
        intra_view_negatives (bool): Defaults to True (NT-Xent).
        gather_distributed (bool): negatives from all processes. Defaults
            to True.
    """

    def __init__(self,
                 projector: Dict,
                 temperature: float = 0.1,
                 intra_view_negatives: bool = True,
                 gather_distributed: bool = True,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(projector, init_cfg)
        self.criterion = MODELS.build(
            dict(
                type='InfoNCELoss',
                temperature=temperature,
                intra_view_negatives=intra_view_negatives,
                gather_distributed=gather_distributed))

    def loss(self, feats, data_samples=None, views=None, backbone=None):
        self._check(feats)
        z1, z2 = self.project(feats)
        out = self.criterion(z1, z2)
        return dict(loss=out['loss'], acc=out['acc'])


# ----------------------------------------------------------------- MoCo
@MODELS.register_module()
class MoCoHead(_MomentumHead):
    """MoCo (v2): momentum key encoder and a queue of negative keys.

    The queries are the online projections, the keys the target
    projections of the other view (computed with shuffle BN under DDP,
    see :func:`batch_shuffle`; or use ``SyncBN`` in the backbone and set
    ``shuffle_bn=False``). Loss: :func:`queue_info_nce`; with ``symmetric``
    both directions are summed (as the two directions of NT-Xent), else
    only view 1 queries view 2's key. After the loss the keys (of all
    processes) are enqueued, the oldest dequeued.

    Args:
        projector (dict): projection MLP (its ``out_channels`` must equal
            ``feat_dim``).
        queue_len (int): number of negative keys. Defaults to 65536.
        feat_dim (int): embedding size. Defaults to 128.
        temperature (float): tau. Defaults to 0.2 (MoCo v2).
        momentum (float): key encoder momentum. Defaults to 0.999.
        symmetric (bool): Defaults to True.
        shuffle_bn (bool): Defaults to True (a no-op on one process).
        batch_negatives (bool): also use the other keys of the current
            batch as negatives (MoCo v3; see :func:`queue_info_nce`).
            With it ``queue_len=0`` means no queue. Defaults to False.
    """

    def __init__(self,
                 projector: Dict,
                 queue_len: int = 65536,
                 feat_dim: int = 128,
                 temperature: float = 0.2,
                 momentum: float = 0.999,
                 symmetric: bool = True,
                 shuffle_bn: bool = True,
                 batch_negatives: bool = False,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(projector, momentum, init_cfg)
        if queue_len < (0 if batch_negatives else 1):
            raise ValueError(f'queue_len must be >= 1 (>= 0 with '
                             f'batch_negatives), got {queue_len}')
        self.queue_len = int(queue_len)
        self.feat_dim = int(feat_dim)
        self.temperature = float(temperature)
        self.symmetric = symmetric
        self.shuffle_bn = shuffle_bn
        self.batch_negatives = bool(batch_negatives)
        if self.queue_len:
            self.register_buffer(
                'queue', F.normalize(torch.randn(feat_dim, queue_len), dim=0))
            self.register_buffer('queue_ptr',
                                 torch.zeros((), dtype=torch.long))
        else:
            self.queue = None

    @torch.no_grad()
    def enqueue(self, keys: Tensor) -> None:
        """Write ``keys`` ``(N, D)`` (normalised here, gathered from all
        processes) over the oldest entries, wrapping around (a no-op
        without a queue)."""
        if self.queue is None:
            return
        keys = F.normalize(gather_no_grad(keys.detach()), dim=-1)
        keys = keys[-self.queue_len:]
        n = keys.shape[0]
        ptr = int(self.queue_ptr)
        idx = (ptr + torch.arange(n, device=keys.device)) % self.queue_len
        self.queue[:, idx] = keys.t().to(self.queue.dtype)
        self.queue_ptr.fill_((ptr + n) % self.queue_len)

    def loss(self, feats, data_samples=None, views=None, backbone=None):
        self._check(feats, views)
        q1, q2 = self.project(feats)
        with torch.no_grad():
            self._update_target(backbone)
            k1 = self.target_embed(views[0], self.shuffle_bn)
            k2 = self.target_embed(views[1], self.shuffle_bn)
        out = queue_info_nce(q1, k2, self.queue, self.temperature,
                             self.batch_negatives)
        loss, acc = out['loss'], out['acc']
        if self.symmetric:
            out2 = queue_info_nce(q2, k1, self.queue, self.temperature,
                                  self.batch_negatives)
            loss, acc = loss + out2['loss'], (acc + out2['acc']) / 2
        if self.training:
            self.enqueue(torch.cat([k1, k2]) if self.symmetric else k2)
        return dict(loss=loss, acc=acc)


# ----------------------------------------------------------------- BYOL
@MODELS.register_module()
class BYOLHead(_MomentumHead):
    """BYOL: the online prediction of each view regresses the target
    projection of the other view (:func:`normalized_mse`, both directions
    summed); no negatives.

    Args:
        projector (dict): projection MLP.
        predictor (dict): prediction MLP (projection dim -> same).
        momentum (float): target momentum. Defaults to 0.998 (CSTP's
            appendix); add ``MomentumUpdateHook`` for BYOL's cosine
            increase to 1.
    """

    def __init__(self,
                 projector: Dict,
                 predictor: Dict,
                 momentum: float = 0.998,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(projector, momentum, init_cfg)
        self.predictor = MODELS.build(predictor)

    def loss(self, feats, data_samples=None, views=None, backbone=None):
        self._check(feats, views)
        z = self.project(feats)
        p = self.predictor(torch.cat(z))
        p1, p2 = p.split([f.shape[0] for f in feats])
        with torch.no_grad():
            self._update_target(backbone)
            t1 = self.target_embed(views[0])
            t2 = self.target_embed(views[1])
        loss = normalized_mse(p1, t2) + normalized_mse(p2, t1)
        with torch.no_grad():
            cos = 0.5 * (F.cosine_similarity(p1, t2).mean() +
                         F.cosine_similarity(p2, t1).mean())
        return dict(loss=loss, cos=cos, z_std=_embedding_std(torch.cat(z)))


# -------------------------------------------------------------- SimSiam
@MODELS.register_module()
class SimSiamHead(BaseContrastiveHead):
    """SimSiam: ``(D(p1, sg(z2)) + D(p2, sg(z1))) / 2`` with
    ``D = -cos`` (:func:`negative_cosine`); the projections of the same
    online encoder are the targets, with the stop-gradient.

    Args:
        projector (dict): projection MLP.
        predictor (dict): prediction MLP (usually a bottleneck).
    """

    def __init__(self,
                 projector: Dict,
                 predictor: Dict,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(projector, init_cfg)
        self.predictor = MODELS.build(predictor)

    def loss(self, feats, data_samples=None, views=None, backbone=None):
        self._check(feats)
        z1, z2 = self.project(feats)
        p = self.predictor(torch.cat([z1, z2]))
        p1, p2 = p.split([z1.shape[0], z2.shape[0]])
        loss = 0.5 * (negative_cosine(p1, z2) + negative_cosine(p2, z1))
        return dict(loss=loss, z_std=_embedding_std(torch.cat([z1, z2])))
