"""Single-object tracking datasets: OTB2015 (OTB100) and GOT-10k.

Every item of these datasets is a whole **video**: ``video_name``,
``frame_paths`` (one image per frame), ``gt_bboxes`` (``(N, 4)`` float32
``[x, y, w, h]``, 0-based pixel coordinates), ``valid`` (``(N,)`` bool:
frames whose ground truth takes part in the evaluation) and, for GOT-10k,
``absence`` / ``cover``, and ``frames``: a :class:`FrameSequence` that
decodes frame ``i`` (RGB ``uint8``) when indexed, which the tracker
(:class:`mmvssl.models.SiamFC`) consumes: the model never reads files.
:class:`SOTPairDataset` samples training pairs from the videos of either
dataset. SiamFC's crop geometry lives in :mod:`mmvssl.structures.sot_crops`.

OTB layout (``SEQ/img/%04d.jpg`` and ``SEQ/groundtruth_rect.txt``, 1-based
MATLAB coordinates) with its known quirks:

* the separators of ``groundtruth_rect*.txt`` are commas, tabs or spaces
  (mixed in some files);
* per-sequence departures, all in one table (:data:`OTB_QUIRKS`): frame
  ranges (``David``, ``BlurCar1/3/4``, ``Football1``, ``Freeman3/4``,
  ``Diving``), the ``Tiger1`` ground-truth offset (its file annotates the 5
  untracked first frames too), the evaluated targets (``Human4-2``,
  ``Jogging-1/2``, ``Skating2-1/2``).

GOT-10k layout: ``SPLIT/list.txt`` and ``SPLIT/SEQ/{%08d.jpg,
groundtruth.txt, absence.label, cover.label}`` (0-based ``x, y, w, h``).
Frames with ``absence == 1`` are not valid (excluded from the evaluation,
never sampled for training). In the test split ``groundtruth.txt`` holds
the first frame only; the other rows are NaN.
"""
import glob
import os
import os.path as osp
import re
from collections import OrderedDict
from collections.abc import Sequence as SequenceABC
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from torch.utils.data import Dataset

from mmvssl.registry import DATASETS, FUNCTIONS
from mmvssl.structures.sot_crops import (context_size, crop_square,
                                         neighbor_indices)

class OTBQuirk(NamedTuple):
    """How one OTB2015 sequence departs from "one image and one
    ground-truth row per frame, from ``0001.jpg``, one target".

    Attributes:
        frames: the tracked frames ``(first, last)``, 1-based image numbers,
            inclusive (None: every annotated frame from 1).
        gt_offset: ground-truth rows before the row of ``first`` (the file
            annotates images that are not tracked).
        targets: the ``groundtruth_rect.<i>.txt`` files evaluated, one video
            ``SEQ-<i>`` each (None: every such file, or the single
            ``groundtruth_rect.txt``).
        reason: what the annotation files look like.
    """
    frames: Optional[Tuple[int, int]] = None
    gt_offset: int = 0
    targets: Optional[Tuple[int, ...]] = None
    reason: str = ''


#: Every known annotation quirk of OTB2015 (OTB100), from the sequence
#: table of the benchmark toolkit (``configSeqs.m``: start / end frames,
#: ``initOmit``), the OTB-2015 sequence list (``Human4-2``, ``Jogging-1/2``,
#: ``Skating2-1/2``), and what mmtracking's ``otb2coco.py``, pytracking's
#: and the got10k toolkit's OTB loaders do. One row per sequence; each row
#: has a test in ``tests/test_datasets/test_sot_datasets.py``.
OTB_QUIRKS: Dict[str, OTBQuirk] = {
    'David': OTBQuirk(
        frames=(300, 770),
        reason='770 images, 471 ground-truth rows: the first row is frame '
        '300'),
    'Tiger1': OTBQuirk(
        frames=(6, 354),
        gt_offset=5,
        reason='354 images and 354 rows, but the first 5 frames are not '
        'tracked (initOmit): frame 6 is ground-truth row 6'),
    'BlurCar1': OTBQuirk(
        frames=(247, 988),
        reason='images start at 0247.jpg; the first row is frame 247'),
    'BlurCar3': OTBQuirk(
        frames=(3, 359),
        reason='images start at 0003.jpg; the first row is frame 3'),
    'BlurCar4': OTBQuirk(
        frames=(18, 397),
        reason='images start at 0018.jpg; the first row is frame 18'),
    'Football1': OTBQuirk(
        frames=(1, 74), reason='81 images, 74 rows: frames 75-81 unused'),
    'Freeman3': OTBQuirk(
        frames=(1, 460), reason='474 images, 460 rows: frames 461-474 '
        'unused'),
    'Freeman4': OTBQuirk(
        frames=(1, 283), reason='297 images, 283 rows: frames 284-297 '
        'unused'),
    'Diving': OTBQuirk(
        frames=(1, 215), reason='231 images, 215 rows: frames 216-231 '
        'unused'),
    'Human4': OTBQuirk(
        targets=(2, ),
        reason='two annotation files; the OTB-2015 sequence list has '
        'Human4-2 only'),
    'Jogging': OTBQuirk(
        targets=(1, 2), reason='two targets: Jogging-1, Jogging-2'),
    'Skating2': OTBQuirk(
        targets=(1, 2), reason='two targets: Skating2-1, Skating2-2'),
}


def read_boxes(path: str) -> np.ndarray:
    """``(N, 4)`` float array of the box lines of a text file, whatever the
    separators (commas, tabs, spaces, mixed); 'NaN' is accepted; empty
    lines are skipped."""
    rows = []
    with open(path) as f:
        for line in f:
            fields = [v for v in re.split(r'[,\s]+', line.strip()) if v]
            if not fields:
                continue
            if len(fields) < 4:
                raise ValueError(f'{path}: box line {line!r} has '
                                 f'{len(fields)} values')
            rows.append([float(v) for v in fields[:4]])
    return np.asarray(rows, dtype=np.float64).reshape(-1, 4)


def read_labels(path: str, n: int, default: int = 0) -> np.ndarray:
    """One integer per line (GOT-10k ``*.label``); ``default`` when the
    file is missing."""
    if not osp.isfile(path):
        return np.full(n, default, dtype=np.int64)
    with open(path) as f:
        vals = [int(float(v)) for v in f.read().split()]
    return np.asarray(vals, dtype=np.int64)


def otb_sequence_entries(seq_dir: str,
                         name: Optional[str] = None,
                         quirks: Optional[Dict[str, OTBQuirk]] = None
                         ) -> List[dict]:
    """The videos of one OTB sequence folder (one per evaluated target),
    with the sequence's row of :data:`OTB_QUIRKS` applied.

    Returns:
        list[dict]: ``video_name``, ``frame_paths``, ``gt_bboxes``
        (0-based ``[x, y, w, h]``), ``valid``, ``frame_ids`` (1-based).
    """
    name = name or osp.basename(osp.normpath(seq_dir))
    quirk = (OTB_QUIRKS if quirks is None else quirks).get(name, OTBQuirk())
    gt_files = sorted(glob.glob(osp.join(seq_dir, 'groundtruth_rect*.txt')))
    by_target = {int(m.group(1)): f for f in gt_files
                 for m in [re.search(r'\.(\d+)\.txt$', f)] if m}
    if quirk.targets is not None:
        absent = [i for i in quirk.targets if i not in by_target]
        if absent:
            raise FileNotFoundError(
                f'{seq_dir}: OTB2015 evaluates {name} on '
                f'groundtruth_rect.{{{",".join(map(str, quirk.targets))}}}'
                f'.txt; missing: '
                f'{", ".join(f"groundtruth_rect.{i}.txt" for i in absent)}')
        targets = [(f'{name}-{i}', by_target[i]) for i in quirk.targets]
    elif by_target:
        targets = [(f'{name}-{i}' if len(by_target) > 1 else name, f)
                   for i, f in sorted(by_target.items())]
    else:
        targets = [(name, f) for f in gt_files]
    if not targets:
        raise FileNotFoundError(f'{seq_dir}: no groundtruth_rect*.txt')
    images = sorted(glob.glob(osp.join(seq_dir, 'img', '*.jpg')))
    by_id = {int(osp.splitext(osp.basename(p))[0]): p for p in images}
    entries = []
    for vname, gt_file in targets:
        boxes = read_boxes(gt_file)[quirk.gt_offset:]
        start, end = quirk.frames or (1, len(boxes))
        n = min(end - start + 1, len(boxes))
        frame_ids = list(range(start, start + n))
        missing = [i for i in frame_ids if i not in by_id]
        if missing:
            raise FileNotFoundError(
                f'{seq_dir}: frames {missing[:5]} of the annotated range '
                f'{start}-{start + n - 1} are missing')
        gt = boxes[:n].copy()
        gt[:, :2] -= 1  # MATLAB 1-based -> 0-based
        entries.append(
            dict(
                video_name=vname,
                frame_paths=[by_id[i] for i in frame_ids],
                frame_ids=frame_ids,
                gt_bboxes=gt.astype(np.float32),
                valid=_valid(gt)))
    return entries


def _valid(gt: np.ndarray) -> np.ndarray:
    with np.errstate(invalid='ignore'):
        return (np.isfinite(gt).all(1) & (gt[:, 2] > 0) & (gt[:, 3] > 0))


class BaseSOTDataset(BaseDataset):
    """A dataset of whole tracking videos (see the module docstring).

    Args:
        data_root (str): dataset root.
        ann_file (str): list of sequences (optional, dataset specific).
        pipeline (list): transforms applied to each video dict (usually
            none: the tracker reads the frames).
        test_mode (bool): default True (evaluation datasets).
        max_videos (int, optional): keep the first ``max_videos`` videos.
    """

    def __init__(self,
                 data_root: str = '',
                 ann_file: str = '',
                 pipeline: Sequence = (),
                 test_mode: bool = True,
                 max_videos: Optional[int] = None,
                 **kwargs) -> None:
        self.max_videos = max_videos
        super().__init__(
            data_root=data_root,
            ann_file=ann_file,
            pipeline=list(pipeline),
            test_mode=test_mode,
            serialize_data=False,
            **kwargs)

    def get_data_info(self, idx: int) -> dict:
        """The video's annotation plus ``frames`` (a lazy
        :class:`FrameSequence` of its ``frame_paths``)."""
        info = super().get_data_info(idx)
        info['frames'] = FrameSequence(info['frame_paths'])
        return info

    def load_data_list(self) -> List[dict]:
        videos = self.load_videos()
        if self.max_videos is not None:
            videos = videos[:self.max_videos]
        return videos

    def load_videos(self) -> List[dict]:
        raise NotImplementedError


@DATASETS.register_module()
class OTB2015Dataset(BaseSOTDataset):
    """OTB2015 / OTB100 (and the synthetic benchmark's ``otb/`` split).

    Args:
        data_root (str): folder of the sequence folders.
        ann_file (str): optional mmtracking-style info file (a header line,
            then ``SEQ/img,SEQ/groundtruth_rect.txt,start,end``; relative to
            ``data_root``); without it every sub-folder of ``data_root``
            holding an ``img/`` folder is a sequence (sorted by name).
    """

    def load_videos(self) -> List[dict]:
        root = self.data_root
        if self.ann_file and osp.isfile(self.ann_file):
            videos = []
            with open(self.ann_file) as f:
                lines = f.read().splitlines()[1:]
            for line in lines:
                if not line.strip():
                    continue
                img_dir, gt_file, start, end = line.split(',')[:4]
                seq_dir = osp.join(root, osp.dirname(img_dir))
                name = osp.basename(osp.dirname(img_dir))
                for e in otb_sequence_entries(seq_dir, name):
                    s, t = int(start), int(end)
                    if e['frame_ids'][0] != s or e['frame_ids'][-1] != t:
                        keep = [i for i, fid in enumerate(e['frame_ids'])
                                if s <= fid <= t]
                        for k in ('frame_paths', 'frame_ids'):
                            e[k] = [e[k][i] for i in keep]
                        e['gt_bboxes'] = e['gt_bboxes'][keep]
                        e['valid'] = e['valid'][keep]
                    videos.append(e)
            return videos
        seqs = sorted(d for d in os.listdir(root)
                      if osp.isdir(osp.join(root, d, 'img')))
        videos = []
        for s in seqs:
            videos += otb_sequence_entries(osp.join(root, s), s)
        return videos


@DATASETS.register_module()
class GOT10kDataset(BaseSOTDataset):
    """GOT-10k (and the synthetic benchmark's ``got10k/`` split).

    Args:
        data_root (str): the GOT-10k root (holding ``train/``, ``val/``,
            ``test/``).
        split (str): ``'train'``, ``'val'`` or ``'test'``.
    """

    def __init__(self, data_root: str = '', split: str = 'val', **kwargs):
        self.split = split
        super().__init__(data_root=data_root, **kwargs)

    def load_videos(self) -> List[dict]:
        split_dir = osp.join(self.data_root, self.split)
        list_file = osp.join(split_dir, 'list.txt')
        if osp.isfile(list_file):
            with open(list_file) as f:
                names = [s.strip() for s in f if s.strip()]
        else:
            names = sorted(d for d in os.listdir(split_dir)
                           if osp.isdir(osp.join(split_dir, d)))
        videos = []
        for name in names:
            d = osp.join(split_dir, name)
            frames = sorted(glob.glob(osp.join(d, '*.jpg')))
            n = len(frames)
            gt = np.full((n, 4), np.nan)
            boxes = read_boxes(osp.join(d, 'groundtruth.txt'))
            gt[:len(boxes)] = boxes[:n]
            absence = read_labels(osp.join(d, 'absence.label'), n)[:n]
            cover = read_labels(osp.join(d, 'cover.label'), n, 8)[:n]
            valid = _valid(gt) & (absence == 0)
            videos.append(
                dict(
                    video_name=name,
                    frame_paths=frames,
                    frame_ids=list(range(1, n + 1)),
                    gt_bboxes=gt.astype(np.float32),
                    valid=valid,
                    absence=absence,
                    cover=cover))
        return videos


@FUNCTIONS.register_module()
def sot_video_collate(batch: Sequence[dict]) -> dict:
    """Collate of the video datasets: ``dict(videos=[video, ...])`` (no
    stacking: videos differ in length and size)."""
    return dict(videos=list(batch))


# mmengine's Runner looks collate functions up in mmengine's root FUNCTIONS
# registry; with mmvssl 0.x registries (children of mmaction2's) that
# look-up does not reach mmvssl's FUNCTIONS, so register it there as well
MMENGINE_FUNCTIONS.register_module(
    name='sot_video_collate', module=sot_video_collate, force=True)


def read_frame(path: str) -> np.ndarray:
    """An RGB ``uint8`` image."""
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        raise FileNotFoundError(path)
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


class FrameSequence(SequenceABC):
    """The decoded frames of a video given as image files: ``seq[i]`` reads
    frame ``i`` (RGB ``uint8`` ``(H, W, 3)``) when asked, so a whole video
    is never held in memory; a tracker keeps the few frames it needs.

    Args:
        paths (Sequence[str]): one image file per frame.
    """

    def __init__(self, paths: Sequence[str]) -> None:
        self.paths = list(paths)

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return FrameSequence(self.paths[i])
        return read_frame(self.paths[i])

    def __repr__(self) -> str:
        return f'{type(self).__name__}({len(self)} frames)'


@DATASETS.register_module()
class SOTPairDataset(Dataset):
    """SiamFC training pairs from a video dataset (GOT-10k format).

    Each item draws a video (item ``i`` -> video ``i % num_videos``), an
    exemplar frame and a search frame at most ``max_gap`` frames apart
    (both valid), and cuts from the ``2n + 1`` frames around each (clamped
    to the video) an exemplar clip of ``exemplar_size`` px and a search
    clip of ``instance_size`` px, both centred on the target with SiamFC's
    context (the search clip covers ``instance_size / exemplar_size`` times
    the exemplar's context square). Augmentation as SiamFC: the search
    centre is shifted by up to ``max_shift`` px (search coordinates) and
    both crops are stretched by up to ``max_stretch``.

    Decoded frames are kept in a least-recently-used cache of at most
    ``cache_bytes`` bytes per dataset copy (one per dataloader worker), so
    the ``2n + 1`` neighbours shared by nearby samples are read once; a
    frame larger than the bound is not cached. ``cache_bytes=0`` disables
    it.

    Returns dict(inputs=dict(exemplar=uint8 (3, 2n+1, z, z),
    search=uint8 (3, 2n+1, x, x)), shift=float32 (2,): the target centre's
    offset from the search centre in search px (x, y)).
    """

    def __init__(self,
                 dataset: dict,
                 pairs_per_video: int = 1,
                 max_gap: int = 100,
                 num_neighbors: int = 2,
                 exemplar_size: int = 127,
                 instance_size: int = 255,
                 context_amount: float = 0.5,
                 max_shift: int = 8,
                 max_stretch: float = 0.05,
                 seed: Optional[int] = None,
                 cache_bytes: int = 256 * 2**20):
        self.dataset = DATASETS.build(dataset) if isinstance(
            dataset, dict) else dataset
        self.videos = [
            v for v in (self.dataset[i] for i in range(len(self.dataset)))
            if v['valid'].sum() >= 2
        ]
        self.pairs_per_video = pairs_per_video
        self.max_gap = max_gap
        self.num_neighbors = num_neighbors
        self.exemplar_size = exemplar_size
        self.instance_size = instance_size
        self.context_amount = context_amount
        self.max_shift = max_shift
        self.max_stretch = max_stretch
        self.seed = seed
        if cache_bytes < 0:
            raise ValueError(f'cache_bytes={cache_bytes} must be >= 0')
        self.cache_bytes = int(cache_bytes)
        self._cache: 'OrderedDict[str, np.ndarray]' = OrderedDict()
        self._cached_bytes = 0
        self.metainfo = dict(dataset='SOTPairDataset')

    def __len__(self) -> int:
        return len(self.videos) * self.pairs_per_video

    def _frame(self, path: str) -> np.ndarray:
        img = self._cache.get(path)
        if img is not None:
            self._cache.move_to_end(path)
            return img
        img = read_frame(path)
        if img.nbytes <= self.cache_bytes:
            while self._cached_bytes + img.nbytes > self.cache_bytes:
                _, old = self._cache.popitem(last=False)
                self._cached_bytes -= old.nbytes
            self._cache[path] = img
            self._cached_bytes += img.nbytes
        return img

    def _clip(self, video, t, center, size, out_size, stretch):
        n = len(video['frame_paths'])
        crops = []
        for i in neighbor_indices(t, n, self.num_neighbors):
            img = self._frame(video['frame_paths'][i])
            c = crop_square(img, center, size, out_size)
            if stretch != (1.0, 1.0):
                sx, sy = stretch
                m = np.array([[sx, 0, (1 - sx) * out_size / 2],
                              [0, sy, (1 - sy) * out_size / 2]])
                c = cv2.warpAffine(c, m, (out_size, out_size),
                                   borderMode=cv2.BORDER_REPLICATE)
            crops.append(c)
        return np.ascontiguousarray(
            np.stack(crops).transpose(3, 0, 1, 2))  # (3, T, S, S)

    def __getitem__(self, idx: int) -> dict:
        rng = np.random.default_rng(
            None if self.seed is None else (self.seed, idx))
        video = self.videos[idx % len(self.videos)]
        valid = np.flatnonzero(video['valid'])
        tz = int(rng.choice(valid))
        near = valid[(np.abs(valid - tz) <= self.max_gap)]
        tx = int(rng.choice(near))
        out = {}
        for key, t, out_size in (('exemplar', tz, self.exemplar_size),
                                 ('search', tx, self.instance_size)):
            box = video['gt_bboxes'][t].astype(np.float64)
            center = box[:2] + box[2:] / 2
            side = context_size(box[2:], self.context_amount)
            side *= out_size / self.exemplar_size
            shift = np.zeros(2)
            if key == 'search' and self.max_shift > 0:
                shift = rng.integers(-self.max_shift, self.max_shift + 1, 2)
            # crop centre = target centre - shift (in source px), so the
            # target sits at +shift from the search centre
            crop_c = center - shift * side / out_size
            st = tuple(1 + rng.uniform(-self.max_stretch, self.max_stretch,
                                       2)) if self.max_stretch else (1.0,
                                                                     1.0)
            out[key] = self._clip(video, t, crop_c, side, out_size, st)
            if key == 'search':
                out['shift'] = shift.astype(np.float32)
        return dict(
            inputs=dict(exemplar=out['exemplar'], search=out['search']),
            shift=out['shift'])
