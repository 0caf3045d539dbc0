"""STOR's spatio-temporal overlap augmentation and the CSTP labels.

The labels must be recomputable from the two views' geometry records, for
many random draws, including videos barely long enough for the pair.
"""
import os.path as osp

import numpy as np
import pytest
from video_utils import make_video_list

import mmvssl  # noqa: F401
from mmvssl.datasets import MultiViewVideoDataset
from mmvssl.datasets.samplers import (DEFAULT_OVERLAPS, TABLE4_OVERLAPS,
                                      OverlapClipSampler,
                                      spatial_overlap_labels,
                                      temporal_overlap_labels)
from mmvssl.datasets.transforms import (ClipRandomResizedCrop, ClipRotation,
                                        ClipRotationJitter, OverlapAnchorCrop,
                                        OverlapCrop)
from mmvssl.structures import new_geometry
from mmvssl.structures.geometry import (nearest_candidate,
                                        spatial_displacements,
                                        spatial_overlap_rate,
                                        temporal_overlap_rate, temporal_shift)

RATES = [1, 2, 4, 8]


def _geometry(name, rec, total, src_hw=(96, 128)):
    extra = {k: v for k, v in rec.items()
             if k not in ('frame_inds', 'playback_rate')}
    return new_geometry(name, src_hw, total, 25., rec['frame_inds'],
                        rec['playback_rate'], **extra)


def _sample(sampler, total):
    """The sampler's records and the temporal labels derived from them."""
    recs = sampler(total, 25.)
    g1, g2 = _geometry('clip1', recs[0], total), _geometry(
        'clip2', recs[1], total)
    return recs, temporal_overlap_labels(g1, g2)


def _check_temporal(recs, pretext, total, clip_len, cands=DEFAULT_OVERLAPS):
    g1, g2 = _geometry('clip1', recs[0], total), _geometry(
        'clip2', recs[1], total)
    label = pretext['temporal_overlap']
    gamma = pretext['temporal_overlap_target']
    assert gamma == cands[cands.index(gamma)]
    # same playback rate, stride = rate, both clips complete
    assert g1['playback_rate'] == g2['playback_rate']
    assert g1['playback_label'] == g2['playback_label']
    for g in (g1, g2):
        assert len(g['frame_inds']) == clip_len
        assert (np.diff(g['frame_inds']) == g['playback_rate']).all()
        assert g['playback_rate'] == RATES[g['playback_label']]
    if label == -1:
        k = temporal_shift(clip_len, gamma)
        assert (clip_len + k - 1) * g1['playback_rate'] + 1 > total
        assert np.isnan(pretext['temporal_overlap_rate'])
        return False
    assert cands[label] == gamma
    for g in (g1, g2):  # never looped
        assert 0 <= g['frame_inds'].min() and g['frame_inds'].max() < total
    rate = temporal_overlap_rate(g1, g2)
    assert rate == pytest.approx(pretext['temporal_overlap_rate'], abs=1e-12)
    assert nearest_candidate(rate, cands) == label
    assert abs(rate - gamma) <= 0.5 / clip_len + 1e-12
    # shared frames: the same source frames, as the rate says
    shared = len(np.intersect1d(g1['frame_inds'], g2['frame_inds']))
    assert shared == pytest.approx(rate * clip_len)
    return True


@pytest.mark.parametrize('total', [29, 30, 57, 113, 300])
def test_temporal_labels_equal_geometry_rates(total):
    """29 frames: exactly long enough for a 16-frame pair at 0.2 overlap
    (shift 13) at rate 1; 57: rate 2; 113: rate 4."""
    np.random.seed(total)
    sampler = OverlapClipSampler(clip_len=16, playback_rates=RATES)
    rates_seen, labels_seen, orders = set(), set(), set()
    for _ in range(300):
        recs, pretext = _sample(sampler, total)
        assert _check_temporal(recs, pretext, total, 16)
        rates_seen.add(recs[0]['playback_rate'])
        labels_seen.add(pretext['temporal_overlap'])
        orders.add(recs[1]['frame_inds'][0] >= recs[0]['frame_inds'][0])
    # the rate is capped by the length needed at the smallest overlap
    allowed = {r for r in RATES if 28 * r + 1 <= total}
    assert rates_seen == allowed
    assert labels_seen == set(range(5))
    assert orders == {True, False}


def test_short_video_ignores_only_the_impossible_labels():
    np.random.seed(0)
    sampler = OverlapClipSampler(clip_len=16, playback_rates=RATES)
    valid = {}
    for _ in range(300):
        recs, pretext = _sample(sampler, 20)
        ok = _check_temporal(recs, pretext, 20, 16)
        valid.setdefault(pretext['temporal_overlap_target'], set()).add(ok)
        assert recs[0]['playback_rate'] == 1  # slowest rate
    # shifts 13, 10, 6, 3, 0: 16 + k <= 20 only for k <= 4
    assert valid == {0.2: {False}, 0.4: {False}, 0.6: {False},
                     0.8: {True}, 1.0: {True}}


@pytest.mark.parametrize('n', sorted(TABLE4_OVERLAPS))
def test_table4_candidates(n):
    cands = TABLE4_OVERLAPS[n]
    np.random.seed(n)
    sampler = OverlapClipSampler(clip_len=16, temporal_overlaps=cands,
                                 spatial_overlaps=cands,
                                 playback_rates=RATES)
    barely = 16 + max(temporal_shift(16, g) for g in cands)  # 30 for 7
    for _ in range(100):
        recs, pretext = _sample(sampler, barely)
        assert _check_temporal(recs, pretext, barely, 16, cands)
        for r in recs:  # the spatial request travels in both records
            assert r['spatial_overlap_candidates'] == tuple(cands)
            assert r['spatial_overlap_target'] in cands


def test_sampler_validates_its_arguments():
    with pytest.raises(ValueError, match='cannot separate'):
        OverlapClipSampler(clip_len=4)  # 0.4 and 0.6 both shift 2 frames
    with pytest.raises(ValueError, match='at least two'):
        OverlapClipSampler(temporal_overlaps=[0.5])
    with pytest.raises(ValueError, match=r'\(0, 1\]'):
        OverlapClipSampler(spatial_overlaps=[0., 1.])
    with pytest.raises(ValueError, match='order'):
        OverlapClipSampler(order='backward')


def test_independent_mode_has_no_overlap_labels():
    np.random.seed(0)
    sampler = OverlapClipSampler(clip_len=8, temporal_overlaps=None,
                                 spatial_overlaps=None, playback_rates=RATES)
    different_rates = False
    for _ in range(50):
        recs = sampler(100, 25.)
        assert all('overlap' not in k for r in recs for k in r)
        assert sampler.pretext_labels(
            [_geometry(f'clip{i}', r, 100) for i, r in enumerate(recs)]) == {}
        different_rates |= (recs[0]['playback_rate'] !=
                            recs[1]['playback_rate'])
        for r in recs:
            assert r['frame_inds'].max() < 100
    assert different_rates


# ----------------------------------------------------------------- spatial
def _spatial_pair(img_hw, area_range, anchor=True, target=None):
    """Clip 1 and clip 2 cut with the sampler's spatial request (or
    ``target``) in their records, and the labels derived from them."""
    sampler = OverlapClipSampler(clip_len=8)
    request = {k: v for k, v in sampler(100, 25.)[0].items()
               if k.startswith('spatial_overlap')}
    if target is not None:
        request['spatial_overlap_target'] = target
    h, w = img_hw
    imgs = np.zeros((1, h, w, 3), np.uint8)
    crop1 = (OverlapAnchorCrop if anchor else ClipRandomResizedCrop)(
        scale=None, area_range=area_range)
    pretext = {}
    r1 = crop1(dict(imgs=imgs, pretext=pretext, ref_geometry={},
                    geometry=new_geometry('clip1', img_hw, 100, 25., [0],
                                          **request)))
    r2 = OverlapCrop(scale=None)(
        dict(imgs=imgs, pretext=pretext,
             ref_geometry={'clip1': r1['geometry']},
             geometry=new_geometry('clip2', img_hw, 100, 25., [0],
                                   **request)))
    assert pretext == {}  # the crops only write records
    return r1, r2, spatial_overlap_labels(r1['geometry'], r2['geometry'])


@pytest.mark.parametrize('img_hw,area_range', [((128, 171), (0.2, 1.0)),
                                               ((96, 128), (0.05, 1.0)),
                                               ((30, 40), (0.2, 1.0)),
                                               ((128, 128), (0.5, 1.0))])
def test_spatial_labels_equal_geometry_rates(img_hw, area_range):
    np.random.seed(sum(img_hw))
    labels = set()
    for _ in range(200):
        r1, r2, pretext = _spatial_pair(img_hw, area_range)
        g1, g2 = r1['geometry'], r2['geometry']
        w = g1['crop_box'][2] - g1['crop_box'][0]
        h = g1['crop_box'][3] - g1['crop_box'][1]
        # same crop size, inside the frame
        assert g2['img_shape'] == g1['img_shape'] == (h, w)
        assert (g2['crop_box'][:2] >= 0).all()
        assert g2['crop_box'][2] <= img_hw[1] and \
            g2['crop_box'][3] <= img_hw[0]
        label = pretext['spatial_overlap']
        assert label != -1  # the anchor always leaves room
        labels.add(label)
        rate = spatial_overlap_rate(g1, g2)
        assert rate == pytest.approx(pretext['spatial_overlap_rate'],
                                     abs=1e-12)
        assert nearest_candidate(rate, DEFAULT_OVERLAPS) == label
        assert abs(rate - DEFAULT_OVERLAPS[label]) <= 0.5 / min(w, h) + 1e-12
    assert labels == set(range(5))


def test_anchor_size_does_not_depend_on_the_label():
    """The anchor restricts box sizes to those that suit every candidate,
    whatever was drawn: the size distributions per label coincide."""
    np.random.seed(0)
    areas = {0: [], 4: []}
    for _ in range(400):
        r1, _, pretext = _spatial_pair((128, 171), (0.2, 1.0))
        if pretext['spatial_overlap'] in areas:
            g = r1['geometry']
            areas[pretext['spatial_overlap']].append(
                np.prod(g['img_shape']) / (128 * 171))
    assert max(max(a) for a in areas.values()) < 0.55
    assert abs(np.mean(areas[0]) - np.mean(areas[4])) < 0.03


def test_impossible_placement_is_ignored_not_relabelled():
    """A plain crop of the whole frame height and most of its width cannot
    overlap another at 0.2: the label becomes -1, the size is kept and the
    rate actually realised is recorded."""
    np.random.seed(0)
    r1, r2, pretext = _spatial_pair(
        (96, 128), (0.9, 1.0), anchor=False,
        target=0.2)
    g1, g2 = r1['geometry'], r2['geometry']
    assert pretext['spatial_overlap'] == -1
    assert g1['img_shape'] == g2['img_shape']
    assert spatial_overlap_rate(g1, g2) == pytest.approx(
        pretext['spatial_overlap_rate'])
    assert pretext['spatial_overlap_rate'] > 0.2


def test_displacements_exist_and_are_exact_within_rounding():
    for w, h in [(1, 1), (7, 3), (64, 48), (112, 112)]:
        for gamma in DEFAULT_OVERLAPS + TABLE4_OVERLAPS[7]:
            d = spatial_displacements(w, h, gamma)
            assert len(d)
            rate = (w - d[:, 0]) * (h - d[:, 1]) / (w * h)
            assert (np.abs(rate - gamma) <= 0.5 / min(w, h) + 1e-12).all()


def test_without_spatial_task_crops_are_independent():
    np.random.seed(0)
    pretext = {}
    imgs = np.zeros((1, 96, 128, 3), np.uint8)
    sizes = set()
    for _ in range(20):
        out = OverlapCrop(scale=32, area_range=(0.2, 1.0))(
            dict(imgs=imgs, pretext=pretext, ref_geometry={},
                 geometry=new_geometry('clip2', (96, 128), 10, 25., [0])))
        assert out['imgs'].shape == (1, 32, 32, 3)
        sizes.add(tuple(out['geometry']['crop_box']))
    assert len(sizes) > 1 and pretext == {}


# ---------------------------------------------------------------- rotation
def test_rotation_jitter_records_its_angle():
    np.random.seed(0)
    imgs = np.random.randint(0, 255, (2, 16, 20, 3), np.uint8)
    geometry = new_geometry('v', (16, 20), 2, 25., [0, 1])
    out = ClipRotationJitter(max_angle=10)(dict(imgs=imgs,
                                                geometry=geometry))
    assert out['imgs'].shape == imgs.shape
    assert -10 <= out['geometry']['rotation_jitter'] <= 10
    assert out['geometry']['rotation_jitter'] != 0
    same = ClipRotationJitter(max_angle=0)(dict(
        imgs=imgs, geometry=new_geometry('v', (16, 20), 2, 25., [0, 1])))
    assert (same['imgs'] == imgs).all()
    rotated = ClipRotation(rotations=[1])(dict(
        imgs=imgs, geometry=new_geometry('v', (16, 20), 2, 25., [0, 1])))
    with pytest.raises(ValueError, match='before ClipRotation'):
        ClipRotationJitter()(rotated)


def test_rotation_label_is_the_applied_rotation():
    np.random.seed(1)
    imgs = np.random.randint(0, 255, (2, 6, 10, 3), np.uint8)
    seen = set()
    for _ in range(20):
        out = ClipRotation()(dict(imgs=imgs, geometry=new_geometry(
            'v', (6, 10), 2, 25., [0, 1])))
        k = out['geometry']['rotation']
        seen.add(k)
        assert (out['imgs'] == np.rot90(imgs, k, axes=(1, 2))).all()
    assert seen == {0, 1, 2, 3}


def test_rotation_can_follow_an_earlier_view():
    """ref_view: the second clip gets the first one's rotation (and the
    same label), drawn anew for every sample; an unknown view is named."""
    np.random.seed(2)
    imgs = np.random.randint(0, 255, (2, 6, 10, 3), np.uint8)
    seen = set()
    for _ in range(20):
        first = ClipRotation()(dict(imgs=imgs, geometry=new_geometry(
            'clip1', (6, 10), 2, 25., [0, 1])))
        k = first['geometry']['rotation']
        second = ClipRotation(ref_view='clip1')(dict(
            imgs=imgs, ref_geometry=dict(clip1=first['geometry']),
            geometry=new_geometry('clip2', (6, 10), 2, 25., [0, 1])))
        assert second['geometry']['rotation'] == k
        assert (second['imgs'] == np.rot90(imgs, k, axes=(1, 2))).all()
        seen.add(k)
    assert seen == {0, 1, 2, 3}
    with pytest.raises(KeyError, match="reference view 'clip0'"):
        ClipRotation(ref_view='clip0')(dict(
            imgs=imgs, ref_geometry=dict(clip1=first['geometry']),
            geometry=new_geometry('clip2', (6, 10), 2, 25., [0, 1])))


# --------------------------------------------------------- end to end
def _cstp_views(crop=32):
    tail = [dict(type='ClipColorJitter', prob=0.5),
            dict(type='ClipRotationJitter', max_angle=10),
            dict(type='ClipRotation')]
    return [
        dict(name='clip1', pipeline=[
            dict(type='OverlapAnchorCrop', scale=crop)] + tail),
        dict(name='clip2', pipeline=[
            dict(type='OverlapCrop', ref_view='clip1', scale=crop)] + tail),
    ]


def test_dataset_end_to_end_labels(tmp_path):
    """Videos of 29 (barely long enough at rate 1), 45 and 120 frames."""
    ann = make_video_list(str(tmp_path), [29, 45, 120])
    ds = MultiViewVideoDataset(
        ann,
        clip_sampler=dict(type='OverlapClipSampler', clip_len=16,
                          playback_rates=RATES),
        views=_cstp_views(),
        data_prefix=dict(video=str(tmp_path)))
    np.random.seed(0)
    for i in range(12):
        item = ds[i % 3]
        meta = item['data_samples'].metainfo
        g1, g2 = meta['geometry']
        pretext = meta['pretext']
        shapes = [tuple(x.shape) for x in item['inputs']]
        assert shapes == [(3, 16, 32, 32)] * 2
        total = g1['total_frames']
        assert osp.basename(meta['filename']) == f'v{i % 3}.mp4'
        assert pretext['temporal_overlap'] != -1
        assert nearest_candidate(temporal_overlap_rate(g1, g2),
                                 DEFAULT_OVERLAPS) == \
            pretext['temporal_overlap']
        assert nearest_candidate(spatial_overlap_rate(g1, g2),
                                 DEFAULT_OVERLAPS) == \
            pretext['spatial_overlap']
        assert g1['playback_rate'] == g2['playback_rate'] == \
            RATES[g1['playback_label']]
        assert (28 * g1['playback_rate'] + 1) <= total
        for g in (g1, g2):
            assert g['rotation'] in (0, 1, 2, 3) and 'rotation_jitter' in g
