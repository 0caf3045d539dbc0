"""Region sources: random, SLIC, Felzenszwalb and detector boxes."""
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest

import mmvssl  # noqa: F401

pytest.importorskip('mmcv')
from mmvssl.datasets.transforms.regions import (  # noqa: E402
    DetectorRegionBoxes, FelzenszwalbRegionBoxes, RandomRegionBoxes,
    SLICRegionBoxes, load_region_box_file, segment_boxes, select_frames)
from mmvssl.registry import TRANSFORMS  # noqa: E402
from mmvssl.structures import new_geometry  # noqa: E402

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def build_transform(cfg):
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmvssl'):
        return TRANSFORMS.build(cfg)


def load_tool():
    spec = importlib.util.spec_from_file_location(
        'detect_boxes', osp.join(ROOT, 'tools', 'data', 'detect_boxes.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def blocks_clip(T=4, h=60, w=80, seed=0):
    """A clip of coloured rectangles (clear segments) plus mild noise."""
    rng = np.random.RandomState(seed)
    img = np.zeros((h, w, 3), np.uint8)
    for y in range(0, h, 20):
        for x in range(0, w, 20):
            img[y:y + 20, x:x + 20] = rng.randint(0, 255, 3)
    img = np.clip(img + rng.randint(0, 8, img.shape), 0, 255).astype(
        np.uint8)
    return np.repeat(img[None], T, axis=0)


def make_results(imgs, **geom):
    T, h, w = imgs.shape[:3]
    g = new_geometry('v0', (h, w), total_frames=100, fps=25.,
                     frame_inds=np.arange(10, 10 + T))
    g.update(geom)
    return dict(imgs=imgs, geometry=g, filename='/data/vids/a/b.mp4')


# ------------------------------------------------------------------ random
def test_random_boxes_respect_constraints():
    np.random.seed(0)
    imgs = np.zeros((8, 90, 160, 3), np.uint8)
    res = build_transform(dict(type='RandomRegionBoxes'))(
        make_results(imgs))
    boxes, valid = res['geometry']['boxes'], res['geometry']['box_valid']
    assert boxes.shape == (8, 16, 4) and boxes.dtype == np.float32
    assert valid.shape == (8, 16) and valid.dtype == bool and valid.all()
    bw, bh = boxes[..., 2] - boxes[..., 0], boxes[..., 3] - boxes[..., 1]
    assert (boxes[..., 0] >= 0).all() and (boxes[..., 2] <= 160).all()
    assert (boxes[..., 1] >= 0).all() and (boxes[..., 3] <= 90).all()
    aspect = bh / bw
    assert aspect.min() >= 0.5 - 1e-4 and aspect.max() <= 2 + 1e-4
    size = np.sqrt(bw * bh / (160 * 90))
    assert size.min() >= 0.1 - 1e-4 and size.max() <= 0.5 + 1e-4
    # frames drawn independently
    assert not np.allclose(boxes[0], boxes[1])


def test_random_draws_are_independent():
    """The official code shares one seed between its draws (correlated);
    ours are independent: size, aspect and position uncorrelated."""
    np.random.seed(1)
    t = RandomRegionBoxes(num_boxes=64)
    res = t(make_results(np.zeros((32, 100, 100, 3), np.uint8)))
    b = res['geometry']['boxes'].reshape(-1, 4).astype(np.float64)
    bw, bh = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    size, log_aspect = np.sqrt(bw * bh), np.log(bh / bw)
    # position as the fraction of the free range used
    ux = b[:, 0] / np.maximum(100 - bw, 1e-6)
    uy = b[:, 1] / np.maximum(100 - bh, 1e-6)
    draws = np.stack([size, log_aspect, ux, uy])
    corr = np.corrcoef(draws)
    off = corr[~np.eye(4, dtype=bool)]
    assert np.abs(off).max() < 0.1, corr  # 2048 samples: |r| ~ 0.02


def test_random_boxes_reproducible_and_frames():
    imgs = np.zeros((16, 32, 32, 3), np.uint8)
    np.random.seed(3)
    a = RandomRegionBoxes()(make_results(imgs))['geometry']['boxes']
    np.random.seed(3)
    b = RandomRegionBoxes()(make_results(imgs))['geometry']['boxes']
    np.testing.assert_array_equal(a, b)
    res = RandomRegionBoxes(frames='center')(make_results(imgs))
    assert res['geometry']['box_valid'].any(1).nonzero()[0].tolist() == [8]
    res = RandomRegionBoxes(frames=4)(make_results(imgs))
    assert res['geometry']['box_valid'].any(1).nonzero()[0].tolist() == \
        [0, 4, 8, 12]
    assert select_frames([1, -1], 16).tolist() == [1, 15]
    with pytest.raises(ValueError, match='frames'):
        select_frames('middle', 16)


def test_random_boxes_use_unrotated_frame():
    imgs = np.zeros((2, 40, 30, 3), np.uint8)  # rotated once: (h, w) = 30x40
    res = RandomRegionBoxes()(make_results(imgs, img_shape=(30, 40),
                                           rotation=1))
    b = res['geometry']['boxes']
    assert b[..., 2].max() <= 40 and b[..., 3].max() <= 30


def test_wrong_place_in_pipeline_raises():
    imgs = np.zeros((2, 40, 30, 3), np.uint8)
    with pytest.raises(ValueError, match='img_shape'):
        RandomRegionBoxes()(make_results(imgs, img_shape=(20, 20)))


# ------------------------------------------------------------------- SLIC
def test_slic_boxes_are_segment_bounding_boxes():
    from skimage.segmentation import slic
    imgs = blocks_clip()
    res = SLICRegionBoxes(frames='center')(make_results(imgs))
    boxes, valid = res['geometry']['boxes'], res['geometry']['box_valid']
    assert boxes.shape == (4, 16, 4)
    assert valid[2].sum() >= 8 and not valid[[0, 1, 3]].any()
    labels = slic(imgs[2], n_segments=16, compactness=10., sigma=1.,
                  start_label=0, channel_axis=-1)
    expected = {tuple(b) for b in segment_boxes(labels)}
    got = {tuple(b) for b in boxes[2][valid[2]]}
    assert got <= expected and len(got) == min(16, len(expected))
    b = boxes[2][valid[2]]
    assert (b[:, 0] >= 0).all() and (b[:, 2] <= 80).all()
    assert (b[:, 3] <= 60).all() and (b[:, 2] > b[:, 0]).all()


def test_segment_boxes_exclusive_ends():
    labels = np.array([[0, 0, 1], [0, 0, 1], [2, 2, 2]])
    np.testing.assert_array_equal(
        segment_boxes(labels), [[0, 0, 2, 2], [2, 0, 3, 2], [0, 2, 3, 3]])


# ------------------------------------------------------------- Felzenszwalb
def test_felzenszwalb_constraints_and_padding():
    rng = np.random.RandomState(0)
    img = np.zeros((100, 100, 3), np.uint8)
    img[:] = (30, 30, 30)
    img[10:40, 10:50] = (250, 20, 20)  # 0.4 x 0.3 -> kept
    img[50:95, 55:95] = (20, 250, 20)  # 0.4 x 0.45 -> kept
    img[0:2, 0:2] = (20, 20, 250)  # tiny (merged or filtered)
    img = np.clip(img + rng.randint(0, 5, img.shape), 0, 255).astype(
        np.uint8)
    imgs = np.repeat(img[None], 2, 0)
    t = build_transform(
        dict(type='FelzenszwalbRegionBoxes', scales=(500, 1000),
             frames='all'))
    res = t(make_results(imgs))
    boxes, valid = res['geometry']['boxes'], res['geometry']['box_valid']
    assert boxes.shape == (2, 16, 4)
    assert 1 <= valid[0].sum() < 16  # padded
    assert not boxes[~valid].any()
    kept = boxes[valid]
    bw = (kept[:, 2] - kept[:, 0]) / 100
    bh = (kept[:, 3] - kept[:, 1]) / 100
    assert ((bw >= 0.05) & (bw <= 0.7) & (bh >= 0.05) & (bh <= 0.7)).all()
    rows = {tuple(b) for b in kept.tolist()}
    assert (10, 10, 50, 40) in rows and (55, 50, 95, 95) in rows
    # the background segment (the full image) is filtered out
    assert (0, 0, 100, 100) not in rows


def test_felzenszwalb_random_subset_when_too_many():
    np.random.seed(0)
    imgs = blocks_clip(T=1, h=120, w=120)
    res = FelzenszwalbRegionBoxes(num_boxes=4, scales=(50, ),
                                  frames='all')(make_results(imgs))
    assert res['geometry']['box_valid'][0].sum() == 4


# --------------------------------------------------------------- detector
def geometry_crop_flip(T=3):
    """Source 100x200 (h, w); crop x 50..150, y 20..70 -> resize 25x50
    (scale 0.5) -> flip."""
    imgs = np.zeros((T, 25, 50, 3), np.uint8)
    return make_results(
        imgs, src_shape=(100, 200), crop_box=np.array([50., 20., 150., 70.]),
        img_shape=(25, 50), flip=True)


def box_table():
    return {
        'a/b.mp4': {
            10: [[60, 30, 100, 50, 0.9], [0, 0, 40, 10, 0.99],
                 [140, 60, 190, 90, 0.5]],
            12: [[50, 20, 150, 70, 0.8]],
        },
        'other.mp4': {0: []},
    }


@pytest.mark.parametrize('ext', ['.pkl', '.json'])
def test_detector_boxes_mapped_with_geometry(tmp_path, ext):
    tool = load_tool()
    path = str(tmp_path / f'boxes{ext}')
    tool.write_box_file(
        {k: dict(boxes=v) for k, v in box_table().items()}, path)
    t = build_transform(
        dict(type='DetectorRegionBoxes', box_file=path,
             data_prefix='/data/vids', num_boxes=2))
    res = t(geometry_crop_flip())
    boxes, valid = res['geometry']['boxes'], res['geometry']['box_valid']
    assert boxes.shape == (3, 2, 4)
    # frame 10: box (60,30,100,50) -> crop (10,10,50,30) -> x0.5 (5,5,25,15)
    # -> flip (w=50): (25,5,45,15); box (0,0,40,10) lies outside the crop;
    # box (140,60,190,90) -> (90,40,140,70)*.5 = (45,20,70,35) -> clip
    # (45,20,50,25) -> flip (0,20,5,25); sorted by score
    np.testing.assert_allclose(boxes[0], [[25, 5, 45, 15], [0, 20, 5, 25]])
    assert valid[0].all()
    assert not valid[1].any()  # frame 11: no detections (gap 0)
    np.testing.assert_allclose(boxes[2, 0], [0, 0, 50, 25])  # full crop
    assert valid[2].tolist() == [True, False]


def test_detector_nearest_frame_gap_and_score(tmp_path):
    path = str(tmp_path / 'b.pkl')
    load_tool().write_box_file(box_table(), path)  # plain format
    t = DetectorRegionBoxes(path, data_prefix='/data/vids', max_frame_gap=1,
                            score_thr=0.85, num_boxes=4)
    res = t(geometry_crop_flip())
    valid = res['geometry']['box_valid']
    # frame 10: only the 0.9 box passes the threshold inside the crop;
    # frame 11 borrows frame 10 (or 12: tie -> the earlier); 12: 0.8 < 0.85
    assert valid.sum(1).tolist() == [1, 1, 0]


def test_detector_frame_shape_rescaling(tmp_path):
    path = str(tmp_path / 'b.json')
    # the detector saw 50x100 frames: boxes are half the source pixels
    table = {'a/b.mp4': dict(frame_shape=[50, 100],
                             boxes={'10': [[30, 15, 50, 25, 0.9]]})}
    with open(path, 'w') as f:
        json.dump(table, f)
    res = DetectorRegionBoxes(path, data_prefix='/data/vids')(
        geometry_crop_flip())
    np.testing.assert_allclose(res['geometry']['boxes'][0, 0],
                               [25, 5, 45, 15])


def test_detector_missing_video(tmp_path):
    path = str(tmp_path / 'b.pkl')
    load_tool().write_box_file(box_table(), path)
    results = geometry_crop_flip()
    results['filename'] = '/data/vids/zzz.mp4'
    with pytest.raises(KeyError, match='zzz.mp4'):
        DetectorRegionBoxes(path, data_prefix='/data/vids')(results)
    res = DetectorRegionBoxes(path, data_prefix='/data/vids',
                              allow_missing=True)(results)
    assert not res['geometry']['box_valid'].any()
    assert set(load_region_box_file(path)) == {'a/b.mp4', 'other.mp4'}


def tiny_detector_cfg():
    return dict(
        model=dict(
            type='RetinaNet',
            data_preprocessor=dict(
                type='DetDataPreprocessor', mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375], bgr_to_rgb=True,
                pad_size_divisor=32),
            backbone=dict(type='ResNet', depth=18, base_channels=8,
                          out_indices=(1, 2, 3), style='pytorch'),
            neck=dict(type='FPN', in_channels=[16, 32, 64], out_channels=16,
                      start_level=0, add_extra_convs='on_input', num_outs=3),
            bbox_head=dict(
                type='RetinaHead', num_classes=2, in_channels=16,
                stacked_convs=1, feat_channels=16,
                anchor_generator=dict(
                    type='AnchorGenerator', octave_base_scale=4,
                    scales_per_octave=1, ratios=[1.0], strides=[8, 16, 32]),
                bbox_coder=dict(type='DeltaXYWHBBoxCoder',
                                target_means=[.0] * 4, target_stds=[1.] * 4),
                loss_cls=dict(type='FocalLoss', use_sigmoid=True),
                loss_bbox=dict(type='L1Loss')),
            test_cfg=dict(nms_pre=100, min_bbox_size=0, score_thr=0.0,
                          nms=dict(type='nms', iou_threshold=0.5),
                          max_per_img=10)),
        test_dataloader=dict(dataset=dict(
            type='CocoDataset', metainfo=dict(classes=('a', 'b')),
            pipeline=[
                dict(type='LoadImageFromNDArray'),
                dict(type='Resize', scale=(64, 64), keep_ratio=True),
                dict(type='PackDetInputs',
                     meta_keys=('img_id', 'img_path', 'ori_shape',
                                'img_shape', 'scale_factor'))
            ])))


def test_detect_boxes_tool_end_to_end(tmp_path):
    """tools/data/detect_boxes.py with a tiny random mmdet detector on a
    synthetic video, then read back by DetectorRegionBoxes."""
    pytest.importorskip('mmdet')
    pytest.importorskip('mmcv.ops')
    pytest.importorskip('decord')
    from mmengine.registry import DefaultScope

    # mmdet's register_all_modules / init_detector set the default scope:
    # keep that inside this test
    with DefaultScope.overwrite_default_scope('mmdet'):
        _run_detect_boxes_tool(tmp_path)


def _run_detect_boxes_tool(tmp_path):
    import cv2
    import torch
    from mmdet.apis import init_detector
    from mmdet.utils import register_all_modules
    from mmengine.config import Config
    register_all_modules()
    # a 6-frame 48x64 video
    vid_dir = tmp_path / 'videos' / 'cls'
    vid_dir.mkdir(parents=True)
    writer = cv2.VideoWriter(str(vid_dir / 'v.mp4'),
                             cv2.VideoWriter_fourcc(*'mp4v'), 25, (64, 48))
    for frame in blocks_clip(T=6, h=48, w=64):
        writer.write(frame)
    writer.release()
    cfg = Config(tiny_detector_cfg())
    cfg_file = str(tmp_path / 'det.py')
    cfg.dump(cfg_file)
    model = init_detector(cfg, None, device='cpu')
    ckpt = str(tmp_path / 'det.pth')
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(dataset_meta=dict(classes=('a', 'b')))), ckpt)
    out = str(tmp_path / 'boxes.pkl')
    tool = load_tool()
    tool.main([cfg_file, ckpt, '--videos', 'cls/v.mp4', '--data-prefix',
               str(tmp_path / 'videos'), '--out', out, '--frame-interval',
               '2', '--score-thr', '0', '--max-boxes', '5', '--device',
               'cpu'])
    table = load_region_box_file(out, use_cache=False)
    entry = table['cls/v.mp4']
    assert entry['frame_shape'] == (48, 64)
    assert entry['frames'].tolist() == [0, 2, 4]
    for rows in entry['boxes'].values():
        assert rows.shape[1] == 5 and 0 < len(rows) <= 5
        assert (np.diff(rows[:, 4]) <= 0).all()  # best first
    g = new_geometry('v', (48, 64), total_frames=6, fps=25.,
                     frame_inds=np.arange(6))
    res = DetectorRegionBoxes(out, data_prefix=str(tmp_path / 'videos'),
                              max_frame_gap=1)(
        dict(imgs=np.zeros((6, 48, 64, 3), np.uint8), geometry=g,
             filename=str(vid_dir / 'v.mp4')))
    assert res['geometry']['box_valid'].any(1).all()
