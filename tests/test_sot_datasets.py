"""OTB2015 / GOT-10k parsing (with OTB's known quirks) and SiamFC crops."""
import os

import numpy as np

from mmvssl.datasets import sot
from mmvssl.datasets.sot import (GOT10kDataset, OTB2015Dataset, crop_square,
                                 neighbor_indices, read_boxes)


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


def test_otb_quirks(tmp_path, monkeypatch):
    # frame range table: a sequence annotated on frames 3..5 of 1..6
    monkeypatch.setitem(sot.OTB_FRAME_RANGES, 'Late', (3, 5))
    late_gt = '11 21 5 6\n12 22 5 6\n13 23 5 6\n'
    _seq(tmp_path, 'Late', {'groundtruth_rect.txt': late_gt}, range(1, 7))
    # two targets
    _seq(tmp_path, 'Jogging', {
        'groundtruth_rect.1.txt': '1,1,4,4\n2,2,4,4\n',
        'groundtruth_rect.2.txt': '5\t5\t4\t4\n6\t6\t4\t4\n'
    }, range(1, 3))
    # Human4: the second target only; tab separated
    _seq(tmp_path, 'Human4', {
        'groundtruth_rect.1.txt': '1,1,4,4\n',
        'groundtruth_rect.2.txt': '7\t7\t4\t4\n'
    }, range(1, 2))
    # invalid box in a plain sequence
    _seq(tmp_path, 'Plain', {'groundtruth_rect.txt': '1,1,4,4\n0,0,0,0\n'},
         range(1, 3))
    ds = OTB2015Dataset(data_root=str(tmp_path))
    vids = {v['video_name']: v for v in (ds[i] for i in range(len(ds)))}
    assert sorted(vids) == ['Human4-2', 'Jogging-1', 'Jogging-2', 'Late',
                            'Plain']
    late = vids['Late']
    assert late['frame_ids'] == [3, 4, 5]
    assert [os.path.basename(p) for p in late['frame_paths']] == [
        '0003.jpg', '0004.jpg', '0005.jpg'
    ]
    # 1-based MATLAB -> 0-based
    np.testing.assert_array_equal(late['gt_bboxes'][0], [10, 20, 5, 6])
    np.testing.assert_array_equal(vids['Jogging-2']['gt_bboxes'][:, 0],
                                  [4, 5])
    np.testing.assert_array_equal(vids['Human4-2']['gt_bboxes'][0],
                                  [6, 6, 4, 4])
    assert vids['Plain']['valid'].tolist() == [True, False]
    # the real table
    assert sot.OTB_FRAME_RANGES['David'] == (300, 770)
    assert sot.OTB_FRAME_RANGES['Tiger1'][0] == 6
    assert sot.OTB_FRAME_RANGES['BlurCar1'][0] == 247


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
