"""Objectives of controllable augmentations: soft region contrast, MINE
with gradient reversal, temporal-order dependency heads."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import DefaultScope

import mmvssl  # noqa: F401
from mmvssl.models.heads.ctrlaug_heads import (ClipOrderHead,
                                               GRUMLPOrderHead, GRUOrderHead,
                                               LocalGlobalNCEHead,
                                               MINEEstimator, MLPOrderHead,
                                               TemporalDependencyHead,
                                               VCOPHead, permutations)
from mmvssl.models.losses import info_nce
from mmvssl.models.losses.contrastive import soft_info_nce
from mmvssl.models.losses.mutual_information import (donsker_varadhan,
                                                      grad_reverse)
from mmvssl.registry import MODELS
from mmvssl.structures import LocalGlobalBatch


def build(cfg):
    with DefaultScope.overwrite_default_scope('mmvssl'):
        return MODELS.build(cfg)


def unit(*shape, seed=0):
    g = torch.Generator().manual_seed(seed)
    return F.normalize(torch.randn(*shape, generator=g), dim=-1)


# ------------------------------------------------------ region contrast
def test_soft_loss_equals_info_nce_for_one_hot_targets():
    B, Q, NV, D = 3, 5, 4, 8
    q, k = unit(B, Q, D, seed=1), unit(B, NV, D, seed=2)
    pos = torch.randint(0, NV, (B, Q),
                        generator=torch.Generator().manual_seed(3))
    S = F.one_hot(pos, NV).double()
    out = soft_info_nce(q, k, S, temperature=0.2, gather=False)
    ref = info_nce(q.reshape(B * Q, D), k.reshape(B * NV, D),
                   (pos + torch.arange(B)[:, None] * NV).reshape(-1), 0.2)
    assert out['loss'].item() == pytest.approx(ref.mean().item(), rel=1e-6)
    assert out['num_queries'] == B * Q and out['coverage'] == 1


def test_soft_loss_renormalises_and_masks_uncovered_rows():
    B, Q, NV, D = 2, 3, 4, 8
    q, k = unit(B, Q, D, seed=4), unit(B, NV, D, seed=5)
    S = torch.rand(B, Q, NV, generator=torch.Generator().manual_seed(6))
    S = S / S.sum(-1, keepdim=True)
    full = soft_info_nce(q, k, S, 0.1, gather=False)
    # scaling rows by coverage >= min_coverage changes nothing
    half = soft_info_nce(q, k, S * 0.6, 0.1, gather=False)
    assert half['loss'].item() == pytest.approx(full['loss'].item(),
                                                rel=1e-6)
    # a row covered less than min_coverage is left out
    S2 = S.clone()
    S2[0, 0] *= 0.2
    masked = soft_info_nce(q, k, S2, 0.1, gather=False)
    assert masked['num_queries'] == B * Q - 1
    # the same as dropping that query by hand
    keep = torch.ones(B, Q, dtype=torch.bool)
    keep[0, 0] = False
    logits = torch.einsum('bqd,amd->bqam', q, k).flatten(2) / 0.1
    own = torch.einsum('bqd,bmd->bqm', q, k) / 0.1
    ce = torch.logsumexp(logits, 2) - (S * own).sum(-1)
    assert masked['loss'].item() == pytest.approx(ce[keep].mean().item(),
                                                  rel=1e-6)


def test_soft_loss_gradient_is_p_minus_target():
    """d L / d logits = p - t: the query is pulled towards its
    corresponding cells (weighted by S) and pushed from all candidates
    (weighted by their probability)."""
    B, Q, NV, D, tau = 2, 2, 3, 6, 0.1
    q = unit(B, Q, D, seed=7).requires_grad_()
    k = unit(B, NV, D, seed=8)
    S = torch.tensor([[0.7, 0.3, 0.0], [0.0, 0.0, 1.0]]).expand(B, Q, NV)
    soft_info_nce(q, k, S, tau, gather=False)['loss'].backward()
    keys = k.reshape(B * NV, D)
    with torch.no_grad():
        p = torch.softmax(q @ keys.t() / tau, dim=-1)  # (B, Q, B NV)
        t = torch.zeros_like(p)
        for b in range(B):
            t[b, :, b * NV:(b + 1) * NV] = S[b]
        expect = (p - t) @ keys / tau / (B * Q)
    torch.testing.assert_close(q.grad, expect)


# ------------------------------------------------------- MINE and GRL
def test_gradient_reversal_flips_encoder_gradient_only():
    torch.manual_seed(0)
    est = MINEEstimator(8, hid_channels=16)
    x0, y0 = torch.randn(6, 8), torch.randn(5, 8)

    def grads(reverse):
        est.zero_grad()
        x, y = x0.clone().requires_grad_(), y0.clone().requires_grad_()
        xi, yi = (grad_reverse(x, 0.5), grad_reverse(y, 0.5)) if reverse \
            else (x, y)
        g = est.pairwise(xi, yi)
        donsker_varadhan(g.diagonal(), g).backward()
        return x.grad, y.grad, [p.grad.clone() for p in est.parameters()]

    gx, gy, gp = grads(False)
    rx, ry, rp = grads(True)
    torch.testing.assert_close(rx, -0.5 * gx)
    torch.testing.assert_close(ry, -0.5 * gy)
    for a, b in zip(gp, rp):
        torch.testing.assert_close(a, b)


def test_frozen_estimator_gets_no_gradient():
    est = MINEEstimator(4, hid_channels=8)
    x = torch.randn(3, 4, requires_grad=True)
    est.pairwise(x, torch.randn(2, 4), frozen=True).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    assert all(p.grad is None for p in est.parameters())
    # pairwise == the concatenated MLP on every pair
    xs, ys = torch.randn(3, 4), torch.randn(2, 4)
    pw = est.pairwise(xs, ys)
    ref = est(xs[:, None].expand(3, 2, 4).reshape(6, 4),
              ys[None].expand(3, 2, 4).reshape(6, 4)).view(3, 2)
    torch.testing.assert_close(pw, ref)


def test_mine_bound_larger_for_dependent_pairs():
    """Features that share a low-level 'level' code (plus independent
    content) are dependent; after a short fit the DV bound on them is
    clearly positive, on independent pairs it is about 0."""
    torch.manual_seed(0)
    n, levels, c = 128, 8, 16
    code = torch.randn(levels, c)

    def sample(dependent):
        lv = torch.randint(0, levels, (n, ))
        lv2 = lv if dependent else torch.randint(0, levels, (n, ))
        x = code[lv] + 0.5 * torch.randn(n, c)
        y = code[lv2] + 0.5 * torch.randn(n, c)
        return x, y

    def fit_and_estimate(dependent):
        torch.manual_seed(1)
        est = MINEEstimator(c, hid_channels=32, normalize_inputs=False)
        opt = torch.optim.Adam(est.parameters(), lr=1e-2)
        for _ in range(80):
            x, y = sample(dependent)
            g = est.pairwise(x, y)
            loss = -donsker_varadhan(g.diagonal(), g)
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            x, y = sample(dependent)
            g = est.pairwise(x, y)
            return donsker_varadhan(g.diagonal(), g).item()

    dep, ind = fit_and_estimate(True), fit_and_estimate(False)
    assert dep > 0.5 and dep > ind + 0.5 and abs(ind) < 0.3


def _batch(clips, video, levels=None):
    """A LocalGlobalBatch whose pooled features are given vectors."""
    B = clips.shape[0]
    b = LocalGlobalBatch(
        clip_maps=clips[..., None, None, None],
        video_maps=video[..., None, None, None],
        clip_records=[[{}] * clips.shape[1] for _ in range(B)],
        video_records=[dict(levels=dict(color_jitter=int(lv), blur=0))
                       for lv in (levels if levels is not None else
                                  [0] * B)])
    return b


def test_low_level_mi_loss_pairs_and_gradients():
    torch.manual_seed(0)
    B, K, C = 6, 2, 8
    clips = torch.randn(B, K, C, requires_grad=True)
    video = torch.randn(B, C, requires_grad=True)
    loss = build(dict(type='LowLevelMIHead', gather_distributed=False,
                      estimator=dict(type='MINEEstimator', in_channels=C,
                                     hid_channels=16)))
    out = loss.loss(_batch(clips, video, levels=[0, 0, 1, 1, 2, 3]))
    assert set(out) == {'loss_adv', 'loss_lg', 'levels', 'local_global',
                        'joint_pairs'}
    assert out['joint_pairs'] == 4  # (0,1), (1,0), (2,3), (3,2)
    assert out['loss_adv'].item() == pytest.approx(-out['levels'].item())
    (out['loss_adv'] + out['loss_lg']).backward()
    assert clips.grad.abs().sum() > 0 and video.grad.abs().sum() > 0
    # no shared level in the batch: the estimator term is zero
    out = loss.loss(_batch(clips, video, levels=list(range(B))))
    assert out['joint_pairs'] == 0 and out['loss_adv'].item() == 0
    with pytest.raises(KeyError, match='lack'):
        b = _batch(clips, video)
        b.video_records[0]['levels'] = {}
        loss.loss(b)


# ------------------------------------------------ temporal dependency
def ordered_features(B, K, C, seed):
    """Clip features with a global feature that depends on their order."""
    g = torch.Generator().manual_seed(seed)
    clips = torch.randn(B, K, C, generator=g)
    w = torch.linspace(1.0, -1.0, K)
    video = (w[None, :, None] * clips).sum(1) + 0.1 * torch.randn(
        B, C, generator=g)
    return clips, video


@pytest.mark.parametrize('head', [
    dict(type='GRUOrderHead', in_channels=16, temperature=0.1),
    dict(type='MLPOrderHead', in_channels=16, num_clips=3, hid_channels=64),
    dict(type='GRUMLPOrderHead', in_channels=16, hid_channels=32),
])
def test_temporal_order_head_separates_ordered_from_shuffled(head):
    torch.manual_seed(0)
    K, C = 3, 16
    loss = build(dict(type='TemporalDependencyHead', head=head))
    opt = torch.optim.Adam(loss.parameters(), lr=1e-2)
    for step in range(120):
        out = loss.loss(_batch(*ordered_features(64, K, C, step)))
        opt.zero_grad()
        out['loss'].backward()
        opt.step()
    with torch.no_grad():
        out = loss.loss(_batch(*ordered_features(256, K, C, 10_000)))
        clips, video = ordered_features(256, K, C, 10_000)
        ordered = loss.head(clips, video)
        perms = permutations(K)[1:]
        shuffled = torch.stack([loss.head(clips[:, p], video)
                                for p in perms], 1)
    assert out['acc'] > 0.8  # identity scores best among all K! orders
    assert (ordered[:, None] > shuffled).float().mean() > 0.9
    # a positive bound, at most log K!
    assert 0.3 < out['mi'] <= np.log(6) + 1e-5


def test_vcop_and_nce_objectives():
    torch.manual_seed(0)
    B, K, C = 8, 3, 16
    clips, video = ordered_features(B, K, C, 0)
    head = VCOPHead(C, num_clips=K, hid_channels=32)
    assert head.num_orders == 6 and head(clips).shape == (B, 6)
    vcop = ClipOrderHead(dict(type='VCOPHead', in_channels=C, num_clips=K,
                              hid_channels=32))
    out = vcop.loss(_batch(clips, video))
    assert out['loss'] > 0 and 0 <= out['acc'] <= 1
    nce = LocalGlobalNCEHead(temperature=0.1, gather_distributed=False)
    out = nce.loss(_batch(clips, video))
    assert out['loss'] > 0
    assert isinstance(GRUOrderHead(C), GRUOrderHead)
    assert isinstance(MLPOrderHead(C, K), MLPOrderHead)
    assert isinstance(GRUMLPOrderHead(C), GRUMLPOrderHead)
    td = TemporalDependencyHead(dict(type='GRUOrderHead', in_channels=C),
                                num_orders=4)
    assert td.loss(_batch(clips, video))['loss'].requires_grad
