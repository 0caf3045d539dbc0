"""Clip transforms (one draw per clip, recorded geometry / levels) and clip
samplers."""
import numpy as np
import pytest
from scipy import stats

from mmvssl.datasets.samplers import (ComposeClipSampler, SegmentClipSampler,
                                      SparseFrameSampler,
                                      TemporalIntervalSampler,
                                      UniformClipSampler)
from mmvssl.datasets.transforms import (
    ClipCenterCrop, ClipColorJitter, ClipFlip, ClipGaussianBlur, ClipGrayscale,
    ClipRandomResizedCrop, ClipResize, ClipRotation, ClipSolarize,
    PackMultiView)
from mmvssl.registry import TASK_UTILS, TRANSFORMS
from mmvssl.structures import new_geometry, view_to_source_boxes


def _clip(t=4, h=48, w=64, value=None, seed=0):
    if value is not None:
        return np.full((t, h, w, 3), value, np.uint8)
    frame = np.random.RandomState(seed).randint(0, 256, (h, w, 3), np.uint8)
    return np.repeat(frame[None], t, 0)  # identical frames


def _results(imgs, levels=None, name='v'):
    g = new_geometry(
        name, imgs.shape[1:3], 100, 30., np.arange(len(imgs)), levels=levels)
    return dict(imgs=imgs, geometry=g, ref_geometry={})


ALL_PHOTOMETRIC = [
    dict(type='ClipColorJitter', prob=1.0),
    dict(
        type='ClipColorJitter',
        prob=1.0,
        random_order=False,
        brightness=[(0, .1), (.1, .2), (.2, .3), (.3, .4)],
        contrast=[(0, .2), (.2, .4)],
        saturation=0.4,
        hue=[(0, .05), (.05, .1)]),
    dict(type='ClipGrayscale', prob=1.0),
    dict(type='ClipGaussianBlur', prob=1.0),
    dict(
        type='ClipGaussianBlur',
        prob=1.0,
        kernel_size=[7, 11],
        sigma=[(0.1, 0.5), (0.5, 2.0)]),
    dict(type='ClipSolarize', prob=1.0, threshold=[(64, 128), (128, 192)]),
]


@pytest.mark.parametrize(
    'cfg', ALL_PHOTOMETRIC, ids=lambda c: c['type'] + str(len(c)))
def test_photometric_is_consistent_over_frames(cfg):
    t = TRANSFORMS.build(cfg)
    for seed in range(5):
        np.random.seed(seed)
        # a constant-colour clip stays constant (in space and in time)
        out = t(_results(_clip(value=(40 * seed + 20, 90, 200))))['imgs']
        assert out.dtype == np.uint8 and out.shape == (4, 48, 64, 3)
        assert (out == out[:1, :1, :1]).all()
        # a clip of identical textured frames keeps identical frames
        out = t(_results(_clip(seed=seed)))['imgs']
        assert (out == out[:1]).all()


def test_color_jitter_changes_colours_and_records_levels():
    t = ClipColorJitter(
        brightness=[(0, .1), (.1, .2), (.2, .3), (.3, .4)],
        contrast=0,
        saturation=0,
        hue=[(0, .05), (.05, .1)],
        prob=1.0)
    seen = set()
    for seed in range(40):
        np.random.seed(seed)
        r = t(_results(_clip()))
        lv = r['geometry']['levels']
        b, h = lv['color_jitter.brightness'], lv['color_jitter.hue']
        assert lv['color_jitter'] == b * 2 + h  # mixed radix
        seen.add((b, h))
        assert 'color_jitter.contrast' not in lv
    assert seen == {(b, h) for b in range(4) for h in range(2)}
    np.random.seed(0)
    assert not (t(_results(_clip()))['imgs'] == _clip()).all()


@pytest.mark.parametrize('level', range(4))
def test_brightness_strength_lies_in_the_forced_level(level):
    ranges = [(0, .1), (.1, .2), (.2, .3), (.3, .4)]
    t = ClipColorJitter(
        brightness=ranges, contrast=0, saturation=0, hue=0, prob=1.0)
    for seed in range(10):
        np.random.seed(seed)
        r = t(
            _results(
                _clip(value=100), levels={'color_jitter.brightness': level}))
        assert r['geometry']['levels']['color_jitter.brightness'] == level
        s = abs(float(r['imgs'][0, 0, 0, 0]) / 100 - 1)
        lo, hi = ranges[level]
        assert lo - 0.006 <= s <= hi + 0.006


def test_levels_forced_by_combined_key_shared_and_skipped():
    t = ClipGaussianBlur(
        kernel_size=[7, 11], sigma=[(.1, .5), (.5, 2.)], prob=1.0)
    r = t(_results(_clip(), levels={'blur': 3}))
    assert r['geometry']['levels'] == {
        'blur': 3,
        'blur.kernel': 1,
        'blur.sigma': 1
    }
    # share_levels_with copies the levels another view *applied* (not the
    # levels it was asked for)
    ref = new_geometry('g', (48, 64), 10, 30., [0], levels={'blur': 1})
    ref['levels'] = {'blur': 2}
    t2 = ClipGaussianBlur(
        kernel_size=[7, 11],
        sigma=[(.1, .5), (.5, 2.)],
        prob=1.0,
        share_levels_with='g')
    res = _results(_clip())
    res['ref_geometry'] = {'g': ref}
    assert t2(res)['geometry']['levels']['blur'] == 2
    # a skipped transform records -1
    r = ClipSolarize(
        threshold=[(0, 128), (128, 256)], prob=0.0)(
            _results(_clip()))
    assert r['geometry']['levels'] == {'solarize': -1}
    with pytest.raises(ValueError, match='forced level 5'):
        ClipSolarize(
            threshold=[(0, 128)], prob=1.)(
                _results(_clip(), levels={'solarize': 5}))


def test_blur_solarize_grayscale_effects():
    clip = _clip()
    np.random.seed(0)
    blurred = ClipGaussianBlur(prob=1.0)(_results(clip.copy()))['imgs']
    assert blurred.std() < clip.std()
    assert ClipGaussianBlur.auto_kernel(224, 300) == 23
    assert ClipGaussianBlur.auto_kernel(20, 20) == 3
    sol = ClipSolarize(threshold=128, prob=1.0)(_results(clip.copy()))['imgs']
    np.testing.assert_array_equal(sol, np.where(clip >= 128, 255 - clip, clip))
    gray = ClipGrayscale(prob=1.0)(_results(clip.copy()))['imgs']
    assert (gray == gray[..., :1]).all()
    with pytest.raises(ValueError, match='odd'):
        ClipGaussianBlur(kernel_size=[6])


def test_random_resized_crop_ranges():
    t = ClipRandomResizedCrop(
        scale=None, area_range=(0.2, 0.5), aspect_ratio_range=(0.5, 2.0))
    for seed in range(50):
        np.random.seed(seed)
        g = t(_results(_clip(h=200, w=300)))['geometry']
        x1, y1, x2, y2 = g['crop_box']
        area = (x2 - x1) * (y2 - y1) / (200 * 300)
        assert 0 <= x1 < x2 <= 300 and 0 <= y1 < y2 <= 200
        assert 0.19 <= area <= 0.51
        assert 0.48 <= (x2 - x1) / (y2 - y1) <= 2.05
        assert g['img_shape'] == (int(y2 - y1), int(x2 - x1))


def test_crop_inside_reference_view():
    global_t = ClipRandomResizedCrop(scale=(112, 112), area_range=(0.8, 1.))
    local_t = ClipRandomResizedCrop(
        scale=(64, 64), area_range=(0.4, 0.8), ref_view='global')
    for seed in range(30):
        np.random.seed(seed)
        glob = global_t(_results(_clip(h=120, w=160), name='global'))
        res = _results(_clip(h=120, w=160), name='local')
        res['ref_geometry'] = {'global': glob['geometry']}
        loc = local_t(res)['geometry']
        gb, lb = glob['geometry']['crop_box'], loc['crop_box']
        assert gb[0] <= lb[0] and gb[1] <= lb[1]
        assert lb[2] <= gb[2] and lb[3] <= gb[3]
        ratio = np.prod(lb[2:] - lb[:2]) / np.prod(gb[2:] - gb[:2])
        assert 0.36 <= ratio <= 0.84
    with pytest.raises(KeyError, match="'global'"):
        local_t(_results(_clip()))


def test_crop_after_flip_and_resize_records_source_box():
    np.random.seed(1)
    r = _results(_clip(h=100, w=200))
    r = ClipFlip(flip_ratio=1.0)(r)
    r = ClipResize(scale=(-1, 50))(r)
    assert r['imgs'].shape[1:3] == (50, 100)
    r = ClipCenterCrop(crop_size=(40, 20))(r)  # (w, h)
    g = r['geometry']
    assert g['img_shape'] == (20, 40) and g['flip']
    # centre crop of a flipped, halved image = mirrored source box
    np.testing.assert_allclose(g['crop_box'], [60, 30, 140, 70])
    np.testing.assert_allclose(
        view_to_source_boxes([0, 0, 40, 20], g), g['crop_box'])
    with pytest.raises(ValueError, match='larger'):
        ClipCenterCrop(crop_size=500)(r)


def test_flip_and_rotation_labels():
    np.random.seed(0)
    flips = [
        ClipFlip(0.5)(_results(_clip()))['geometry']['flip']
        for _ in range(200)
    ]
    assert 60 < sum(flips) < 140
    rots = [
        ClipRotation()(_results(_clip()))['geometry']['rotation']
        for _ in range(200)
    ]
    assert set(rots) == {0, 1, 2, 3}
    r = _results(_clip(h=48, w=64))
    r['geometry']['rotation_label'] = 3
    r = ClipRotation()(r)
    assert r['geometry']['rotation'] == 3 and r['imgs'].shape[1:3] == (64, 48)
    np.testing.assert_array_equal(r['imgs'][0],
                                  np.rot90(_clip(h=48, w=64)[0], 3))


def test_transforms_are_deterministic_under_a_seed():
    pipeline = [
        TRANSFORMS.build(c) for c in [
            dict(type='ClipRandomResizedCrop', scale=32),
            dict(type='ClipFlip'), *ALL_PHOTOMETRIC[:2],
            dict(type='ClipGaussianBlur', prob=.5)
        ]
    ]

    def run(seed):
        np.random.seed(seed)
        r = _results(_clip(h=60, w=80))
        for t in pipeline:
            r = t(r)
        return r

    a, b, c = run(7), run(7), run(8)
    np.testing.assert_array_equal(a['imgs'], b['imgs'])
    np.testing.assert_array_equal(a['geometry']['crop_box'],
                                  b['geometry']['crop_box'])
    assert a['geometry']['levels'] == b['geometry']['levels']
    assert not np.array_equal(a['imgs'], c['imgs'])


def test_pack_rejects_views_whose_geometry_was_not_updated():
    r = _results(_clip())
    r['imgs'] = r['imgs'][:, :24]  # a crop that did not record itself
    with pytest.raises(ValueError, match='does not record geometry'):
        PackMultiView()(dict(views=[r], filename='x.mp4', label=1))
    r = _results(_clip())
    out = PackMultiView()(
        dict(views=[r], filename='x.mp4', label=1, sample_idx=0))
    assert tuple(out['inputs'][0].shape) == (3, 4, 48, 64)
    assert out['data_samples'].view_names == ['v']


# ----------------------------------------------------------------- samplers
def test_uniform_clip_sampler():
    s = TASK_UTILS.build(
        dict(
            type='UniformClipSampler',
            clip_len=8,
            frame_interval=2,
            num_clips=3))
    for seed in range(20):
        np.random.seed(seed)
        recs = s(100, 30.)
        assert len(recs) == 3
        starts = [r['frame_inds'][0] for r in recs]
        assert starts == sorted(starts)
        for r in recs:
            assert r['playback_rate'] == 2
            np.testing.assert_array_equal(np.diff(r['frame_inds']), 2)
            assert r['frame_inds'][-1] <= 99
    test = UniformClipSampler(8, 2, num_clips=3, test_mode=True)
    assert [r['frame_inds'][0] for r in test(100, 30.)] == [0, 42, 85]
    assert UniformClipSampler(
        8, 2, test_mode=True)(100, 30.)[0]['frame_inds'][0] == 42
    # too short: indices run past the end (the dataset loops / pads)
    assert UniformClipSampler(16)(5, 30.)[0]['frame_inds'][-1] == 15


def test_playback_rates_are_capped_by_video_length():
    s = UniformClipSampler(
        clip_len=8, frame_interval=1, playback_rates=[1, 2, 4, 8])
    np.random.seed(0)
    labels = [s(30, 30.)[0]['playback_label'] for _ in range(300)]
    # 8 frames at stride 4 span 29 <= 30 frames; stride 8 spans 57
    assert set(labels) == {0, 1, 2}
    rec = s(30, 30.)[0]
    assert rec['playback_rate'] == [1, 2, 4, 8][rec['playback_label']]
    assert {s(5, 30.)[0]['playback_label'] for _ in range(20)} == {0}


def test_temporal_interval_sampler_linear_distribution():
    s = TemporalIntervalSampler(
        clip_len=4, frame_interval=1, interval='linear')
    np.random.seed(0)
    max_gap = 9  # 13 frames - span 4
    gaps = []
    for _ in range(20000):
        a, b = s(13, 30.)
        gaps.append(b['frame_inds'][0] - a['frame_inds'][0])
        assert a['frame_inds'][0] >= 0 and b['frame_inds'][-1] <= 12
    counts = np.bincount(gaps, minlength=max_gap + 1)
    assert len(counts) == max_gap + 1
    g = np.arange(max_gap + 1)
    expected = (2 * (max_gap - g) + 1) / (max_gap + 1)**2
    chi2, p = stats.chisquare(counts, expected * len(gaps))
    assert p > 1e-3, (counts, chi2)
    assert (np.diff(counts) < 0).all()  # monotone decreasing
    # the linear fit of the histogram has a clearly negative slope
    assert np.polyfit(g, counts / len(gaps), 1)[0] < -0.015
    # uniform option: flat histogram
    u = TemporalIntervalSampler(clip_len=4, interval='uniform')
    ug = [
        np.subtract(*[r['frame_inds'][0] for r in u(13, 30.)][::-1])
        for _ in range(5000)
    ]
    _, p = stats.chisquare(np.bincount(ug, minlength=10))
    assert p > 1e-3


def test_temporal_interval_gaps_follow_the_stride_grid():
    np.random.seed(0)
    s = TemporalIntervalSampler(clip_len=16, frame_interval=2, max_interval=16)
    gaps = []
    for _ in range(3000):
        a, b = s(150, 30.)
        gaps.append(b['frame_inds'][0] - a['frame_inds'][0])
        # aligned clips share every overlapping frame
        shared = len(np.intersect1d(a['frame_inds'], b['frame_inds']))
        assert shared == max(0, 16 - gaps[-1] // 2)
    counts = np.bincount(gaps)
    assert (counts[1::2] == 0).all() and len(counts) == 17
    assert (np.diff(counts[::2]) < 0).all()  # still linearly decreasing
    any_gap = TemporalIntervalSampler(
        clip_len=16, frame_interval=2, max_interval=16, interval_step=1)
    odd = [
        np.subtract(*[r['frame_inds'][0] for r in any_gap(150, 30.)][::-1]) % 2
        for _ in range(200)
    ]
    assert 60 < sum(odd) < 140


def test_temporal_interval_sampler_options():
    s = TemporalIntervalSampler(
        clip_len=16, frame_interval=2, num_clips=3, max_interval=10)
    np.random.seed(1)
    for _ in range(50):
        recs = s(300, 30.)
        starts = [r['frame_inds'][0] for r in recs]
        assert all(0 <= b - a <= 10 for a, b in zip(starts, starts[1:]))
        assert recs[-1]['frame_inds'][-1] < 300
        assert all(len(r['frame_inds']) == 16 for r in recs)
    # a video shorter than a clip: both clips start at 0
    assert [r['frame_inds'][0] for r in s(10, 30.)] == [0, 0, 0]
    with pytest.raises(ValueError, match='interval'):
        TemporalIntervalSampler(clip_len=4, interval='gauss')


def test_temporal_interval_min_interval():
    # 4-frame stride-8 clips of an 80-frame video (the synthetic recipe):
    # span 25, largest gap 55; min_interval=25 (rounded up to the stride
    # grid: 32) keeps the clips disjoint
    np.random.seed(0)
    s = TemporalIntervalSampler(clip_len=4, frame_interval=8,
                                min_interval=25, interval='uniform')
    gaps = []
    for _ in range(2000):
        a, b = s(80, 25.)
        gaps.append(b['frame_inds'][0] - a['frame_inds'][0])
        assert not np.intersect1d(a['frame_inds'], b['frame_inds']).size
    assert set(gaps) == {32, 40, 48}  # multiples of 8 in [25, 55]
    # linear: still decreasing from the minimum
    lin = TemporalIntervalSampler(clip_len=4, frame_interval=8,
                                  min_interval=25)
    counts = np.bincount([
        np.subtract(*[r['frame_inds'][0] for r in lin(80, 25.)][::-1])
        for _ in range(3000)
    ])[32::8]
    assert len(counts) == 3 and (np.diff(counts) < 0).all()
    # a video too short for the minimum: the largest gap that fits
    a, b = s(40, 25.)
    assert b['frame_inds'][0] - a['frame_inds'][0] == 8
    # default 0: the same draws as before the option existed
    np.random.seed(3)
    ref = [r['frame_inds'][0] for _ in range(20) for r in TemporalIntervalSampler(
        clip_len=4, frame_interval=8)(80, 25.)]
    np.random.seed(3)
    new = [r['frame_inds'][0] for _ in range(20) for r in TemporalIntervalSampler(
        clip_len=4, frame_interval=8, min_interval=0)(80, 25.)]
    assert ref == new
    with pytest.raises(ValueError, match='min_interval'):
        TemporalIntervalSampler(clip_len=4, min_interval=10, max_interval=5)


def test_segment_sparse_and_compose_samplers():
    np.random.seed(0)
    seg = SegmentClipSampler(clip_len=4, num_clips=4)
    for _ in range(50):
        recs = seg(200, 30.)
        for k, r in enumerate(recs):
            centre = (r['frame_inds'][0] + r['frame_inds'][-1]) / 2
            assert k * 50 - 2 <= centre <= (k + 1) * 50 + 2
            assert r['segment'] == k
    sparse = SparseFrameSampler(num_frames=16)
    inds = sparse(160, 30.)[0]['frame_inds']
    assert len(inds) == 16 and inds[-1] < 160
    np.testing.assert_array_equal(np.diff(inds), 10)
    comp = ComposeClipSampler([
        dict(type='SparseFrameSampler', num_frames=8),
        dict(type='SegmentClipSampler', clip_len=4, num_clips=2)
    ])
    assert comp.num_views == 3 and len(comp(100, 25.)) == 3
