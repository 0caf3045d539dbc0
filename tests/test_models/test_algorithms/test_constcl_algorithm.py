"""ConSTCL / CVRL algorithms on random tensors with synthetic geometry."""
import copy

import numpy as np
import pytest
import torch

import mmvssl  # noqa: F401

pytest.importorskip('mmcv.ops')
from mmaction.structures import ActionDataSample  # noqa: E402
from mmengine.optim import OptimWrapper  # noqa: E402
from mmengine.registry import DefaultScope  # noqa: E402

from mmvssl.models.algorithms import (ConSTCL, NearestFrameSampler,  # noqa
                                      build_frame_sampler,
                                      context_frame_indices)
from mmvssl.registry import MODELS  # noqa: E402

T_IN, SIZE, N = 8, 64, 6


def constcl_cfg(**kw):
    cfg = dict(
        type='ConSTCL',
        backbone=dict(type='ResNet3dY', depth=18, base_channels=8),
        neck=dict(type='MLPProjectionNeck', in_channels=64, hid_channels=32,
                  out_channels=16),
        head=dict(type='ConSTCLHead', in_channels=64, embed_dims=16,
                  num_heads=3, head_dims=16, ffn_channels=16,
                  context_length=3),
        roi_output_size=2)
    cfg.update(kw)
    return cfg


def geometry(rng, t0, num_boxes=N, valid_frames=None):
    xy = rng.uniform(0, SIZE * 0.6, size=(T_IN, num_boxes, 2))
    wh = rng.uniform(SIZE * 0.15, SIZE * 0.4, size=(T_IN, num_boxes, 2))
    boxes = np.concatenate([xy, np.minimum(xy + wh, SIZE)], -1)
    valid = np.ones((T_IN, num_boxes), bool)
    valid[:, -1] = False  # one padded box per frame
    if valid_frames is not None:
        keep = np.zeros(T_IN, bool)
        keep[valid_frames] = True
        valid &= keep[:, None]
    inds = np.arange(t0, t0 + T_IN)
    return dict(name='v', boxes=boxes.astype(np.float32), box_valid=valid,
                frame_inds=inds, timestamps=inds / 25., rotation=0)


def make_batch(B=4, seed=0, **geom_kw):
    rng = np.random.RandomState(seed)
    g = torch.Generator().manual_seed(seed)
    inputs = [torch.randn(B, 3, T_IN, SIZE, SIZE, generator=g)
              for _ in range(2)]
    samples = []
    for _ in range(B):
        ds = ActionDataSample()
        ds.set_metainfo(dict(geometry=[
            geometry(rng, rng.randint(0, 20), **geom_kw),
            geometry(rng, rng.randint(0, 20), **geom_kw)
        ]))
        samples.append(ds)
    return dict(inputs=inputs, data_samples=samples)


def build(cfg):
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmvssl'):
        return MODELS.build(cfg)


def test_loss_keys_values_and_weighting():
    model = build(constcl_cfg())
    assert isinstance(model, ConSTCL) and model.context_length == 3
    losses = model(**make_batch(), mode='loss')
    assert set(losses) == {'loss_global', 'loss_local', 'acc_global',
                           'acc_local', 'regions_local'}
    # N - 1 valid boxes per frame (one padded)
    assert losses['regions_local'].item() == N - 1
    for v in losses.values():
        assert torch.isfinite(v).all()
    unweighted = build(constcl_cfg(loss_local=dict(
        type='RegionInfoNCELoss', temperature=0.2, loss_weight=1.0)))
    raw = unweighted(**make_batch(), mode='loss')['loss_local']
    assert losses['loss_local'].item() == pytest.approx(
        0.001 * raw.item(), rel=1e-4)


def grads(model, loss):
    model.zero_grad()
    loss.backward(retain_graph=True)

    def norm(mod):
        return sum(p.grad.abs().sum().item() for p in mod.parameters()
                   if p.grad is not None)

    bb = model.backbone
    return dict(g=norm(bb.layer4), r=norm(bb.layer4_r), c4=norm(bb.layer3),
                head=norm(model.head), neck=norm(model.neck))


def test_gradients_reach_both_branches_and_res4():
    model = build(constcl_cfg())
    losses = model(**make_batch(), mode='loss')
    g = grads(model, losses['loss_global'])
    assert g['g'] > 0 and g['c4'] > 0 and g['neck'] > 0
    assert g['r'] == 0 and g['head'] == 0
    r = grads(model, losses['loss_local'])
    assert r['r'] > 0 and r['c4'] > 0 and r['head'] > 0
    assert r['g'] == 0 and r['neck'] == 0


@pytest.mark.parametrize('variant', [
    dict(temporal_sampling='nearest'),
    dict(temporal_sampling='random'),
    dict(head=dict(type='RegionMLPHead', in_channels=64, hid_channels=32,
                   out_channels=16)),
    dict(backbone=dict(type='ResNet3dY', depth=18, base_channels=8,
                       loss_endpoints='C5')),
    dict(backbone=dict(type='ResNet3dY', depth=18, base_channels=8,
                       loss_endpoints='C4_p'),
         head=dict(type='ConSTCLHead', in_channels=32, embed_dims=16,
                   num_heads=3, head_dims=16, ffn_channels=16,
                   context_length=1)),
])
def test_variants_run(variant):
    model = build(constcl_cfg(**variant))
    losses = model(**make_batch(B=2), mode='loss')
    assert torch.isfinite(losses['loss_local'])
    (losses['loss_global'] + losses['loss_local']).backward()


def test_train_step_reduces_loss():
    model = build(constcl_cfg(loss_local=dict(
        type='RegionInfoNCELoss', temperature=0.2, loss_weight=1.0)))
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.05,
                                         momentum=0.9))
    data = make_batch(B=4, seed=1)
    hist = []
    model.train()
    for _ in range(6):
        log = model.train_step(copy.copy(data), optim)
        hist.append((log['loss_global'].item(), log['loss_local'].item()))
    assert 'acc_local' in log and 'loss' in log
    assert hist[-1][0] < hist[0][0]
    assert hist[-1][1] < hist[0][1]


def test_box_frame_is_the_frame_the_feature_frame_is_centred_on():
    """Feature frame t (stride s = T_in / T_feat = 2) uses input frame t*s:
    the centre feature frame 2 uses input frame 4."""
    model = build(constcl_cfg())
    data = make_batch(B=2, valid_frames=[4])
    losses = model(**data, mode='loss')
    assert losses['acc_local'] > 0 or losses['loss_local'] > 0
    # boxes only on another frame: no anchors -> zero local loss
    data = make_batch(B=2, valid_frames=[5])
    losses = model(**data, mode='loss')
    assert losses['loss_local'].item() == 0.
    assert losses['regions_local'].item() == 0.


def test_pool_regions_maps_boxes_to_feature_grid():
    model = build(constcl_cfg())
    # 1-channel 3x6 feature map of a 96x96 input whose value is the column
    # index: (aligned) RoIAlign of a linear map = its value at the box centre
    # in feature coordinates (x * 6 / 96) minus the half-pixel offset
    fmap = torch.arange(6.).view(1, 1, 1, 1, 6).expand(1, 1, 2, 3, 6)
    boxes = torch.tensor([[[16., 0., 48., 96.], [48., 10., 80., 50.],
                           [24., 0., 40., 96.]]])
    feats, pos = model._pool_regions(fmap.contiguous(), torch.tensor([1]),
                                     boxes, (96, 96))
    centre = (boxes[0, :, 0] + boxes[0, :, 2]) / 2
    torch.testing.assert_close(feats[0, :, 0], centre * 6 / 96 - 0.5)
    torch.testing.assert_close(pos[0, :, 2], centre / 96 - 0.5)
    torch.testing.assert_close(pos[0, :, 1], torch.tensor(
        [48., 30., 48.]) / 96 - 0.5)
    assert (pos[..., 0] == 0).all()


def test_context_tokens_and_positions():
    model = build(constcl_cfg())
    fmap = torch.arange(4.).view(1, 1, 4, 1, 1).expand(2, 5, 4, 2, 3)
    tokens, pos = model._context(fmap.contiguous(), torch.tensor([2, 0]))
    assert tokens.shape == (2, 3 * 6, 5) and pos.shape == (2, 18, 3)
    # T=4, c=3: stride 1, frames [1, 2, 3] around 2, shifted [0, 1, 2] at 0
    assert tokens[0, ::6, 0].tolist() == [1., 2., 3.]
    assert tokens[1, ::6, 0].tolist() == [0., 1., 2.]
    assert pos[0, ::6, 0].tolist() == [-0.25, 0., 0.25]


def test_context_frame_indices_and_samplers():
    key = torch.tensor([4, 0, 7])
    assert context_frame_indices(key, 8, 1).tolist() == [[4], [0], [7]]
    assert context_frame_indices(key[:1], 8, 3).tolist() == [[2, 4, 6]]
    assert context_frame_indices(key[:1], 8, 5).tolist() == [[2, 3, 4, 5, 6]]
    assert context_frame_indices(key[1:], 8, 3).tolist() == \
        [[0, 2, 4], [3, 5, 7]]
    ka, kb = build_frame_sampler('center')(8, 4, batch_size=2)
    assert ka.tolist() == [4, 4] and kb.tolist() == [2, 2]
    with pytest.raises(ValueError, match='temporal_sampling'):
        build_frame_sampler('middle')
    near = NearestFrameSampler()
    ts_a = torch.tensor([[0., 1, 2, 3], [0., 1, 2, 3]])
    ts_b = torch.tensor([[2.5, 3.5, 4.5, 5.5], [5., 6, 7, 8]])
    torch.manual_seed(0)
    for _ in range(5):
        ia, ib = near(4, 4, ts_a, ts_b, batch_size=2)
        # overlap [2.5, 3]: source frame 3 (t=3.0), closest target 2.5/3.5
        assert ia[0] == 3 and ib[0] in (0, 1)
        # disjoint: closest ends (3.0, 5.0)
        assert ia[1] == 3 and ib[1] == 0
    with pytest.raises(ValueError, match='timestamps'):
        near(4, 4, None, None, batch_size=2)


def test_errors_name_the_problem():
    model = build(constcl_cfg())
    data = make_batch(B=2)
    del data['data_samples'][0].metainfo['geometry'][1]['boxes']
    with pytest.raises(KeyError, match="'boxes'"):
        model(**data, mode='loss')
    with pytest.raises(ValueError, match="mode='train'"):
        model(**make_batch(B=2), mode='train')
    with pytest.raises(ValueError, match='views'):
        model([torch.zeros(2, 3, 8, SIZE, SIZE)], make_batch(B=2)[
            'data_samples'], mode='loss')


def test_predict_and_tensor_modes():
    model = build(constcl_cfg()).eval()
    data = make_batch(B=2)
    out = model(data['inputs'][0], data['data_samples'], mode='predict')
    assert out[0].feats.shape == (64, )
    assert out[0].feats.norm().item() == pytest.approx(1., abs=1e-5)
    feats = model(data['inputs'], mode='tensor')
    assert len(feats) == 2 and feats[0]['local'].shape == (2, 64, 4, 2, 2)


def test_cvrl_train_step():
    model = build(dict(
        type='CVRL',
        backbone=dict(type='ResNet3dY', depth=18, base_channels=8,
                      loss_endpoints='C5', out_branch='global'),
        neck=dict(type='MLPProjectionNeck', in_channels=64, hid_channels=32,
                  out_channels=16)))
    assert not hasattr(model.backbone, 'layer4_r')
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.05,
                                         momentum=0.9))
    data = make_batch(B=4, seed=2)
    first = model.train_step(copy.copy(data), optim)['loss_global'].item()
    for _ in range(5):
        last = model.train_step(copy.copy(data), optim)['loss_global'].item()
    assert last < first


def test_with_the_data_layer(tmp_path):
    """MultiViewVideoDataset -> MultiViewDataPreprocessor -> ConSTCL, with
    random and SLIC region boxes on the views."""
    from mmengine.dataset import pseudo_collate
    from video_utils import make_video_list

    import mmvssl.datasets.transforms.regions  # noqa: F401 (registers)
    from mmvssl.registry import DATASETS
    ann = make_video_list(str(tmp_path), [24, 24])
    pipeline = [
        dict(type='ClipRandomResizedCrop', scale=SIZE),
        dict(type='ClipFlip', flip_ratio=0.5),
    ]
    with DefaultScope.overwrite_default_scope('mmvssl'):
        ds = DATASETS.build(dict(
            type='MultiViewVideoDataset', ann_file=ann,
            data_prefix=dict(video=str(tmp_path)),
            clip_sampler=dict(type='TemporalIntervalSampler',
                              clip_len=T_IN),
            views=[
                dict(name='a', pipeline=pipeline + [
                    dict(type='RandomRegionBoxes', frames='center')]),
                dict(name='b', pipeline=pipeline + [
                    dict(type='SLICRegionBoxes', frames='center')]),
            ]))
    np.random.seed(0)
    batch = pseudo_collate([ds[0], ds[1]])
    model = build(constcl_cfg(data_preprocessor=dict(
        type='MultiViewDataPreprocessor', mean=[127.5] * 3,
        std=[127.5] * 3)))
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    log = model.train_step(batch, optim)
    assert torch.isfinite(log['loss']) and log['loss_local'] > 0
