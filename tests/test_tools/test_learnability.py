"""tools/analysis/learnability.py: the pipeline-independent control runs."""
import math
import os.path as osp
import sys

import numpy as np
import pytest
import torch

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
import learnability as L  # noqa: E402


def test_probe_separates_separable_data_and_not_noise():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 40)
    centres = rng.normal(size=(3, 8)) * 4
    x = centres[y] + rng.normal(size=(120, 8))
    assert L.probe(x[::2], y[::2], x[1::2], y[1::2]) == pytest.approx(100.)
    noise = rng.normal(size=(400, 8))
    labels = rng.integers(0, 4, 400)
    acc = L.probe(noise[:200], labels[:200], noise[200:], labels[200:])
    assert acc < 40.  # chance 25


def test_nt_xent_matched_pairs_low_mismatched_high():
    n = 8
    z = torch.eye(n).repeat(2, 1)  # view b of sample i == view a of i
    assert L.nt_xent(z, 0.1).item() < 1e-3
    z2 = torch.cat([torch.eye(n), torch.eye(n).roll(1, 0)])
    assert L.nt_xent(z2, 0.1).item() > 5.
    rand = torch.randn(2 * n, 16)
    assert L.nt_xent(rand, 1e6).item() == pytest.approx(
        math.log(2 * n - 1), abs=1e-3)


def test_load_reads_labels_and_boxes(tiny):
    data = L.load(tiny, scale=0.5)
    train = data['train']
    n, t, h, w, c = train['frames'].shape
    assert (h, w, c) == (64, 80, 3) and t == 80
    assert set(train['labels']) == {'action', 'appearance', 'motion', 'scene'}
    assert train['boxes'].shape == (n, t, 4)
    b = train['boxes']
    assert (b[..., 0] >= 0).all() and (b[..., 2] <= w).all()
    assert (b[..., 1] >= 0).all() and (b[..., 3] <= h).all()


def test_missing_list_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='train_list.txt'):
        L.load(str(tmp_path))


def test_views_shapes():
    args = L.parse_args(['--clip-len', '4', '--frame-interval', '2',
                         '--size', '32'])
    video = np.zeros((20, 64, 80, 3), np.uint8)
    boxes = np.tile(np.array([[10, 10, 40, 30]], np.float32), (20, 1))
    rng = np.random.default_rng(0)
    assert L.Views('clip', args).train(video, boxes, 0, rng).shape == (
        3, 4, 32, 32)
    assert L.Views('frame', args).test(video, boxes, 3).shape == (3, 32, 32)
    assert L.Views('crop', args).test(video, boxes, 3).shape == (3, 32, 32)


def test_crop_run_learns_on_tiny_and_clip_run_builds_the_config_backbone(
        tiny, tmp_path):
    torch.set_num_threads(1)
    args = L.parse_args(['--data-root', tiny, '--steps', '100', '--lr', '3e-3',
                         '--batch-size', '12', '--out', str(tmp_path),
                         '--runs', 'crop-supervised'])
    data = L.load(tiny, args.scale)
    r = L.train_run('crop-supervised', args, data, log=lambda s: None)
    assert r['steps'] == 100
    assert set(r['trained']) == set(r['random']) == {
        'action', 'appearance', 'motion', 'scene'}
    # the actor crops of 3 appearances are being fitted (chance: ln 3 = 1.10)
    assert r['loss_last'] < 0.75 * math.log(3)
    args.steps = 1
    r = L.train_run('clip-simclr', args, data, log=lambda s: None)
    assert r['steps'] == 1 and r['sample'] == 'clip'
    assert math.isfinite(r['loss_last'])


def test_config_projector_is_the_configs_neck():
    from mmvssl.models.necks import MLPProjectionNeck
    neck = L.config_neck(osp.join(L.ROOT, 'configs/cvrl/r3d18_synthetic.py'))
    assert isinstance(neck, MLPProjectionNeck)
    assert neck(torch.randn(4, neck.in_channels)).shape == (4, 128)
    with pytest.raises(SystemExit, match='no model.neck'):
        L.config_neck(osp.join(L.ROOT, 'configs/ctrlaug/r3d18_synthetic.py'))


def test_config_init_is_the_runners_init_weights(tmp_path):
    base = osp.join(L.ROOT, 'configs/cvrl/r3d18_synthetic.py')
    zero = tmp_path / 'zero_init.py'
    zero.write_text(f"_base_ = [{base!r}]\n"
                    "model = dict(backbone=dict(zero_init_residual=True))\n")
    torch.manual_seed(0)
    plain, _ = L.config_backbone(base, init='torch')
    torch.manual_seed(0)
    runner, _ = L.config_backbone(base, init='config')
    # the shipped synthetic trunk keeps the residual BNs at 1
    # (zero_init_residual=False); init_weights re-draws the convs
    assert torch.all(runner.backbone.layer1[0].conv2.bn.weight == 1)
    x = torch.randn(2, 3, 4, 32, 32)
    assert not torch.allclose(plain(x), runner(x))
    # mmaction2's default zero-inits the last BN of each residual branch
    torch.manual_seed(0)
    zeroed, _ = L.config_backbone(str(zero), init='config')
    assert torch.all(zeroed.backbone.layer1[0].conv2.bn.weight == 0)
    assert torch.all(plain.backbone.layer1[0].conv2.bn.weight == 1)
