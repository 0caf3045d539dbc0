"""STOR labels derived from the finished geometry records
(``OverlapClipSampler.pretext_labels``) equal, sample by sample, the labels
the former side channel gave (the sampler's draw in the shared ``pretext``
dict, rewritten by ``OverlapAnchorCrop`` / ``OverlapCrop``).

``data/stor_labels_side_channel.json`` was recorded with the side-channel
code (commit b8de093) by running :func:`seeded_labels` on it: 24 seeded
samples of each setting, covering temporal ``-1`` (a 20-frame video),
spatial ``-1`` (a plain anchor crop too large for the drawn rate),
``size_mode='free'`` redraws with a resize before the crops, Table 4's seven
candidates and the temporal-only task.
"""
import json
import math
import os.path as osp

import numpy as np
from video_utils import make_video_list

import mmvssl  # noqa: F401
from mmvssl.datasets import MultiViewVideoDataset
from mmvssl.datasets.samplers import (OverlapClipSampler,
                                      spatial_overlap_labels)
from mmvssl.structures.geometry import spatial_overlap_rate

RECORDED = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                    'data', 'stor_labels_side_channel.json')

RATES = [1, 2, 4, 8]
TAIL = [dict(type='ClipColorJitter', prob=0.5), dict(type='ClipRotation')]


def views(c1, c2, pre=()):
    return [dict(name='clip1', pipeline=list(pre) + [c1] + TAIL),
            dict(name='clip2', pipeline=list(pre) + [c2] + TAIL)]


SETTINGS = {
    'default': (dict(clip_len=16, playback_rates=RATES),
                views(dict(type='OverlapAnchorCrop', scale=32),
                      dict(type='OverlapCrop', scale=32))),
    'official': (dict(clip_len=16, playback_rates=RATES, playback_cap='clip'),
                 views(dict(type='OverlapAnchorCrop', scale=32,
                            size_mode='free', area_range=(0.2, 1.0)),
                       dict(type='OverlapCrop', scale=32),
                       pre=[dict(type='ClipResize', scale=(-1, 72))])),
    'plain_anchor': (dict(clip_len=8, playback_rates=[1, 2]),
                     views(dict(type='ClipRandomResizedCrop', scale=None,
                                area_range=(0.6, 1.0)),
                           dict(type='OverlapCrop', scale=None))),
    'table4_7': (dict(clip_len=8, temporal_overlaps=None,
                      spatial_overlaps=(0.143, 0.286, 0.429, 0.572, 0.715,
                                        0.858, 1.0)),
                 views(dict(type='OverlapAnchorCrop', scale=16,
                            area_range=(0.05, 0.3)),
                       dict(type='OverlapCrop', scale=16))),
    'temporal_only': (dict(clip_len=8, spatial_overlaps=None, order='forward',
                           playback_rates=RATES),
                      views(dict(type='OverlapAnchorCrop', scale=16),
                            dict(type='OverlapCrop', scale=16))),
}


def clean(v):
    if isinstance(v, float) and math.isnan(v):
        return 'nan'
    if isinstance(v, (tuple, list)):
        return [clean(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    return v



def seeded_labels(root):
    ann = make_video_list(root, [20, 29, 45, 120])
    out = {}
    for name, (sampler, vw) in SETTINGS.items():
        ds = MultiViewVideoDataset(
            ann,
            clip_sampler=dict(type='OverlapClipSampler', **sampler),
            views=vw,
            data_prefix=dict(video=root))
        np.random.seed(0)
        rows = []
        for i in range(24):
            meta = ds[i % 4]['data_samples'].metainfo
            rows.append(
                {k: clean(v)
                 for k, v in sorted(meta['pretext'].items())})
        out[name] = rows
    return out


def test_labels_from_records_equal_the_side_channel_labels(tmp_path):
    with open(RECORDED) as f:
        expected = json.load(f)
    got = json.loads(json.dumps(seeded_labels(str(tmp_path))))
    assert sorted(got) == sorted(expected)
    for name in expected:
        for i, (g, e) in enumerate(zip(got[name], expected[name])):
            assert g == e, (name, i)
    # the recording exercises both kinds of ignored label
    rows = [r for v in expected.values() for r in v]
    assert any(r.get('temporal_overlap') == -1 for r in rows)
    assert any(r.get('spatial_overlap') == -1 for r in rows)


def test_crops_write_nothing_into_pretext_and_labels_need_the_boxes():
    """The crops only read and write records; without ``overlap_boxes``
    (clip 2 not cut by OverlapCrop) the spatial label cannot be derived."""
    from mmvssl.datasets.transforms import OverlapAnchorCrop, OverlapCrop
    from mmvssl.structures import new_geometry
    np.random.seed(1)
    sampler = OverlapClipSampler(clip_len=8)
    recs = sampler(100, 25.)
    assert isinstance(recs, list)  # no pretext from the sampler
    imgs = np.zeros((1, 96, 128, 3), np.uint8)
    geoms, pretext = {}, {}
    for name, crop, rec in zip(('clip1', 'clip2'),
                               (OverlapAnchorCrop(scale=None),
                                OverlapCrop(scale=None)), recs):
        extra = {k: v for k, v in rec.items()
                 if k not in ('frame_inds', 'playback_rate')}
        g = new_geometry(name, (96, 128), 100, 25., rec['frame_inds'],
                         rec['playback_rate'], **extra)
        crop(dict(imgs=imgs, geometry=g, ref_geometry=dict(geoms),
                  pretext=pretext))
        geoms[name] = g
    assert pretext == {}
    labels = sampler.pretext_labels([geoms['clip1'], geoms['clip2']])
    assert labels['spatial_overlap'] == sampler.spatial_overlaps.index(
        geoms['clip1']['spatial_overlap_target'])
    assert labels['spatial_overlap_rate'] == spatial_overlap_rate(
        geoms['clip1'], geoms['clip2'])
    del geoms['clip2']['overlap_boxes']
    try:
        spatial_overlap_labels(geoms['clip1'], geoms['clip2'])
    except KeyError as e:
        assert 'overlap_boxes' in str(e) and 'clip2' in str(e)
    else:
        raise AssertionError('missing overlap_boxes must raise')
