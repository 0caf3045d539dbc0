"""Geometry records of views and the source <-> view coordinate mappings.

A *geometry record* (one ``dict`` per view, see ``docs/data_contract.md``)
says where every pixel of a view came from. Spatial operations compose in a
fixed order: crop ``crop_box`` from the source frame -> resize to
``img_shape`` -> horizontal flip (``flip``) -> rotation by ``rotation * 90``
degrees counter-clockwise (``np.rot90`` convention).

Coordinates are continuous pixel coordinates: pixel ``(row i, col j)`` covers
``[j, j + 1) x [i, i + 1)`` and its centre is ``(j + 0.5, i + 0.5)``. A source
point ``(x, y)`` maps into view pixels (before rotation) as::

    u = (x - x1) * w / (x2 - x1)
    v = (y - y1) * h / (y2 - y1)
    u = w - u            # if flip

This module is the only place that implements these formulas; every function
accepts numpy arrays or torch tensors (any leading batch shape, last dimension
2 for points and 4 for ``xyxy`` boxes) and returns the same type.
"""
import copy
import math
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

try:  # torch is a hard dependency of mmvssl, but keep this module light
    import torch
except ImportError:  # pragma: no cover
    torch = None

__all__ = [
    'GEOMETRY_KEYS', 'new_geometry', 'validate_geometry', 'crop_geometry',
    'resize_geometry', 'flip_geometry', 'rotate_geometry',
    'source_to_view_points', 'view_to_source_points', 'source_to_view_boxes',
    'view_to_source_boxes', 'rotate_points', 'unrotate_points', 'view_shape',
    'frame_span', 'copy_geometry', 'temporal_overlap_rate',
    'spatial_overlap_rate', 'box_overlap_rate', 'nearest_candidate',
    'temporal_shift', 'spatial_tolerance', 'spatial_displacements',
    'round_half_up'
]

#: keys every geometry record has (``boxes`` / ``box_valid`` are optional).
GEOMETRY_KEYS = ('name', 'src_shape', 'total_frames', 'fps', 'frame_inds',
                 'timestamps', 'playback_rate', 'crop_box', 'flip',
                 'img_shape', 'rotation', 'levels')


# ----------------------------------------------------------------- records
def new_geometry(name: str,
                 src_shape: Sequence[int],
                 total_frames: int,
                 fps: float,
                 frame_inds: Sequence[int],
                 playback_rate: int = 1,
                 **extra: Any) -> Dict[str, Any]:
    """Create the geometry record of a view cut from untouched source frames.

    Args:
        name (str): view name.
        src_shape (tuple[int, int]): ``(H, W)`` of the decoded source frames.
        total_frames (int): number of frames in the source video.
        fps (float): source frame rate.
        frame_inds (array-like): source frame index of every view frame.
        playback_rate (int): source frames between consecutive view frames.
        **extra: further keys, e.g. a sampler's own labels
            (``playback_label``); kept as given, except ``levels`` /
            ``requested_levels`` (intensity levels requested by a sampler
            or the dataset), stored as ``requested_levels``: ``levels``
            records only what the transforms applied.

    Returns:
        dict: the record, with the full frame as ``crop_box``, no flip, no
        rotation, ``img_shape == src_shape`` and no levels applied.
    """
    h, w = int(src_shape[0]), int(src_shape[1])
    fps = float(fps)
    if not fps > 0:
        raise ValueError(f'fps must be positive, got {fps!r}')
    frame_inds = np.asarray(frame_inds, dtype=np.int64).reshape(-1)
    record = dict(
        name=str(name),
        src_shape=(h, w),
        total_frames=int(total_frames),
        fps=fps,
        frame_inds=frame_inds,
        timestamps=frame_inds.astype(np.float64) / fps,
        playback_rate=int(playback_rate),
        crop_box=np.array([0., 0., w, h], dtype=np.float64),
        flip=False,
        img_shape=(h, w),
        rotation=0,
        levels={})
    requested = dict(extra.pop('levels', None) or {})
    requested.update(extra.pop('requested_levels', None) or {})
    if requested:
        record['requested_levels'] = {
            str(k): int(v)
            for k, v in requested.items()
        }
    record.update(extra)
    return record


def validate_geometry(geometry: Dict[str, Any],
                      imgs_shape: Optional[Sequence[int]] = None) -> None:
    """Check a record against the contract; raise ``ValueError`` naming the
    offending key (and the view) otherwise.

    Args:
        geometry (dict): the record.
        imgs_shape (tuple, optional): shape ``(T, H', W', C)`` of the view's
            final images; ``(H', W')`` must equal ``img_shape`` rotated.
    """
    name = geometry.get('name', '?')
    missing = [k for k in GEOMETRY_KEYS if k not in geometry]
    if missing:
        raise ValueError(f'geometry of view {name!r} lacks keys {missing}')
    box = np.asarray(geometry['crop_box'])
    if box.shape != (4, ) or not (box[2] > box[0] and box[3] > box[1]):
        raise ValueError(f'geometry of view {name!r}: bad crop_box {box}')
    if geometry['rotation'] not in (0, 1, 2, 3):
        raise ValueError(f'geometry of view {name!r}: rotation must be in '
                         f'0..3, got {geometry["rotation"]!r}')
    num = len(geometry['frame_inds'])
    if len(geometry['timestamps']) != num:
        raise ValueError(f'geometry of view {name!r}: {num} frame_inds but '
                         f'{len(geometry["timestamps"])} timestamps')
    if imgs_shape is not None:
        t, hh, ww = imgs_shape[:3]
        if t != num:
            raise ValueError(
                f'view {name!r} has {t} frames but its geometry records '
                f'{num} frame_inds; a transform changed the frames without '
                'updating the geometry record')
        expect = view_shape(geometry)
        if (hh, ww) != tuple(expect):
            raise ValueError(
                f'view {name!r} images are {hh}x{ww} but its geometry says '
                f'{expect[0]}x{expect[1]} (img_shape {geometry["img_shape"]},'
                f' rotation {geometry["rotation"]}); a spatial transform that '
                'does not record geometry (e.g. an mmaction2 Resize/Crop) was '
                'used; use the mmvssl Clip* transforms in view pipelines')


def view_shape(geometry: Dict[str, Any]) -> Tuple[int, int]:
    """``(H, W)`` of the view's images after rotation."""
    h, w = geometry['img_shape']
    return (w, h) if geometry['rotation'] % 2 else (h, w)


def frame_span(geometry: Dict[str, Any]) -> Tuple[int, int]:
    """``(first, last + 1)`` source frames covered by the view (frames in
    between that the playback stride skips count as covered)."""
    inds = np.asarray(geometry['frame_inds'])
    return int(inds.min()), int(inds.max()) + 1


def _check_unrotated(geometry, what):
    if geometry.get('rotation', 0):
        raise ValueError(
            f'{what} after the rotation of view {geometry.get("name")!r}: '
            'rotation must be the last spatial transform of a view')


def crop_geometry(geometry: Dict[str, Any], box: Sequence[float]) -> None:
    """Record a crop ``box = [x1, y1, x2, y2]`` taken in the view's *current*
    pixel coordinates (in place). The crop keeps the current flip state and
    the new ``img_shape`` is the box size (rounded)."""
    _check_unrotated(geometry, 'crop')
    box = np.asarray(box, dtype=np.float64)
    src_box = view_to_source_boxes(box, geometry)
    geometry['crop_box'] = np.asarray(src_box, dtype=np.float64)
    geometry['img_shape'] = (int(round(box[3] - box[1])),
                             int(round(box[2] - box[0])))


def resize_geometry(geometry: Dict[str, Any],
                    img_shape: Sequence[int]) -> None:
    """Record a resize of the view to ``img_shape = (h, w)`` (in place)."""
    _check_unrotated(geometry, 'resize')
    geometry['img_shape'] = (int(img_shape[0]), int(img_shape[1]))


def flip_geometry(geometry: Dict[str, Any]) -> None:
    """Record a horizontal flip of the view (in place)."""
    _check_unrotated(geometry, 'flip')
    geometry['flip'] = not geometry['flip']


def rotate_geometry(geometry: Dict[str, Any], k: int) -> None:
    """Record a rotation by ``k * 90`` degrees counter-clockwise."""
    geometry['rotation'] = (int(geometry.get('rotation', 0)) + int(k)) % 4


# ----------------------------------------------------------------- mappings
def _is_torch(x):
    return torch is not None and isinstance(x, torch.Tensor)


def _as_float(x):
    if _is_torch(x):
        return x if x.is_floating_point() else x.double()
    return np.asarray(x, dtype=np.float64)


def _stack(parts, like):
    if _is_torch(like):
        return torch.stack(parts, dim=-1)
    return np.stack(parts, axis=-1)


def _affine(geometry):
    """Per-axis scale and offset of source -> view (before flip)."""
    x1, y1, x2, y2 = [float(v) for v in geometry['crop_box']]
    h, w = geometry['img_shape']
    sx, sy = w / (x2 - x1), h / (y2 - y1)
    return x1, y1, sx, sy, float(w)


def source_to_view_points(points,
                          geometry: Dict[str, Any],
                          apply_rotation: bool = False):
    """Map source pixel coordinates ``(..., 2)`` (x, y) into view pixels.

    Args:
        points (np.ndarray | torch.Tensor): ``(..., 2)`` source points.
        geometry (dict): the view's record.
        apply_rotation (bool): also apply the view's rotation (coordinates in
            the rotated output). Defaults to False (before rotation, the
            frame the contract's ``boxes`` use).
    """
    p = _as_float(points)
    x1, y1, sx, sy, w = _affine(geometry)
    u = (p[..., 0] - x1) * sx
    v = (p[..., 1] - y1) * sy
    if geometry['flip']:
        u = w - u
    out = _stack([u, v], p)
    if apply_rotation:
        out = rotate_points(out, geometry)
    return out


def view_to_source_points(points,
                          geometry: Dict[str, Any],
                          apply_rotation: bool = False):
    """Inverse of :func:`source_to_view_points`."""
    p = _as_float(points)
    if apply_rotation:
        p = unrotate_points(p, geometry)
    x1, y1, sx, sy, w = _affine(geometry)
    u, v = p[..., 0], p[..., 1]
    if geometry['flip']:
        u = w - u
    return _stack([u / sx + x1, v / sy + y1], p)


def rotate_points(points, geometry: Dict[str, Any]):
    """Apply the record's rotation (``k`` quarter turns CCW, ``np.rot90``) to
    view points ``(..., 2)`` given in the unrotated ``img_shape`` frame."""
    p = _as_float(points)
    h, w = geometry['img_shape']
    x, y = p[..., 0], p[..., 1]
    for _ in range(int(geometry.get('rotation', 0)) % 4):
        # a CCW quarter turn of a (h, w) image: (x, y) -> (y, w - x)
        x, y = y, w - x
        h, w = w, h
    return _stack([x, y], p)


def unrotate_points(points, geometry: Dict[str, Any]):
    """Inverse of :func:`rotate_points`."""
    p = _as_float(points)
    k = int(geometry.get('rotation', 0)) % 4
    h, w = geometry['img_shape']
    x, y = p[..., 0], p[..., 1]
    # the shape before each undone turn alternates: (h, w) then (w, h)
    for i in range(k):
        cur_w = w if (k - 1 - i) % 2 == 0 else h  # width before this turn
        # forward turn: (x, y) -> (y, W - x) with W the width before it
        x, y = cur_w - y, x
    return _stack([x, y], p)


def _boxes_via_points(boxes, geometry, fn, apply_rotation):
    b = _as_float(boxes)
    c1 = fn(_stack([b[..., 0], b[..., 1]], b), geometry, apply_rotation)
    c2 = fn(_stack([b[..., 2], b[..., 3]], b), geometry, apply_rotation)
    xs = _stack([c1[..., 0], c2[..., 0]], b)
    ys = _stack([c1[..., 1], c2[..., 1]], b)
    if _is_torch(b):
        return torch.stack(
            [xs.amin(-1), ys.amin(-1),
             xs.amax(-1), ys.amax(-1)], dim=-1)
    return np.stack([xs.min(-1), ys.min(-1), xs.max(-1), ys.max(-1)], -1)


def source_to_view_boxes(boxes,
                         geometry: Dict[str, Any],
                         apply_rotation: bool = False):
    """Map ``xyxy`` source boxes ``(..., 4)`` into view pixels (the flip and
    the rotation swap corners; the result is again ``x1 < x2, y1 < y2``).
    Boxes are not clipped to the view."""
    return _boxes_via_points(boxes, geometry, source_to_view_points,
                             apply_rotation)


def view_to_source_boxes(boxes,
                         geometry: Dict[str, Any],
                         apply_rotation: bool = False):
    """Map ``xyxy`` view boxes ``(..., 4)`` back into source pixels."""
    return _boxes_via_points(boxes, geometry, view_to_source_points,
                             apply_rotation)


def copy_geometry(geometry: Dict[str, Any]) -> Dict[str, Any]:
    """A deep copy of a record (numpy arrays included)."""
    return copy.deepcopy(geometry)


# --------------------------------------------------- overlap of two views
def temporal_overlap_rate(g1: Dict[str, Any], g2: Dict[str, Any]) -> float:
    """Overlap duration / clip duration of two views, from their records.

    A clip of ``L`` frames at stride ``r`` (``playback_rate``) shows the
    source time ``[frame_inds[0], frame_inds[-1] + r)`` (each frame stands
    for ``r`` source frames), i.e. ``L * r`` frames; the rate is the length
    of the intersection of the two intervals over the length of clip 1's.
    Frame indices are the resolved ones, so a looped (wrapped) clip does not
    give a meaningful rate.
    """
    i1 = np.asarray(g1['frame_inds'], np.int64)
    i2 = np.asarray(g2['frame_inds'], np.int64)
    a1, b1 = int(i1.min()), int(i1.max()) + int(g1['playback_rate'])
    a2, b2 = int(i2.min()), int(i2.max()) + int(g2['playback_rate'])
    inter = max(0, min(b1, b2) - max(a1, a2))
    return inter / float(b1 - a1)


def box_overlap_rate(box1: Sequence[float], box2: Sequence[float]) -> float:
    """Intersection area of two ``xyxy`` boxes / area of ``box1``."""
    x1, y1, x2, y2 = (float(v) for v in box1)
    u1, v1, u2, v2 = (float(v) for v in box2)
    iw = max(0., min(x2, u2) - max(x1, u1))
    ih = max(0., min(y2, v2) - max(y1, v1))
    return iw * ih / ((x2 - x1) * (y2 - y1))


def spatial_overlap_rate(g1: Dict[str, Any], g2: Dict[str, Any]) -> float:
    """Intersection area of the two views' ``crop_box`` (source pixels) /
    area of clip 1's box."""
    return box_overlap_rate(g1['crop_box'], g2['crop_box'])


def nearest_candidate(rate: float, candidates: Sequence[float]) -> int:
    """Index of the candidate closest to ``rate``."""
    return int(np.argmin(np.abs(np.asarray(candidates, float) - rate)))


def round_half_up(x: float) -> int:
    """``x`` rounded to the nearest int, halves up (not to even)."""
    return int(math.floor(x + 0.5))


def temporal_shift(clip_len: int, gamma: float) -> int:
    """Shift (in view frames) of clip 2 for the overlap rate ``gamma``:
    ``round(clip_len * (1 - gamma))``, clipped to ``[0, clip_len]``."""
    return min(clip_len, max(0, round_half_up(clip_len * (1. - gamma))))


def spatial_tolerance(w: int, h: int) -> float:
    """Largest gap between a requested spatial overlap rate and the one two
    integer ``w x h`` boxes can realise: ``1 / (2 min(w, h))``."""
    return 0.5 / min(w, h)


def spatial_displacements(w: int,
                          h: int,
                          gamma: float,
                          tol: Optional[float] = None,
                          max_dx: Optional[int] = None,
                          max_dy: Optional[int] = None) -> np.ndarray:
    """All integer displacement magnitudes ``(dx, dy)``, ``0 <= dx <= w``,
    ``0 <= dy <= h`` (and ``<= max_dx`` / ``max_dy``), whose overlap
    ``(w - dx) (h - dy) / (w h)`` is within ``tol`` (default
    :func:`spatial_tolerance`) of ``gamma``; int64 ``(N, 2)``, sorted by
    ``dx`` then ``dy``. Without the bounds it is never empty for
    ``0 < gamma <= 1``."""
    if tol is None:
        tol = spatial_tolerance(w, h)
    area = float(w * h)
    dx_hi = w - 1 if max_dx is None else min(w - 1, int(max_dx))
    dx = np.arange(0, max(-1, dx_hi) + 1, dtype=np.int64)
    if len(dx) == 0:
        return np.zeros((0, 2), np.int64)
    ow = (w - dx).astype(np.float64)  # overlap width of each row
    eps = 1e-9
    lo = np.ceil(h - (gamma + tol) * area / ow - eps).astype(np.int64)
    hi = np.floor(h - (gamma - tol) * area / ow + eps).astype(np.int64)
    dy_hi = h if max_dy is None else min(h, int(max_dy))
    lo, hi = np.maximum(lo, 0), np.minimum(hi, dy_hi)
    count = np.maximum(hi - lo + 1, 0)
    rows = np.repeat(dx, count)
    starts = np.repeat(lo, count)
    offs = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count,
                                              count)
    out = np.stack([rows, starts + offs], 1)
    rate = (w - out[:, 0]) * (h - out[:, 1]) / area  # guard the bounds
    return out[np.abs(rate - gamma) <= tol + 1e-12]
