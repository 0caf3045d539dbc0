"""SiamFC on 3D backbones: dilation, pretrained weights, tracking a
synthetic object, a training step and a short fine-tune + OPE run."""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import mmvssl.datasets.sot  # noqa: F401
import mmvssl.evaluation.metrics.ope_metric  # noqa: F401
import mmvssl.models  # noqa: F401
from mmvssl.models.backbones.resnet3d_y import ResNet3dY
from mmvssl.models.trackers import (PAPER_DILATIONS, SiamFC, dilate_backbone,
                                    siamfc_labels, xcorr)
from mmvssl.registry import MODELS

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..', '..'))
torch.set_num_threads(1)


@MODELS.register_module(force=True)
class PixelPoolBackbone(nn.Module):
    """Handcrafted features: 4x4 average-pooled normalised pixels."""

    def forward(self, x):
        return F.avg_pool3d(x, (1, 4, 4))


def _y18(**kw):
    return ResNet3dY(depth=18, base_channels=8, out_branch='local', **kw)


def test_dilation_keeps_weights_and_densifies():
    net = _y18()
    net.eval()
    before = copy.deepcopy(net.state_dict())
    x = torch.randn(1, 3, 5, 64, 64)
    with torch.no_grad():
        assert net(x).shape == (1, 64, 3, 2, 2)  # total stride 32
        assert dilate_backbone(net, PAPER_DILATIONS) == 4
        out = net(x)
    assert out.shape == (1, 64, 3, 8, 8)  # total stride 8, T 5 -> 3
    after = net.state_dict()
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before)
    c = net.layer3[0].conv1.conv
    assert c.stride == (1, 1, 1) and c.dilation[1:] == (2, 2)
    assert c.padding[1:] == (2, 2) and c.padding[0] == c.kernel_size[0] // 2
    assert net.layer3[0].downsample.conv.stride == (1, 1, 1)
    c = net.layer4_r[0].conv1.conv
    assert c.stride == (1, 1, 1) and c.dilation[1:] == (4, 4)


def test_siamfc_loads_pretrained_then_dilates(tmp_path):
    src = ResNet3dY(depth=18, base_channels=8)  # pre-training Y network
    for p in src.parameters():
        nn.init.normal_(p)
    ckpt = tmp_path / 'pre.pth'
    torch.save(dict(state_dict={
        'backbone.' + k: v
        for k, v in src.state_dict().items()
    }), ckpt)
    model = SiamFC(
        backbone=dict(type='ResNet3dY', depth=18, base_channels=8,
                      out_branch='local'),
        pretrained=str(ckpt),
        pretrained_branch='local',
        exemplar_size=31,
        instance_size=63)
    sd = model.backbone.state_dict()
    for k in ('layer3.0.conv1.conv.weight', 'layer4_r.1.conv2.conv.weight',
              'conv1.conv.weight'):
        assert torch.equal(sd[k], src.state_dict()[k])
    assert not hasattr(model.backbone, 'layer4')
    model.eval()
    with torch.no_grad():
        z = model.extract_feat(torch.zeros(2, 3, 5, 31, 31))
        x = model.extract_feat(torch.zeros(2, 3, 5, 63, 63))
    assert z.shape == (2, 64, 4, 4) and x.shape == (2, 64, 8, 8)
    assert xcorr(z, x).shape == (2, 1, 5, 5)


def test_labels():
    lab = siamfc_labels(9, torch.tensor([[0., 0.], [16., 0.]]), 8, 16)
    assert lab[0, 0, 4, 4] == 1 and lab[0, 0, 4, 6] == 1
    assert lab[0, 0, 4, 7] == 0 and lab[0].sum() == 13
    assert lab[1, 0, 4, 6] == 1 and lab[1, 0, 4, 3] == 0


def _moving_square(n=24, size=96, side=12, v=(2.0, 1.0), seed=0):
    rng = np.random.default_rng(seed)
    frames, boxes = [], []
    for t in range(n):
        img = rng.normal(100, 20, (size, size, 3)).clip(0, 255)
        x0, y0 = 20 + v[0] * t, 20 + v[1] * t
        xi, yi = int(round(x0)), int(round(y0))
        img[yi:yi + side, xi:xi + side] = 250
        frames.append(img.astype(np.uint8))
        boxes.append([xi, yi, side, side])
    return frames, np.array(boxes, float)


def test_tracker_follows_translating_square():
    frames, gt = _moving_square()
    model = SiamFC(
        backbone=dict(type='PixelPoolBackbone'),
        dilations={},
        total_stride=4,
        exemplar_size=32,
        instance_size=64,
        response_scale=1.0)
    model.eval()
    pred = model.track_video(frames, gt[0])
    err = np.linalg.norm((pred[:, :2] + pred[:, 2:] / 2) -
                         (gt[:, :2] + gt[:, 2:] / 2), axis=1)
    assert err.max() < 3.0, err
    assert np.all(np.abs(pred[:, 2] / 12 - 1) < 0.25)
    # the model takes decoded frames only; the API decodes image files
    with pytest.raises(TypeError, match='decoded frames'):
        model.track_video(['a.jpg'] * 3, gt[0])
    with pytest.raises(KeyError, match='frames'):
        model.predict([dict(video_name='v', frame_paths=['a.jpg'],
                            gt_bboxes=gt[:1])])
    pred2 = model.predict([dict(video_name='v', frames=frames,
                                gt_bboxes=gt)])[0]['pred_bboxes']
    np.testing.assert_allclose(pred2, pred)


def test_tracking_api_decodes_image_files(tmp_path):
    import cv2

    from mmvssl.apis import track_video
    frames, gt = _moving_square()
    paths = []
    for i, f in enumerate(frames):
        paths.append(str(tmp_path / f'{i:04d}.png'))
        cv2.imwrite(paths[-1], f[..., ::-1])
    model = SiamFC(
        backbone=dict(type='PixelPoolBackbone'),
        dilations={},
        total_stride=4,
        exemplar_size=32,
        instance_size=64,
        response_scale=1.0)
    model.train()
    from_files = track_video(model, paths, gt[0])
    assert model.training  # restored
    model.eval()
    np.testing.assert_allclose(from_files, model.track_video(frames, gt[0]))
    # the simple API: init on one frame, track frame by frame
    model.init(frames[0], gt[0])
    box = model.track(frames[1])
    assert np.linalg.norm(box[:2] - gt[1, :2]) < 3.0


def test_train_step_on_got10k_pairs(tiny):
    from mmengine.dataset import default_collate
    from mmengine.optim import OptimWrapper

    from mmvssl.datasets.sot import SOTPairDataset
    ds = SOTPairDataset(
        dataset=dict(type='GOT10kDataset', data_root=tiny + '/got10k',
                     split='train', test_mode=False),
        exemplar_size=31, instance_size=63, max_gap=20, seed=0)
    item = ds[0]
    assert item['inputs']['exemplar'].shape == (3, 5, 31, 31)
    assert item['inputs']['search'].shape == (3, 5, 63, 63)
    batch = default_collate([ds[0], ds[1]])
    model = SiamFC(
        backbone=dict(type='ResNet3dY', depth=18, base_channels=8,
                      out_branch='local'),
        exemplar_size=31, instance_size=63)
    model.train()
    opt = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01,
                                       momentum=0.9))
    w0 = model.backbone.layer4_r[0].conv1.conv.weight.clone()
    log = model.train_step(batch, opt)
    assert torch.isfinite(log['loss'])
    assert not torch.equal(w0, model.backbone.layer4_r[0].conv1.conv.weight)


def test_synthetic_config_total_stride_is_the_backbones():
    """The synthetic config's ``total_stride`` (search px per response
    cell) is what its backbone, dilated by SiamFC, measures."""
    import math

    from mmengine.config import Config

    from mmvssl.registry import MODELS
    from mmvssl.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs/downstream/otb',
                 'siamfc_r3d18y-local_synthetic.py'))
    cfg.model.backbone.base_channels = 8
    model = MODELS.build(cfg.model).eval()
    frames = 2 * cfg.model.num_neighbors + 1
    for size in (cfg.model.exemplar_size, cfg.model.instance_size):
        with torch.no_grad():
            feat = model.extract_feat(torch.zeros(1, 3, frames, size, size))
        assert feat.shape[-1] == math.ceil(size / cfg.model.total_stride)


def test_finetune_and_ope_on_tiny_synthetic(tiny, tmp_path):
    from mmengine.config import Config
    from mmengine.runner import Runner

    from mmvssl.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs/downstream/otb',
                 'siamfc_r3d18y-local_synthetic.py'))
    cfg.work_dir = str(tmp_path)
    cfg.model.backbone.base_channels = 8
    cfg.model.exemplar_size, cfg.model.instance_size = 31, 63
    tr = cfg.train_dataloader
    tr.batch_size, tr.num_workers = 2, 0
    tr.dataset.dataset.data_root = tiny + '/got10k'
    tr.dataset.update(pairs_per_video=1, exemplar_size=31, instance_size=63,
                      max_shift=6)
    for key in ('val_dataloader', 'test_dataloader'):
        cfg[key].dataset.update(
            data_root=tiny + '/otb',
            ann_file=tiny + '/otb/annotations/otb_infos.txt', max_videos=1)
    cfg.test_evaluator.out_dir = str(tmp_path / 'ope')
    cfg.val_evaluator = cfg.test_evaluator
    cfg.train_cfg.max_epochs = 1
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint.interval = 1
    cfg.default_hooks.logger.interval = 1
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    assert 0 <= metrics['ope/success'] <= 100
    assert 0 <= metrics['ope/precision'] <= 100
    assert osp.isfile(tmp_path / 'ope' / 'success_plot.png')
