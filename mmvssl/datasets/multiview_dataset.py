"""Multi-view video dataset: decode once per video, cut many views."""
import copy
import logging
import os
from typing import Callable, List, Optional, Sequence, Union

import numpy as np
from mmaction.datasets import BaseActionDataset
from mmengine.dataset import Compose
from mmengine.logging import print_log

from mmvssl.registry import DATASETS, TASK_UTILS, TRANSFORMS
from mmvssl.structures import new_geometry
from .annotations import load_video_list
from .seeded_sampler import seeded_rngs
from .video_readers import (RawFrameReader, VideoReadError,
                            build_video_reader, check_video_backend)

ConfigType = Union[dict, Callable]

#: reason codes of the shared table of unreadable videos
UNREADABLE_REASONS = {
    1: 'not found',
    2: 'empty',
    3: 'no frames',
    4: 'cannot be decoded',
}
_COUNTER_SLOTS = 257  # the main process + up to 256 workers


def _reason_code(reason: str) -> int:
    """The code of a :class:`VideoReadError` reason (or of a name from
    :data:`UNREADABLE_REASONS`)."""
    text = str(reason).lower()
    for code, name in UNREADABLE_REASONS.items():
        if text == name:
            return code
    if 'not found' in text:
        return 1
    if 'empty' in text or '0 bytes' in text:
        return 2
    if 'no frames' in text or 'gives 0 frames' in text:
        return 3
    return 4


def _take(frames: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Frames ``pos`` of the decoded union, read-only.

    Positions in arithmetic progression (a clip's frames, also when two
    clips interleave) are a strided view without a copy; the views are made
    read-only so that a transform modifying its input in place fails loudly
    instead of corrupting the frames other views share.
    """
    if len(pos) > 1:
        step = int(pos[1] - pos[0])
        regular = step > 0 and bool((np.diff(pos) == step).all())
    else:
        step, regular = 1, True
    if regular:
        out = frames[int(pos[0]):int(pos[-1]) + 1:step]
    else:
        out = frames[pos]
    out = out.view()
    out.flags.writeable = False
    return out


#: the names a view pipeline may hold in place of a transform (see
#: ``region_source`` of :class:`MultiViewVideoDataset`)
PIPELINE_SLOTS = ('region_source', )


def _build_pipeline(cfgs: Sequence[ConfigType],
                    slots: Optional[dict] = None) -> Compose:
    """Build with mmvssl's TRANSFORMS (falls back to mmaction2 / mmengine
    types), so the clip transforms resolve without a default scope. A
    string names a slot: it is replaced by ``slots[name]`` (dropped when
    that is None)."""
    if not isinstance(cfgs, (list, tuple)):
        raise TypeError(f'a view pipeline must be a list, got {cfgs!r}')
    slots = slots or {}
    out = []
    for c in cfgs:
        if isinstance(c, str):
            if c not in PIPELINE_SLOTS:
                raise KeyError(f'unknown pipeline slot {c!r} in a view '
                               f'pipeline; slots: {list(PIPELINE_SLOTS)}')
            c = slots.get(c)
            if c is None:
                continue
        out.append(TRANSFORMS.build(copy.deepcopy(c))
                   if isinstance(c, dict) else c)
    return Compose(out)


@DATASETS.register_module()
class MultiViewVideoDataset(BaseActionDataset):
    """Self-supervised multi-view video dataset.

    For every video: a clip sampler chooses the frames of each view, the
    **union** of those frames is decoded once, and each view is cut from the
    decoded frames by its own pipeline. Every view carries a geometry record
    (``docs/data_contract.md``); ``__getitem__`` returns
    ``dict(inputs=[uint8 (C, T, H, W) per view], data_samples=sample)``.

    Annotation files use mmaction2's formats:

    * ``data_type='video'`` (``VideoDataset``): ``path [label ...]`` per
      line, path relative to ``data_prefix['video']``; no label gives -1.
    * ``data_type='rawframes'`` (``RawframeDataset``): ``frame_dir
      total_frames [label ...]``, relative to ``data_prefix['img']``; frame
      ``i`` (0-based) is ``filename_tmpl.format(i + start_index)``.

    Blank lines are skipped; a malformed line raises ``ValueError`` naming
    the file and the line number.

    Views are declared in one of two ways::

        # every view with its own pipeline (processed in this order)
        views=[dict(name='global', pipeline=[...]),
               dict(name='local0', pipeline=[...]), ...]
        # or one pipeline shared by `num_views` views named view0, view1...
        view_pipeline=[...], num_views=2     # num_views: the sampler's

    The clip sampler (``TASK_UTILS``, e.g. ``TemporalIntervalSampler``) must
    return exactly one temporal record per view. A view's pipeline receives
    ``imgs`` (uint8 ``(T, H, W, 3)``, a **read-only** view of the decoded
    frames: transforms return new arrays), ``geometry`` (its record),
    ``ref_geometry`` (records of the views before it, by name, read-only),
    ``pretext`` (one dict per video, shared by the views, for video-level
    labels), ``filename``, ``label``, ``sample_idx``, ``view_name`` and the
    usual mmaction2 keys (``total_frames``, ``avg_fps``, ``frame_inds``,
    ``img_shape``, ...). Then ``pack`` (default :class:`PackMultiView`)
    formats all views.

    Bad input: a missing, unreadable, corrupted or empty video is logged
    (WARNING, with its path, once) and replaced by another random sample;
    after ``max_retries`` consecutive replacements fail too (or draw videos
    already known to be unreadable), ``RuntimeError`` names every failed
    file. A video that failed is
    remembered for the rest of the run, in every DataLoader worker (a
    shared-memory table made when the dataset is built): later draws of it
    are replaced without another decode attempt.
    :class:`~mmvssl.engine.hooks.UnreadableVideoHook` logs one summary per
    epoch and keeps the list in ``work_dir/unreadable_videos.txt`` (reloaded
    by ``--resume``). In ``test_mode`` nothing is replaced or skipped
    (features must stay aligned with the annotation): the error is raised
    at once.
    Errors inside view pipelines are bugs, not bad input: they propagate
    with a note naming the video and the view.

    Short videos: frame indices past the end are wrapped (``'loop'``,
    default, mmaction2's ``SampleFrames`` default, so pretraining and
    downstream sampling agree and the motion stays real except at the wrap)
    or clamped to the last frame (``'pad'``, frozen frames).

    Args:
        ann_file (str): annotation file.
        clip_sampler (dict | callable): the temporal sampler.
        views (list[dict], optional): ``dict(name=..., pipeline=[...])``.
        view_pipeline (list, optional): one pipeline for all views.
        num_views (int, optional): views of ``view_pipeline``; defaults to
            the sampler's ``num_views``.
        data_type (str): ``'video'`` or ``'rawframes'``.
        data_prefix (dict, optional): ``dict(video=...)`` /
            ``dict(img=...)``.
        filename_tmpl (str): rawframes only. Defaults to ``'img_{:05}.jpg'``.
        start_index (int, optional): index of the first frame file; defaults
            to 0 for videos and 1 for rawframes (mmaction2's defaults).
        rawframe_fps (float): frame rate of frame folders. Defaults to 30.
        short_video (str): ``'loop'`` or ``'pad'``. Defaults to ``'loop'``.
        max_retries (int): consecutive replacements of unreadable videos
            before giving up. Defaults to 10.
        video_backend (str): how videos are decoded: ``'decord'``
            (default, seeking), ``'torchcodec'`` (exact seeking, where it
            imports) or ``'pyav'`` (sequential decoding, for containers
            whose seeking cannot be trusted, e.g. DivX AVI); see
            :mod:`mmvssl.datasets.video_readers`. An unknown or unusable
            backend raises when the dataset is built.
        num_threads (int): decoding threads per reader. Defaults to 1.
        backend_args (dict, optional): mmengine file backend.
        frame_cache (str, optional): a folder where each video's decoded
            frames are kept after its first read
            (:class:`~mmvssl.datasets.video_readers.FrameCacheReader`; for
            small videos read many times, e.g. the synthetic benchmark:
            ~5 MB per 80-frame 160x128 video). Defaults to None (decode on
            every read).
        pack (dict | callable): Defaults to ``dict(type='PackMultiView')``.
        region_source (dict | callable, optional): the region-box source
            (``RandomRegionBoxes``, ``SLICRegionBoxes``, ...) put where a
            view pipeline holds the slot ``'region_source'`` (e.g. after
            the spatial transforms, before the photometric ones), so a
            config swaps the source without rebuilding the views. None
            drops the slot; a source no pipeline uses is an error.
        delimiter (str): annotation field separator (runs of it count as
            one). Defaults to ``' '``.
        multi_class (bool), num_classes (int), test_mode (bool),
        modality (str), **kwargs: as mmaction2's ``BaseActionDataset`` /
            mmengine's ``BaseDataset``.
    """

    def __init__(self,
                 ann_file: str,
                 clip_sampler: ConfigType,
                 views: Optional[List[dict]] = None,
                 view_pipeline: Optional[List[ConfigType]] = None,
                 num_views: Optional[int] = None,
                 data_type: str = 'video',
                 data_prefix: Optional[dict] = None,
                 filename_tmpl: str = 'img_{:05}.jpg',
                 start_index: Optional[int] = None,
                 rawframe_fps: float = 30.0,
                 short_video: str = 'loop',
                 max_retries: int = 10,
                 video_backend: str = 'decord',
                 num_threads: int = 1,
                 backend_args: Optional[dict] = None,
                 frame_cache: Optional[str] = None,
                 pack: ConfigType = dict(type='PackMultiView'),
                 region_source: Optional[ConfigType] = None,
                 delimiter: str = ' ',
                 multi_class: bool = False,
                 num_classes: Optional[int] = None,
                 test_mode: bool = False,
                 modality: str = 'RGB',
                 **kwargs) -> None:
        if data_type not in ('video', 'rawframes'):
            raise ValueError("data_type must be 'video' or 'rawframes', got "
                             f'{data_type!r}')
        if short_video not in ('loop', 'pad'):
            raise ValueError("short_video must be 'loop' or 'pad', got "
                             f'{short_video!r}')
        if max_retries < 0:
            raise ValueError(f'max_retries must be >= 0, got {max_retries}')
        self.data_type = data_type
        self.prefix_key = 'video' if data_type == 'video' else 'img'
        if data_prefix is None:
            data_prefix = {self.prefix_key: ''}
        elif self.prefix_key not in data_prefix:
            raise KeyError(f'data_type={data_type!r} reads '
                           f'data_prefix[{self.prefix_key!r}], got '
                           f'{data_prefix}')
        self.filename_tmpl = filename_tmpl
        self.rawframe_fps = float(rawframe_fps)
        self.short_video = short_video
        self.max_retries = int(max_retries)
        if data_type == 'video':
            check_video_backend(video_backend)
        self.video_backend = video_backend
        self.num_threads = int(num_threads)
        self.backend_args = backend_args
        self.frame_cache = frame_cache
        self.delimiter = delimiter

        self.clip_sampler = (
            TASK_UTILS.build(clip_sampler)
            if isinstance(clip_sampler, dict) else clip_sampler)
        self._slots = dict(region_source=region_source)
        self.view_names, self.view_pipelines = self._build_views(
            views, view_pipeline, num_views)
        self.pack = TRANSFORMS.build(pack) if isinstance(pack, dict) else pack
        self._reader = None  # created lazily in each (worker) process
        self._reader_pid = None
        self._unreadable = None  # shared tables, made by full_init
        self._replaced = None

        if start_index is None:
            start_index = 0 if data_type == 'video' else 1
        super().__init__(
            ann_file,
            pipeline=[],
            data_prefix=data_prefix,
            test_mode=test_mode,
            multi_class=multi_class,
            num_classes=num_classes,
            start_index=start_index,
            modality=modality,
            **kwargs)

    # ------------------------------------------------------------ building
    def _build_views(self, views, view_pipeline, num_views):
        if (views is None) == (view_pipeline is None):
            raise ValueError('give exactly one of `views` (a list of '
                             'dict(name=..., pipeline=[...])) and '
                             '`view_pipeline` (shared by `num_views` views)')
        if views is not None:
            if not isinstance(views, (list, tuple)) or not views:
                raise ValueError('`views` must be a non-empty list of '
                                 f'dict(name=..., pipeline=[...]), got '
                                 f'{views!r}')
            names, pipelines = [], []
            for i, v in enumerate(views):
                unknown = set(v) - {'name', 'pipeline'}
                if unknown:
                    raise KeyError(f'views[{i}] has unknown keys '
                                   f'{sorted(unknown)}; expected name, '
                                   'pipeline')
                names.append(str(v.get('name', f'view{i}')))
                pipelines.append(
                    _build_pipeline(v.get('pipeline', []), self._slots))
        else:
            if num_views is None:
                num_views = getattr(self.clip_sampler, 'num_views', None)
            if not num_views or int(num_views) < 1:
                raise ValueError('`num_views` must be a positive int when '
                                 '`view_pipeline` is used (the sampler does '
                                 'not say how many views it returns)')
            names = [f'view{i}' for i in range(int(num_views))]
            shared = _build_pipeline(view_pipeline, self._slots)
            pipelines = [shared] * len(names)
        if len(set(names)) != len(names):
            raise ValueError(f'view names must be unique, got {names}')
        cfgs = ([v.get('pipeline', []) for v in views]
                if views is not None else [view_pipeline])
        for slot, source in self._slots.items():
            if source is not None and not any(slot in c for c in cfgs):
                raise ValueError(
                    f'{slot}={source!r} is given but no view pipeline holds '
                    f'the slot {slot!r} (put the string where it goes)')
        expected = getattr(self.clip_sampler, 'num_views', None)
        if expected is not None and expected != len(names):
            raise ValueError(
                f'the clip sampler {type(self.clip_sampler).__name__} '
                f'returns {expected} temporal records but {len(names)} '
                f'views are declared ({names})')
        return names, pipelines

    # ---------------------------------------------------------- annotation
    def load_data_list(self) -> List[dict]:
        """Parse the annotation file (errors name the file and line; see
        :func:`mmvssl.datasets.annotations.load_video_list`)."""
        return load_video_list(
            self.ann_file,
            data_type=self.data_type,
            prefix=self.data_prefix.get(self.prefix_key) or '',
            delimiter=self.delimiter,
            multi_class=self.multi_class,
            num_classes=self.num_classes,
            backend_args=self.backend_args)

    # ------------------------------------------------- unreadable videos
    def full_init(self):
        super().full_init()
        self._init_unreadable_table()

    def _init_unreadable_table(self):
        """One byte per video (0: not known bad, else a reason code) and one
        replacement counter per process, in shared memory: made before the
        DataLoader starts its workers, so what one worker learns every other
        worker (and the main process) sees, for as long as the dataset
        lives, also across epochs of non-persistent workers."""
        if self._unreadable is not None and \
                len(self._unreadable) == len(self):
            return
        import torch
        self._unreadable = torch.zeros(
            len(self), dtype=torch.uint8).share_memory_()
        self._replaced = torch.zeros(_COUNTER_SLOTS,
                                     dtype=torch.int64).share_memory_()

    def _video_name(self, idx: int) -> str:
        key = 'filename' if self.data_type == 'video' else 'frame_dir'
        return self.get_data_info(idx)[key]

    def unreadable_videos(self) -> dict:
        """``{index: (name, reason)}`` of the videos known to be unreadable
        in this run (by any worker of this process)."""
        if self._unreadable is None:
            return {}
        inds = self._unreadable.nonzero().flatten().tolist()
        return {
            i: (self._video_name(i),
                UNREADABLE_REASONS.get(int(self._unreadable[i]), 'unreadable'))
            for i in inds
        }

    def mark_unreadable(self, marks) -> int:
        """Remember videos as unreadable: ``marks`` maps an index, or a
        video name (path as in :meth:`unreadable_videos`), to a reason.
        Unknown names are ignored. Returns how many entries were new."""
        if not self._fully_initialized:
            self.full_init()
        self._init_unreadable_table()
        by_name = None
        new = 0
        for key, reason in dict(marks).items():
            if isinstance(key, str):
                if by_name is None:
                    by_name = {}
                    for i in range(len(self)):
                        by_name.setdefault(self._video_name(i), []).append(i)
                inds = by_name.get(key, [])
            else:
                inds = [int(key)]
            for i in inds:
                if 0 <= i < len(self) and not self._unreadable[i]:
                    self._unreadable[i] = _reason_code(reason)
                    new += 1
        return new

    def replaced_count(self) -> int:
        """Samples replaced so far (first failures and skipped known-bad
        draws), summed over this process and its workers."""
        return 0 if self._replaced is None else int(self._replaced.sum())

    def _count_replacement(self):
        if self._replaced is None:
            return
        import torch.utils.data
        info = torch.utils.data.get_worker_info()
        slot = 0 if info is None else 1 + info.id % (_COUNTER_SLOTS - 1)
        self._replaced[slot] += 1  # one writer per slot

    # ------------------------------------------------------------ reading
    def __getstate__(self):
        state = self.__dict__.copy()
        state['_reader'] = None  # never ship a reader to another process
        state['_reader_pid'] = None
        return state

    def _get_reader(self):
        """The frame reader of this process, created on first use."""
        pid = os.getpid()
        if self._reader is None or self._reader_pid != pid:
            if self.data_type == 'video':
                self._reader = build_video_reader(self.video_backend,
                                                  self.num_threads,
                                                  self.backend_args,
                                                  self.frame_cache)
            else:
                self._reader = RawFrameReader(self.filename_tmpl,
                                              self.start_index,
                                              self.rawframe_fps,
                                              self.backend_args)
            self._reader_pid = pid
        return self._reader

    def _resolve(self, inds: np.ndarray, total: int) -> np.ndarray:
        inds = np.asarray(inds, dtype=np.int64).reshape(-1)
        if self.short_video == 'loop':
            return np.mod(inds, total)
        return np.clip(inds, 0, total - 1)

    def _sample(self, total: int, fps: float):
        out = self.clip_sampler(total, fps)
        records, pretext = out if isinstance(out, tuple) else (out, {})
        if len(records) != len(self.view_names):
            raise ValueError(
                f'the clip sampler {type(self.clip_sampler).__name__} '
                f'returned {len(records)} records for {len(self.view_names)}'
                f' views ({self.view_names})')
        for r in records:
            if 'frame_inds' not in r or len(r['frame_inds']) == 0:
                raise ValueError(
                    f'the clip sampler {type(self.clip_sampler).__name__} '
                    f'returned a record without frame_inds: {r}')
        return records, dict(pretext)

    def prepare_data(self,
                     idx: int,
                     requested_levels: Optional[dict] = None) -> dict:
        """Decode the frames of all views once, then run the view pipelines
        and ``pack``. Raises :class:`VideoReadError` for unreadable input.

        ``requested_levels`` (``{level_key: id}``, e.g. from
        :class:`~mmvssl.datasets.LevelGroupedBatchSampler`) go into every
        view's ``requested_levels``; the levelled transforms record what
        they applied in ``levels``. Once every view is cut, the sampler's
        ``pretext_labels`` derives the video-level labels from the records.
        """
        info = self.get_data_info(idx)
        name_key = 'filename' if self.data_type == 'video' else 'frame_dir'
        filename = info[name_key]
        video = self._get_reader().open(info)
        try:
            total, fps = int(video.total_frames), float(video.fps)
            records, pretext = self._sample(total, fps)
            view_inds = [
                self._resolve(r['frame_inds'], total) for r in records
            ]
            unique, inverse = np.unique(
                np.concatenate(view_inds), return_inverse=True)
            frames = video.get_frames(unique)
        finally:
            video.close()
        inverse = inverse.reshape(-1)
        src_shape = frames.shape[1:3]

        done, view_results, offset = {}, [], 0
        for name, pipeline, record, inds in zip(self.view_names,
                                                self.view_pipelines, records,
                                                view_inds):
            imgs = _take(frames, inverse[offset:offset + len(inds)])
            offset += len(inds)
            extra = {
                k: v
                for k, v in record.items()
                if k not in ('frame_inds', 'playback_rate')
            }
            if requested_levels:
                extra['requested_levels'] = dict(
                    extra.get('requested_levels') or {}, **requested_levels)
            geometry = new_geometry(name, src_shape, total, fps, inds,
                                    record.get('playback_rate', 1), **extra)
            results = dict(
                imgs=imgs,
                geometry=geometry,
                ref_geometry=dict(done),
                pretext=pretext,
                filename=filename,
                label=info.get('label', -1),
                sample_idx=info['sample_idx'],
                view_name=name,
                modality=self.modality,
                total_frames=total,
                avg_fps=fps,
                frame_inds=inds,
                clip_len=len(inds),
                num_clips=1,
                start_index=self.start_index,
                original_shape=src_shape,
                img_shape=src_shape)
            try:
                results = pipeline(results)
            except Exception as e:
                e.add_note(f'mmvssl: raised by the pipeline of view '
                           f'{name!r} on {filename} (sample {idx})')
                raise
            if results is None:
                raise RuntimeError(f'the pipeline of view {name!r} returned '
                                   f'None on {filename}')
            done[name] = results['geometry']
            view_results.append(results)
        labels = getattr(self.clip_sampler, 'pretext_labels', None)
        if labels is not None:
            pretext.update(labels([r['geometry'] for r in view_results]))
        return self.pack(
            dict(
                views=view_results,
                filename=filename,
                sample_idx=info['sample_idx'],
                label=info.get('label', -1),
                pretext=pretext))

    def __getitem__(self,
                    idx: int,
                    requested_levels: Optional[dict] = None) -> dict:
        """``prepare_data(idx, requested_levels)``, replacing unreadable
        videos (see class doc; a replacement gets the same levels).

        An index from :class:`~mmvssl.datasets.SeededSampler` carries a
        seed: the sample (and any replacement draw) then runs under it."""
        seed = getattr(idx, 'seed', None)
        if seed is not None:
            with seeded_rngs(seed):
                return self._get_item(int(idx), requested_levels)
        return self._get_item(idx, requested_levels)

    def _get_item(self, idx: int,
                  requested_levels: Optional[dict] = None) -> dict:
        if not self._fully_initialized:
            self.full_init()
        failed = []
        known = None if self.test_mode else self._unreadable
        while True:
            err = None
            if known is not None and known[idx]:
                # known bad: replaced without another decode attempt
                reason = UNREADABLE_REASONS.get(int(known[idx]), 'unreadable')
                failed.append(f'{self._video_name(idx)} ({reason}, known)')
            else:
                try:
                    return self.prepare_data(idx, requested_levels)
                except VideoReadError as e:
                    err = e
                    failed.append(f'{err.filename} ({err.reason})')
                    if self.test_mode:
                        err.add_note('MultiViewVideoDataset does not replace '
                                     'unreadable videos in test_mode')
                        raise
                    if known is not None:
                        known[idx] = _reason_code(err.reason)
            self._count_replacement()
            if len(failed) > self.max_retries:
                distinct = {}
                for f in failed:
                    distinct[f] = distinct.get(f, 0) + 1
                raise RuntimeError(
                    f'{len(failed)} consecutive videos could not be '
                    f'read (max_retries={self.max_retries}); check the '
                    'data: ' +
                    '; '.join(f + (f' [x{n}]' if n > 1 else '')
                              for f, n in distinct.items())) from err
            new_idx = self._rand_another()
            if err is not None:
                print_log(
                    f'MultiViewVideoDataset: skipping unreadable video '
                    f'{err.filename}: {err.reason}; replacing sample '
                    f'{idx} by sample {new_idx} (retry {len(failed)}/'
                    f'{self.max_retries})' +
                    ('; it is skipped for the rest of the run'
                     if known is not None else ''),
                    logger='current',
                    level=logging.WARNING)
            idx = new_idx
