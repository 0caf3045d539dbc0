"""OTB2015 / GOT-10k parsing (with OTB's known quirks) and SiamFC crops."""
import os

import numpy as np
import pytest

from mmvssl.datasets import sot
from mmvssl.datasets.sot import (FrameSequence, GOT10kDataset, OTB2015Dataset,
                                 read_boxes)
from mmvssl.structures.sot_crops import crop_square, neighbor_indices


def _seq(root, name, gt_files, frames):
    d = root / name / 'img'
    d.mkdir(parents=True)
    for i in frames:
        (d / f'{i:04d}.jpg').write_bytes(b'')
    for fname, text in gt_files.items():
        (root / name / fname).write_text(text)


def test_read_boxes_separators(tmp_path):
    p = tmp_path / 'gt.txt'
    p.write_text('1,2,3,4\n5\t6\t7\t8\n9 10 11 12\n'
                 '13, 14,\t15  16\n\nNaN,NaN,NaN,NaN\n')
    b = read_boxes(str(p))
    assert b.shape == (5, 4)
    np.testing.assert_array_equal(b[:4].ravel(), np.arange(1, 17))
    assert np.isnan(b[4]).all()


#: what the real OTB2015 files hold, per quirk row (independent of
#: sot.OTB_QUIRKS): image numbers on disk, number of ground-truth rows, the
#: image the first row annotates, the frames to track and the videos
REAL_OTB = {
    # name: (first image, last image, gt rows, image of row 1, tracked)
    'David': (1, 770, 471, 300, (300, 770)),
    'Tiger1': (1, 354, 354, 1, (6, 354)),
    'BlurCar1': (247, 988, 742, 247, (247, 988)),
    'BlurCar3': (3, 359, 357, 3, (3, 359)),
    'BlurCar4': (18, 397, 380, 18, (18, 397)),
    'Football1': (1, 81, 74, 1, (1, 74)),
    'Freeman3': (1, 474, 460, 1, (1, 460)),
    'Freeman4': (1, 297, 283, 1, (1, 283)),
    'Diving': (1, 231, 215, 1, (1, 215)),
}
#: multi-target sequences: annotation files present -> evaluated videos
REAL_OTB_TARGETS = {
    'Human4': ({1: '', 2: 'x'}, ['Human4-2']),
    'Jogging': ({1: 'x', 2: 'x'}, ['Jogging-1', 'Jogging-2']),
    'Skating2': ({1: 'x', 2: 'x'}, ['Skating2-1', 'Skating2-2']),
}


def test_every_quirk_row_has_a_test():
    assert set(sot.OTB_QUIRKS) == set(REAL_OTB) | set(REAL_OTB_TARGETS)


@pytest.mark.parametrize('name', sorted(REAL_OTB))
def test_otb_frame_quirk(tmp_path, name):
    first, last, rows, row1_image, tracked = REAL_OTB[name]
    # each row's x (1-based) is the number of the image it annotates
    gt = ''.join(f'{row1_image + r},7,10,12\n' for r in range(rows))
    _seq(tmp_path, name, {'groundtruth_rect.txt': gt}, range(first, last + 1))
    (v, ) = OTB2015Dataset(data_root=str(tmp_path)).load_data_list()
    assert v['video_name'] == name
    assert (v['frame_ids'][0], v['frame_ids'][-1]) == tracked
    assert v['frame_ids'] == list(range(tracked[0], tracked[1] + 1))
    numbers = [int(os.path.basename(p)[:-4]) for p in v['frame_paths']]
    assert numbers == v['frame_ids']
    # every tracked frame is paired with the row that annotates it
    # (x is 0-based after reading: image number - 1)
    np.testing.assert_array_equal(v['gt_bboxes'][:, 0] + 1, numbers)
    assert len(v['gt_bboxes']) == len(numbers) and v['valid'].all()


def test_tiger1_first_frame_is_row_6(tmp_path):
    gt = ''.join(f'{r},{r},4,4\n' for r in range(1, 355))
    _seq(tmp_path, 'Tiger1', {'groundtruth_rect.txt': gt}, range(1, 355))
    (v, ) = OTB2015Dataset(data_root=str(tmp_path)).load_data_list()
    assert os.path.basename(v['frame_paths'][0]) == '0006.jpg'
    np.testing.assert_array_equal(v['gt_bboxes'][0], [5, 5, 4, 4])


@pytest.mark.parametrize('name', sorted(REAL_OTB_TARGETS))
def test_otb_target_quirk(tmp_path, name):
    files, videos = REAL_OTB_TARGETS[name]
    gt = {f'groundtruth_rect.{i}.txt': (f'{10 * i},1,4,4\n{10 * i},2,4,4\n'
                                        if text else '')
          for i, text in files.items()}
    _seq(tmp_path, name, gt, range(1, 3))
    vids = OTB2015Dataset(data_root=str(tmp_path)).load_data_list()
    assert [v['video_name'] for v in vids] == videos
    for v in vids:
        i = int(v['video_name'].rsplit('-', 1)[1])
        np.testing.assert_array_equal(v['gt_bboxes'][:, 0], [10 * i - 1] * 2)


def test_otb_plain_and_unknown_multi_target(tmp_path, monkeypatch):
    # a sequence without quirk: one row per image from 0001.jpg
    _seq(tmp_path, 'Plain', {'groundtruth_rect.txt': '1,1,4,4\n0,0,0,0\n'},
         range(1, 3))
    # several targets without a table row: one video per file
    _seq(tmp_path, 'Pair', {
        'groundtruth_rect.1.txt': '1,1,4,4\n',
        'groundtruth_rect.2.txt': '7\t7\t4\t4\n'
    }, range(1, 2))
    # a quirk row applies to a test table too (frames 3..5 of 1..6)
    monkeypatch.setitem(sot.OTB_QUIRKS, 'Late', sot.OTBQuirk(frames=(3, 5)))
    _seq(tmp_path, 'Late', {'groundtruth_rect.txt': '11 21 5 6\n' * 3},
         range(1, 7))
    vids = {v['video_name']: v
            for v in OTB2015Dataset(data_root=str(tmp_path)).load_data_list()}
    assert sorted(vids) == ['Late', 'Pair-1', 'Pair-2', 'Plain']
    assert vids['Plain']['valid'].tolist() == [True, False]
    assert vids['Late']['frame_ids'] == [3, 4, 5]
    np.testing.assert_array_equal(vids['Pair-2']['gt_bboxes'][0],
                                  [6, 6, 4, 4])


def test_otb_missing_target_file_is_an_error(tmp_path):
    _seq(tmp_path, 'Human4', {'groundtruth_rect.1.txt': '1,1,4,4\n'},
         range(1, 2))
    with pytest.raises(FileNotFoundError, match='groundtruth_rect.2.txt'):
        OTB2015Dataset(data_root=str(tmp_path)).load_data_list()


def test_otb_info_file(tmp_path):
    _seq(tmp_path, 'A', {'groundtruth_rect.txt': '1,1,4,4\n' * 4},
         range(1, 5))
    info = tmp_path / 'infos.txt'
    info.write_text('header\nA/img,A/groundtruth_rect.txt,2,3\n')
    ds = OTB2015Dataset(data_root=str(tmp_path), ann_file=str(info))
    assert len(ds) == 1 and ds[0]['frame_ids'] == [2, 3]


def test_got10k(tmp_path):
    split = tmp_path / 'val'
    d = split / 'GOT-10k_Val_000001'
    d.mkdir(parents=True)
    (split / 'list.txt').write_text('GOT-10k_Val_000001\n')
    for i in range(1, 4):
        (d / f'{i:08d}.jpg').write_bytes(b'')
    (d / 'groundtruth.txt').write_text(
        '1.0000,2.0000,3.0000,4.0000\n2,2,3,4\n3,2,3,4\n')
    (d / 'absence.label').write_text('0\n1\n0\n')
    (d / 'cover.label').write_text('8\n0\n5\n')
    ds = GOT10kDataset(data_root=str(tmp_path), split='val')
    v = ds[0]
    assert len(v['frame_paths']) == 3
    np.testing.assert_array_equal(v['gt_bboxes'][0], [1, 2, 3, 4])
    assert v['valid'].tolist() == [True, False, True]
    assert v['cover'].tolist() == [8, 0, 5]
    # test split: first frame annotated only
    (d / 'groundtruth.txt').write_text('1,2,3,4\n')
    v = GOT10kDataset(data_root=str(tmp_path), split='val')[0]
    assert v['valid'].tolist() == [True, False, False]


def test_crop_square_geometry():
    img = np.zeros((40, 60, 3), np.uint8)
    img[10:14, 20:24] = 255  # a 4x4 square, centre (22, 12)
    c = crop_square(img, (22, 12), 8, 8)
    assert c[2:6, 2:6].min() == 255 and c.sum() == 16 * 3 * 255
    c = crop_square(img, (22, 12), 8, 16)  # 2x zoom
    assert c[5:11, 5:11].min() == 255 and c[:3].max() == 0
    # padding with the mean colour outside the image
    c = crop_square(img, (0, 0), 20, 20)
    assert np.allclose(c[0, 0], img.reshape(-1, 3).mean(0), atol=1)
    assert neighbor_indices(0, 10, 2) == [0, 0, 0, 1, 2]
    assert neighbor_indices(9, 10, 2) == [7, 8, 9, 9, 9]


def test_pair_dataset_frame_cache_is_bounded_by_bytes(tmp_path):
    import cv2

    from mmvssl.datasets.sot import SOTPairDataset
    h, w = 20, 30
    paths = []
    for i in range(6):
        p = str(tmp_path / f'{i:08d}.jpg')
        cv2.imwrite(p, np.full((h, w, 3), 40 * i, np.uint8))
        paths.append(p)
    frame = h * w * 3
    video = dict(frame_paths=paths, valid=np.ones(6, bool),
                 gt_bboxes=np.tile([8., 5., 10., 8.], (6, 1)))
    ds = SOTPairDataset([video], cache_bytes=3 * frame, exemplar_size=15,
                        instance_size=31, num_neighbors=1, seed=0)
    for p in paths:
        assert ds._frame(p).shape == (h, w, 3)
    assert list(ds._cache) == paths[3:]  # least recently used evicted
    assert ds._cached_bytes == 3 * frame
    ds._frame(paths[3])  # a hit moves it to the end
    ds._frame(paths[0])  # a miss evicts the least recent (paths[4])
    assert list(ds._cache) == [paths[5], paths[3], paths[0]]
    for i in range(len(ds) * 4):
        item = ds[i % len(ds)]
        assert item['inputs']['search'].shape == (3, 3, 31, 31)
        assert ds._cached_bytes <= 3 * frame
        assert ds._cached_bytes == sum(a.nbytes for a in ds._cache.values())
    # a frame larger than the bound is read but not kept; 0 disables
    for limit in (frame - 1, 0):
        small = SOTPairDataset([video], cache_bytes=limit)
        assert small._frame(paths[1]).shape == (h, w, 3)
        assert not small._cache and small._cached_bytes == 0
    with pytest.raises(ValueError, match='cache_bytes'):
        SOTPairDataset([video], cache_bytes=-1)


def test_videos_hand_decoded_frames(tmp_path):
    """Dataset items carry ``frames``, decoded on access (RGB), so the
    tracker never reads files."""
    import cv2
    gt = ''.join(f'{r},{r},4,4\n' for r in range(1, 4))
    d = tmp_path / 'Toy' / 'img'
    d.mkdir(parents=True)
    for i in range(1, 4):
        img = np.zeros((16, 16, 3), np.uint8)
        img[..., 2] = 60 * i  # BGR: the red channel
        cv2.imwrite(str(d / f'{i:04d}.jpg'), img)
    (tmp_path / 'Toy' / 'groundtruth_rect.txt').write_text(gt)
    item = OTB2015Dataset(data_root=str(tmp_path))[0]
    frames = item['frames']
    assert isinstance(frames, FrameSequence) and len(frames) == 3
    assert frames[2].shape == (16, 16, 3) and frames[2].dtype == np.uint8
    assert abs(int(frames[2][0, 0, 0]) - 180) <= 2  # RGB order
    assert int(frames[2][0, 0, 2]) <= 2
    assert len(frames[1:]) == 2
