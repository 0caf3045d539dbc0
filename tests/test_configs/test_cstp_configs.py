"""Every config under configs/cstp loads, is consistent (labels drawn by the
data for every enabled head, class counts), and builds: its data sampler and
view pipelines, and its model, which runs one loss step on random clips
(the big backbones are swapped for a stand-in of the same width; the
backbones themselves are tested in test_cstp_backbones.py)."""
import copy
import functools
import glob
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mmvssl  # noqa: F401
from mmvssl.registry import MODELS, TASK_UTILS, TRANSFORMS

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CSTP = osp.join(ROOT, 'configs', 'cstp')
GENERATOR = osp.join(CSTP, 'ablation', 'generate_ablations.py')
CONFIGS = sorted(
    f for f in glob.glob(osp.join(CSTP, '**', '*.py'), recursive=True)
    if f != GENERATOR)


@MODELS.register_module(name='_CstpTestBackbone', force=True)
class _Backbone(nn.Module):
    """A cheap stand-in with the output width of the real backbone."""

    def __init__(self, out_channels):
        super().__init__()
        self.conv = nn.Conv3d(3, out_channels, 1)
        self.bn = nn.BatchNorm3d(out_channels)

    def forward(self, x):
        return self.bn(self.conv(x[:, :, :2, :8, :8])).relu()


def feat_dim(backbone):
    t = backbone['type']
    if t == 'S3D':
        return 1024
    if t in ('ResNet3d', 'ResNet3dY'):
        return 8 * backbone.get('base_channels', 64)
    assert t in ('ResNet2Plus1dSSL', 'C3DFeatures'), t
    return 512


@functools.lru_cache(maxsize=None)
def load(path):
    return Config.fromfile(path)


def test_there_are_main_synthetic_and_ablation_configs():
    names = {osp.relpath(f, CSTP) for f in CONFIGS}
    for backbone in ('r2plus1d10', 'c3d', 's3dg'):
        assert f'cstp_{backbone}_4xb15-300e_ucf101.py' in names
        assert f'cstp_{backbone}_8xb16-300e_k400.py' in names
    assert 'cstp_r3d18_8xb16-300e_k400.py' in names
    assert 'cstp_r3d18_synthetic.py' in names
    for fw in ('simclr', 'moco', 'byol', 'simsiam'):
        assert f'{fw}_r3d18_synthetic.py' in names
    for fw in ('byol', 'simsiam'):  # the sanity check's controls
        assert f'{fw}_r3d18_synthetic_sanity.py' in names
    ablations = [n for n in names if n.startswith('ablation/')]
    assert len(ablations) == 7 + 15 + 16 + 6 + 3


FRAMEWORKS = ('simclr', 'moco', 'byol', 'simsiam')


@pytest.mark.parametrize('fw', FRAMEWORKS)
def test_plain_synthetic_frameworks_are_cvrl_with_another_head(fw):
    """The plain rows of the synthetic leaderboard run CVRL's synthetic
    recipe (trunk, data, schedule, kNN monitor) with only the head
    swapped, and each CSTP row uses the same framework head as its plain
    row (BYOL for cstp_r3d18_synthetic.py)."""
    cvrl = load(osp.join(ROOT, 'configs', 'cvrl', 'r3d18_synthetic.py'))
    cfg = load(osp.join(CSTP, f'{fw}_r3d18_synthetic.py'))
    assert cfg.model.backbone == cvrl.model.backbone
    assert cfg.model.data_preprocessor == cvrl.model.data_preprocessor
    loader = cvrl.train_dataloader
    if fw == 'moco':  # 48-px views (Round 10, in the config's comment)
        loader = copy.deepcopy(loader)
        loader.dataset.views = cvrl.views_48px
        assert cfg.demo_crop_size == cvrl.crop_size_48px == 48
        knn = [h for h in cfg.custom_hooks if h['type'] == 'KNNMonitorHook']
        assert knn == [cvrl.knn_monitor_48px]
    assert cfg.train_dataloader == loader
    assert cfg.optim_wrapper == cvrl.optim_wrapper
    assert cfg.train_cfg == cvrl.train_cfg
    assert cfg.param_scheduler == cvrl.param_scheduler
    hooks = [h['type'] for h in cfg.custom_hooks]
    assert 'KNNMonitorHook' in hooks
    assert ('MomentumUpdateHook' in hooks) == (fw == 'byol')
    # the projector reads the trunk's pooled features
    assert cfg.model.head.projector.in_channels == \
        cvrl.synthetic_feat_channels
    cstp_name = 'cstp_r3d18_synthetic.py' if fw == 'byol' else \
        f'cstp-{fw}_r3d18_synthetic.py'
    cstp = load(osp.join(CSTP, cstp_name))
    head = dict(cfg.model.head)
    head.setdefault('type', 'BYOLHead')
    if fw == 'moco':
        # the measured MoCo (Round 10: no queue, in-batch keys, key
        # momentum 0, T 0.1), shared with the CSTP row (Round 12)
        assert {k: head[k] for k in ('queue_len', 'batch_negatives',
                                     'momentum', 'temperature')} == dict(
            queue_len=0, batch_negatives=True, momentum=0., temperature=0.1)
    assert cstp.model.contrastive_head == head
    with DefaultScope.overwrite_default_scope('mmvssl'):
        model = MODELS.build(cfg.model)
    x = [torch.randn(2, 3, 4, 64, 64) for _ in range(2)]
    feats = model.extract_feat(x)
    assert feats[0].shape[1] == cvrl.synthetic_feat_channels


@pytest.mark.parametrize('fw', ('byol', 'simsiam'))
def test_sanity_controls_are_cvrls_sanity_recipe_with_the_plain_head(fw):
    """The sanity check's BYOL / SimSiam controls (Round 11) run exactly the
    check's CVRL recipe with the head of the plain synthetic row
    (tools/analysis/sanity_check.py picks them: test_demo_units.py)."""
    cvrl = load(osp.join(ROOT, 'configs', 'cvrl',
                         'r3d18_synthetic_sanity.py'))
    plain = load(osp.join(CSTP, f'{fw}_r3d18_synthetic.py'))
    cfg = load(osp.join(CSTP, f'{fw}_r3d18_synthetic_sanity.py'))
    for key in ('train_dataloader', 'optim_wrapper', 'train_cfg',
                'param_scheduler', 'default_hooks'):
        assert cfg[key] == cvrl[key], key
    assert cfg.model.backbone == cvrl.model.backbone
    assert cfg.model.data_preprocessor == cvrl.model.data_preprocessor
    assert cfg.model.type == plain.model.type
    assert cfg.model.head == plain.model.head
    # the check's kNN monitor; BYOL keeps its momentum schedule
    assert cfg.custom_hooks[0] == cvrl.knn_monitor
    assert cfg.custom_hooks[1:] == [
        h for h in plain.custom_hooks if h['type'] != 'KNNMonitorHook']


def test_generated_ablations_are_up_to_date():
    spec = importlib.util.spec_from_file_location('gen', GENERATOR)
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    for name, text in gen.grid().items():
        with open(osp.join(CSTP, 'ablation', name)) as f:
            assert f.read() == text, f'{name} is stale: rerun {GENERATOR}'


def _views(cfg):
    ds = cfg.train_dataloader.dataset
    return ds.views, ds.clip_sampler


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[osp.relpath(f, CSTP) for f in CONFIGS])
def test_config_is_consistent_and_its_data_side_builds(path):
    cfg = load(path)
    assert cfg.default_scope == 'mmvssl'
    model = cfg.model
    views, sampler_cfg = _views(cfg)
    if sampler_cfg['type'] == 'OverlapClipSampler':  # the CSTP data
        assert [v['name'] for v in views] == ['clip1', 'clip2']
    else:  # a plain framework on the clip-contrast recipe (CVRL's data)
        assert not model.get('pretext_heads')
        assert len(views) == 2
    sampler = TASK_UTILS.build(sampler_cfg)
    assert sampler.num_views == 2
    for v in views:
        for t in v['pipeline']:
            if not isinstance(t, str):  # a slot (e.g. 'region_source')
                TRANSFORMS.build(t)
    types = [[t['type'] for t in v['pipeline'] if not isinstance(t, str)]
             for v in views]
    heads = {k: h for k, h in (model.get('pretext_heads') or {}).items()
             if h is not None}
    if 'rcls' in heads:
        assert all('ClipRotation' in t for t in types)
    if 'pcls' in heads:
        rates = sampler_cfg.get('playback_rates')
        assert rates and len(rates) == heads['pcls']['num_classes']
    if 'ocls' in heads:
        assert sampler_cfg['type'] == 'OverlapClipSampler'
        assert 'OverlapAnchorCrop' in types[0]
        assert 'OverlapCrop' in types[1]
        for task in ('spatial', 'temporal'):
            n = heads['ocls'].get(f'num_{task}_classes', 5)
            cands = sampler_cfg.get(f'{task}_overlaps')
            assert (n is None) == (cands is None)
            if n is not None:
                assert len(cands) == n
    elif sampler_cfg['type'] == 'OverlapClipSampler':
        # no STOR task: no overlap augmentation either
        assert sampler_cfg.get('temporal_overlaps') is None
        assert sampler_cfg.get('spatial_overlaps') is None
    # the sampler requests what the heads need (its pretext_labels derive
    # the labels from the finished records)
    np.random.seed(0)
    recs = sampler(300, 25.)
    if 'ocls' in heads:
        for task in ('spatial', 'temporal'):
            if heads['ocls'].get(f'num_{task}_classes', 5):
                assert all(f'{task}_overlap_target' in r for r in recs)
    if 'pcls' in heads:
        assert all('playback_label' in r for r in recs)


def _fake_batch(cfg, b=4):
    heads = cfg.model.get('pretext_heads') or {}
    n_s = n_t = 5
    n_p = (heads.get('pcls') or {}).get('num_classes', 4)
    if heads.get('ocls'):
        n_s = heads['ocls'].get('num_spatial_classes', 5) or 1
        n_t = heads['ocls'].get('num_temporal_classes', 5) or 1
    rng = np.random.RandomState(0)
    samples = []
    for _ in range(b):
        ds = ActionDataSample()
        ds.set_metainfo(dict(
            geometry=[dict(playback_label=int(rng.randint(n_p)),
                           rotation=int(rng.randint(4)))] * 2,
            pretext=dict(spatial_overlap=int(rng.randint(n_s)),
                         temporal_overlap=int(rng.randint(n_t)))))
        samples.append(ds)
    inputs = [torch.randint(0, 255, (b, 3, 4, 16, 16), dtype=torch.uint8)
              for _ in range(2)]
    return dict(inputs=inputs, data_samples=samples)


_SEEN = {}


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[osp.relpath(f, CSTP) for f in CONFIGS])
def test_model_builds_and_runs_a_loss_step(path):
    cfg = load(path)
    model_cfg = copy.deepcopy(cfg.model.to_dict())
    width = feat_dim(model_cfg['backbone'])
    model_cfg['backbone'] = dict(type='_CstpTestBackbone',
                                 out_channels=width)
    key = repr(model_cfg)
    if key in _SEEN:  # ablations share a few model variants
        return
    _SEEN[key] = path
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmvssl'):
        model = MODELS.build(model_cfg)
    data = model.data_preprocessor(_fake_batch(cfg), training=True)
    losses = model(**data, mode='loss')
    total = sum(v for k, v in losses.items() if k.startswith('loss'))
    assert torch.isfinite(total)
    total.backward()


@pytest.mark.parametrize('name', ['cstp_r3d18_synthetic.py',
                                  'cstp_r2plus1d10_4xb15-300e_ucf101.py'])
def test_real_models_build(name):
    cfg = load(osp.join(CSTP, name))
    with DefaultScope.overwrite_default_scope('mmvssl'):
        model = MODELS.build(cfg.model)
    head = model.contrastive_head
    # the momentum target is a copy of backbone + projector
    n_backbone = sum(p.numel() for p in model.backbone.parameters())
    n_target = sum(p.numel() for p in head.target.parameters())
    n_proj = sum(p.numel() for p in head.projector.parameters())
    assert n_target == n_backbone + n_proj
