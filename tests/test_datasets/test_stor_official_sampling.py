"""STOR / CSTP sampling as the released code does it (the paper is silent):
clip 1's crop free (area distribution of an unconstrained crop, the same
for every candidate set) with the spatial label redrawn when it cannot be
realised, and the playback-rate prior capped by one clip's extent, checked
on a list of real UCF101 lengths. Labels stay recomputable from the
geometry records."""
import numpy as np
import pytest

import mmvssl  # noqa: F401
from mmvssl.datasets.samplers import (DEFAULT_OVERLAPS, TABLE4_OVERLAPS,
                                      OverlapClipSampler,
                                      spatial_overlap_labels,
                                      temporal_overlap_labels)
from mmvssl.datasets.transforms import (ClipRandomResizedCrop,
                                        OverlapAnchorCrop, OverlapCrop)
from mmvssl.structures import new_geometry
from mmvssl.structures.geometry import (nearest_candidate,
                                        spatial_overlap_rate,
                                        temporal_overlap_rate)

# Percentiles (0, 1, 2, 5, 10, ..., 95, 98, 99, 100) of the frame counts of
# UCF101's split-1 training videos (9,537 clips at 25 fps; facts about the
# dataset, measured on its frame-count list).
UCF101_SPLIT1_PERCENTILES = {
    0: 28, 1: 57, 2: 62, 5: 72, 10: 83, 15: 93, 20: 102, 25: 111, 30: 122,
    35: 130, 40: 141, 45: 152, 50: 165, 55: 174, 60: 186, 65: 201, 70: 213,
    75: 240, 80: 251, 85: 265, 90: 300, 95: 349, 98: 427, 99: 465, 100: 1776
}


def ucf101_lengths(n=9537):
    """``n`` video lengths following UCF101 split 1's length distribution
    (log-linear interpolation of the percentile table at ``(i + .5) / n``)."""
    q = np.array(sorted(UCF101_SPLIT1_PERCENTILES), float)
    v = np.log([UCF101_SPLIT1_PERCENTILES[int(k)] for k in q])
    u = (np.arange(n) + 0.5) / n * 100
    return np.round(np.exp(np.interp(u, q, v))).astype(int)


def expected_official_prior(lengths, clip_len=16, rates=(1, 2, 4, 8)):
    """P(rate) of the released code: uniform among the rates ``r`` with
    ``(clip_len - 1) * r <= length``."""
    p = np.zeros(len(rates))
    for n in lengths:
        ok = [i for i, r in enumerate(rates) if (clip_len - 1) * r <= n]
        ok = ok or [0]
        p[ok] += 1. / len(ok)
    return p / len(lengths)


def test_length_list_matches_ucf101():
    n = ucf101_lengths()
    assert n.min() == 28 and n.max() > 1700
    assert np.median(n) == 165
    assert 175 < n.mean() < 195  # 7.2 s mean clip length at 25 fps


def test_official_playback_prior_on_ucf101_lengths():
    lengths = ucf101_lengths()
    np.testing.assert_allclose(expected_official_prior(lengths),
                               [.28, .28, .27, .18], atol=0.006)
    # the sampler, one draw per video of the list
    np.random.seed(0)
    sampler = OverlapClipSampler(clip_len=16, playback_rates=[1, 2, 4, 8],
                                 playback_cap='clip')
    counts = np.zeros(4)
    for n in lengths:
        recs = sampler(int(n), 25.)
        counts[recs[0]['playback_label']] += 1
        assert recs[0]['playback_label'] == recs[1]['playback_label']
    np.testing.assert_allclose(counts / len(lengths), [.28, .28, .27, .18],
                               atol=0.015)
    # the default cap (a pair at overlap 0.2 must fit) is lower
    default = OverlapClipSampler(clip_len=16, playback_rates=[1, 2, 4, 8])
    counts = np.zeros(4)
    for n in lengths[::4]:
        counts[default(int(n), 25.)[0]['playback_label']] += 1
    np.testing.assert_allclose(counts / counts.sum(), [.36, .35, .22, .07],
                               atol=0.03)


@pytest.mark.parametrize('total', [28, 40, 70, 130, 250])
def test_clip_cap_redraws_temporal_labels_that_do_not_fit(total):
    np.random.seed(total)
    sampler = OverlapClipSampler(clip_len=16, playback_rates=[1, 2, 4, 8],
                                 playback_cap='clip')
    for _ in range(200):
        recs = sampler(total, 25.)
        stride = recs[0]['playback_rate']
        assert 15 * stride <= total or stride == 1
        g = [new_geometry(f'c{i}', (96, 128), total, 25., r['frame_inds'],
                          r['playback_rate'], **{
                              k: v for k, v in r.items()
                              if k not in ('frame_inds', 'playback_rate')})
             for i, r in enumerate(recs)]
        pretext = temporal_overlap_labels(*g)
        label = pretext['temporal_overlap']
        if label == -1:  # only when not even a pair at overlap 1 fits
            assert 16 * stride > total
            continue
        for gi in g:
            assert 0 <= gi['frame_inds'].min()
            assert gi['frame_inds'].max() < total
        rate = temporal_overlap_rate(*g)
        assert nearest_candidate(rate, DEFAULT_OVERLAPS) == label
        assert DEFAULT_OVERLAPS[label] == pretext['temporal_overlap_target']


def test_sampler_rejects_an_unknown_cap():
    with pytest.raises(ValueError, match='playback_cap'):
        OverlapClipSampler(playback_cap='video')
    with pytest.raises(ValueError, match='size_mode'):
        OverlapAnchorCrop(scale=None, size_mode='any')


def _free_pair(img_hw, cands):
    sampler = OverlapClipSampler(clip_len=8, spatial_overlaps=cands,
                                 temporal_overlaps=None)
    request = {k: v for k, v in sampler(100, 25.)[0].items()
               if k.startswith('spatial_overlap')}
    pretext = {}
    h, w = img_hw
    imgs = np.zeros((1, h, w, 3), np.uint8)
    crop1 = OverlapAnchorCrop(scale=None, area_range=(0.2, 1.0),
                              aspect_ratio_range=(3 / 4, 4 / 3),
                              size_mode='free')
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


def _area_hist(areas, bins=np.linspace(0.2, 1.0, 9)):
    return np.histogram(areas, bins)[0] / len(areas)


def test_free_anchor_area_matches_an_unconstrained_crop():
    """Clip 1's area histogram equals a plain (0.2, 1) crop's, for the
    5-candidate set and Table 4's 2- and 7-candidate sets alike."""
    img_hw = (128, 171)  # UCF101 320x240 resized to short side 128
    frame = float(np.prod(img_hw))
    np.random.seed(0)
    plain = ClipRandomResizedCrop(scale=None, area_range=(0.2, 1.0),
                                  aspect_ratio_range=(3 / 4, 4 / 3))
    ref = []
    for _ in range(1000):
        x1, y1, x2, y2 = plain.draw_box(0, 0, img_hw[1], img_hw[0])
        ref.append((x2 - x1) * (y2 - y1) / frame)
    ref_hist = _area_hist(ref)
    assert np.median(ref) == pytest.approx(0.5, abs=0.05)
    for n in (2, 5, 7):
        np.random.seed(n)
        areas = []
        for _ in range(1000):
            r1, _, _ = _free_pair(img_hw, TABLE4_OVERLAPS[n])
            areas.append(np.prod(r1['geometry']['img_shape']) / frame)
        # histogram within sampling noise of the unconstrained one
        assert np.abs(_area_hist(areas) - ref_hist).max() < 0.04, n
        assert np.median(areas) == pytest.approx(np.median(ref), abs=0.04)
        assert np.quantile(areas, 0.95) > 0.75  # no 0.55 ceiling


def test_free_anchor_labels_are_realised_and_recomputable():
    img_hw = (128, 171)
    np.random.seed(1)
    labels = []
    for _ in range(400):
        r1, r2, pretext = _free_pair(img_hw, DEFAULT_OVERLAPS)
        g1, g2 = r1['geometry'], r2['geometry']
        label = pretext['spatial_overlap']
        assert label != -1
        assert pretext['spatial_overlap_target'] == DEFAULT_OVERLAPS[label]
        assert g1['img_shape'] == g2['img_shape']
        rate = spatial_overlap_rate(g1, g2)
        assert rate == pytest.approx(pretext['spatial_overlap_rate'],
                                     abs=1e-12)
        assert nearest_candidate(rate, DEFAULT_OVERLAPS) == label
        labels.append(label)
    freq = np.bincount(labels, minlength=5) / len(labels)
    # every class occurs; large overlaps are favoured (large boxes cannot
    # overlap another box at 0.2), as in the released code (measured here:
    # about .05 / .09 / .21 / .23 / .42)
    assert freq.min() > 0.02 and freq[4] > 2 * freq[0]
    assert (np.diff(freq[1:]) > -0.05).all()
