"""tools/data/check_videos.py: the video doctor on good, truncated, empty,
random-bytes, missing, long-GOP and mis-seeking files; re-encoding."""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from av_media import write_h264, write_mpeg4_avi
from video_utils import (read_codes, write_annotation, write_empty,
                         write_random_bytes, write_truncated)

from mmvssl.datasets.video_readers import build_video_reader

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def _tool():
    spec = importlib.util.spec_from_file_location(
        'check_videos', osp.join(ROOT, 'tools', 'data', 'check_videos.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope='module')
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp('doctor')
    write_h264(str(d / 'good.mp4'), 60, gop=12, video_id=1)
    write_h264(str(d / 'long_gop.mp4'), 90, gop=250, video_id=2)
    write_mpeg4_avi(
        str(d / 'bad_seek.avi'), 120, gop=50, bframes=2, video_id=3)
    write_mpeg4_avi(str(d / 'plain.avi'), 60, gop=12, bframes=0, video_id=4)
    write_truncated(str(d / 'cut.avi'), str(d / 'plain.avi'), 0.6)
    write_truncated(str(d / 'cut.mp4'), str(d / 'good.mp4'), 0.6)
    write_empty(str(d / 'empty.mp4'))
    write_random_bytes(str(d / 'noise.mp4'), seed=3)
    ann = write_annotation(
        str(d / 'train.txt'), [
            'good.mp4 0', 'long_gop.mp4 1', 'bad_seek.avi 2', 'plain.avi 3',
            'cut.avi 4', 'cut.mp4 5', 'empty.mp4 6', 'noise.mp4 7',
            'missing.mp4 8'
        ])
    return str(d), ann


def test_doctor_finds_every_problem(folder, tmp_path):
    root, ann = folder
    report_path = str(tmp_path / 'report.json')
    proc = subprocess.run([
        sys.executable,
        osp.join(ROOT, 'tools', 'data',
                 'check_videos.py'), ann, '--data-prefix', root, '--report',
        report_path, '--workers', '2', '--num-checks', '6'
    ],
                          capture_output=True,
                          text=True,
                          timeout=600,
                          env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(report_path) as f:
        report = json.load(f)
    p = report['problems']
    assert sorted(p['unreadable']) == [
        'cut.mp4', 'empty.mp4', 'missing.mp4', 'noise.mp4'
    ]
    assert p['wrong_frame_count'] == ['cut.avi']
    assert p['inaccurate_seeking'] == ['bad_seek.avi']
    assert p['long_gop'] == ['long_gop.mp4']
    assert report['ok'] == 2 and report['videos'] == 9
    by_name = {r['video']: r for r in report['results']}
    assert by_name['empty.mp4']['reason'] == 'empty file (0 bytes)'
    assert by_name['missing.mp4']['reason'] == 'file not found'
    # the wrong frame's real position, found by sequential decoding
    for w in by_name['bad_seek.avi']['wrong_seeks']:
        assert w['looks_like'] != w['index']
    good = by_name['good.mp4']
    assert good['decodable_frames'] == good['backend_frames'] == 60
    assert good['max_gop'] == 12 and len(good['seek_checks']) == 6
    assert 'inaccurate seeking: 1' in proc.stdout
    assert '9/9' in proc.stderr  # the progress bar


def test_reencoded_videos_decode_to_the_same_frames(folder, tmp_path):
    root, ann = folder
    out_dir = str(tmp_path / 'h264')
    report = _tool().main([
        ann, '--data-prefix', root, '--report',
        str(tmp_path / 'r.json'), '--reencode', out_dir, '--gop', '8'
    ])
    new_ann = report['reencoded_ann_file']
    with open(new_ann) as f:
        lines = f.read().splitlines()
    assert lines == [
        'good.mp4 0', 'long_gop.mp4 1', 'bad_seek.avi.mp4 2',
        'plain.avi.mp4 3', 'cut.avi.mp4 4'
    ]
    for line in lines[:4]:
        rel, label = line.split()
        src = osp.join(root, rel[:-4] if rel.endswith('.avi.mp4') else rel)
        seq = build_video_reader('pyav').open(dict(filename=src))
        inds = np.arange(seq.total_frames)
        ref = seq.get_frames(inds)
        video = build_video_reader('decord').open(
            dict(filename=osp.join(out_dir, rel)))
        assert video.total_frames == len(inds)
        frames = video.get_frames(inds)  # seeking works on the copies
        np.testing.assert_array_equal(read_codes(frames)[0], inds)
        np.testing.assert_array_equal(read_codes(frames)[1], int(label) + 1)
        assert np.abs(frames.astype(int) - ref).mean() < 3
        rand = np.sort(np.random.RandomState(0).choice(inds, 5, False))
        np.testing.assert_array_equal(
            read_codes(video.get_frames(rand))[0], rand)
    # the copies pass the doctor
    again = _tool().main([
        new_ann, '--data-prefix', out_dir, '--report',
        str(tmp_path / 'r2.json'), '--num-checks', '8'
    ])
    assert again['ok'] == 5, again['problems']
