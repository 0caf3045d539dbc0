"""AVA-Kinetics proposals: tools/data/detect_boxes.py --ava-keyframes writes
what the dataset reads (the detected boxes reach the Kinetics keyframes),
and a proposal file that cannot be used is an error naming the file and
the expected format, not whole-frame boxes."""
import argparse
import importlib.util
import os.path as osp
import pickle
import sys

import numpy as np
import pytest

from video_utils import read_codes, write_video

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
sys.path.insert(0, osp.join(ROOT, 'tools', 'data', 'ava_kinetics'))
import build_annotations as ba  # noqa: E402

KIN_ID = 'Ab-cd_EfGhI'  # a YouTube id with '_'
CLIP = f'{KIN_ID}_000012_000022'
AVA_ID = 'abcdefghijk'
PBTXT = ('item {\n  name: "bend/bow (at the waist)"\n  id: 1\n}\n'
         'item {\n  name: "crawl"\n  id: 2\n}\n')
W, H = 128, 96


def _tool():
    path = osp.join(ROOT, 'tools', 'data', 'detect_boxes.py')
    spec = importlib.util.spec_from_file_location('_detect_boxes', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _write(path, text):
    with open(path, 'w') as f:
        f.write(text)
    return str(path)


@pytest.fixture
def release(tmp_path):
    """AVA + AVA-Kinetics annotations (as build_annotations.py writes them)
    and the Kinetics clip (10 s at 2 fps: frame i is second 12 + i / 2)."""
    ann = tmp_path / 'ann'
    ann.mkdir()
    csv = _write(ann / 'ava_kinetics_val_v1.0.csv',
                 f'{AVA_ID},0902,0.1,0.2,0.3,0.4,1,0\n'
                 f'{CLIP},0017,0.1,0.1,0.5,0.9,2,0\n'
                 f'{CLIP},0019,0.2,0.1,0.6,0.9,1,0\n')
    _write(ann / 'excluded.csv', '')
    _write(ann / 'labels.pbtxt', PBTXT)
    videos = tmp_path / 'videos'
    write_video(str(videos / 'dancing' / f'{CLIP}.mp4'), num_frames=20,
                size=(W, H), fps=2.)
    return dict(tmp=tmp_path, csv=csv, ann=str(ann), videos=str(videos))


def _dataset(release, proposal_file):
    from mmvssl.datasets import CheckedAVAKineticsDataset
    return CheckedAVAKineticsDataset(
        ann_file=release['csv'],
        exclude_file=osp.join(release['ann'], 'excluded.csv'),
        label_file=osp.join(release['ann'], 'labels.pbtxt'),
        proposal_file=proposal_file, pipeline=[], num_classes=3,
        test_mode=True, data_prefix=dict(img='frames'))


def test_detect_boxes_writes_what_the_dataset_reads(release, monkeypatch):
    tool = _tool()
    seen = []

    def fake_detect(model, frames, **kwargs):
        # one person box per frame, in pixels, depending on the frame index
        idx, _ = read_codes(frames)
        seen.extend(idx.tolist())
        return [[[4. * i, 8., 4. * i + 64., 90., 0.95]] for i in idx]

    monkeypatch.setattr(tool, 'detect_frames', fake_detect)
    out = str(release['tmp'] / 'kinetics_dets_val.pkl')
    args = argparse.Namespace(
        ava_keyframes=release['csv'], ava_timestamp_start=900,
        data_prefix=release['videos'], out=out, score_thr=0.5, classes=[0],
        max_boxes=8, batch_size=4)
    props = tool.main_ava(args, None, [f'dancing/{CLIP}.mp4'])
    # keyframes 17 and 19 are frames (17 - 12) * 2 = 10 and 14 of the clip
    assert seen == [10, 14]
    assert set(props) == {f'{KIN_ID},0017', f'{KIN_ID},0019'}
    np.testing.assert_allclose(props[f'{KIN_ID},0017'],
                               [[40 / W, 8 / H, 104 / W, 90 / H, 0.95]],
                               rtol=1e-6)
    # merged with the AVA detections by build_annotations.py, then read by
    # the dataset: the Kinetics keyframe gets the detected box
    ava = str(release['tmp'] / 'ava_dets.pkl')
    with open(ava, 'wb') as f:
        pickle.dump({f'{AVA_ID},0902': np.array([[.1, .2, .3, .4, .99]],
                                                np.float32)}, f)
    merged = {}
    for path in (ava, out):
        merged.update(ba.load_pickle(path))
    dense = str(release['tmp'] / 'dense.pkl')
    ba.dump_pickle(merged, dense)
    ds = _dataset(release, dense)
    infos = {ds.get_data_info(i)['img_key']: ds.get_data_info(i)
             for i in range(len(ds))}
    np.testing.assert_allclose(infos[f'{CLIP},0017']['proposals'],
                               [[40 / W, 8 / H, 104 / W, 90 / H]], rtol=1e-6)
    np.testing.assert_allclose(infos[f'{AVA_ID},0902']['proposals'],
                               [[.1, .2, .3, .4]], rtol=1e-6)


def _dump(path, obj):
    with open(path, 'wb') as f:
        pickle.dump(obj, f)
    return str(path)


@pytest.mark.parametrize('case,pattern', [
    ('garbage', 'cannot read the proposal file'),
    ('region table', 'region-box table of tools/data/detect_boxes.py'),
    ('list', 'holds a list'),
    ('bad key', "key 'abc' is not"),
    ('bad shape', r'is not an \(N, 4\) or \(N, 5\) array'),
    ('pixels', r'outside \[0, 1\].*pixel coordinates'),
    ('clip-id keys', "none of the 2 Kinetics keyframes.*looked up as "
     f"'{KIN_ID},0017'"),
])
def test_unusable_proposal_file_is_an_error(release, case, pattern):
    path = release['tmp'] / 'props.pkl'
    box = np.array([[.1, .1, .5, .9, .9]], np.float32)
    ava = {f'{AVA_ID},0902': box}
    if case == 'garbage':
        path.write_bytes(b'\x00not a pickle')
    elif case == 'region table':  # detect_boxes.py without --ava-keyframes
        _dump(path, {f'dancing/{CLIP}.mp4': dict(
            frame_shape=[H, W], boxes={0: [[1., 2., 30., 40., .9]]})})
    elif case == 'list':
        _dump(path, [box])
    elif case == 'bad key':
        _dump(path, dict(ava, abc=box))
    elif case == 'bad shape':
        _dump(path, dict(ava, **{f'{KIN_ID},0017': box[:, :3]}))
    elif case == 'pixels':
        _dump(path, dict(ava, **{f'{KIN_ID},0017': box * 100}))
    elif case == 'clip-id keys':  # keyed by clip id, not YouTube id
        _dump(path, dict(ava, **{f'{CLIP},0017': box, f'{CLIP},0019': box}))
    with pytest.raises(ValueError, match=pattern) as err:
        _dataset(release, str(path))
    assert str(path) in str(err.value)
    assert "'<video_id>,<TTTT>'" in str(err.value)


def test_a_few_missing_keyframes_warn_and_fall_back(release, tmp_path):
    box = np.array([[.1, .1, .5, .9, .95]], np.float32)
    path = _dump(tmp_path / 'p.pkl', {f'{AVA_ID},0902': box,
                                       f'{KIN_ID},0017': box})
    ds = _dataset(release, path)
    infos = {ds.get_data_info(i)['img_key']: ds.get_data_info(i)
             for i in range(len(ds))}
    np.testing.assert_allclose(infos[f'{CLIP},0019']['proposals'],
                               [[0, 0, 1, 1]])  # mmaction2's fallback
    np.testing.assert_allclose(infos[f'{CLIP},0017']['proposals'],
                               box[:, :4])
