"""MultiViewVideoDataset: decode once, views with geometry, bad input."""
import logging
import os.path as osp
import uuid

import numpy as np
import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.runner import Runner

from mmvssl.datasets import VideoReadError
from mmvssl.datasets.video_readers import _DecordVideo
from mmvssl.registry import DATASETS
from video_utils import (make_video_list, read_codes, write_annotation,
                         write_empty, write_random_bytes, write_rawframes,
                         write_truncated, write_video)

TWO_CLIPS = dict(
    type='TemporalIntervalSampler', clip_len=8, frame_interval=2, num_clips=2)


@pytest.fixture(scope='module')
def videos(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('videos'))
    ann = make_video_list(root, [40, 48, 36])
    return root, ann


@pytest.fixture
def log_records():
    """Collect what the dataset logs with print_log(logger='current')."""
    logger = MMLogger.get_instance(f'test-mvd-{uuid.uuid4().hex}')
    records = []

    class _Collect(logging.Handler):

        def emit(self, record):
            records.append(record)

    handler = _Collect(level=logging.DEBUG)
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


def _dataset(ann, root, **kwargs):
    cfg = dict(
        type='MultiViewVideoDataset',
        ann_file=ann,
        data_prefix=dict(video=root),
        clip_sampler=TWO_CLIPS,
        views=[
            dict(name='clip0', pipeline=[]),
            dict(name='clip1', pipeline=[])
        ])
    cfg.update(kwargs)
    return DATASETS.build(cfg)


def test_views_carry_their_decoded_frames_and_geometry(videos):
    root, ann = videos
    ds = _dataset(ann, root)
    assert len(ds) == 3 and ds._reader is None  # nothing opened in __init__
    np.random.seed(0)
    for idx in range(3):
        out = ds[idx]
        sample = out['data_samples']
        assert sample.view_names == ['clip0', 'clip1']
        assert sample.filename == osp.join(root, f'v{idx}.mp4')
        assert int(sample.gt_label) == idx and sample.sample_idx == idx
        for view, g in zip(out['inputs'], sample.geometry):
            assert view.dtype == torch.uint8
            assert tuple(view.shape) == (3, 8, 96, 128)
            frames = view.permute(1, 2, 3, 0).numpy()
            inds, vid = read_codes(frames)
            np.testing.assert_array_equal(inds, g['frame_inds'])
            assert (vid == idx).all()
            assert g['fps'] == 30.0 and g['playback_rate'] == 2
            assert g['total_frames'] == [40, 48, 36][idx]
            np.testing.assert_allclose(g['timestamps'], g['frame_inds'] / 30)
            np.testing.assert_array_equal(g['crop_box'], [0, 0, 128, 96])


def test_union_of_frames_is_decoded_once(videos, monkeypatch):
    root, ann = videos
    calls = []
    orig = _DecordVideo.get_frames

    def spy(self, inds):
        calls.append(np.asarray(inds).copy())
        return orig(self, inds)

    monkeypatch.setattr(_DecordVideo, 'get_frames', spy)
    ds = _dataset(
        ann,
        root,
        clip_sampler=dict(
            type='TemporalIntervalSampler',
            clip_len=8,
            frame_interval=1,
            max_interval=4))  # overlapping clips
    np.random.seed(1)
    out = ds[1]
    assert len(calls) == 1
    geoms = out['data_samples'].geometry
    union = np.union1d(geoms[0]['frame_inds'], geoms[1]['frame_inds'])
    np.testing.assert_array_equal(calls[0], union)
    assert len(union) <= 12  # the overlap is decoded once


def test_view_pipelines_and_reference_view(videos):
    root, ann = videos
    local = [
        dict(
            type='ClipRandomResizedCrop',
            scale=32,
            area_range=(0.4, 0.8),
            ref_view='global'),
        dict(type='ClipFlip'),
        dict(type='ClipColorJitter', prob=1.0, brightness=[(0, .2), (.2, .4)])
    ]
    ds = _dataset(
        ann,
        root,
        clip_sampler=dict(
            type='ComposeClipSampler',
            samplers=[
                dict(type='SparseFrameSampler', num_frames=8),
                dict(type='SegmentClipSampler', clip_len=4, num_clips=2)
            ]),
        views=[
            dict(
                name='global',
                pipeline=[
                    dict(
                        type='ClipRandomResizedCrop',
                        scale=64,
                        area_range=(0.8, 1.0)),
                    dict(type='ClipFlip')
                ]),
            dict(name='local0', pipeline=local),
            dict(name='local1', pipeline=local)
        ])
    np.random.seed(0)
    out = ds[0]
    shapes = [tuple(v.shape) for v in out['inputs']]
    assert shapes == [(3, 8, 64, 64), (3, 4, 32, 32), (3, 4, 32, 32)]
    g, l0, l1 = out['data_samples'].geometry
    for loc in (l0, l1):
        assert (loc['crop_box'][:2] >= g['crop_box'][:2]).all()
        assert (loc['crop_box'][2:] <= g['crop_box'][2:]).all()
        assert loc['levels']['color_jitter.brightness'] in (0, 1)
    assert l0['segment'] == 0 and l1['segment'] == 1


def test_shared_view_pipeline_and_config_errors(videos):
    root, ann = videos
    ds = _dataset(
        ann,
        root,
        views=None,
        view_pipeline=[dict(type='ClipCenterCrop', crop_size=64)])
    assert ds.view_names == ['view0', 'view1']  # num_views from the sampler
    assert [tuple(v.shape) for v in ds[0]['inputs']] == [(3, 8, 64, 64)] * 2
    with pytest.raises(ValueError, match='exactly one of'):
        _dataset(ann, root, view_pipeline=[])
    with pytest.raises(ValueError, match='returns 2 temporal records but 3'):
        _dataset(ann, root, views=[dict(name=n) for n in 'abc'])
    with pytest.raises(ValueError, match='unique'):
        _dataset(ann, root, views=[dict(name='a'), dict(name='a')])


def test_region_source_slot(videos):
    """A view pipeline's 'region_source' slot takes the dataset's region
    source (or nothing); a source without a slot and an unknown slot are
    errors naming them."""
    root, ann = videos
    boxes = dict(type='RandomRegionBoxes', num_boxes=3)
    pipe = [dict(type='ClipCenterCrop', crop_size=64), 'region_source']
    ds = _dataset(ann, root, views=None, view_pipeline=pipe,
                  region_source=boxes)
    types = [type(t).__name__ for t in ds.view_pipelines[0].transforms]
    assert types == ['ClipCenterCrop', 'RandomRegionBoxes']
    g = ds[0]['data_samples'].metainfo['geometry'][0]
    assert g['boxes'].shape == (8, 3, 4)
    ds = _dataset(ann, root, views=None, view_pipeline=pipe)
    assert [type(t).__name__ for t in ds.view_pipelines[0].transforms] == \
        ['ClipCenterCrop']
    assert 'boxes' not in ds[0]['data_samples'].metainfo['geometry'][0]
    with pytest.raises(ValueError, match='no view pipeline holds'):
        _dataset(ann, root, views=None, view_pipeline=pipe[:1],
                 region_source=boxes)
    with pytest.raises(KeyError, match='regions'):
        _dataset(ann, root, views=None, view_pipeline=pipe[:1] + ['regions'])


def test_rawframes_annotation(tmp_path):
    root = str(tmp_path)
    write_rawframes(osp.join(root, 'f0'), 20, video_id=5)
    ann = write_annotation(osp.join(root, 'raw.txt'), ['f0 20 3'])
    ds = _dataset(
        ann,
        root,
        data_type='rawframes',
        data_prefix=dict(img=root),
        rawframe_fps=25.)
    np.random.seed(0)
    out = ds[0]
    for view, g in zip(out['inputs'], out['data_samples'].geometry):
        inds, vid = read_codes(view.permute(1, 2, 3, 0).numpy())
        np.testing.assert_array_equal(inds, g['frame_inds'])
        assert (vid == 5).all() and g['fps'] == 25.
    assert int(out['data_samples'].gt_label) == 3


@pytest.mark.parametrize('data_type,line,msg', [
    ('video', 'v0.mp4 cat', 'labels must be integers'),
    ('video', 'v0.mp4 1 2', 'expected one label'),
    ('rawframes', 'f0', 'expected `frame_dir total_frames'),
    ('rawframes', 'f0 ten 1', 'total_frames must be an integer'),
    ('rawframes', 'f0 -3 1', 'total_frames must be >= 0'),
])
def test_bad_annotation_lines_name_file_and_line(tmp_path, data_type, line,
                                                 msg):
    ann = write_annotation(
        str(tmp_path / 'ann.txt'),
        ['v1.mp4 0' if data_type == 'video' else 'f1 9 0', '', line])
    with pytest.raises(ValueError) as err:
        _dataset(
            ann,
            str(tmp_path),
            data_type=data_type,
            data_prefix={
                'video' if data_type == 'video' else 'img': str(tmp_path)
            })
    assert f'{ann}, line 3' in str(err.value) and msg in str(err.value)
    with pytest.raises(FileNotFoundError, match='nothere.txt'):
        _dataset(str(tmp_path / 'nothere.txt'), str(tmp_path))


def _bad_file(kind, root, good):
    path = osp.join(root, f'bad_{kind}.mp4')
    if kind == 'random_bytes':
        write_random_bytes(path)
    elif kind == 'truncated':  # mp4 index (moov) lost: opening fails
        write_truncated(path, good)
    elif kind == 'truncated_avi':  # opens, but the last frame is cut
        path = path[:-4] + '.avi'
        src = write_video(osp.join(root, 'full.avi'), 40, fourcc='MJPG')
        write_truncated(path, src, fraction=0.9)
    elif kind == 'empty':
        write_empty(path)
    return path  # 'missing': never written


@pytest.mark.parametrize(
    'kind', ['missing', 'random_bytes', 'truncated', 'truncated_avi', 'empty'])
def test_bad_video_is_logged_and_replaced(tmp_path, kind, log_records):
    root = str(tmp_path)
    good = write_video(osp.join(root, 'good.mp4'), 30, video_id=7)
    bad = _bad_file(kind, root, good)
    ann = write_annotation(
        osp.join(root, 'a.txt'), [f'{osp.basename(bad)} 0', 'good.mp4 1'])
    # clips as long as the videos: every frame is decoded
    sampler = dict(type='UniformClipSampler', clip_len=40, num_clips=2)
    ds = _dataset(ann, root, clip_sampler=sampler)
    np.random.seed(0)
    out = ds[0]  # the bad one: replaced by the good video
    assert out['data_samples'].filename == good
    inds, vid = read_codes(out['inputs'][0].permute(1, 2, 3, 0).numpy())
    assert (vid == 7).all()
    warnings = [r for r in log_records if r.levelno == logging.WARNING]
    assert warnings and bad in warnings[0].getMessage()
    if kind == 'truncated_avi':
        assert 'decoding failed' in warnings[0].getMessage()
    # test mode never replaces: the error names the file
    ds_test = _dataset(ann, root, test_mode=True, clip_sampler=sampler)
    with pytest.raises(VideoReadError, match=osp.basename(bad)):
        ds_test[0]


def test_too_many_failures_stop_with_the_file_names(tmp_path):
    root = str(tmp_path)
    names = [
        write_random_bytes(osp.join(root, f'b{i}.mp4'), seed=i)
        for i in range(3)
    ]
    ann = write_annotation(
        osp.join(root, 'a.txt'), [f'{osp.basename(n)} 0' for n in names])
    ds = _dataset(ann, root, max_retries=20)
    np.random.seed(0)
    with pytest.raises(RuntimeError, match='21 consecutive videos') as err:
        ds[0]
    assert all(osp.basename(n) in str(err.value) for n in names)


@pytest.mark.parametrize('mode', ['loop', 'pad'])
def test_short_video_loop_or_pad(tmp_path, mode):
    root = str(tmp_path)
    write_video(osp.join(root, 's.mp4'), 10)
    ann = write_annotation(osp.join(root, 'a.txt'), ['s.mp4 0'])
    ds = _dataset(
        ann,
        root,
        short_video=mode,
        clip_sampler=dict(
            type='UniformClipSampler',
            clip_len=8,
            frame_interval=2,
            num_clips=2))
    np.random.seed(0)
    out = ds[0]
    raw = np.arange(8) * 2  # the sampler starts at 0 on a short video
    expect = raw % 10 if mode == 'loop' else np.minimum(raw, 9)
    for view, g in zip(out['inputs'], out['data_samples'].geometry):
        np.testing.assert_array_equal(g['frame_inds'], expect)
        inds, _ = read_codes(view.permute(1, 2, 3, 0).numpy())
        np.testing.assert_array_equal(inds, expect)


AUG = [
    dict(type='ClipRandomResizedCrop', scale=48),
    dict(type='ClipFlip'),
    dict(type='ClipColorJitter', brightness=[(0, .2), (.2, .4)]),
    dict(type='ClipGaussianBlur')
]


def test_determinism_under_a_seed(videos):
    root, ann = videos
    ds = _dataset(ann, root, views=None, view_pipeline=AUG)

    def draw(seed):
        np.random.seed(seed)
        return [ds[i] for i in range(3)]

    a, b, c = draw(3), draw(3), draw(4)
    for x, y in zip(a, b):
        for vx, vy in zip(x['inputs'], y['inputs']):
            assert torch.equal(vx, vy)
        for gx, gy in zip(x['data_samples'].geometry,
                          y['data_samples'].geometry):
            assert gx.keys() == gy.keys()
            for k in gx:
                np.testing.assert_equal(gx[k], gy[k])
    assert any(not torch.equal(vx, vz) for x, z in zip(a, c)
               for vx, vz in zip(x['inputs'], z['inputs']))


def test_dataloader_with_two_workers(videos, tmp_path):
    root, ann = videos
    bad = write_random_bytes(str(tmp_path / 'bad.mp4'))
    ann2 = write_annotation(
        str(tmp_path / 'a.txt'),
        [f'{root}/v{i}.mp4 {i}' for i in range(3)] + [f'{bad} 0'])
    ds = _dataset(ann2, '', views=None, view_pipeline=AUG)
    loader = Runner.build_dataloader(
        dict(
            batch_size=2,
            num_workers=2,
            persistent_workers=False,
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='pseudo_collate'),
            dataset=ds),
        seed=0)
    batches = list(loader)
    assert len(batches) == 2
    for batch in batches:
        assert len(batch['inputs']) == 2  # views
        assert all(
            tuple(v.shape) == (3, 8, 48, 48) for view in batch['inputs']
            for v in view)
        assert all(len(s.geometry) == 2 for s in batch['data_samples'])
    # the bad video was replaced inside a worker, not in this process
    assert all(s.filename != bad for b in batches for s in b['data_samples'])
    assert ds._reader is None


def test_reader_is_per_process_and_never_pickled(videos):
    import pickle
    root, ann = videos
    ds = _dataset(ann, root)
    ds[0]  # creates this process's reader
    assert ds._reader is not None
    clone = pickle.loads(pickle.dumps(ds))
    assert clone._reader is None
    assert len(clone[1]['inputs']) == 2


def test_rawframe_folder_with_a_missing_frame(tmp_path, log_records):
    import os
    root = str(tmp_path)
    write_rawframes(osp.join(root, 'ok'), 12, video_id=1)
    write_rawframes(osp.join(root, 'holes'), 12, video_id=2)
    os.remove(osp.join(root, 'holes', 'img_00005.jpg'))
    ann = write_annotation(
        osp.join(root, 'raw.txt'), ['holes 12 0', 'ok 12 1', 'nowhere 12 0'])
    ds = _dataset(
        ann,
        root,
        data_type='rawframes',
        data_prefix=dict(img=root),
        clip_sampler=dict(type='UniformClipSampler', clip_len=12, num_clips=2))
    np.random.seed(0)
    for idx in (0, 2):
        out = ds[idx]
        assert out['data_samples'].filename == osp.join(root, 'ok')
    messages = ' '.join(r.getMessage() for r in log_records)
    assert 'img_00005.jpg' in messages and 'frame folder not found' in messages
