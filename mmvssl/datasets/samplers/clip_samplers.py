"""Clip samplers: where in time each view of a video comes from.

A clip sampler is registered in ``TASK_UTILS`` and built by
:class:`MultiViewVideoDataset` from ``clip_sampler=dict(type=...)``. Its
interface (see :class:`BaseClipSampler`) is one call per video::

    records = sampler(total_frames, fps)          # list, one dict per view
    # once every view is cut from the frames:
    pretext = sampler.pretext_labels(geometries)  # video-level labels

Each record holds ``frame_inds`` (int, one per view frame) and
``playback_rate`` (source frames between consecutive view frames); any other
key (e.g. ``playback_label``, ``segment``, requested ``levels``, STOR's
requested overlap rates) is copied into the view's geometry record. Labels
that depend on what the view pipelines did (STOR's overlap rates) are
derived from the finished records by :meth:`BaseClipSampler.pretext_labels`,
never passed to the transforms through a side channel. Indices may run past the end of a video that is
too short for the clip; the dataset then loops or pads them
(``short_video``) so samplers never need to. Randomness uses ``np.random``.

Method-specific samplers (STOR's overlap sampler, ...) implement the same
interface.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from mmvssl.registry import TASK_UTILS

Records = List[Dict]


class BaseClipSampler:
    """Base class of the clip samplers.

    Subclasses implement :meth:`sample` and set :attr:`num_views`, the number
    of records every call returns (the dataset checks it against its views).
    """

    num_views: int = 1

    def __call__(self, total_frames: int,
                 fps: float) -> Union[Records, Tuple[Records, Dict]]:
        total_frames = int(total_frames)
        if total_frames < 1:
            raise ValueError(f'{type(self).__name__}: a video needs at least '
                             f'one frame, got total_frames={total_frames}')
        return self.sample(total_frames, float(fps))

    def sample(self, total_frames: int, fps: float):
        raise NotImplementedError

    def pretext_labels(self, geometries: Sequence[Dict]) -> Dict:
        """Video-level labels derived from the views' finished geometry
        records (config order), called by the dataset once every view is
        cut; they become the data sample's ``pretext``. None by default."""
        return {}

    @staticmethod
    def clip_inds(start: int, clip_len: int, stride: int) -> np.ndarray:
        """``clip_len`` indices from ``start`` every ``stride`` frames."""
        return int(start) + np.arange(clip_len, dtype=np.int64) * int(stride)

    @staticmethod
    def span(clip_len: int, stride: int) -> int:
        """Source frames a clip touches: ``(clip_len - 1) * stride + 1``."""
        return (clip_len - 1) * stride + 1


def check_positive(owner: str, **kwargs) -> None:
    """Raise ``ValueError`` naming ``owner`` and the argument unless every
    keyword value is a positive int."""
    for k, v in kwargs.items():
        if int(v) != v or v < 1:
            raise ValueError(f'{owner}: {k} must be a positive int, got {v!r}')


class _PlaybackMixin:
    """Optional playback-rate pretext: the stride of a clip is
    ``frame_interval * r`` with ``r`` drawn uniformly from the rates whose
    clip still fits in the video (the slowest rate if none fits); the record
    gets ``playback_label`` = index of ``r`` in ``playback_rates``."""

    def _init_rates(self, playback_rates):
        if playback_rates is not None:
            playback_rates = [int(r) for r in playback_rates]
            check_positive(
                type(self).__name__, **{
                    f'playback_rates[{i}]': r
                    for i, r in enumerate(playback_rates)
                })
        self.playback_rates = playback_rates

    def _draw_rate(self, total_frames: int) -> Tuple[int, Optional[int]]:
        """``(stride, label)`` of one clip."""
        if self.playback_rates is None:
            return self.frame_interval, None
        fits = [
            i for i, r in enumerate(self.playback_rates)
            if BaseClipSampler.span(self.clip_len, self.frame_interval *
                                    r) <= total_frames
        ]
        if not fits:
            fits = [int(np.argmin(self.playback_rates))]
        label = fits[np.random.randint(len(fits))]
        return self.frame_interval * self.playback_rates[label], label

    @staticmethod
    def _record(inds, stride, label, **extra):
        rec = dict(frame_inds=inds, playback_rate=int(stride), **extra)
        if label is not None:
            rec['playback_label'] = int(label)
        return rec


class _PerClipSampler(BaseClipSampler, _PlaybackMixin):
    """Clips placed one by one: ``num_clips`` clips of ``clip_len`` frames
    every ``frame_interval`` (or a drawn playback rate), clip ``i`` starting
    where :meth:`start` puts it. Subclasses define :meth:`start` and may add
    keys to each record through :meth:`extra`.

    Args:
        clip_len (int): frames per clip.
        frame_interval (int): stride in source frames. Defaults to 1.
        num_clips (int): clips (= views).
        test_mode (bool): deterministic placement. Defaults to False.
        playback_rates (list[int], optional): e.g. ``[1, 2, 4, 8]``; see
            ``_PlaybackMixin``. Defaults to None.
    """

    def __init__(self,
                 clip_len: int,
                 frame_interval: int = 1,
                 num_clips: int = 1,
                 test_mode: bool = False,
                 playback_rates: Optional[Sequence[int]] = None) -> None:
        check_positive(
            type(self).__name__,
            clip_len=clip_len,
            frame_interval=frame_interval,
            num_clips=num_clips)
        self.clip_len = clip_len
        self.frame_interval = frame_interval
        self.num_clips = self.num_views = num_clips
        self.test_mode = test_mode
        self._init_rates(playback_rates)

    def start(self, i: int, total_frames: int, span: int) -> int:
        """First source frame of clip ``i`` that touches ``span`` frames."""
        raise NotImplementedError

    def extra(self, i: int) -> Dict:
        """Keys added to clip ``i``'s record."""
        return {}

    def sample(self, total_frames: int, fps: float) -> Records:
        clips = []
        for i in range(self.num_clips):
            stride, label = self._draw_rate(total_frames)
            start = self.start(i, total_frames, self.span(self.clip_len,
                                                          stride))
            clips.append((start, stride, label, self.extra(i)))
        return [
            self._record(self.clip_inds(s, self.clip_len, st), st, lb, **ex)
            for s, st, lb, ex in self.order(clips)
        ]

    def order(self, clips: List[Tuple]) -> List[Tuple]:
        """The clips as returned (default: as placed)."""
        return clips

    def __repr__(self):
        return (f'{type(self).__name__}(clip_len={self.clip_len}, '
                f'frame_interval={self.frame_interval}, '
                f'num_clips={self.num_clips}, test_mode={self.test_mode}, '
                f'playback_rates={self.playback_rates})')


@TASK_UTILS.register_module()
class UniformClipSampler(_PerClipSampler):
    """``num_clips`` clips of ``clip_len`` frames every ``frame_interval``.

    Training (``test_mode=False``): each clip starts uniformly at random,
    independently; the clips are returned in chronological order of their
    start. Testing / feature extraction: starts are evenly spaced over the
    video (one clip: the centre), as mmaction2's ``SampleFrames`` in test
    mode.

    Args:
        clip_len (int): frames per clip.
        frame_interval (int): stride in source frames. Defaults to 1.
        num_clips (int): clips (= views). Defaults to 1.
        test_mode (bool): deterministic evenly spaced clips. Defaults to
            False.
        playback_rates (list[int], optional): e.g. ``[1, 2, 4, 8]``; see
            ``_PlaybackMixin``. Defaults to None.
    """

    def start(self, i: int, total_frames: int, span: int) -> int:
        max_start = max(0, total_frames - span)
        if not self.test_mode:
            return int(np.random.randint(max_start + 1))
        if self.num_clips == 1:
            return max_start // 2
        return int(round(i * max_start / (self.num_clips - 1)))

    def order(self, clips: List[Tuple]) -> List[Tuple]:
        if self.test_mode:
            return clips
        return sorted(clips, key=lambda c: c[0])


@TASK_UTILS.register_module()
class TemporalIntervalSampler(BaseClipSampler, _PlaybackMixin):
    """CVRL's temporal interval sampling of ``num_clips`` clips.

    The gap ``g`` (in source frames) between the starts of consecutive clips
    is drawn from a distribution over ``[0, G]`` and the first clip starts
    uniformly where all clips still fit; clips are returned in time order.
    ``interval='linear'`` (CVRL's default, its best setting) makes ``P(g)``
    decrease linearly: a continuous density ``2 (L - x) / L^2`` on
    ``[0, L]``, ``L = G + 1``, floored, i.e. ``P(g) = (2 (G - g) + 1) / L^2``,
    so nearby clips are sampled more often than distant ones;
    ``interval='uniform'`` draws ``g`` uniformly.

    ``G = min(max_interval, (total_frames - span) // (num_clips - 1))``
    where ``span`` is the frames one clip touches, so all clips fit
    (``max_interval=None``: the video length is the only limit, as in CVRL).
    A video shorter than one clip gets ``G = 0`` (the dataset loops / pads).

    Gaps are multiples of ``interval_step`` (default: ``frame_interval``):
    the distribution above is applied to ``g / interval_step`` over
    ``[0, G // interval_step]``. Aligning the clips to one sampling grid
    means overlapping clips share their frames, which the dataset then
    decodes (and colour-converts) once; with stride 2 an odd gap would
    interleave the clips and share no frame. The time quantum (2 frames,
    1/15 s at 30 fps) is far below the scale of the distribution.
    ``interval_step=1`` allows any gap.

    ``min_interval`` (default 0, CVRL) draws the gap over ``[min_interval,
    G]`` instead (the same distribution, shifted; a video too short for it
    gets the largest gap that fits): clips that far apart share little
    background in footage where the camera moves.

    Args:
        clip_len (int): frames per clip (CVRL: 16).
        frame_interval (int): stride (CVRL: 2, i.e. 32 raw frames -> 16).
        num_clips (int): Defaults to 2.
        interval (str): ``'linear'`` or ``'uniform'``. Defaults to
            ``'linear'``.
        max_interval (int, optional): largest gap in source frames.
        playback_rates (list[int], optional): per-clip playback-rate pretext
            (all clips then use the slowest drawn stride's span for fitting).
        interval_step (int, optional): gap granularity in frames. Defaults
            to ``frame_interval``.
        min_interval (int): smallest gap in source frames (a multiple of
            ``interval_step`` is used, rounded up). Defaults to 0.
    """

    def __init__(self,
                 clip_len: int,
                 frame_interval: int = 1,
                 num_clips: int = 2,
                 interval: str = 'linear',
                 max_interval: Optional[int] = None,
                 playback_rates: Optional[Sequence[int]] = None,
                 interval_step: Optional[int] = None,
                 min_interval: int = 0) -> None:
        if interval_step is None:
            interval_step = frame_interval
        check_positive(
            type(self).__name__,
            clip_len=clip_len,
            frame_interval=frame_interval,
            num_clips=num_clips,
            interval_step=interval_step)
        if interval not in ('linear', 'uniform'):
            raise ValueError(f'{type(self).__name__}: interval must be '
                             f"'linear' or 'uniform', got {interval!r}")
        if max_interval is not None and max_interval < 0:
            raise ValueError(f'{type(self).__name__}: max_interval must be '
                             f'>= 0, got {max_interval}')
        if min_interval < 0 or (max_interval is not None
                                and min_interval > max_interval):
            raise ValueError(f'{type(self).__name__}: min_interval must be '
                             f'in [0, max_interval], got {min_interval} '
                             f'(max_interval={max_interval})')
        self.min_interval = int(min_interval)
        self.clip_len = clip_len
        self.frame_interval = frame_interval
        self.num_clips = self.num_views = num_clips
        self.interval = interval
        self.max_interval = max_interval
        self.interval_step = int(interval_step)
        self._init_rates(playback_rates)

    def draw_gap(self, max_gap: int) -> int:
        """One gap in ``[0, max_gap]`` (a multiple of ``interval_step``)
        from the configured distribution."""
        steps = max_gap // self.interval_step
        # the minimum on the grid (rounded up), or the largest gap that fits
        lo = min(-(-self.min_interval // self.interval_step), steps)
        n = steps - lo
        if n <= 0:
            return lo * self.interval_step
        if self.interval == 'uniform':
            k = int(np.random.randint(n + 1))
        else:  # floor of a linearly decreasing density on [0, n + 1)
            x = (n + 1) * (1.0 - np.sqrt(1.0 - np.random.uniform()))
            k = min(int(x), n)
        return (lo + k) * self.interval_step

    def sample(self, total_frames: int, fps: float) -> Records:
        draws = [self._draw_rate(total_frames) for _ in range(self.num_clips)]
        span = max(self.span(self.clip_len, st) for st, _ in draws)
        room = max(0, total_frames - span)
        max_gap = room // max(1, self.num_clips - 1)
        if self.max_interval is not None:
            max_gap = min(max_gap, int(self.max_interval))
        gaps = [self.draw_gap(max_gap) for _ in range(self.num_clips - 1)]
        first = int(np.random.randint(room - sum(gaps) + 1))
        starts = first + np.concatenate([[0], np.cumsum(gaps)]).astype(int)
        return [
            self._record(self.clip_inds(s, self.clip_len, st), st, lb)
            for s, (st, lb) in zip(starts, draws)
        ]

    def __repr__(self):
        return (f'{type(self).__name__}(clip_len={self.clip_len}, '
                f'frame_interval={self.frame_interval}, '
                f'num_clips={self.num_clips}, interval={self.interval!r}, '
                f'max_interval={self.max_interval}, '
                f'min_interval={self.min_interval}, '
                f'interval_step={self.interval_step})')


@TASK_UTILS.register_module()
class SegmentClipSampler(_PerClipSampler):
    """One clip per temporal segment: the video is cut into ``num_clips``
    equal segments and clip ``k``'s centre frame is drawn uniformly in
    segment ``k`` (its centre in test mode); the clip is then shifted, if
    needed, to lie inside the video. This is controllable augmentations'
    local-clip sampling (centres in ``[(k-1)T/K, kT/K]``). Records get
    ``segment=k``.

    Args:
        clip_len (int), frame_interval (int), num_clips (int): as
            :class:`UniformClipSampler`.
        test_mode (bool): Defaults to False.
        playback_rates (list[int], optional): Defaults to None.
    """

    def __init__(self,
                 clip_len: int,
                 frame_interval: int = 1,
                 num_clips: int = 4,
                 test_mode: bool = False,
                 playback_rates: Optional[Sequence[int]] = None) -> None:
        super().__init__(clip_len, frame_interval, num_clips, test_mode,
                         playback_rates)

    def start(self, i: int, total_frames: int, span: int) -> int:
        seg = total_frames / self.num_clips
        if self.test_mode:
            centre = (i + 0.5) * seg
        else:
            centre = np.random.uniform(i * seg, (i + 1) * seg)
        start = int(np.floor(centre - (span - 1) / 2))
        return min(max(0, start), max(0, total_frames - span))

    def extra(self, i: int) -> Dict:
        return dict(segment=i)


@TASK_UTILS.register_module()
class SparseFrameSampler(BaseClipSampler):
    """``num_frames`` evenly spaced frames over the whole video (a "global
    video" view): frame ``i`` is ``floor(offset + i * T / num_frames)`` with
    one ``offset`` drawn uniformly in ``[0, T / num_frames)`` per video
    (half of it in test mode). ``playback_rate`` records the rounded mean
    stride.

    Args:
        num_frames (int): Defaults to 16.
        test_mode (bool): Defaults to False.
    """

    def __init__(self, num_frames: int = 16, test_mode: bool = False) -> None:
        check_positive(type(self).__name__, num_frames=num_frames)
        self.num_frames = num_frames
        self.test_mode = test_mode

    def sample(self, total_frames: int, fps: float) -> Records:
        step = total_frames / self.num_frames
        offset = step / 2 if self.test_mode else np.random.uniform(0, step)
        inds = np.floor(offset + np.arange(self.num_frames) * step)
        inds = np.minimum(inds.astype(np.int64), total_frames - 1)
        return [dict(frame_inds=inds, playback_rate=max(1, int(round(step))))]

    def __repr__(self):
        return (f'{type(self).__name__}(num_frames={self.num_frames}, '
                f'test_mode={self.test_mode})')


@TASK_UTILS.register_module()
class ComposeClipSampler(BaseClipSampler):
    """Concatenate the records of several samplers (views in that order)
    and merge their video-level labels, e.g. controllable augmentations'
    four local clips + one global video::

        clip_sampler=dict(type='ComposeClipSampler', samplers=[
            dict(type='SparseFrameSampler', num_frames=16),
            dict(type='SegmentClipSampler', clip_len=16, num_clips=4)])
    """

    def __init__(self, samplers: Sequence[Union[dict,
                                                BaseClipSampler]]) -> None:
        if not samplers:
            raise ValueError('ComposeClipSampler needs at least one sampler')
        self.samplers = [
            TASK_UTILS.build(s) if isinstance(s, dict) else s for s in samplers
        ]
        self.num_views = sum(s.num_views for s in self.samplers)

    def sample(self, total_frames: int, fps: float):
        records, pretext = [], {}
        for s in self.samplers:
            out = s(total_frames, fps)
            if isinstance(out, tuple):
                out, labels = out
                pretext.update(labels)
            records.extend(out)
        return (records, pretext) if pretext else records

    def __repr__(self):
        return f'{type(self).__name__}(samplers={self.samplers})'
