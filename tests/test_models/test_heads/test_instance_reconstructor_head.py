"""The released-code ConST-CL context head (InstanceReconstructorHead): its
parameter count (Table 4), one unit against a hand computation, the grid
positions, shapes / gradients, a one-batch overfit and the ConSTCL
algorithm running with it."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import DefaultScope

import mmvssl  # noqa: F401

pytest.importorskip('mmcv.ops')
from mmaction.structures import ActionDataSample  # noqa: E402

from mmvssl.models.heads import (InstanceReconstructorHead,  # noqa: E402
                                 ReconstructorDecoderUnit)
from mmvssl.registry import MODELS  # noqa: E402


def build(cfg):
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmvssl'):
        return MODELS.build(cfg)


def n_params(m):
    return sum(p.numel() for p in m.parameters())


def released_head_params(c=2048, d=128, heads=3, layers=3, out=2048,
                         pos_hidden=4, pos=8):
    """Parameter count of the released head, written out by hand."""
    mem = c + 2 * pos

    def dense(i, o):
        return i * o + o

    unit = lambda q_in: (dense(q_in, d) + 2 * dense(mem, d) + 2 * d +  # noqa
                         2 * dense(d, d))
    total = heads * unit(c) + (layers - 1) * heads * unit(heads * d)
    total += dense(heads * d, out)
    total += dense(1, pos_hidden) + dense(pos_hidden, pos)  # temporal MLP
    total += dense(2, pos_hidden) + dense(pos_hidden, pos)  # spatial MLP
    return total


@pytest.mark.parametrize('context_length', [1, 3, 5])
def test_parameter_count_matches_the_released_head(context_length):
    head = build(dict(type='InstanceReconstructorHead',
                      context_length=context_length))
    assert n_params(head) == released_head_params() == 6928356
    assert head.memory_channels == 2064
    assert [u.query.in_features for u in head.layers[0].units] == [2048] * 3
    assert [u.query.in_features for u in head.layers[1].units] == [384] * 3
    assert all(u.key.in_features == u.value.in_features == 2064
               for layer in head.layers for u in layer.units)
    assert head.projection.in_features == 384
    assert head.projection.out_features == 2048
    assert isinstance(head.layers[0].units[0].act, torch.nn.GELU)
    assert head.layers[0].units[0].layer_norm.eps == 1e-12


def test_init_is_keras_dense_default():
    head = build(dict(type='InstanceReconstructorHead', in_channels=64,
                      num_channels=16, out_channels=64))
    head.init_weights()
    for m in head.modules():
        if isinstance(m, torch.nn.Linear):
            assert (m.bias == 0).all()
            bound = math.sqrt(6 / (m.in_features + m.out_features))
            assert m.weight.abs().max() <= bound + 1e-6


def test_unit_against_hand_computation():
    torch.manual_seed(0)
    unit = ReconstructorDecoderUnit(6, 5, 4, dict(type='GELU'), 0., 1e-12)
    x, mem = torch.randn(2, 3, 6), torch.randn(2, 7, 5)
    q = x @ unit.query.weight.T + unit.query.bias
    k = mem @ unit.key.weight.T + unit.key.bias
    v = mem @ unit.value.weight.T + unit.value.bias
    a = torch.softmax(q @ k.transpose(1, 2) / 2., -1)  # sqrt(4)
    h = a @ v + q  # residual on the projected query
    h = (h - h.mean(-1, keepdim=True)) / torch.sqrt(
        h.var(-1, unbiased=False, keepdim=True) + 1e-12)
    h = h * unit.layer_norm.weight + unit.layer_norm.bias
    f = F.gelu(h @ unit.ffn1.weight.T + unit.ffn1.bias)
    expected = f @ unit.ffn2.weight.T + unit.ffn2.bias  # no FFN residual
    torch.testing.assert_close(unit(x, mem), expected)


def normalised_pos(c, H, W):
    """Positions as ConSTCL._context gives them (frame / row / column)."""
    t = (torch.arange(c) - c // 2).float() / 8
    y = (torch.arange(H) + 0.5) / H - 0.5
    x = (torch.arange(W) + 0.5) / W - 0.5
    g = torch.stack(torch.meshgrid(t, y, x, indexing='ij'), -1)
    return g.reshape(1, -1, 3)


def test_grid_positions_and_memory():
    head = InstanceReconstructorHead(in_channels=8, num_channels=4,
                                     context_length=3)
    pos = head.grid_positions(3 * 2 * 5, normalised_pos(3, 2, 5))
    assert pos.shape == (30, 3)
    torch.testing.assert_close(pos.mean(0), torch.zeros(3))
    # frame-major, then rows, then columns; integer steps around the mean
    torch.testing.assert_close(pos[0], torch.tensor([-1., -0.5, -2.]))
    torch.testing.assert_close(pos[-1], torch.tensor([1., 0.5, 2.]))
    torch.testing.assert_close(pos[5], torch.tensor([-1., 0.5, -2.]))
    torch.testing.assert_close(pos[10], torch.tensor([0., -0.5, -2.]))
    # without positions the grid is square
    sq = head.grid_positions(3 * 9)
    assert sq[:, 1].max() == sq[:, 2].max() == 1
    mem = head.memory(torch.randn(2, 30, 8), normalised_pos(3, 2, 5))
    assert mem.shape == (2, 30, 8 + 16)
    torch.testing.assert_close(mem[0, :, 8:], mem[1, :, 8:])
    with pytest.raises(ValueError, match='3 frames'):
        head.grid_positions(31)
    with pytest.raises(ValueError, match='context_length=0'):
        InstanceReconstructorHead(context_length=0)


def small_head(**kw):
    cfg = dict(in_channels=16, num_channels=8, num_heads=3, num_layers=2,
               context_length=3)
    cfg.update(kw)
    return InstanceReconstructorHead(**cfg)


def test_forward_backward_shapes_and_attention_maps():
    head = small_head()
    head.init_weights()
    q = torch.randn(2, 5, 16, requires_grad=True)
    ctx = torch.randn(2, 3 * 4, 16, requires_grad=True)
    pos = normalised_pos(3, 2, 2).expand(2, -1, -1)
    out = head(q, None, ctx, pos)
    assert out.shape == (2, 5, 16)
    out.square().sum().backward()
    assert q.grad.abs().sum() > 0 and ctx.grad.abs().sum() > 0
    assert all(p.grad is not None and p.grad.abs().sum() > 0
               for p in head.parameters())
    maps = head.attention_maps(q, None, ctx, pos)
    assert len(maps) == 2 and maps[0].shape == (2, 3, 5, 12)
    torch.testing.assert_close(maps[-1].sum(-1), torch.ones(2, 3, 5))
    # queries are decoded independently; query_pos is not used
    one = head(q[:, 2:3], torch.randn(2, 1, 3), ctx, pos)
    torch.testing.assert_close(out[:, 2:3], one)
    # the memory's positions matter: the same features in another order
    # give another prediction
    perm = torch.randperm(12)
    assert not torch.allclose(head(q, None, ctx[:, perm], pos), out)
    assert head.project_target(q) is q


def test_one_batch_overfit():
    """Reconstruct 8 targets from their context with region InfoNCE."""
    torch.manual_seed(0)
    head = small_head(num_layers=3)
    head.init_weights()
    q = F.normalize(torch.randn(4, 8, 16), dim=-1)
    ctx = F.normalize(torch.randn(4, 12, 16), dim=-1)
    target = F.normalize(torch.randn(4, 8, 16), dim=-1)
    pos = normalised_pos(3, 2, 2).expand(4, -1, -1)
    labels = torch.arange(32)
    opt = torch.optim.Adam(head.parameters(), lr=1e-2)
    hist = []
    for _ in range(60):
        z = F.normalize(head(q, None, ctx, pos), dim=-1).reshape(32, 16)
        loss = F.cross_entropy(z @ target.reshape(32, 16).T / 0.1, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        hist.append(loss.item())
    assert hist[-1] < 0.1 * hist[0]
    acc = (z @ target.reshape(32, 16).T).argmax(1).eq(labels).float().mean()
    assert acc == 1


def _geometry(rng, t0, T=8, size=64, n=6):
    xy = rng.uniform(0, size * 0.6, size=(T, n, 2))
    wh = rng.uniform(size * 0.15, size * 0.4, size=(T, n, 2))
    boxes = np.concatenate([xy, np.minimum(xy + wh, size)], -1)
    inds = np.arange(t0, t0 + T)
    return dict(name='v', boxes=boxes.astype(np.float32),
                box_valid=np.ones((T, n), bool), frame_inds=inds,
                timestamps=inds / 25., rotation=0)


def test_constcl_trains_with_the_released_head():
    model = build(dict(
        type='ConSTCL',
        backbone=dict(type='ResNet3dY', depth=18, base_channels=8),
        neck=dict(type='MLPProjectionNeck', in_channels=64, hid_channels=32,
                  out_channels=16),
        head=dict(type='InstanceReconstructorHead', in_channels=64,
                  num_channels=16, context_length=3),
        roi_output_size=2))
    model.init_weights()
    rng = np.random.RandomState(0)
    g = torch.Generator().manual_seed(0)
    samples = []
    for _ in range(2):
        ds = ActionDataSample()
        ds.set_metainfo(dict(geometry=[_geometry(rng, rng.randint(0, 20)),
                                       _geometry(rng, rng.randint(0, 20))]))
        samples.append(ds)
    inputs = [torch.randn(2, 3, 8, 64, 64, generator=g) for _ in range(2)]
    losses = model(inputs, samples, mode='loss')
    assert torch.isfinite(losses['loss_local'])
    losses['loss_local'].backward()
    head_grad = sum(p.grad.abs().sum() for p in model.head.parameters())
    assert head_grad > 0
    assert sum(p.grad.abs().sum() for p in model.backbone.layer4_r.parameters()
               if p.grad is not None) > 0


def test_attention_visualisation_reads_the_released_head(tmp_path):
    """tools/visualization/constcl_attention.py works with the head: its
    per-layer attention is a distribution over the context tokens."""
    import importlib.util
    import os.path as osp
    import sys

    cv2 = pytest.importorskip('cv2')
    pytest.importorskip('decord')
    from mmengine.config import Config
    root = osp.abspath(osp.join(osp.dirname(__file__), '..', '..', '..'))
    path = osp.join(root, 'tools/visualization/constcl_attention.py')
    sys.path.insert(0, osp.dirname(path))
    try:
        spec = importlib.util.spec_from_file_location('constcl_att', path)
        tool = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(tool)
    finally:
        sys.path.pop(0)
    video = str(tmp_path / 'v.mp4')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'mp4v'), 25,
                             (160, 128))
    rng = np.random.RandomState(0)
    for _ in range(40):
        writer.write(rng.randint(0, 255, (128, 160, 3), dtype=np.uint8))
    writer.release()
    cfg = Config.fromfile(osp.join(root, 'configs/constcl/r3d18_synthetic.py'))
    cfg.merge_from_dict({
        'model.backbone.base_channels': 8,
        'model.neck.in_channels': 64,
        'model.neck.hid_channels': 32,
    })
    cfg.model.head = dict(type='InstanceReconstructorHead', in_channels=64,
                          num_channels=16, context_length=3)
    ckpt = str(tmp_path / 'tiny.pth')
    torch.save({'state_dict': build(cfg.model).state_dict(), 'meta': {}},
               ckpt)
    model = tool.build_model(cfg, ckpt)
    batch = tool.load_views(cfg, video, 64, num_queries=2)
    att = tool.compute_attention(model, batch)
    assert len(att['maps']) == 3
    heads, n, c, h, w = att['maps'][-1].shape
    assert (heads, n, c) == (3, 2, 3) and (h, w) == att['feat_hw']
    np.testing.assert_allclose(att['maps'][-1].sum((2, 3, 4)), 1, rtol=1e-4)
