"""Deferred photometric augmentation: parameters drawn in the worker and
recorded, applied batched by MultiViewDataPreprocessor; same pixels as the
worker path, records unchanged."""
import copy

import numpy as np
import pytest
import torch
from mmengine.dataset import Compose, pseudo_collate

from mmvssl.models.data_preprocessors import MultiViewDataPreprocessor
from mmvssl.models.data_preprocessors.photometric import apply_photometric
from mmvssl.registry import DATASETS, TRANSFORMS
from video_utils import make_video_list

SPATIAL = [
    dict(type='ClipRandomResizedCrop', scale=48, area_range=(0.3, 1.0)),
    dict(type='ClipFlip', flip_ratio=0.5),
]
# the K400 recipe's photometric list, with levels to check their records
PHOTOMETRIC = [
    dict(
        type='ClipColorJitter',
        brightness=[(0, .4), (.4, .8)],
        contrast=0.8,
        saturation=0.8,
        hue=[(0, .1), (.1, .2)],
        prob=0.8),
    dict(type='ClipGrayscale', prob=0.2),
    dict(type='ClipGaussianBlur', sigma=(0.1, 2.0), prob=0.5),
    dict(type='ClipSolarize', threshold=[(64, 128), (128, 192)], prob=0.3),
]
SINGLE = {
    'brightness':
    dict(type='ClipColorJitter', contrast=0, saturation=0, hue=0, prob=1),
    'contrast':
    dict(type='ClipColorJitter', brightness=0, saturation=0, hue=0, prob=1),
    'saturation':
    dict(type='ClipColorJitter', brightness=0, contrast=0, hue=0, prob=1),
    'hue':
    dict(
        type='ClipColorJitter',
        brightness=0,
        contrast=0,
        saturation=0,
        hue=0.5,
        prob=1),
    'grayscale':
    dict(type='ClipGrayscale', prob=1),
    'blur':
    dict(type='ClipGaussianBlur', kernel_size=[3, 5, 7], prob=1),
    'blur_auto':
    dict(type='ClipGaussianBlur', prob=1),
    'solarize':
    dict(type='ClipSolarize', threshold=(1, 255), prob=1),
}


def _deferred(cfgs):
    return [dict(c, deferred=True) for c in cfgs]


def _clip(seed, t=4, h=64, w=80):
    rng = np.random.RandomState(seed)
    base = rng.randint(0, 256, (t, h // 8, w // 8, 3)).astype(np.float32)
    smooth = np.kron(base, np.ones((1, 8, 8, 1), np.float32))
    noise = rng.randint(-20, 21, (t, h, w, 3))
    return np.clip(smooth + noise, 0, 255).astype(np.uint8)


def _run(pipeline_cfg, seed, clip):
    np.random.seed(seed)
    out = Compose([TRANSFORMS.build(c) for c in pipeline_cfg])(
        dict(imgs=clip.copy(), view_name='view0'))
    return out['imgs'], out['geometry']


def _apply_records(imgs, geometry):
    x = torch.from_numpy(np.ascontiguousarray(imgs)).permute(3, 0, 1, 2)
    return apply_photometric(x[None], [geometry.get('photometric', [])])[0]


def _compare(worker, deferred, exact=False):
    ref = torch.from_numpy(worker).permute(3, 0, 1, 2).float()
    diff = (ref - deferred).abs()
    if exact:
        assert diff.max() == 0, float(diff.max())
    else:  # float rounding: a grey level on a few pixels
        assert float((diff > 1).float().mean()) < 1e-3, float(diff.max())
        assert float(diff.mean()) < 0.02, float(diff.mean())


@pytest.mark.parametrize('name', sorted(SINGLE))
def test_each_operation_equals_the_worker_path(name):
    exact = name in ('grayscale', 'solarize', 'blur', 'blur_auto')
    changed = 0
    for seed in range(6):
        clip = _clip(seed)
        worker, g_worker = _run(SPATIAL + [SINGLE[name]], seed, clip)
        cut, g_def = _run(SPATIAL + _deferred([SINGLE[name]]), seed, clip)
        assert len(g_def['photometric']) == 1
        # the worker left the pixels alone: the spatial result only
        spatial_only, _ = _run(SPATIAL, seed, clip)
        np.testing.assert_array_equal(cut, spatial_only)
        changed += int(not np.array_equal(worker, cut))
        _compare(worker, _apply_records(cut, g_def), exact)
    assert changed >= 3


def test_k400_recipe_equals_the_worker_path_and_records_match():
    applied = set()
    for seed in range(24):
        clip = _clip(100 + seed)
        worker, g_worker = _run(SPATIAL + PHOTOMETRIC, seed, clip)
        cut, g_def = _run(SPATIAL + _deferred(PHOTOMETRIC), seed, clip)
        ops = g_def.pop('photometric', [])
        applied.update(o['type'] for o in ops)
        # the same draws: every other key of the record, levels included
        assert g_def.keys() == g_worker.keys()
        for k in g_worker:
            np.testing.assert_equal(g_def[k], g_worker[k], err_msg=k)
        assert 'color_jitter.brightness' in g_def['levels']
        g_def['photometric'] = ops
        _compare(worker, _apply_records(cut, g_def))
    assert applied == {
        'color_jitter', 'grayscale', 'gaussian_blur', 'solarize'
    }


@pytest.fixture(scope='module')
def videos(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('videos'))
    return root, make_video_list(root, [40, 48, 36, 44])


def _dataset(videos, photometric):
    root, ann = videos
    return DATASETS.build(
        dict(
            type='MultiViewVideoDataset',
            ann_file=ann,
            data_prefix=dict(video=root),
            clip_sampler=dict(
                type='TemporalIntervalSampler',
                clip_len=4,
                frame_interval=2,
                num_clips=2),
            view_pipeline=SPATIAL + photometric))


def test_preprocessor_applies_the_records_batched(videos):
    worker_ds = _dataset(videos, PHOTOMETRIC)
    deferred_ds = _dataset(videos, _deferred(PHOTOMETRIC))
    mean, std = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
    pre = MultiViewDataPreprocessor(mean=mean, std=std)
    for seed in range(3):
        np.random.seed(seed)
        w_batch = pseudo_collate([worker_ds[i] for i in range(4)])
        np.random.seed(seed)
        d_batch = pseudo_collate([deferred_ds[i] for i in range(4)])
        before = copy.deepcopy(
            [s.metainfo['geometry'] for s in d_batch['data_samples']])
        assert any(g.get('photometric') for gs in before for g in gs)
        w_out = pre(w_batch)
        d_out = pre(d_batch)
        after = [s.metainfo['geometry'] for s in d_out['data_samples']]
        for gb, ga in zip(before, after):  # the records are unchanged
            for b, a in zip(gb, ga):
                assert b.keys() == a.keys()
                for k in b:
                    np.testing.assert_equal(a[k], b[k], err_msg=k)
        for wv, dv in zip(w_out['inputs'], d_out['inputs']):
            diff = ((wv - dv) * torch.tensor(std).view(1, 3, 1, 1, 1)).abs()
            assert float((diff > 1.01).float().mean()) < 1e-3
            assert float(diff.mean()) < 0.05


def test_misuse_is_refused():
    clip = _clip(0)
    crop_after = _deferred([SINGLE['brightness']
                            ]) + [dict(type='ClipResize', scale=(40, 32))]
    imgs, g = _run(crop_after, 0, clip)
    pre = MultiViewDataPreprocessor()
    from mmaction.structures import ActionDataSample
    g['crop_box'] = np.asarray(g['crop_box'])
    sample = ActionDataSample()
    sample.set_metainfo(dict(geometry=[g], filename='x.mp4'))
    x = torch.from_numpy(np.ascontiguousarray(imgs)).permute(3, 0, 1, 2)
    with pytest.raises(ValueError, match='after the deferred'):
        pre(dict(inputs=[[x]], data_samples=[sample]))
    with pytest.raises(ValueError, match='set deferred=True on it too'):
        _run(_deferred([SINGLE['grayscale']]) + [SINGLE['solarize']], 0, clip)
    with pytest.raises(ValueError, match="unknown photometric operation"):
        apply_photometric(torch.zeros(1, 3, 1, 4, 4), [[dict(type='sharpen')]])
