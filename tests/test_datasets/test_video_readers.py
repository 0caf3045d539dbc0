"""Video backends: same frames from every backend, selection errors,
PyAV's sequential decoding where seeking is wrong, decord2 with mmaction2."""
import importlib.metadata
import os.path as osp

import numpy as np
import pytest
from av_media import write_h264, write_mpeg4_avi
from video_utils import read_codes, write_annotation, write_truncated

from mmvssl.datasets.video_readers import (VIDEO_BACKENDS, VideoReadError,
                                           build_video_reader,
                                           check_video_backend,
                                           video_backend_error)
from mmvssl.registry import DATASETS

INDS = np.array([0, 3, 4, 17, 30, 31, 52, 59])


def _backend(name):
    """A backend name, skipped (with the reason) where it cannot be used."""
    err = video_backend_error(name)
    if err is not None:
        pytest.skip(err)
    return name


@pytest.fixture(scope='module')
def media(tmp_path_factory):
    root = tmp_path_factory.mktemp('media')
    out = dict(root=str(root))
    out['h264'] = str(root / 'h264.mp4')
    out['h264_frames'] = write_h264(out['h264'], 60, gop=12)
    out['h264_long'] = str(root / 'h264_gop250.mp4')
    write_h264(out['h264_long'], 60, gop=250)
    # MPEG-4 part 2 in AVI without B-frames: seeking works
    out['avi'] = str(root / 'plain.avi')
    write_mpeg4_avi(out['avi'], 60, gop=12, bframes=0)
    # with B-frames and later key frames: decord's seeking is wrong
    out['bad_avi'] = str(root / 'bframes.avi')
    write_mpeg4_avi(out['bad_avi'], 120, gop=50, bframes=2)
    return out


def _read(backend, path, inds):
    video = build_video_reader(backend).open(dict(filename=path))
    try:
        return video.total_frames, video.fps, video.get_frames(inds)
    finally:
        video.close()


@pytest.mark.parametrize('backend', sorted(VIDEO_BACKENDS))
@pytest.mark.parametrize('kind', ['h264', 'h264_long', 'avi'])
def test_every_backend_returns_the_same_frames(media, backend, kind):
    _backend(backend)
    total, fps, frames = _read(backend, media[kind], INDS)
    assert total == 60 and fps == pytest.approx(30.0)
    assert frames.dtype == np.uint8 and frames.shape == (len(INDS), 96, 128, 3)
    np.testing.assert_array_equal(read_codes(frames)[0], INDS)
    # bit-identical to decord (the reference every pipeline was built on)
    _, _, ref = _read('decord', media[kind], INDS)
    np.testing.assert_array_equal(frames, ref)


def test_decoded_h264_is_close_to_the_encoded_frames(media):
    _, _, frames = _read('pyav', media['h264'], INDS)
    err = np.abs(frames.astype(int) - media['h264_frames'][INDS]).mean()
    assert err < 4, err


def test_pyav_is_right_where_seeking_is_not(media):
    inds = np.array([10, 60, 75, 110])
    _, _, seq = _read('pyav', media['bad_avi'], inds)
    np.testing.assert_array_equal(read_codes(seq)[0], inds)
    _, _, seek = _read('decord', media['bad_avi'], inds)
    got = read_codes(seek)[0]
    # the fixture is what the doctor and the 'pyav' backend are for:
    # frames after the second key frame come back from other positions
    assert (got != inds).any(), got


def test_pyav_errors_name_the_file(media, tmp_path):
    short = _read('pyav', media['h264'], np.array([0]))
    assert short[0] == 60
    video = build_video_reader('pyav').open(dict(filename=media['h264']))
    video.total_frames = 80  # a header that promises more than there is
    with pytest.raises(VideoReadError, match='only 60 frames'):
        video.get_frames(np.array([5, 70]))
    video.close()
    cut = write_truncated(str(tmp_path / 'cut.mp4'), media['h264'], 0.3)
    for backend in ('decord', 'pyav'):
        with pytest.raises(VideoReadError, match='cut.mp4'):
            _read(backend, cut, INDS)
    with pytest.raises(VideoReadError, match='file not found'):
        build_video_reader('pyav').open(dict(filename=str(tmp_path / 'no')))


def test_backend_selection_errors(media):
    with pytest.raises(ValueError, match="unknown video_backend 'opencv'"):
        build_video_reader('opencv')
    ann = write_annotation(osp.join(media['root'], 'ann.txt'), ['h264.mp4 0'])
    cfg = dict(
        type='MultiViewVideoDataset',
        ann_file=ann,
        data_prefix=dict(video=media['root']),
        clip_sampler=dict(
            type='TemporalIntervalSampler', clip_len=4, num_clips=2),
        view_pipeline=[])
    with pytest.raises(ValueError, match="unknown video_backend 'decrod'"):
        DATASETS.build(dict(cfg, video_backend='decrod'))
    err = video_backend_error('torchcodec')
    if err is None:
        check_video_backend('torchcodec')  # usable here: no error
    else:
        assert 'torchcodec' in err and 'CUDA build of torch' in err
        with pytest.raises(ImportError, match='torchcodec.*not usable'):
            DATASETS.build(dict(cfg, video_backend='torchcodec'))


@pytest.mark.parametrize('backend', ['decord', 'pyav'])
def test_dataset_reads_the_recorded_frames(media, backend):
    root = media['root']
    ann = write_annotation(
        osp.join(root, f'ann_{backend}.txt'), ['bframes.avi 0'])
    ds = DATASETS.build(
        dict(
            type='MultiViewVideoDataset',
            ann_file=ann,
            data_prefix=dict(video=root),
            video_backend=backend,
            clip_sampler=dict(
                type='TemporalIntervalSampler',
                clip_len=8,
                frame_interval=2,
                num_clips=2),
            view_pipeline=[]))
    wrong = 0
    for seed in range(6):
        np.random.seed(seed)
        out = ds[0]
        for view, g in zip(out['inputs'], out['data_samples'].geometry):
            codes = read_codes(view.permute(1, 2, 3, 0).numpy())[0]
            wrong += int((codes != g['frame_inds']).any())
    if backend == 'pyav':
        assert wrong == 0
    else:  # why UCF101 / HMDB51 configs use 'pyav'
        assert wrong > 0


def test_installed_decord_is_decord2_and_works_with_mmaction2(media):
    import decord
    assert importlib.metadata.version('decord2') == '3.4.0'
    assert decord.__version__ == '3.4.0'
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.version('decord')  # removed by tools/install.sh
    import mmaction.datasets  # noqa: F401 - registers the transforms
    from mmaction.registry import TRANSFORMS
    from mmengine.dataset import Compose
    pipeline = Compose([
        TRANSFORMS.build(dict(type='DecordInit', num_threads=1)),
        TRANSFORMS.build(
            dict(
                type='SampleFrames',
                clip_len=8,
                frame_interval=2,
                num_clips=1,
                test_mode=True)),
        TRANSFORMS.build(dict(type='DecordDecode')),
    ])
    res = pipeline(dict(filename=media['h264'], start_index=0, modality='RGB'))
    imgs = np.stack(res['imgs'])
    inds = np.asarray(res['frame_inds'])
    np.testing.assert_array_equal(read_codes(imgs)[0], inds)
    _, _, ours = _read('decord', media['h264'], inds)
    np.testing.assert_array_equal(imgs, ours)


# ------------------------------------------------------------ frame cache
class _Counting:
    """A reader that counts how often a video is opened (decoded)."""

    def __init__(self, backend):
        self.inner = build_video_reader(backend)
        self.opened = 0
        self.backend_args = None

    def open(self, info):
        self.opened += 1
        return self.inner.open(info)


def _entries(cache):
    return sorted(p.suffix for p in cache.iterdir())


@pytest.mark.parametrize('kind', ['h264', 'h264_long'])
def test_frame_cache_returns_the_backends_frames_and_decodes_once(
        media, tmp_path, kind):
    from mmvssl.datasets.video_readers import FrameCacheReader
    cache = tmp_path / 'cache'
    counting = _Counting('decord')
    reader = FrameCacheReader(counting, str(cache))
    _, _, ref = _read('decord', media[kind], INDS)
    for _ in range(3):  # first read decodes and stores, later ones map
        video = reader.open(dict(filename=media[kind]))
        assert video.total_frames == 60 and video.fps == pytest.approx(30.)
        frames = video.get_frames(INDS)
        video.close()
        np.testing.assert_array_equal(frames, ref)
        assert frames.flags['C_CONTIGUOUS'] and frames.flags['WRITEABLE']
    assert counting.opened == 1
    assert _entries(cache) == ['.json', '.npy']  # no temporary file left
    # another process (a fresh reader on the same folder) reuses the entry
    other = _Counting('decord')
    video = FrameCacheReader(other, str(cache)).open(
        dict(filename=media[kind]))
    np.testing.assert_array_equal(video.get_frames(INDS), ref)
    assert other.opened == 0
    with pytest.raises(VideoReadError, match='frame 60 requested'):
        video.get_frames(np.array([3, 60]))


def test_frame_cache_notices_a_changed_or_broken_file(media, tmp_path):
    import os
    import shutil
    from mmvssl.datasets.video_readers import FrameCacheReader
    src = str(tmp_path / 'v.mp4')
    shutil.copy(media['h264'], src)
    cache = tmp_path / 'cache'
    counting = _Counting('decord')
    reader = FrameCacheReader(counting, str(cache))
    reader.open(dict(filename=src)).close()
    # the video is replaced by another one at the same path
    shutil.copy(media['h264_long'], src)
    os.utime(src, ns=(1, 10**18))
    video = reader.open(dict(filename=src))
    _, _, ref = _read('decord', media['h264_long'], INDS)
    np.testing.assert_array_equal(video.get_frames(INDS), ref)
    assert counting.opened == 2
    # a truncated entry (e.g. a full disk before the rename was possible
    # elsewhere) is decoded again and replaced
    for npy in cache.glob('*.npy'):
        npy.write_bytes(npy.read_bytes()[:1000])
    video = reader.open(dict(filename=src))
    np.testing.assert_array_equal(video.get_frames(INDS), ref)
    assert counting.opened == 3
    with pytest.raises(VideoReadError, match='file not found'):
        reader.open(dict(filename=str(tmp_path / 'gone.mp4')))


def test_fill_frame_cache_writes_what_a_first_read_would(media, tmp_path,
                                                        capsys):
    import shutil
    from mmvssl.datasets.video_readers import (FrameCacheReader,
                                               fill_frame_cache)
    src = str(tmp_path / 'v.mp4')
    shutil.copy(media['h264'], src)
    broken = tmp_path / 'broken.mp4'
    broken.write_bytes(b'not a video')
    cache = tmp_path / 'cache'
    out = fill_frame_cache([src, str(broken), str(tmp_path / 'gone.mp4')],
                           str(cache), progress=False)
    assert out == dict(videos=3, failed=2)
    printed = capsys.readouterr().out
    assert 'broken.mp4' in printed and 'gone.mp4' in printed
    assert _entries(cache) == ['.json', '.npy']  # only the readable video
    # a later reader maps the entry and decodes nothing
    counting = _Counting('decord')
    video = FrameCacheReader(counting, str(cache)).open(dict(filename=src))
    _, _, ref = _read('decord', media['h264'], INDS)
    np.testing.assert_array_equal(video.get_frames(INDS), ref)
    assert counting.opened == 0
    # a second fill finds every entry and writes nothing new
    mtimes = sorted(p.stat().st_mtime_ns for p in cache.iterdir())
    assert fill_frame_cache([src], str(cache), progress=False) == dict(
        videos=1, failed=0)
    assert sorted(p.stat().st_mtime_ns for p in cache.iterdir()) == mtimes


def test_dataset_with_a_frame_cache_gives_the_same_samples(media, tmp_path):
    import torch
    ann = write_annotation(str(tmp_path / 'ann.txt'),
                           ['h264.mp4 0', 'h264_gop250.mp4 0'])
    cfg = dict(
        type='MultiViewVideoDataset',
        ann_file=ann,
        data_prefix=dict(video=media['root']),
        clip_sampler=dict(
            type='TemporalIntervalSampler', clip_len=4, frame_interval=3,
            num_clips=2),
        view_pipeline=[dict(type='ClipRandomResizedCrop', scale=32)])
    plain = DATASETS.build(cfg)
    cached = DATASETS.build(dict(cfg, frame_cache=str(tmp_path / 'c')))
    for rep in range(2):  # the second pass reads the cache
        for idx in range(2):
            outs = []
            for ds in (plain, cached):
                np.random.seed(10 * idx + rep)
                outs.append(ds[idx])
            assert len(outs[0]['inputs']) == 2
            for a, b in zip(outs[0]['inputs'], outs[1]['inputs']):
                assert torch.equal(a, b)
    assert len(list((tmp_path / 'c').glob('*.npy'))) == 2
