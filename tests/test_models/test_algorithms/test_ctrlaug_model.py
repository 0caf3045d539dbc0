"""Stride-switchable R3D, the CtrlAug algorithm, a short training run on
tiny videos and the ctrlaug configs."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope

import mmvssl  # noqa: F401  (before mmaction: import shim)
from mmaction.models.backbones.resnet3d import ResNet3d  # noqa: E402
from mmvssl.datasets import (LevelGroupedBatchSampler,
                             LocalGlobalVideoDataset, pipeline_level_space)
from mmvssl.models import CtrlAug, StrideSwitchResNet3d
from mmvssl.registry import MODELS, TRANSFORMS
from video_utils import make_video_list

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..', '..'))


def build(cfg):
    with DefaultScope.overwrite_default_scope('mmvssl'):
        return MODELS.build(cfg)


# --------------------------------------------------------------- backbone
@pytest.mark.parametrize('depth', [18, 34])
def test_stride_switch_shapes_with_the_same_parameters(depth):
    torch.manual_seed(0)
    m = StrideSwitchResNet3d(depth=depth, base_channels=8)
    m.init_weights()
    m.eval()
    params = {n: p for n, p in m.named_parameters()}
    state = {k: v.clone() for k, v in m.state_dict().items()}
    x = torch.randn(1, 3, 16, 112, 112)
    with torch.no_grad():
        clip = m(x)
        dense = m(x, stride_mode='dense')
        again = m(x)
    assert clip.shape == (1, 64, 2, 4, 4)
    assert dense.shape == (1, 64, 8, 4, 4)
    torch.testing.assert_close(clip, again)  # strides restored
    assert m.temporal_downsampling() == 8
    assert m.temporal_downsampling('dense') == 2
    # same modules, same tensors: nothing was copied or added
    assert {n: p for n, p in m.named_parameters()} == params
    for k, v in m.state_dict().items():
        torch.testing.assert_close(v, state[k])
    if depth == 18:
        # the dense mode is a plain ResNet3d with stride 1 and our weights
        plain = ResNet3d(depth=18, base_channels=8, pretrained2d=False,
                         conv1_kernel=(3, 7, 7), conv1_stride_t=2,
                         with_pool2=False, inflate=(1, 1, 1, 1),
                         temporal_strides=(1, 1, 1, 1))
        plain.load_state_dict(m.state_dict())
        plain.eval()
        with torch.no_grad():
            torch.testing.assert_close(plain(x), dense)
        with torch.no_grad():
            assert m(x, stride_mode=(1, 1, 1, 2)).shape[2] == 4


def test_stride_switch_restores_after_errors_and_checks_modes():
    m = StrideSwitchResNet3d(depth=18, base_channels=8)
    strides = [[c.stride for c in cs] for cs in m._strided]
    with pytest.raises(RuntimeError):
        with m.stride_mode('dense'):
            assert m.layer3[0].conv1.conv.stride[0] == 1
            raise RuntimeError('boom')
    assert [[c.stride for c in cs] for cs in m._strided] == strides
    assert m.layer3[0].conv1.conv.stride == (2, 2, 2)
    with pytest.raises(KeyError, match='unknown stride mode'):
        m(torch.zeros(1, 3, 4, 32, 32), stride_mode='nope')
    with pytest.raises(ValueError, match='no downsample'):
        m.resolve_mode((2, 1, 1, 1))  # stage 1 has no shortcut conv
    with pytest.raises(ValueError, match='4 positive'):
        m.resolve_mode((1, 1))


# -------------------------------------------------------------- algorithm
# the paper's 512 low-level levels, as the shipped configs define them
LOWLEVEL = Config.fromfile(
    osp.join(ROOT, 'configs/_base_/datasets/ctrlaug_views.py')).lowlevel_aug


def pipelines(size):
    glob_ = [dict(type='ClipRandomResizedCrop', scale=size,
                  area_range=(0.8, 1)),
             dict(type='ClipFlip', flip_ratio=0.5)] + LOWLEVEL
    local = [dict(type='ClipRandomResizedCrop', scale=size,
                  area_range=(0.4, 0.8), ref_view='global'),
             dict(type='ClipFlip', flip_ratio=0.5)] + [
                 dict(t, share_levels_with='global') for t in LOWLEVEL]
    return glob_, local


def model_cfg(**objectives):
    obj = dict(
        rc=dict(type='SoftRegionContrastHead', temperature=0.1,
                gather_distributed=False),
        mi=dict(type='LowLevelMIHead', gather_distributed=False,
                estimator=dict(type='MINEEstimator', in_channels=64,
                               hid_channels=32)),
        td=dict(type='TemporalDependencyHead',
                head=dict(type='GRUOrderHead', in_channels=64)))
    obj.update(objectives)
    return dict(
        type='CtrlAug',
        backbone=dict(type='StrideSwitchResNet3d', depth=18,
                      base_channels=8),
        objectives=obj,
        data_preprocessor=dict(type='MultiViewDataPreprocessor',
                               mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375]))


@pytest.fixture(scope='module')
def loader(tmp_path_factory):
    """Batches of 4 tiny videos (64 px, 16 frames per view) with 2 levels
    per batch, as the training loop would get them."""
    root = tmp_path_factory.mktemp('ctrlaug_train')
    ann = make_video_list(str(root), [48, 56, 64, 40, 72, 50, 60, 44])
    g, lo = pipelines(64)
    ds = LocalGlobalVideoDataset(ann, g, lo, data_prefix=dict(video=str(root)))

    class Sampler:
        seed, epoch = 0, 0
        dataset = ds

        def __iter__(self):
            return iter(np.random.RandomState(self.epoch).permutation(8))

        def __len__(self):
            return 8

    sampler = Sampler()
    bs = LevelGroupedBatchSampler(sampler, batch_size=4, num_groups=2)

    def batches():
        while True:
            for keys in bs:
                yield pseudo_collate([ds[k] for k in keys])
            sampler.epoch += 1

    return batches


def test_loss_keys_and_composition(loader, monkeypatch):
    data = next(loader())
    model = build(model_cfg())
    assert isinstance(model, CtrlAug) and model.requires_correspondence
    batch = model.data_preprocessor(data, True)
    losses = model(**batch, mode='loss')
    assert {k for k in losses if k.startswith('loss')} == {
        'loss_rc', 'loss_mi_adv', 'loss_mi_lg', 'loss_td'}
    assert losses['rc_coverage'].item() == pytest.approx(1.0)
    assert losses['mi_joint_pairs'] == 4  # 2 levels x 2 videos: 4 pairs
    fm = model.build_batch(batch['inputs'], batch['data_samples'])
    assert fm.clip_maps.shape == (4, 4, 64, 2, 2, 2)
    assert fm.video_maps.shape == (4, 64, 8, 2, 2)
    assert fm.correspondence.shape == (4, 4, 8, 32)

    # objectives are composed: removing L_rc also skips S_k
    import mmvssl.models.algorithms.ctrlaug as mod
    calls = []
    monkeypatch.setattr(mod, 'tube_correspondence',
                        lambda *a, **k: calls.append(1))
    model = build(model_cfg(rc=None, nce=dict(type='LocalGlobalNCEHead',
                                              gather_distributed=False)))
    losses = model(**model.data_preprocessor(data, True), mode='loss')
    assert not calls and 'loss_rc' not in losses and 'loss_nce' in losses
    with pytest.raises(ValueError, match='no loss'):
        build(model_cfg(rc=None, mi=None, td=None))


def test_twenty_iterations_reduce_the_loss(loader):
    torch.manual_seed(0)
    np.random.seed(0)
    model = build(model_cfg())
    model.init_weights()
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3,
                                          weight_decay=1e-5))
    batches = loader()
    totals = []
    for _ in range(20):
        log = model.train_step(next(batches), optim)
        totals.append(float(log['loss']))
    assert np.isfinite(totals).all()
    assert np.mean(totals[-5:]) < np.mean(totals[:5]) - 0.1, totals


# ---------------------------------------------------------------- configs
CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs/ctrlaug/**/*.py'),
                           recursive=True))


def test_configs_load_and_build():
    assert len(CONFIGS) >= 25
    sizes = {}
    for path in CONFIGS:
        cfg = Config.fromfile(path)
        if '/ablations/' not in path:
            cfg.pretty_text  # dumpable (the runner dumps it; slow: yapf)
        model = build(cfg.model)
        assert isinstance(model, CtrlAug)
        ds = cfg.train_dataloader.dataset
        assert ds.type == 'LocalGlobalVideoDataset'
        pipe = [TRANSFORMS.build(t) for t in ds.global_pipeline]
        space = pipeline_level_space(pipe)
        sizes[osp.basename(path)] = int(np.prod(list(space.values())))
        assert cfg.train_dataloader.batch_sampler.type == \
            'LevelGroupedBatchSampler'
    assert sizes['r3d18_ucf101.py'] == 512
    assert sizes['levels-bcs2-h2-g2_r3d18_ucf101_150e.py'] == 32
    assert sizes['levels-bcs4-h4-g4_r3d18_ucf101_150e.py'] == 1024
    assert sizes['levels-bcs5-h2-g5_r3d18_ucf101_150e.py'] == 1250
    ucf = Config.fromfile(osp.join(ROOT, 'configs/ctrlaug/r3d18_ucf101.py'))
    assert ucf.optim_wrapper.optimizer.type == 'Adam'
    assert ucf.param_scheduler[0]['milestones'] == [150]
    assert ucf.train_dataloader.batch_size * 8 == 128
