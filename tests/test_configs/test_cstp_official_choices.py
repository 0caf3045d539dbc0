"""CSTP choices where the paper is silent, taken from the released code:
pretext heads (R(2+1)D MLPs, C3D / R3D linear), the playback / rotation
losses summed over the two clips, the augmentation probabilities
(ClipRandomApply of the base augmentation with p=0.3), the source resize,
and the configs stating them."""
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mmvssl  # noqa: F401
from mmvssl.datasets.transforms import ClipRandomApply
from mmvssl.registry import MODELS, TRANSFORMS
from mmvssl.structures import new_geometry

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def load(rel):
    return Config.fromfile(osp.join(ROOT, rel))


def build(cfg):
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmvssl'):
        return MODELS.build(cfg)


def samples(labels1, labels2, key):
    return [dict(geometry=[{key: a}, {key: b}])
            for a, b in zip(labels1, labels2)]


@pytest.mark.parametrize('head_type,key', [('PlaybackRateHead',
                                            'playback_label'),
                                           ('RotationHead', 'rotation')])
def test_view_reduction_sum_is_the_sum_of_the_clip_losses(head_type, key):
    head = build(dict(type=head_type, in_channels=8, hid_channels=8,
                      view_reduction='sum')).eval()
    mean = build(dict(type=head_type, in_channels=8, hid_channels=8)).eval()
    mean.load_state_dict(head.state_dict())
    f1, f2 = torch.randn(6, 8), torch.randn(6, 8)
    y1, y2 = [0, 1, 2, 3, 1, 2], [3, 2, 1, 0, -1, 2]  # -1: ignored
    ds = samples(y1, y2, key)
    out = head.loss([f1, f2], ds)
    logit1, logit2 = head.classifier(f1), head.classifier(f2)
    ce1 = F.cross_entropy(logit1, torch.tensor(y1))
    ce2 = F.cross_entropy(logit2, torch.tensor(y2), ignore_index=-1)
    torch.testing.assert_close(out['loss'], ce1 + ce2)
    # the default averages the 11 valid samples of both clips
    ref = F.cross_entropy(torch.cat([logit1, logit2]),
                          torch.tensor(y1 + y2), ignore_index=-1)
    torch.testing.assert_close(mean.loss([f1, f2], ds)['loss'], ref)
    with pytest.raises(ValueError, match='view_reduction'):
        build(dict(type=head_type, in_channels=8, view_reduction='max'))


def _linears(m):
    return [x for x in m.modules() if isinstance(x, torch.nn.Linear)]


def test_official_heads_per_backbone():
    # R(2+1)D: FC-BN-ReLU-FC, 512-512-4 per clip, STOR 1024-1024-5 per task
    r21d = load('configs/_base_/models/cstp_r2plus1d10.py').model
    heads = {k: build(v) for k, v in r21d.pretext_heads.items()}
    for k in ('pcls', 'rcls'):
        assert [(x.in_features, x.out_features)
                for x in _linears(heads[k])] == [(512, 512), (512, 4)]
        assert heads[k].view_reduction == 'sum'
    for task in ('spatial', 'temporal'):
        assert [(x.in_features, x.out_features)
                for x in _linears(getattr(heads['ocls'], f'{task}_cls'))] \
            == [(1024, 1024), (1024, 5)]
    # C3D and R3D-18: single linear layers
    for rel in ('configs/_base_/models/cstp_c3d.py',
                'configs/_base_/models/cstp_r3d18.py'):
        m = load(rel).model
        heads = {k: build(v) for k, v in m.pretext_heads.items()}
        for k in ('pcls', 'rcls'):
            assert [(x.in_features, x.out_features)
                    for x in _linears(heads[k])] == [(512, 4)], rel
            assert heads[k].view_reduction == 'sum'
        for task in ('spatial', 'temporal'):
            assert [(x.in_features, x.out_features) for x in _linears(
                getattr(heads['ocls'], f'{task}_cls'))] == [(1024, 5)], rel


def test_clip_random_apply_applies_the_group_or_nothing():
    t = TRANSFORMS.build(
        dict(type='ClipRandomApply', prob=0.3,
             transforms=[dict(type='ClipFlip', flip_ratio=1.0),
                         dict(type='ClipGrayscale', prob=1.0)]))
    assert isinstance(t, ClipRandomApply)
    np.random.seed(0)
    imgs = np.random.randint(0, 255, (2, 8, 8, 3), np.uint8)
    applied = 0
    n = 2000
    for _ in range(n):
        r = t(dict(imgs=imgs.copy(),
                   geometry=new_geometry('c', (8, 8), 4, 25., [0, 1])))
        flipped = bool(r['geometry']['flip'])
        gray = bool((r['imgs'][..., 0] == r['imgs'][..., 1]).all())
        assert flipped == gray  # both or neither
        applied += flipped
    assert applied / n == pytest.approx(0.3, abs=0.03)
    with pytest.raises(ValueError):
        ClipRandomApply([], prob=1.5)


def _types(pipeline):
    out = []
    for t in pipeline:
        out.append(t['type'])
        out += [f"{t['type']}/{u['type']}" for u in t.get('transforms', [])]
    return out


def test_data_configs_state_the_official_choices():
    ucf = load('configs/_base_/datasets/cstp_ucf101.py')
    ds = ucf.train_dataloader.dataset
    assert ds.clip_sampler.playback_cap == 'clip'
    v1, v2 = ds.views
    assert v1['pipeline'][0] == dict(type='ClipResize', scale=(-1, 256))
    assert v1['pipeline'][1]['size_mode'] == 'free'
    assert tuple(v1['pipeline'][1]['area_range']) == (0.2, 1.0)
    for v in (v1, v2):
        types = _types(v['pipeline'])
        assert types[-2:] == ['ClipFlip', 'ClipRotation']
        rand = [t for t in v['pipeline'] if t['type'] == 'ClipRandomApply']
        assert len(rand) == 1 and rand[0]['prob'] == 0.3
        inner = {u['type']: u for u in rand[0]['transforms']}
        assert inner['ClipColorJitter']['prob'] == 0.8
        assert inner['ClipGrayscale']['prob'] == 0.2
        assert inner['ClipGaussianBlur']['prob'] == 0.5
        assert inner['ClipRotationJitter']['max_angle'] == 10
    k400 = load('configs/_base_/datasets/cstp_kinetics400.py')
    views = k400.train_dataloader.dataset.views
    assert views[0]['pipeline'][0] == dict(type='ClipResize',
                                           scale=(-1, 320))
    assert _types(views[0]['pipeline'])[1:] == _types(v1['pipeline'])[1:]
    # the no-rotation views drop the jitter and the 90-degree rotations
    norot = ucf.views_norot[0]['pipeline']
    assert 'ClipRotation' not in _types(norot)
    assert 'ClipRandomApply/ClipRotationJitter' not in _types(norot)
    # a main config resolves them
    cstp = load('configs/cstp/cstp_r2plus1d10_4xb15-300e_ucf101.py')
    assert cstp.train_dataloader.dataset.clip_sampler.playback_cap == 'clip'


def test_ucf101_pipeline_end_to_end(tmp_path):
    """The UCF101 data config (free clip-1 crop, 256-px source resize,
    ClipRandomApply, flips, the 'clip' playback cap) on short videos:
    labels recomputed exactly from the geometry records."""
    from video_utils import make_video_list

    from mmvssl.datasets import MultiViewVideoDataset
    from mmvssl.datasets.samplers import DEFAULT_OVERLAPS
    from mmvssl.structures.geometry import (nearest_candidate,
                                            spatial_overlap_rate,
                                            temporal_overlap_rate)
    cfg = load('configs/_base_/datasets/cstp_ucf101.py')
    ann = make_video_list(str(tmp_path), [20, 40, 130], size=(128, 96))
    ds_cfg = cfg.train_dataloader.dataset.to_dict()
    ds_cfg.pop('type')
    ds_cfg.update(ann_file=ann, data_prefix=dict(video=str(tmp_path)))
    with DefaultScope.overwrite_default_scope('mmvssl'):
        ds = MultiViewVideoDataset(**ds_cfg)
    np.random.seed(0)
    for i in range(9):
        item = ds[i % 3]
        meta = item['data_samples'].metainfo
        g1, g2 = meta['geometry']
        pretext = meta['pretext']
        assert [tuple(x.shape) for x in item['inputs']] == \
            [(3, 16, 112, 112)] * 2
        # the source is resized to short side 256 before the crops
        assert g1["crop_box"][3] <= 96 + 1e-6  # source pixels
        total = g1['total_frames']
        stride = g1['playback_rate']
        assert stride == g2['playback_rate']
        assert 15 * stride <= total or stride == 1
        if pretext['temporal_overlap'] != -1:
            assert nearest_candidate(temporal_overlap_rate(g1, g2),
                                     DEFAULT_OVERLAPS) == \
                pretext['temporal_overlap']
        else:
            assert 16 * stride > total
        assert pretext['spatial_overlap'] != -1
        assert nearest_candidate(spatial_overlap_rate(g1, g2),
                                 DEFAULT_OVERLAPS) == \
            pretext['spatial_overlap']
        for g in (g1, g2):
            assert g['rotation'] in (0, 1, 2, 3)


def test_finetuning_clips_at_the_official_stride():
    for rel in ('configs/downstream/recognition/'
                'cstp_r2plus1d10_ft_ucf101-split1.py',
                'configs/downstream/recognition/'
                'cstp_c3d_ft_hmdb51-split1.py'):
        cfg = load(rel)
        for dl in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            sf = [t for t in cfg[dl].dataset.pipeline
                  if t['type'] == 'SampleFrames']
            assert len(sf) == 1 and sf[0]['frame_interval'] == 4, (rel, dl)
            assert sf[0]['clip_len'] == 16
        test_sf = [t for t in cfg.test_dataloader.dataset.pipeline
                   if t['type'] == 'SampleFrames'][0]
        assert test_sf['num_clips'] == 10
    # other 112-px protocols keep their stride
    ctrl = load('configs/downstream/recognition/_base_/data_16x112.py')
    sf = [t for t in ctrl.train_dataloader.dataset.pipeline
          if t['type'] == 'SampleFrames'][0]
    assert sf['frame_interval'] == 1
