"""Region sources of ConST-CL (Sec. 3.3): transforms that add boxes to a view.

Every transform writes, into the view's geometry record (see
``docs/data_contract.md``)::

    geometry['boxes']      float32 (T, N, 4)  xyxy, view output pixels
                                              (before rotation), x2/y2
                                              exclusive
    geometry['box_valid']  bool    (T, N)     which of the N padded boxes
                                              are real

Place a region source AFTER the view's spatial transforms (crop / resize /
flip): the random, SLIC and Felzenszwalb boxes are computed on the view's
final pixels; detector boxes are mapped from source pixels with the record.

Frames. ConST-CL uses the boxes of one input frame per view: the frame a
feature frame ``t`` is centred on, ``t * s`` with ``s = T_in / T_feat`` the
backbone's temporal stride (8 of 16 for the centre frame of R3D-50).
Computing superpixels on every frame is wasteful, so every source takes
``frames``:

- ``'all'``: every frame;
- ``'center'``: frame ``T // 2`` only: enough for the default ``'center'``
  temporal sampling (``(T_feat // 2) * s == T // 2`` for an even number of
  feature frames);
- an int ``s``: frames ``0, s, 2s, ...``, the frames every feature frame is
  centred on (needed by ``'nearest'`` / ``'random'`` sampling);
- a list of frame indices.

Frames not computed have ``box_valid`` False.
"""
import os
import os.path as osp
import pickle
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from scipy import ndimage

from mmvssl.registry import TRANSFORMS
from mmvssl.structures import source_to_view_boxes
from .base import ClipTransform, get_clip, get_geometry

Frames = Union[str, int, Sequence[int]]


def select_frames(frames: Frames, num_frames: int) -> np.ndarray:
    """Indices of the frames a region source computes (see module doc)."""
    named = {
        'all': lambda: np.arange(num_frames),
        'center': lambda: np.array([num_frames // 2]),
    }
    if isinstance(frames, str):
        if frames not in named:
            raise ValueError(f"frames={frames!r} must be 'all', 'center', an "
                             'int stride or a list of frame indices')
        return named[frames]()
    if isinstance(frames, (int, np.integer)):
        if frames < 1:
            raise ValueError(f'frames={frames} (a stride) must be >= 1')
        return np.arange(0, num_frames, int(frames))
    inds = np.asarray(frames, dtype=np.int64).reshape(-1)
    if inds.size and (inds.min() < -num_frames or inds.max() >= num_frames):
        raise ValueError(f'frames={list(inds)} out of range for a clip of '
                         f'{num_frames} frames')
    return np.unique(inds % num_frames)


def _pick(boxes: np.ndarray, num: int) -> np.ndarray:
    """At most ``num`` rows, a uniformly random subset when there are more
    (one ``np.random`` draw, so seeded workers reproduce it)."""
    if len(boxes) <= num:
        return boxes
    keep = np.sort(np.random.choice(len(boxes), num, replace=False))
    return boxes[keep]


def segment_boxes(labels: np.ndarray) -> np.ndarray:
    """``(K, 4)`` float32 xyxy bounding boxes (x2/y2 exclusive) of the
    segments of a label image (labels >= 0; empty labels skipped)."""
    slices = ndimage.find_objects(labels.astype(np.int64) + 1)
    boxes = [[s[1].start, s[0].start, s[1].stop, s[0].stop] for s in slices
             if s is not None]
    return np.asarray(boxes, dtype=np.float32).reshape(-1, 4)


class BaseRegionSource(ClipTransform):
    """Common part of the region sources: frame selection, padding to
    ``num_boxes`` and writing ``boxes`` / ``box_valid``.

    Subclasses implement ``frame_boxes(img, geometry, t) -> (K, 4)`` (view
    pixels, before rotation; ``img`` is the unrotated ``(h, w, 3)`` frame)
    or override :meth:`clip_boxes` for a vectorised version.

    Args:
        num_boxes (int): ``N``, boxes per frame (padded). Defaults to 16.
        frames (str | int | list[int]): frames to compute (module doc).
    """
    needs_pixels = True

    def __init__(self, num_boxes: int = 16, frames: Frames = 'all') -> None:
        if num_boxes < 1:
            raise ValueError(f'num_boxes={num_boxes} must be >= 1')
        self.num_boxes = int(num_boxes)
        self.frames = frames
        select_frames(frames, 16)  # validate early

    def frame_boxes(self, img: np.ndarray, geometry: Dict,
                    t: int) -> np.ndarray:
        raise NotImplementedError

    def clip_boxes(self, imgs: Optional[np.ndarray], geometry: Dict,
                   inds: np.ndarray, results: Dict) -> List[np.ndarray]:
        """Boxes of the frames ``inds`` (``imgs`` is None when
        ``needs_pixels`` is False)."""
        return [self.frame_boxes(imgs[t], geometry, t) for t in inds]

    def transform(self, results: Dict) -> Dict:
        imgs = get_clip(results)
        geometry = get_geometry(results)
        T = imgs.shape[0]
        rot = int(geometry.get('rotation', 0)) % 4
        if rot:  # boxes live in the unrotated frame
            imgs = np.rot90(imgs, k=-rot, axes=(1, 2))
        h, w = (int(v) for v in geometry['img_shape'])
        if imgs.shape[1:3] != (h, w):
            raise ValueError(
                f'{self.__class__.__name__}: images are {imgs.shape[1:3]} '
                f"but geometry['img_shape'] is {(h, w)}; place the region "
                'source after the view\'s spatial transforms')
        inds = select_frames(self.frames, T)
        boxes = np.zeros((T, self.num_boxes, 4), dtype=np.float32)
        valid = np.zeros((T, self.num_boxes), dtype=bool)
        per_frame = self.clip_boxes(imgs if self.needs_pixels else None,
                                    geometry, inds, results)
        for t, b in zip(inds, per_frame):
            b = _pick(np.asarray(b, dtype=np.float32).reshape(-1, 4),
                      self.num_boxes)
            b[:, 0::2] = np.clip(b[:, 0::2], 0, w)
            b[:, 1::2] = np.clip(b[:, 1::2], 0, h)
            boxes[t, :len(b)] = b
            valid[t, :len(b)] = True
        geometry['boxes'] = boxes
        geometry['box_valid'] = valid
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_boxes={self.num_boxes}, '
                f'frames={self.frames!r})')


@TRANSFORMS.register_module()
class RandomRegionBoxes(BaseRegionSource):
    """Random boxes (ConST-CL's default region prior).

    Per frame and box, all independent draws: a size ``s ~ U(size_range)``
    (the box's geometric-mean side as a fraction of the image's,
    ``sqrt(bw * bh) = s * sqrt(w * h)``), an aspect ratio
    ``a = bh / bw`` log-uniform in ``aspect_range``, and a position uniform
    over all placements that keep the box inside the image (a side longer
    than the image is clipped to it). The official TF code draws its four
    random tensors with one shared seed, which correlates them; here every
    draw is independent.

    Args:
        num_boxes (int): boxes per frame. Defaults to 16.
        size_range (tuple[float, float]): Defaults to ``(0.1, 0.5)``.
        aspect_range (tuple[float, float]): Defaults to ``(0.5, 2.0)``.
        frames: frames to draw boxes for (module doc). Defaults to 'all'.
    """
    needs_pixels = False

    def __init__(self,
                 num_boxes: int = 16,
                 size_range: Tuple[float, float] = (0.1, 0.5),
                 aspect_range: Tuple[float, float] = (0.5, 2.0),
                 frames: Frames = 'all') -> None:
        super().__init__(num_boxes, frames)
        if not 0 < size_range[0] <= size_range[1]:
            raise ValueError(f'size_range={size_range} must be increasing '
                             'and positive')
        if not 0 < aspect_range[0] <= aspect_range[1]:
            raise ValueError(f'aspect_range={aspect_range} must be '
                             'increasing and positive')
        self.size_range = tuple(size_range)
        self.aspect_range = tuple(aspect_range)

    def clip_boxes(self, imgs, geometry, inds, results):
        h, w = (float(v) for v in geometry['img_shape'])
        shape = (len(inds), self.num_boxes)
        size = np.random.uniform(*self.size_range, size=shape)
        log_a = np.random.uniform(*np.log(self.aspect_range), size=shape)
        ux = np.random.uniform(size=shape)
        uy = np.random.uniform(size=shape)
        side = size * np.sqrt(w * h)
        bw = np.minimum(side * np.exp(-log_a / 2), w)
        bh = np.minimum(side * np.exp(log_a / 2), h)
        x1 = ux * (w - bw)
        y1 = uy * (h - bh)
        boxes = np.stack([x1, y1, x1 + bw, y1 + bh], axis=-1)
        return list(boxes.astype(np.float32))

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_boxes={self.num_boxes}, '
                f'size_range={self.size_range}, '
                f'aspect_range={self.aspect_range}, frames={self.frames!r})')


@TRANSFORMS.register_module()
class SLICRegionBoxes(BaseRegionSource):
    """Bounding boxes of SLIC superpixels (scikit-image).

    ``skimage.segmentation.slic`` with ``n_segments=num_boxes`` on each
    selected frame; SLIC returns about that many segments: a random subset
    of ``num_boxes`` is kept when there are more, the rest is padding.

    Args:
        num_boxes (int): superpixels / boxes per frame. Defaults to 16.
        compactness (float): SLIC compactness. Defaults to 10.
        sigma (float): SLIC pre-smoothing. Defaults to 1.
        frames: frames to segment (module doc). Defaults to 'center'.
    """

    def __init__(self,
                 num_boxes: int = 16,
                 compactness: float = 10.,
                 sigma: float = 1.,
                 frames: Frames = 'center') -> None:
        super().__init__(num_boxes, frames)
        self.compactness = compactness
        self.sigma = sigma

    def frame_boxes(self, img, geometry, t):
        from skimage.segmentation import slic
        labels = slic(
            img,
            n_segments=self.num_boxes,
            compactness=self.compactness,
            sigma=self.sigma,
            start_label=0,
            channel_axis=-1)
        return segment_boxes(labels)


@TRANSFORMS.register_module()
class FelzenszwalbRegionBoxes(BaseRegionSource):
    """Bounding boxes of Felzenszwalb-Huttenlocher graph segments.

    For every ``s`` in ``scales``, ``skimage.segmentation.felzenszwalb`` with
    ``scale = min_size = s`` (the paper's ``s = c in {500, 1000}``); the
    boxes of all scales are pooled (duplicates removed), only those whose
    width AND height lie within ``size_range`` of the image width / height
    are kept, a random subset of ``num_boxes`` is taken when there are more,
    the rest is padding (``box_valid`` False).

    Args:
        num_boxes (int): boxes per frame. Defaults to 16.
        scales (tuple[int]): FH scales (= min sizes). Defaults to
            ``(500, 1000)``.
        sigma (float): FH pre-smoothing. Defaults to 0.8.
        size_range (tuple[float, float]): Defaults to ``(0.05, 0.7)``.
        frames: frames to segment (module doc). Defaults to 'center'.
    """

    def __init__(self,
                 num_boxes: int = 16,
                 scales: Sequence[int] = (500, 1000),
                 sigma: float = 0.8,
                 size_range: Tuple[float, float] = (0.05, 0.7),
                 frames: Frames = 'center') -> None:
        super().__init__(num_boxes, frames)
        if isinstance(scales, (int, float)):
            scales = (scales, )
        self.scales = tuple(scales)
        self.sigma = sigma
        self.size_range = tuple(size_range)

    def frame_boxes(self, img, geometry, t):
        from skimage.segmentation import felzenszwalb
        h, w = img.shape[:2]
        boxes = np.concatenate([
            segment_boxes(
                felzenszwalb(img, scale=s, sigma=self.sigma, min_size=int(s)))
            for s in self.scales
        ])
        boxes = np.unique(boxes, axis=0)
        bw = (boxes[:, 2] - boxes[:, 0]) / w
        bh = (boxes[:, 3] - boxes[:, 1]) / h
        lo, hi = self.size_range
        keep = (bw >= lo) & (bw <= hi) & (bh >= lo) & (bh <= hi)
        return boxes[keep]


# ------------------------------------------------------------------ detector
_BOX_FILES: Dict[str, Dict] = {}  # per-process cache: path -> parsed file


def _parse_video_entry(entry) -> Dict:
    """Normalise one video's entry to ``dict(frame_shape, frames, boxes)``
    with sorted int frame indices and ``(n, 5)`` float32 arrays."""
    if isinstance(entry, dict) and 'boxes' in entry:
        shape = entry.get('frame_shape')
        per_frame = entry['boxes']
    else:
        shape, per_frame = None, entry
    frames = sorted(int(k) for k in per_frame)
    boxes = {}
    for k, v in per_frame.items():
        arr = np.asarray(v, dtype=np.float32).reshape(-1, 5) \
            if len(v) else np.zeros((0, 5), np.float32)
        boxes[int(k)] = arr
    return dict(
        frame_shape=None if shape is None else tuple(int(s) for s in shape),
        frames=np.asarray(frames, dtype=np.int64),
        boxes=boxes)


def load_region_box_file(path: str, use_cache: bool = True) -> Dict:
    """Read a detector box file (``.pkl`` or ``.json``; format in
    :class:`DetectorRegionBoxes`). Parsed files are cached per process."""
    path = osp.abspath(osp.expanduser(path))
    if use_cache and path in _BOX_FILES:
        return _BOX_FILES[path]
    if not osp.isfile(path):
        raise FileNotFoundError(f'region box file {path!r} does not exist '
                                '(write it with tools/data/detect_boxes.py)')
    if path.endswith('.json'):
        import json
        with open(path) as f:
            raw = json.load(f)
    elif path.endswith(('.pkl', '.pickle')):
        with open(path, 'rb') as f:
            raw = pickle.load(f)
    else:
        raise ValueError(f'region box file {path!r}: extension must be '
                         '.pkl, .pickle or .json')
    if not isinstance(raw, dict):
        raise ValueError(f'region box file {path!r} must hold a dict '
                         '{video: {frame_index: [[x1, y1, x2, y2, score], '
                         f'...]}}, got {type(raw).__name__}')
    parsed = {str(k): _parse_video_entry(v) for k, v in raw.items()}
    if use_cache:
        _BOX_FILES[path] = parsed
    return parsed


@TRANSFORMS.register_module()
class DetectorRegionBoxes(BaseRegionSource):
    """Boxes from an off-the-shelf detector, read from a file.

    File format (``.pkl`` or ``.json``, written by
    ``tools/data/detect_boxes.py``)::

        {video_key: {frame_index: [[x1, y1, x2, y2, score], ...], ...}, ...}

    or, per video, ``{'frame_shape': [H, W], 'boxes': {frame_index: ...}}``
    where ``frame_shape`` is the size of the frames the detector saw (boxes
    are rescaled when it differs from the view's ``src_shape``). Boxes are
    ``xyxy`` in SOURCE pixel coordinates, ``frame_index`` is the 0-based
    index of the decoded source frame (int; a string in JSON).
    ``video_key`` is the video path relative to ``data_prefix`` (e.g.
    ``'abseiling/xyz.mp4'``); the basename is tried as a fallback.

    For view frame ``t`` the boxes of source frame
    ``geometry['frame_inds'][t]`` (or of the nearest detected frame within
    ``max_frame_gap``) are mapped into the view with the geometry record
    (crop, resize, flip: ``mmvssl.structures.source_to_view_boxes``),
    clipped to the view, dropped when narrower or shorter than
    ``min_size`` view pixels or scored below ``score_thr``; the
    ``num_boxes`` highest-scoring ones are kept.

    Args:
        box_file (str): the file.
        num_boxes (int): boxes per frame. Defaults to 16.
        data_prefix (str, optional): root the video keys are relative to.
        score_thr (float): minimum score. Defaults to 0.
        max_frame_gap (int): largest distance to a detected frame. Defaults
            to 0 (exact frame only).
        min_size (float): minimum box side in view pixels. Defaults to 2.
        allow_missing (bool): a video absent from the file gets no boxes
            instead of raising KeyError. Defaults to False.
        frames: frames to fill (module doc). Defaults to 'all'.
    """
    needs_pixels = False

    def __init__(self,
                 box_file: str,
                 num_boxes: int = 16,
                 data_prefix: Optional[str] = None,
                 score_thr: float = 0.,
                 max_frame_gap: int = 0,
                 min_size: float = 2.,
                 allow_missing: bool = False,
                 frames: Frames = 'all') -> None:
        super().__init__(num_boxes, frames)
        self.box_file = box_file
        self.data_prefix = data_prefix
        self.score_thr = score_thr
        self.max_frame_gap = int(max_frame_gap)
        self.min_size = float(min_size)
        self.allow_missing = allow_missing

    def video_key(self, filename: str) -> str:
        if self.data_prefix:
            return osp.relpath(filename, self.data_prefix).replace(os.sep,
                                                                   '/')
        return filename

    def _video_entry(self, results: Dict) -> Optional[Dict]:
        table = load_region_box_file(self.box_file)
        filename = results.get('filename')
        if filename is None:
            raise KeyError("DetectorRegionBoxes needs results['filename'] "
                           'to find the video in the box file')
        key = self.video_key(filename)
        for k in (key, osp.basename(key)):
            if k in table:
                return table[k]
        if self.allow_missing:
            return None
        some = list(table)[:3]
        raise KeyError(f'video {key!r} is not in region box file '
                       f'{self.box_file!r} (keys look like {some}); check '
                       'data_prefix or set allow_missing=True')

    def _source_boxes(self, entry: Dict, src_frame: int) -> np.ndarray:
        frames = entry['frames']
        if not len(frames):
            return np.zeros((0, 5), np.float32)
        best = frames[np.argmin(np.abs(frames - src_frame))]
        if abs(int(best) - int(src_frame)) > self.max_frame_gap:
            return np.zeros((0, 5), np.float32)
        return entry['boxes'][int(best)]

    def clip_boxes(self, imgs, geometry, inds, results):
        entry = self._video_entry(results)
        h, w = (float(v) for v in geometry['img_shape'])
        out = []
        for t in inds:
            if entry is None:
                out.append(np.zeros((0, 4), np.float32))
                continue
            dets = self._source_boxes(entry,
                                      int(geometry['frame_inds'][t])).copy()
            dets = dets[dets[:, 4] >= self.score_thr]
            shape = entry['frame_shape']
            if shape is not None and tuple(shape) != tuple(
                    geometry['src_shape']):
                sh, sw = geometry['src_shape']
                dets[:, [0, 2]] *= sw / shape[1]
                dets[:, [1, 3]] *= sh / shape[0]
            boxes = np.asarray(
                source_to_view_boxes(dets[:, :4].astype(np.float64),
                                     geometry),
                dtype=np.float32).reshape(-1, 4)
            boxes[:, 0::2] = np.clip(boxes[:, 0::2], 0, w)
            boxes[:, 1::2] = np.clip(boxes[:, 1::2], 0, h)
            keep = ((boxes[:, 2] - boxes[:, 0]) >= self.min_size) & \
                ((boxes[:, 3] - boxes[:, 1]) >= self.min_size)
            boxes, scores = boxes[keep], dets[keep, 4]
            order = np.argsort(-scores, kind='stable')[:self.num_boxes]
            out.append(boxes[order])
        return out

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(box_file={self.box_file!r}, '
                f'num_boxes={self.num_boxes}, score_thr={self.score_thr}, '
                f'max_frame_gap={self.max_frame_gap}, frames={self.frames!r})')
