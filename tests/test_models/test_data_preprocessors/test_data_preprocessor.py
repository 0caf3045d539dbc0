"""MultiViewDataPreprocessor: stacking, normalisation, geometry kept."""
import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.dataset import default_collate, pseudo_collate

from mmvssl.models.data_preprocessors import MultiViewDataPreprocessor
from mmvssl.registry import MODELS
from mmvssl.structures import new_geometry

MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]


def _sample(i, shapes):
    views = [torch.randint(0, 256, s, dtype=torch.uint8) for s in shapes]
    ds = ActionDataSample().set_gt_label(i)
    geoms = [
        new_geometry(f'v{k}', (96, 128), 50, 30., np.arange(s[1]))
        for k, s in enumerate(shapes)
    ]
    ds.set_metainfo(dict(geometry=geoms, view_names=['v0', 'v1']))
    return dict(inputs=views, data_samples=ds)


def test_pseudo_collated_views_of_different_sizes():
    torch.manual_seed(0)
    shapes = [(3, 8, 32, 32), (3, 4, 16, 16)]
    batch = pseudo_collate([_sample(i, shapes) for i in range(3)])
    pre = MODELS.build(
        dict(type='MultiViewDataPreprocessor', mean=MEAN, std=STD))
    out = pre(batch, training=True)
    assert [tuple(x.shape) for x in out['inputs']] == [(3, 3, 8, 32, 32),
                                                       (3, 3, 4, 16, 16)]
    assert all(x.dtype == torch.float32 for x in out['inputs'])
    # (x - mean) / std per channel, mmaction2 convention (0-255 RGB)
    raw = batch['inputs'][1][2].float()
    expect = (raw - torch.tensor(MEAN).view(
        3, 1, 1, 1)) / torch.tensor(STD).view(3, 1, 1, 1)
    torch.testing.assert_close(out['inputs'][1][2], expect)
    # data samples and their geometry are untouched
    assert len(out['data_samples']) == 3
    for i, s in enumerate(out['data_samples']):
        src = batch['data_samples'][i]
        assert s.view_names == src.view_names
        for g, h in zip(s.geometry, src.geometry):
            assert g.keys() == h.keys()
            for k in g:
                np.testing.assert_equal(g[k], h[k])
        assert int(s.gt_label) == i
        assert s.geometry[1]['name'] == 'v1'
        assert isinstance(s.geometry[0]['crop_box'], np.ndarray)


def test_default_collate_and_no_normalisation():
    shapes = [(3, 4, 8, 8), (3, 4, 8, 8)]
    samples = [_sample(i, shapes) for i in range(2)]
    stacked = dict(
        inputs=default_collate([s['inputs'] for s in samples]),
        data_samples=[s['data_samples'] for s in samples])
    pre = MultiViewDataPreprocessor()
    out = pre(stacked)
    assert [tuple(x.shape) for x in out['inputs']] == [(2, 3, 4, 8, 8)] * 2
    torch.testing.assert_close(out['inputs'][0], stacked['inputs'][0].float())


def test_errors():
    pre = MultiViewDataPreprocessor(mean=MEAN, std=STD)
    bad = pseudo_collate([
        _sample(0, [(3, 4, 8, 8), (3, 4, 8, 8)]),
        _sample(1, [(3, 4, 8, 8), (3, 4, 6, 6)])
    ])
    with pytest.raises(ValueError, match='view 1: samples of one view'):
        pre(bad)
    with pytest.raises(ValueError, match='both'):
        MultiViewDataPreprocessor(mean=MEAN)
    flat = dict(
        inputs=[[torch.zeros(3, 8, 8, dtype=torch.uint8)]],
        data_samples=[ActionDataSample()])
    with pytest.raises(ValueError, match=r'\(B, C, T, H, W\)'):
        pre(flat)


def test_with_the_dataset(tmp_path):
    import os.path as osp

    from mmengine.dataset import pseudo_collate as collate

    from mmvssl.registry import DATASETS
    from video_utils import make_video_list
    ann = make_video_list(str(tmp_path), [24, 24])
    ds = DATASETS.build(
        dict(
            type='MultiViewVideoDataset',
            ann_file=ann,
            data_prefix=dict(video=str(tmp_path)),
            clip_sampler=dict(type='TemporalIntervalSampler', clip_len=4),
            view_pipeline=[dict(type='ClipRandomResizedCrop', scale=32)]))
    np.random.seed(0)
    batch = collate([ds[0], ds[1]])
    out = MultiViewDataPreprocessor(mean=MEAN, std=STD)(batch)
    assert [tuple(x.shape) for x in out['inputs']] == [(2, 3, 4, 32, 32)] * 2
    assert [osp.basename(s.filename)
            for s in out['data_samples']] == ['v0.mp4', 'v1.mp4']
    assert all(len(s.geometry) == 2 for s in out['data_samples'])
