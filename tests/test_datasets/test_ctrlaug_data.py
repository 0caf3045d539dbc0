"""Local-global sampling, crops inside the global view, intensity-level
groups of controllable augmentations."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config

import mmvssl  # noqa: F401
from mmvssl.datasets import (LevelGroupedBatchSampler,
                             LocalGlobalVideoDataset, pipeline_level_space)
from mmvssl.datasets.samplers import LocalGlobalSampler
from mmvssl.ops import tube_correspondence
from mmvssl.structures import frame_span
from video_utils import make_video_list

# the paper's 512 low-level levels, as the shipped configs define them
LOWLEVEL = Config.fromfile(
    osp.join(osp.abspath(osp.join(osp.dirname(__file__), '..', '..')),
             'configs/_base_/datasets/ctrlaug_views.py')).lowlevel_aug
GLOBAL = [dict(type='ClipRandomResizedCrop', scale=32, area_range=(0.8, 1)),
          dict(type='ClipFlip', flip_ratio=0.5)] + LOWLEVEL
LOCAL = [dict(type='ClipRandomResizedCrop', scale=32, area_range=(0.4, 0.8),
              ref_view='global'),
         dict(type='ClipFlip', flip_ratio=0.5)] + [
             dict(t, share_levels_with='global') for t in LOWLEVEL]


@pytest.fixture(scope='module')
def videos(tmp_path_factory):
    root = tmp_path_factory.mktemp('ctrlaug_videos')
    ann = make_video_list(str(root), [64, 40, 80, 12])  # 12 < one clip
    return str(root), ann


def dataset(videos, **kw):
    root, ann = videos
    cfg = dict(ann_file=ann, data_prefix=dict(video=root),
               global_pipeline=GLOBAL, local_pipeline=LOCAL, num_clips=4,
               num_frames=16, clip_len=16)
    cfg.update(kw)
    return LocalGlobalVideoDataset(**cfg)


def test_sampler_segments_and_global_spans():
    np.random.seed(0)
    s = LocalGlobalSampler(num_frames=16, clip_len=16, num_clips=4)
    assert s.num_views == 5
    for total in (200, 97, 40):
        recs = s(total, 25.)
        g = recs[0]
        np.testing.assert_allclose(g['frame_spans'][0], [0, total / 16])
        np.testing.assert_allclose(g['frame_spans'][-1, 1], total)
        assert (g['frame_spans'][:, 0] <= g['frame_inds'] + 1e-9).all()
        assert (g['frame_inds'] < g['frame_spans'][:, 1]).all()
        for k, r in enumerate(recs[1:]):
            assert r['segment'] == k and len(r['frame_inds']) == 16
            centre = (r['frame_inds'][0] + r['frame_inds'][-1]) / 2
            seg = total / 4
            lo, hi = k * seg - 8, (k + 1) * seg + 8  # shifted to fit
            assert lo <= centre <= hi
    # levels are requested from the dataset, never hidden in the sampler
    assert not hasattr(s, 'forced_levels')
    assert all('levels' not in r for r in s(100, 25.))


def test_views_crops_inside_global_and_rows_sum_to_one(videos):
    np.random.seed(1)
    ds = dataset(videos)
    assert ds.level_space == dict(color_jitter=128, blur=4)
    recs_q, recs_k = [], []
    for i in range(len(ds)):
        meta = ds[i]['data_samples'].metainfo
        assert meta['view_names'] == ['global'] + [f'local{k}'
                                                   for k in range(4)]
        g, clips = meta['geometry'][0], meta['geometry'][1:]
        for c in clips:
            # spatially inside the global crop, temporally inside the video
            assert (c['crop_box'][:2] >= g['crop_box'][:2] - 1e-6).all()
            assert (c['crop_box'][2:] <= g['crop_box'][2:] + 1e-6).all()
            lo, hi = frame_span(c)
            assert 0 <= lo and hi <= g['total_frames'] or \
                g['total_frames'] < 16
            # all views share the video's intensity levels
            assert c['levels'] == g['levels']
        recs_q.append(clips)
        recs_k.append(g)
    S = tube_correspondence(recs_q, recs_k, (2, 2, 2), (8, 2, 2),
                            dtype=torch.float64)
    torch.testing.assert_close(S.sum(-1), torch.ones(S.shape[:3],
                                                     dtype=torch.float64))


class _Sampler:
    """Index sampler stand-in with the attributes of mmengine's."""

    def __init__(self, dataset, n=16, seed=3, epoch=0):
        self.dataset, self.n, self.seed, self.epoch = dataset, n, seed, epoch

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def test_level_grouped_batches(videos):
    space = dict(color_jitter=128, blur=4)

    class D:
        level_space = space

    bs = LevelGroupedBatchSampler(_Sampler(D(), n=18), batch_size=8,
                                  num_groups=4)
    batches = list(bs)
    assert len(batches) == len(bs) == 2  # drop_last
    for batch in batches:
        combos = [np.ravel_multi_index((lv['color_jitter'], lv['blur']),
                                       (128, 4)) for _, lv in batch]
        _, counts = np.unique(combos, return_counts=True)
        assert sorted(counts) == [2, 2, 2, 2]  # 4 levels x 2 videos
    assert [i for i, _ in batches[0]] == list(range(8))
    # deterministic in (seed, epoch, batch); a new epoch draws new levels
    assert list(bs) == batches
    bs.sampler.epoch = 1
    assert list(bs) != batches
    bs2 = LevelGroupedBatchSampler(_Sampler(D(), n=18), 8, drop_last=False,
                                   num_groups=4)
    assert len(bs2) == 3 and len(list(bs2)[-1]) == 2

    # the dataset passes the requested levels to every view explicitly;
    # each record keeps the request apart from what was applied
    ds = dataset(videos)
    item = ds[(2, dict(color_jitter=77, blur=3))]
    for g in item['data_samples'].metainfo['geometry']:
        assert g['requested_levels'] == dict(color_jitter=77, blur=3)
        assert g['levels']['color_jitter'] == 77 and g['levels']['blur'] == 3
        assert g['levels']['blur.kernel'] == 1  # 3 = (kernel 1, sigma 1)
    # nothing carries over to the next item
    for g in ds[2]['data_samples'].metainfo['geometry']:
        assert 'requested_levels' not in g
    assert pipeline_level_space(ds.view_pipelines[1]) == space
