"""SimCLR / MoCo / BYOL / SimSiam heads and baselines, the momentum helper
and its hook, against hand computations."""
import os
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.registry import DefaultScope

import mmvssl  # noqa: F401
from mmvssl.engine.hooks.momentum_update_hook import MomentumUpdateHook
from mmvssl.models.heads import batch_shuffle, batch_unshuffle
from mmvssl.models.losses import (negative_cosine, normalized_mse, nt_xent,
                                  queue_info_nce)
from mmvssl.models.utils import (MomentumTarget, cosine_momentum,
                                 momentum_update)
from mmvssl.ops import pool_feature
from mmvssl.registry import MODELS

C, D, B = 16, 8, 4
BACKBONE = dict(type='ResNet3d', depth=18, base_channels=2,
                pretrained2d=False, with_pool1=False, with_pool2=False,
                temporal_strides=(1, 2, 2, 2), inflate=(1, 1, 1, 1),
                zero_init_residual=False)  # 16-d features


def mlp(cin, cout, hid=32):
    return dict(type='MLPProjectionNeck', in_channels=cin, hid_channels=hid,
                out_channels=cout, num_hidden_layers=1,
                normalize_inputs=False)


HEADS = dict(
    simclr=dict(type='SimCLRHead', projector=mlp(C, D), temperature=0.5),
    moco=dict(type='MoCoHead', projector=mlp(C, D), queue_len=10,
              feat_dim=D, temperature=0.5, momentum=0.9),
    byol=dict(type='BYOLHead', projector=mlp(C, D), predictor=mlp(D, D),
              momentum=0.9),
    simsiam=dict(type='SimSiamHead', projector=mlp(C, D),
                 predictor=mlp(D, D)))


def build(cfg):
    with DefaultScope.overwrite_default_scope('mmvssl'):
        return MODELS.build(cfg)


def inputs(seed=0, b=B):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(b, 3, 4, 16, 16, generator=g) for _ in range(2)]


def head_with_backbone(name, seed=0):
    torch.manual_seed(seed)
    backbone = build(BACKBONE)
    head = build(HEADS[name])
    head.build_target(backbone)
    return head, backbone


def feats_of(backbone, views):
    return [pool_feature(backbone(v)) for v in views]


# ------------------------------------------------------------- losses
def test_normalized_mse_and_negative_cosine_by_hand():
    p = torch.tensor([[3., 4.], [1., 0.]])
    z = torch.tensor([[4., 3.], [-2., 0.]])
    cos = np.array([24. / 25., -1.])
    assert normalized_mse(p, z).item() == pytest.approx(
        np.mean(2 - 2 * cos))
    assert negative_cosine(p, z).item() == pytest.approx(-np.mean(cos))
    # stop-gradient on the target
    z.requires_grad_(True)
    p.requires_grad_(True)
    (normalized_mse(p, z) + negative_cosine(p, z)).backward()
    assert z.grad is None and p.grad is not None


def test_queue_info_nce_by_hand():
    torch.manual_seed(0)
    q, k = torch.randn(3, D), torch.randn(3, D)
    queue = F.normalize(torch.randn(D, 5), dim=0)
    out = queue_info_nce(q, k, queue, 0.2)
    qn, kn = F.normalize(q, dim=1), F.normalize(k, dim=1)
    expect = []
    for i in range(3):
        logits = torch.cat([(qn[i] * kn[i]).sum()[None], qn[i] @ queue]) / .2
        expect.append(-torch.log_softmax(logits, 0)[0])
    assert out['loss'].item() == pytest.approx(torch.stack(expect).mean()
                                               .item(), rel=1e-5)


def test_queue_info_nce_batch_negatives_by_hand():
    """MoCo v3's candidates: this batch's keys (own key positive, the
    others negatives), with and without the queue."""
    torch.manual_seed(0)
    q, k = torch.randn(3, D), torch.randn(3, D)
    queue = F.normalize(torch.randn(D, 5), dim=0)
    qn, kn = F.normalize(q, dim=1), F.normalize(k, dim=1)
    for qu in (queue, None):
        out = queue_info_nce(q, k, qu, 0.2, batch_negatives=True)
        expect = []
        for i in range(3):
            logits = qn[i] @ kn.t()
            if qu is not None:
                logits = torch.cat([logits, qn[i] @ qu])
            expect.append(-torch.log_softmax(logits / .2, 0)[i])
        assert out['loss'].item() == pytest.approx(
            torch.stack(expect).mean().item(), rel=1e-5)
    # keys equal to the queries: each query's own key is its most similar
    # candidate, so the accuracy is 1
    kk = qn.clone()
    assert queue_info_nce(q, kk, None, 0.2, True)['acc'].item() == 1.
    with pytest.raises(ValueError, match='queue or batch_negatives'):
        queue_info_nce(q, k, None, 0.2)


def test_moco_head_without_queue():
    head = build(dict(HEADS['moco'], queue_len=0, batch_negatives=True))
    assert head.queue is None
    _, backbone = head_with_backbone('moco')
    head.build_target(backbone)
    head.train()
    views = inputs()
    out = head.loss(feats_of(backbone, views), None, views=views,
                    backbone=backbone)
    out['loss'].backward()
    assert torch.isfinite(out['loss'])
    assert backbone.conv1.conv.weight.grad is not None
    with pytest.raises(ValueError, match='queue_len'):
        build(dict(HEADS['moco'], queue_len=0))


# ---------------------------------------------------------- momentum
def test_momentum_update_by_hand():
    torch.manual_seed(0)
    online, target = nn.Linear(3, 2), nn.Linear(3, 2)
    bn_o, bn_t = nn.BatchNorm1d(2), nn.BatchNorm1d(2)
    bn_t.running_mean.fill_(5.)
    before = target.weight.detach().clone()
    momentum_update([online, bn_o], [target, bn_t], 0.75)
    torch.testing.assert_close(target.weight,
                               0.75 * before + 0.25 * online.weight)
    assert (bn_t.running_mean == 5.).all()  # buffers are left alone
    with pytest.raises(ValueError, match='differ'):
        momentum_update(online, nn.Linear(3, 3), 0.5)
    with pytest.raises(ValueError, match=r'\[0, 1\]'):
        momentum_update(online, target, 1.5)


def test_momentum_target_copies_first_then_averages():
    torch.manual_seed(0)
    online = nn.Linear(3, 2)
    target = MomentumTarget(online, momentum=0.5)
    assert not any(p.requires_grad for p in target.parameters())
    with torch.no_grad():
        online.weight.fill_(2.)  # e.g. init_weights after construction
    target.update(online)
    torch.testing.assert_close(target[0].weight, online.weight)
    with torch.no_grad():
        online.weight.fill_(0.)
    target.update(online)
    assert torch.allclose(target[0].weight, torch.ones(2, 3))
    assert int(target.num_updates) == 2
    state = target.state_dict()
    assert 'num_updates' in state  # a resumed run does not re-copy


def test_cosine_momentum_and_hook():
    assert cosine_momentum(0.99, 1., 0, 100) == pytest.approx(0.99)
    assert cosine_momentum(0.99, 1., 50, 100) == pytest.approx(0.995)
    assert cosine_momentum(0.99, 1., 100, 100) == pytest.approx(1.)
    head, _ = head_with_backbone('byol')
    model = nn.ModuleDict(dict(head=head))
    hub = SimpleNamespace(update_scalar=lambda *a: scalars.append(a))
    scalars = []
    runner = SimpleNamespace(model=model, iter=25, max_iters=100,
                             message_hub=hub)
    hook = MomentumUpdateHook(end_momentum=1.)
    hook.before_train_iter(runner, 0)
    expect = 1 - 0.1 * (np.cos(np.pi / 4) + 1) / 2
    assert head.target.momentum == pytest.approx(expect)
    assert head.target.base_momentum == 0.9
    hook.after_train_iter(runner, 0)
    assert scalars == [('train/momentum', pytest.approx(expect))]


# ------------------------------------------------------------- heads
def test_simclr_head_is_nt_xent_of_the_projections():
    head, backbone = head_with_backbone('simclr')
    views = inputs()
    feats = feats_of(backbone, views)
    out = head.loss(feats, None, views=views, backbone=backbone)
    z1, z2 = head.project(feats)
    ref = nt_xent(F.normalize(z1, dim=1), F.normalize(z2, dim=1), 0.5)
    assert out['loss'].item() == pytest.approx(ref['loss'].item(), rel=1e-5)


def test_moco_queue_enqueue_dequeue_wraps_around():
    head, _ = head_with_backbone('moco')
    assert head.queue.shape == (D, 10) and int(head.queue_ptr) == 0
    keys = torch.randn(8, D)
    head.enqueue(keys)
    assert int(head.queue_ptr) == 8
    torch.testing.assert_close(head.queue[:, :8].t(),
                               F.normalize(keys, dim=1))
    old = head.queue[:, 8:].clone()
    keys2 = torch.randn(4, D)
    head.enqueue(keys2)  # columns 8, 9, then 0, 1 (the oldest)
    assert int(head.queue_ptr) == 2
    k2 = F.normalize(keys2, dim=1)
    torch.testing.assert_close(head.queue[:, [8, 9, 0, 1]].t(), k2)
    torch.testing.assert_close(head.queue[:, 2:8].t(),
                               F.normalize(keys, dim=1)[2:8])
    assert not torch.equal(head.queue[:, 8:], old)
    many = torch.randn(25, D)
    head.enqueue(many)  # more keys than the queue: the last 10 are kept
    assert int(head.queue_ptr) == 2
    order = [2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    torch.testing.assert_close(head.queue[:, order].t(),
                               F.normalize(many[-10:], dim=1))


def test_moco_loss_uses_momentum_keys_and_the_queue():
    head, backbone = head_with_backbone('moco')
    head.train()
    backbone.train()
    views = inputs()
    queue0 = head.queue.clone()
    out = head.loss(feats_of(backbone, views), None, views=views,
                    backbone=backbone)
    out['loss'].backward()  # the in-place enqueue does not break backward
    assert backbone.conv1.conv.weight.grad is not None
    # first update: the key encoder is an exact copy of the online one
    for p, q in zip(backbone.parameters(), head.target[0].parameters()):
        torch.testing.assert_close(p, q)
    assert int(head.queue_ptr) == 2 * B  # both views' keys (symmetric)
    # the loss compared each query with the queue *before* the enqueue
    with torch.no_grad():
        q1, q2 = head.project(feats_of(backbone, views))
        k1 = head.target_embed(views[0])
        k2 = head.target_embed(views[1])
    torch.testing.assert_close(head.queue[:, :B].t(),
                               F.normalize(k1, dim=1))
    ref = (queue_info_nce(q1, k2, queue0, 0.5)['loss'] +
           queue_info_nce(q2, k1, queue0, 0.5)['loss'])
    assert out['loss'].item() == pytest.approx(ref.item(), rel=1e-4)
    # second step: the key encoder moves by (1 - m) towards the online one
    with torch.no_grad():
        for p in backbone.parameters():
            p.add_(1.)
    before = [q.clone() for q in head.target[0].parameters()]
    head.loss(feats_of(backbone, views), None, views=views,
              backbone=backbone)
    for p, q, q0 in zip(backbone.parameters(), head.target[0].parameters(),
                        before):
        torch.testing.assert_close(q, 0.9 * q0 + 0.1 * p)
    # evaluation mode: no update, no enqueue
    head.eval()
    ptr = int(head.queue_ptr)
    head.loss(feats_of(backbone, views), None, views=views,
              backbone=backbone)
    assert int(head.queue_ptr) == ptr


def test_byol_loss_by_hand():
    head, backbone = head_with_backbone('byol')
    head.eval()  # BN with running statistics: one call == per-view calls
    backbone.eval()
    views = inputs()
    feats = feats_of(backbone, views)
    out = head.loss(feats, None, views=views, backbone=backbone)
    # the target is the construction-time copy (eval: no update)
    p1 = head.predictor(head.projector(feats[0]))
    p2 = head.predictor(head.projector(feats[1]))
    t1, t2 = (head.projector(f) for f in feats)
    cos12 = F.cosine_similarity(p1, t2).detach().numpy()
    cos21 = F.cosine_similarity(p2, t1).detach().numpy()
    expect = np.mean(2 - 2 * cos12) + np.mean(2 - 2 * cos21)
    assert out['loss'].item() == pytest.approx(expect, rel=1e-5)
    assert out['cos'].item() == pytest.approx(
        (cos12.mean() + cos21.mean()) / 2, rel=1e-5)
    out['loss'].backward()
    assert all(p.grad is None for p in head.target.parameters())
    assert head.predictor.mlp[0].weight.grad is not None


def test_simsiam_loss_by_hand_with_stop_gradient():
    head, backbone = head_with_backbone('simsiam')
    assert head.target is None if hasattr(head, 'target') else True
    head.eval()
    views = inputs()
    feats = [f.detach().requires_grad_(True)
             for f in feats_of(backbone, views)]
    out = head.loss(feats, None, views=views, backbone=backbone)
    z1, z2 = (head.projector(f) for f in feats)
    p1, p2 = head.predictor(z1), head.predictor(z2)
    d12 = -F.cosine_similarity(p1, z2).mean()
    d21 = -F.cosine_similarity(p2, z1).mean()
    assert out['loss'].item() == pytest.approx((0.5 * (d12 + d21)).item(),
                                               rel=1e-5)
    # the gradient only flows through the predictor branch: equal to the
    # gradient of the hand loss with z detached
    g = torch.autograd.grad(out['loss'], feats)
    ref = 0.5 * (-F.cosine_similarity(p1, z2.detach()).mean() -
                 F.cosine_similarity(p2, z1.detach()).mean())
    g_ref = torch.autograd.grad(ref, feats)
    for a, b in zip(g, g_ref):
        torch.testing.assert_close(a, b)


def test_momentum_heads_need_build_target():
    head = build(HEADS['byol'])
    views = inputs()
    with pytest.raises(RuntimeError, match='build_target'):
        head.loss([torch.randn(B, C)] * 2, None, views=views)


# --------------------------------------------------------- baselines
@pytest.mark.parametrize('name', ['SimCLR', 'MoCo', 'BYOL', 'SimSiam'])
def test_plain_baselines_train(name):
    torch.manual_seed(0)
    head = dict(HEADS[name.lower()])
    head.pop('type')
    model = build(dict(type=name, backbone=BACKBONE, head=head))
    assert type(model.contrastive_head).__name__ == f'{name}Head'
    assert model.loss_weights == {'ctr': 1.}
    assert not len(model.pretext_heads)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(2):
        losses = model(inputs(), None, mode='loss')
        assert set(losses) >= {'loss_ctr'}
        assert torch.isfinite(losses['loss_ctr'])
        opt.zero_grad()
        losses['loss_ctr'].backward()
        opt.step()
    feats = model(inputs(), None, mode='predict')
    assert feats.shape == (B, C)


# ------------------------------------------------------------ shuffle BN
def test_shuffle_bn_is_identity_on_one_process():
    x = torch.randn(3, 2)
    y, idx = batch_shuffle(x)
    assert y is x and idx is None
    assert batch_unshuffle(y, idx) is y


def _shuffle_worker(rank, port, out_dir):
    import torch.distributed as dist
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                            rank=rank, world_size=2)
    try:
        torch.manual_seed(rank)  # different permutations unless broadcast
        x = torch.arange(6.).view(3, 2) + 100 * rank
        y, idx = batch_shuffle(x)
        back = batch_unshuffle(y * 2, idx)
        head = build(HEADS['moco'])
        head.enqueue(F.one_hot(torch.tensor([rank, rank]), D).float())
        torch.save(dict(x=x, y=y, back=back, queue=head.queue[:, :4]),
                   os.path.join(out_dir, f'rank{rank}.pth'))
    finally:
        dist.destroy_process_group()


@pytest.mark.timeout(120)
def test_shuffle_bn_and_queue_across_two_processes(tmp_path, port):
    import torch.multiprocessing as mp
    mp.spawn(_shuffle_worker, args=(port, str(tmp_path)), nprocs=2,
             join=True)
    res = [torch.load(tmp_path / f'rank{r}.pth') for r in range(2)]
    all_x = torch.cat([r['x'] for r in res])
    shuffled = torch.cat([r['y'] for r in res])
    # one global permutation of the gathered rows, unshuffled exactly
    assert sorted(shuffled[:, 0].tolist()) == sorted(all_x[:, 0].tolist())
    for r in res:
        torch.testing.assert_close(r['back'], 2 * r['x'])
    # every rank enqueues the keys of both ranks, in rank order
    for r in res:
        torch.testing.assert_close(r['queue'][:2], torch.tensor(
            [[1., 1., 0., 0.], [0., 0., 1., 1.]]))
