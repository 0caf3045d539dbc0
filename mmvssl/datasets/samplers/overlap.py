"""STOR's overlap clip sampler (CSTP, Zhang et al. AAAI 2022), temporal step
of the spatio-temporal overlap augmentation.

Per video it draws the *requested* temporal and spatial overlap rates and
places the two clips in time; the spatial request is realised by
:class:`~mmvssl.datasets.transforms.OverlapAnchorCrop` /
:class:`~mmvssl.datasets.transforms.OverlapCrop`. Requests travel in the
views' geometry records (keys copied from the sampler records):

================================ ==============================================
``temporal_overlap_target``      the drawn temporal candidate ``gamma_t``
``temporal_overlap_candidates``  the temporal candidate list
``spatial_overlap_target``       the drawn spatial candidate ``gamma_s``
                                 (``OverlapAnchorCrop(size_mode='free')`` may
                                 redraw it; ``OverlapCrop`` writes the rate it
                                 realised into clip 2's record)
``spatial_overlap_candidates``   the spatial candidate list
================================ ==============================================

Once both clips are cut, :meth:`OverlapClipSampler.pretext_labels` derives the
labels from the two records (the data sample's ``pretext``):

================================ ==============================================
``temporal_overlap``             class id of the realised overlap, ``-1`` when
                                 the video was too short for the drawn rate
                                 (a clip wraps or pads past the end)
``temporal_overlap_target``      the requested ``gamma_t``
``temporal_overlap_rate``        ``1 - k / L`` (``k`` the realised shift in
                                 view frames; ``nan`` when ``-1``)
``temporal_overlap_candidates``  the candidate list
``spatial_overlap``              class id, ``-1`` when the realised rate
                                 (clip 2's ``overlap_boxes``) is not within
                                 :func:`~mmvssl.structures.geometry.\
spatial_tolerance` of the request
``spatial_overlap_target``       the requested ``gamma_s``
``spatial_overlap_rate``         the realised rate
``spatial_overlap_candidates``   the candidate list
================================ ==============================================

A label is never changed to another class: when a placement is impossible
the clips are re-placed (another start of clip 1, another position of clip
1's box, another placement of clip 2); only when *no* placement exists the
label becomes ``-1`` (ignored by the losses), so the class balance of the
valid labels is not biased.

**Rounding.** Positions are whole frames / pixels, so the realised rates
equal the drawn ones up to rounding:

* temporal: clip 2 is shifted by ``k = round(L * (1 - gamma_t))`` view frames
  (``k * stride`` source frames, so the clips share ``L - k`` frames); the
  realised rate is ``1 - k / L``, within ``1 / (2 L)`` of ``gamma_t``
  (``L`` = clip length in frames). The candidates must map to distinct
  shifts (checked at construction).
* spatial: clip 2 is displaced by integer ``(dx, dy)`` with
  ``|(w - |dx|) (h - |dy|) / (w h) - gamma_s| <= 1 / (2 min(w, h))``
  (``w x h`` = crop size in the pixels it is cut from); such displacements
  always exist, and one is drawn uniformly among those that keep clip 2
  inside the frame.
"""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from mmvssl.registry import TASK_UTILS
from mmvssl.structures.geometry import (box_overlap_rate, spatial_tolerance,
                                        temporal_shift)
from .clip_samplers import BaseClipSampler, check_positive

#: the paper's default candidates (5 classes, Table 4's best).
DEFAULT_OVERLAPS = (0.2, 0.4, 0.6, 0.8, 1.0)

#: Table 4's candidate lists, by number of candidates (verbatim).
TABLE4_OVERLAPS = {
    2: (0.5, 1.0),
    3: (0.33, 0.66, 0.99),
    4: (0.25, 0.5, 0.75, 1.0),
    5: (0.2, 0.4, 0.6, 0.8, 1.0),
    6: (0.166, 0.332, 0.498, 0.664, 0.83, 1.0),
    7: (0.143, 0.286, 0.429, 0.572, 0.715, 0.858, 1.0),
}

__all__ = [
    'DEFAULT_OVERLAPS', 'TABLE4_OVERLAPS', 'OverlapClipSampler',
    'temporal_overlap_labels', 'spatial_overlap_labels'
]


def _check_candidates(owner: str, what: str, values) -> Tuple[float, ...]:
    values = tuple(float(v) for v in values)
    if len(values) < 2 or any(not 0 < v <= 1 for v in values):
        raise ValueError(f'{owner}: {what} must hold at least two rates in '
                         f'(0, 1], got {values}')
    if len(set(values)) != len(values):
        raise ValueError(f'{owner}: {what} has duplicates: {values}')
    return values


# ------------------------------------------------------------------ sampler
@TASK_UTILS.register_module()
class OverlapClipSampler(BaseClipSampler):
    """Temporal step of STOR's overlap augmentation (two views).

    Per video: a temporal label ``i_t`` and a spatial label ``i_s`` are drawn
    uniformly from ``temporal_overlaps`` / ``spatial_overlaps``; a playback
    rate ``r`` (stride ``frame_interval * r``) is drawn uniformly among the
    ``playback_rates`` for which a pair of clips at the *smallest* overlap
    candidate fits in the video (the rate is capped by the video length, the
    same way whatever overlap was drawn, so the two labels stay
    independent); both clips use it. Clip 2 is shifted by
    ``k = round(L (1 - gamma_t))`` view frames before or after clip 1 (each
    with probability 1/2) and clip 1's start is drawn uniformly among the
    starts that keep both clips inside the video (re-placing clip 1 instead
    of changing the label). Only a video too short for the drawn overlap even
    at the slowest rate gets its clips placed from frame 0 (the dataset
    loops the frames past the end), the temporal label ``-1`` and the rate
    ``nan``: a video of ``(L + k - 1) * frame_interval + 1`` frames (``k``
    the shift of the smallest candidate; 29 for 16 frames and 0.2) is long
    enough for every label.

    ``playback_cap='clip'`` follows the released CSTP code instead (the
    paper is silent): a rate ``r`` is allowed when one clip spans the video,
    ``(L - 1) * frame_interval * r <= total_frames``, and drawn uniformly
    among the allowed rates (on UCF101 split-1 lengths, P(1/2/4/8) =
    .28/.28/.27/.18 with 16-frame clips, against .36/.35/.22/.07 with the
    default cap); a temporal label that cannot be placed at that rate is
    then *redrawn* uniformly among the labels that can (the official code
    redraws it in a loop), so in this mode the temporal label depends on
    the rate for short videos. Only a video shorter than a pair at overlap
    1 gets ``-1``.

    Both requests are drawn here (one place for both; the crops read
    ``spatial_overlap_target`` from the views' geometry records), and
    :meth:`pretext_labels` derives both labels from the finished records.

    Records: ``frame_inds``, ``playback_rate``, with ``playback_rates``
    ``playback_label`` (index into ``playback_rates``; the same for both
    clips), and the requests (``temporal_overlap_target`` /
    ``_candidates``, ``spatial_overlap_target`` / ``_candidates``, the same
    in both). See the module docstring for the ``pretext`` keys.

    With ``temporal_overlaps=None`` the two clips are placed independently
    (each start uniform; each clip draws its own playback rate among those
    that fit), i.e. the augmentation of the configurations without the
    temporal STOR task; ``spatial_overlaps=None`` likewise makes the crops
    independent (no spatial label).

    Args:
        clip_len (int): frames per clip. Defaults to 16.
        frame_interval (int): base stride. Defaults to 1.
        temporal_overlaps (Sequence[float], optional): candidate rates.
            Defaults to ``(0.2, 0.4, 0.6, 0.8, 1.0)``.
        spatial_overlaps (Sequence[float], optional): candidate rates.
            Defaults to ``(0.2, 0.4, 0.6, 0.8, 1.0)``.
        playback_rates (Sequence[int], optional): e.g. ``[1, 2, 4, 8]``.
            Defaults to None (stride ``frame_interval``).
        order (str): ``'random'`` (clip 2 before or after clip 1) or
            ``'forward'`` (clip 2 never starts before clip 1). Defaults to
            ``'random'``.
        playback_cap (str): ``'pair'`` (a pair at the smallest overlap
            candidate must fit; labels independent) or ``'clip'`` (the
            released code's cap and label redraw, see above). Defaults to
            ``'pair'``.
    """

    num_views = 2

    def __init__(self,
                 clip_len: int = 16,
                 frame_interval: int = 1,
                 temporal_overlaps: Optional[Sequence[float]] = (
                     DEFAULT_OVERLAPS),
                 spatial_overlaps: Optional[Sequence[float]] = (
                     DEFAULT_OVERLAPS),
                 playback_rates: Optional[Sequence[int]] = None,
                 order: str = 'random',
                 playback_cap: str = 'pair') -> None:
        name = type(self).__name__
        if playback_cap not in ('pair', 'clip'):
            raise ValueError(f"{name}: playback_cap must be 'pair' or "
                             f"'clip', got {playback_cap!r}")
        self.playback_cap = playback_cap
        check_positive(name, clip_len=clip_len, frame_interval=frame_interval)
        if order not in ('random', 'forward'):
            raise ValueError(f"{name}: order must be 'random' or 'forward', "
                             f'got {order!r}')
        self.clip_len = int(clip_len)
        self.frame_interval = int(frame_interval)
        self.order = order
        self.temporal_overlaps = None
        if temporal_overlaps is not None:
            self.temporal_overlaps = _check_candidates(
                name, 'temporal_overlaps', temporal_overlaps)
            shifts = [temporal_shift(self.clip_len, g)
                      for g in self.temporal_overlaps]
            if len(set(shifts)) != len(shifts):
                raise ValueError(
                    f'{name}: clip_len={clip_len} cannot separate the '
                    f'temporal overlaps {self.temporal_overlaps} (frame '
                    f'shifts {shifts}); use longer clips or fewer candidates')
            self.shifts = shifts
        self.spatial_overlaps = None
        if spatial_overlaps is not None:
            self.spatial_overlaps = _check_candidates(
                name, 'spatial_overlaps', spatial_overlaps)
        if playback_rates is not None:
            playback_rates = [int(r) for r in playback_rates]
            check_positive(
                name, **{f'playback_rates[{i}]': r
                         for i, r in enumerate(playback_rates)})
        self.playback_rates = playback_rates

    # ------------------------------------------------------------ helpers
    def _rates(self):
        """``[(stride, label), ...]`` of the configured playback rates."""
        if self.playback_rates is None:
            return [(self.frame_interval, None)]
        return [(self.frame_interval * r, i)
                for i, r in enumerate(self.playback_rates)]

    def _clip_cap(self, stride: int) -> int:
        """Frames the released code requires for a rate:
        ``(clip_len - 1) * stride`` (one clip's extent)."""
        return (self.clip_len - 1) * stride

    def _draw_rate(self, frames_needed) -> Tuple[int, Optional[int], bool]:
        """Uniform among the rates whose ``frames_needed(stride)`` fits;
        the slowest rate (and ``False``) if none does."""
        rates = self._rates()
        fits = [rl for rl in rates if frames_needed(rl[0]) <= self._total]
        if fits:
            stride, label = fits[np.random.randint(len(fits))]
            return stride, label, True
        stride, label = min(rates, key=lambda rl: rl[0])
        return stride, label, False

    def _record(self, start, stride, label, request):
        rec = dict(
            frame_inds=self.clip_inds(start, self.clip_len, stride),
            playback_rate=int(stride))
        if label is not None:
            rec['playback_label'] = int(label)
        rec.update(request)
        return rec

    # ------------------------------------------------------------- sample
    def sample(self, total_frames: int, fps: float):
        self._total = total_frames
        L = self.clip_len
        request = {}
        if self.spatial_overlaps is not None:
            i_s = int(np.random.randint(len(self.spatial_overlaps)))
            request['spatial_overlap_target'] = self.spatial_overlaps[i_s]
            request['spatial_overlap_candidates'] = self.spatial_overlaps

        if self.temporal_overlaps is None:  # independent clips
            records = []
            need = (self._clip_cap if self.playback_cap == 'clip' else
                    (lambda s: self.span(L, s)))
            for _ in range(2):
                stride, label, _ = self._draw_rate(need)
                room = max(0, total_frames - self.span(L, stride))
                start = int(np.random.randint(room + 1))
                records.append(self._record(start, stride, label, request))
            return records

        i_t = int(np.random.randint(len(self.temporal_overlaps)))
        if self.playback_cap == 'clip':
            # the released code: the rate is capped by one clip's extent;
            # a temporal label that does not fit at that rate is redrawn
            stride, label, _ = self._draw_rate(self._clip_cap)
            fits = [i for i, k in enumerate(self.shifts)
                    if self.span(L + k, stride) <= total_frames]
            if fits and i_t not in fits:
                i_t = int(fits[np.random.randint(len(fits))])
        else:
            # the rate is capped by what the *largest* shift allows, so the
            # playback label does not depend on the overlap label
            stride, label, _ = self._draw_rate(
                lambda s: self.span(L + max(self.shifts), s))
        k = self.shifts[i_t]
        room = total_frames - self.span(L + k, stride)
        ok = room >= 0
        first = int(np.random.randint(room + 1)) if ok else 0
        later = first + k * stride
        if self.order == 'forward' or np.random.rand() < 0.5:
            s1, s2 = first, later  # clip 2 after clip 1
        else:
            s1, s2 = later, first
        request['temporal_overlap_target'] = self.temporal_overlaps[i_t]
        request['temporal_overlap_candidates'] = self.temporal_overlaps
        return [self._record(s1, stride, label, request),
                self._record(s2, stride, label, request)]

    # ------------------------------------------------------------- labels
    def pretext_labels(self, geometries: Sequence[Dict]) -> Dict:
        """STOR's labels from the two finished records (module docstring).
        """
        if len(geometries) != 2:
            raise ValueError(f'{type(self).__name__}: expected the records '
                             f'of 2 views, got {len(geometries)}')
        g1, g2 = geometries
        labels = {}
        if self.spatial_overlaps is not None:
            labels.update(spatial_overlap_labels(g1, g2))
        if self.temporal_overlaps is not None:
            labels.update(temporal_overlap_labels(g1, g2))
        return labels

    def __repr__(self):
        return (f'{type(self).__name__}(clip_len={self.clip_len}, '
                f'frame_interval={self.frame_interval}, '
                f'temporal_overlaps={self.temporal_overlaps}, '
                f'spatial_overlaps={self.spatial_overlaps}, '
                f'playback_rates={self.playback_rates}, order={self.order!r}, '
                f'playback_cap={self.playback_cap!r})')




# ------------------------------------------------------------------ labels
def _whole(g: Dict) -> bool:
    """Whether a view's frames lie in the video and step by its
    ``playback_rate`` (not wrapped or padded past the end)."""
    inds = np.asarray(g['frame_inds'], np.int64)
    return bool((np.diff(inds) == int(g['playback_rate'])).all()
                and inds.min() >= 0 and inds.max() < int(g['total_frames']))


def _request(g1: Dict, g2: Dict, key: str) -> Tuple[float, Tuple]:
    for g in (g2, g1):
        if f'{key}_target' in g and f'{key}_candidates' in g:
            return (float(g[f'{key}_target']),
                    tuple(float(c) for c in g[f'{key}_candidates']))
    raise KeyError(f'OverlapClipSampler: the records of views '
                   f'{g1.get("name")!r} / {g2.get("name")!r} lack '
                   f'{key}_target / {key}_candidates')


def temporal_overlap_labels(g1: Dict, g2: Dict) -> Dict:
    """``temporal_overlap`` (class id or ``-1``), ``_target``, ``_rate``,
    ``_candidates`` from clip 1's and clip 2's records: the class of the
    requested rate when both clips are whole (neither wraps nor pads past
    the end of the video) and clip 2 is shifted by the request's
    :func:`~mmvssl.structures.geometry.temporal_shift`, else ``-1``."""
    target, cands = _request(g1, g2, 'temporal_overlap')
    clip_len = len(g1['frame_inds'])
    k = temporal_shift(clip_len, target)
    stride = int(g1['playback_rate'])
    shift = abs(int(g2['frame_inds'][0]) - int(g1['frame_inds'][0]))
    ok = (_whole(g1) and _whole(g2)
          and stride == int(g2['playback_rate'])
          and len(g2['frame_inds']) == clip_len and shift == k * stride)
    return dict(
        temporal_overlap=cands.index(target) if ok else -1,
        temporal_overlap_target=target,
        temporal_overlap_candidates=cands,
        temporal_overlap_rate=(1. - k / clip_len) if ok else float('nan'))


def spatial_overlap_labels(g1: Dict, g2: Dict) -> Dict:
    """``spatial_overlap`` (class id or ``-1``), ``_target``, ``_rate``,
    ``_candidates`` from the records: the rate of clip 2's ``overlap_boxes``
    (clip 1's box and clip 2's, in the pixels clip 2 was cut from, written
    by ``OverlapCrop``); the class of the requested rate when the realised
    one is within :func:`~mmvssl.structures.geometry.spatial_tolerance` of
    it, else ``-1``."""
    target, cands = _request(g1, g2, 'spatial_overlap')
    boxes = g2.get('overlap_boxes')
    if boxes is None:
        raise KeyError(
            f'OverlapClipSampler: spatial_overlaps is set but view '
            f'{g2.get("name")!r} has no overlap_boxes in its geometry '
            'record; cut clip 1 with OverlapAnchorCrop and clip 2 with '
            'OverlapCrop, or set spatial_overlaps=None')
    ref, own = np.asarray(boxes, np.int64)
    w, h = int(own[2] - own[0]), int(own[3] - own[1])
    rate = box_overlap_rate(ref, own)
    ok = abs(rate - target) <= spatial_tolerance(w, h) + 1e-12
    return dict(
        spatial_overlap=cands.index(target) if ok else -1,
        spatial_overlap_target=target,
        spatial_overlap_candidates=cands,
        spatial_overlap_rate=rate)
