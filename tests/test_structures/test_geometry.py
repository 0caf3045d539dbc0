"""Geometry records and the source <-> view coordinate mappings."""
import numpy as np
import pytest
import torch

from mmvssl.datasets.transforms import (ClipFlip, ClipRandomResizedCrop,
                                        ClipResize, ClipRotation)
from mmvssl.structures import (GEOMETRY_KEYS, new_geometry, rotate_points,
                               source_to_view_boxes, source_to_view_points,
                               unrotate_points, validate_geometry,
                               view_to_source_boxes, view_to_source_points)


def _geometry(
        crop_box=(10., 20., 110., 70.), img_shape=(40, 64), flip=False,
        rotation=0):
    g = new_geometry('v', (100, 160), 50, 25.0, np.arange(4) * 2, 2)
    g.update(
        crop_box=np.asarray(crop_box, np.float64),
        img_shape=img_shape,
        flip=flip,
        rotation=rotation)
    return g


def test_new_geometry_record():
    g = new_geometry(
        'clip0', (120, 160),
        300,
        30.0, [3, 5, 7],
        2,
        playback_label=1,
        levels=dict(blur=2))
    assert set(GEOMETRY_KEYS) <= set(g)
    assert g['frame_inds'].dtype == np.int64
    np.testing.assert_allclose(g['timestamps'], np.array([3, 5, 7]) / 30.0)
    np.testing.assert_array_equal(g['crop_box'], [0, 0, 160, 120])
    assert g['img_shape'] == (120, 160) and g['src_shape'] == (120, 160)
    assert g['flip'] is False and g['rotation'] == 0
    # a sampler's levels are a request; `levels` records what was applied
    assert g['requested_levels'] == dict(blur=2) and g['levels'] == {}
    assert g['playback_label'] == 1
    validate_geometry(g, (3, 120, 160, 3))
    with pytest.raises(ValueError, match='3 frames.*2 frame_inds|2 frame'):
        validate_geometry(g, (2, 120, 160, 3))
    with pytest.raises(ValueError, match='clip0'):
        validate_geometry(g, (3, 60, 80, 3))
    with pytest.raises(ValueError, match='fps'):
        new_geometry('x', (4, 4), 1, 0.0, [0])


@pytest.mark.parametrize('flip', [False, True])
@pytest.mark.parametrize('rotation', [0, 1, 2, 3])
def test_points_and_boxes_round_trip(flip, rotation):
    g = _geometry(flip=flip, rotation=rotation)
    rng = np.random.RandomState(0)
    pts = rng.uniform([10, 20], [110, 70], size=(5, 7, 2))
    for rot in (False, True):
        view = source_to_view_points(pts, g, apply_rotation=rot)
        np.testing.assert_allclose(
            view_to_source_points(view, g, apply_rotation=rot), pts)
        # torch gives the same numbers
        tview = source_to_view_points(torch.from_numpy(pts), g, rot)
        assert isinstance(tview, torch.Tensor)
        np.testing.assert_allclose(tview.numpy(), view)
    # the crop box maps onto the whole (unrotated) view
    np.testing.assert_allclose(
        source_to_view_boxes(g['crop_box'], g), [0, 0, 64, 40])
    boxes = np.array([[15., 25., 40., 60.], [50., 21., 109., 30.]])
    vb = source_to_view_boxes(boxes, g, apply_rotation=True)
    assert (vb[:, 2] > vb[:, 0]).all() and (vb[:, 3] > vb[:, 1]).all()
    np.testing.assert_allclose(
        view_to_source_boxes(vb, g, apply_rotation=True), boxes)
    tb = view_to_source_boxes(torch.tensor(vb, dtype=torch.float32), g, True)
    np.testing.assert_allclose(tb.numpy(), boxes, rtol=1e-5, atol=1e-4)


def test_formula_of_the_contract():
    g = _geometry(flip=True)
    x, y = 35.0, 45.0
    u = (x - 10) * 64 / 100
    v = (y - 20) * 40 / 50
    np.testing.assert_allclose(source_to_view_points([x, y], g), [64 - u, v])


@pytest.mark.parametrize('k', [1, 2, 3])
def test_rotation_matches_np_rot90(k):
    h, w = 5, 8
    img = np.arange(h * w).reshape(h, w)
    rot = np.rot90(img, k)
    g = _geometry(img_shape=(h, w), rotation=k)
    ys, xs = np.mgrid[0:h, 0:w]
    centres = np.stack([xs + 0.5, ys + 0.5], -1).reshape(-1, 2)
    moved = rotate_points(centres, g)
    cols, rows = np.floor(moved).astype(int).T
    np.testing.assert_array_equal(rot[rows, cols], img.reshape(-1))
    np.testing.assert_allclose(unrotate_points(moved, g), centres)


def _coordinate_clip(h=160, w=200, t=3):
    """Frames whose R channel is the column and G the row (both < 256)."""
    ys, xs = np.mgrid[0:h, 0:w]
    frame = np.stack([xs, ys, np.zeros_like(xs)], -1).astype(np.uint8)
    return np.repeat(frame[None], t, 0)


def _view_pixel_sources(geometry):
    h, w = geometry['img_shape']
    vs, us = np.mgrid[0:h, 0:w]
    centres = np.stack([us + 0.5, vs + 0.5], -1)
    return view_to_source_points(centres, geometry)


@pytest.mark.parametrize('seed', range(4))
def test_crop_resize_flip_maps_back_to_source_pixels_exactly(seed):
    np.random.seed(seed)
    src = _coordinate_clip()
    results = dict(imgs=src.copy())
    for t in (ClipRandomResizedCrop(
            scale=(48, 40), area_range=(0.1, 0.5),
            interpolation='nearest'), ClipFlip(flip_ratio=1.0)):
        results = t(results)
    g = results['geometry']
    assert g['flip'] and g['img_shape'] == (40, 48)
    imgs = results['imgs']
    assert imgs.shape == (3, 40, 48, 3)
    src_xy = np.floor(_view_pixel_sources(g)).astype(int)
    # every view pixel shows exactly the source pixel the record says
    np.testing.assert_array_equal(imgs[0, ..., 0], src_xy[..., 0])
    np.testing.assert_array_equal(imgs[0, ..., 1], src_xy[..., 1])
    assert (imgs == imgs[:1]).all()  # same crop for every frame


def test_composed_resize_crop_and_bilinear_mapping():
    np.random.seed(3)
    src = _coordinate_clip()
    results = dict(imgs=src.copy())
    for t in (ClipResize(scale=0.5),
              ClipRandomResizedCrop(scale=(64, 64), area_range=(0.3, 0.6)),
              ClipFlip(flip_ratio=1.0)):
        results = t(results)
    g = results['geometry']
    # bilinear interpolation of a linear ramp: the value is the continuous
    # source coordinate minus half a pixel (cv2's pixel-centre convention)
    expect = _view_pixel_sources(g) - 0.5
    got = results['imgs'][0, ..., :2].astype(float)
    inner = (slice(2, -2), slice(2, -2))  # borders clamp
    assert np.abs(got[inner] - expect[inner]).max() <= 1.01


def test_rotation_is_recorded_and_last():
    np.random.seed(0)
    results = dict(imgs=_coordinate_clip(40, 60))
    results = ClipRotation(rotations=[1])(results)
    g = results['geometry']
    assert g['rotation'] == 1 and results['imgs'].shape[1:3] == (60, 40)
    validate_geometry(g, results['imgs'].shape)
    # output pixels map back through the rotation
    h, w = results['imgs'].shape[1:3]
    vs, us = np.mgrid[0:h, 0:w]
    src = view_to_source_points(np.stack([us + .5, vs + .5], -1), g, True)
    np.testing.assert_array_equal(results['imgs'][0, ..., 0],
                                  np.floor(src[..., 0]).astype(int))
    with pytest.raises(ValueError, match='rotation must be the last'):
        ClipFlip(flip_ratio=1.0)(results)
