"""STOR's spatio-temporal overlap augmentation (CSTP, Zhang et al. AAAI 2022).

Two-step sampling of a pair of clips ``clip1`` / ``clip2``:

1. :class:`OverlapClipSampler` (a clip sampler, ``TASK_UTILS``) draws, once
   per video, a temporal overlap rate ``gamma_t`` and a spatial overlap rate
   ``gamma_s`` from their candidate lists (the labels), and one playback rate
   shared by both clips; it places the two clips in time so that the overlap
   duration / clip duration is ``gamma_t``.
2. In the view pipelines, clip 1 gets the base augmentation with
   :class:`OverlapAnchorCrop` (a ``ClipRandomResizedCrop`` whose box suits
   every candidate rate and is positioned so that ``gamma_s`` can be
   realised); clip 2 gets
   :class:`OverlapCrop`, which takes a box of clip 1's size placed so that
   the intersection area / crop area is ``gamma_s``, then the base
   augmentation without crop and temporal jitter.

The labels live in the per-video ``pretext`` dict (``metainfo['pretext']``):

================================ ==============================================
``temporal_overlap``             class id (index into ``temporal_overlaps``),
                                 ``-1`` if the video is too short for the
                                 drawn rate even at the slowest playback rate
``temporal_overlap_target``      the drawn candidate ``gamma_t``
``temporal_overlap_rate``        the realised rate (``nan`` when ``-1``)
``temporal_overlap_candidates``  the candidate list
``spatial_overlap``              class id, ``-1`` if no placement of clip 2
                                 realises ``gamma_s`` (see
                                 :class:`OverlapCrop`)
``spatial_overlap_target``       the drawn candidate ``gamma_s``
``spatial_overlap_rate``         the realised rate
``spatial_overlap_candidates``   the candidate list (clip 1's crop size is
                                 drawn so that every candidate fits)
================================ ==============================================

A label is never changed to another class: when a placement is impossible the
clips are re-placed (another start of clip 1, another position of clip 1's
box, another placement of clip 2); only when *no* placement exists the label
becomes ``-1`` (ignored by the losses), so the class balance of the valid
labels is not biased.

**Rounding.** Positions are whole frames / pixels, so the realised rates
equal the drawn ones up to rounding, and :func:`temporal_overlap_rate` /
:func:`spatial_overlap_rate` recompute them from the two views' geometry
records:

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
import math
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from mmvssl.registry import TASK_UTILS, TRANSFORMS
from mmvssl.structures import source_to_view_boxes
from .base import get_clip, get_geometry
from .clip_samplers import BaseClipSampler, _check_positive
from .spatial import ClipRandomResizedCrop, _apply_crop

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
    'DEFAULT_OVERLAPS', 'TABLE4_OVERLAPS', 'temporal_overlap_rate',
    'spatial_overlap_rate', 'nearest_candidate', 'temporal_shift',
    'spatial_displacements', 'OverlapClipSampler', 'OverlapAnchorCrop',
    'OverlapCrop'
]


# ------------------------------------------------------------ recomputation
def temporal_overlap_rate(g1: Dict, g2: Dict) -> float:
    """Overlap duration / clip duration of two views, from their records.

    A clip of ``L`` frames at stride ``r`` (``playback_rate``) shows the
    source time ``[frame_inds[0], frame_inds[-1] + r)`` (each frame stands
    for ``r`` source frames), i.e. ``L * r`` frames; the rate is the length
    of the intersection of the two intervals over the length of clip 1's.
    Frame indices are the resolved ones, so a looped (wrapped) clip does not
    give a meaningful rate; :class:`OverlapClipSampler` never loops a clip
    whose label is valid.
    """
    i1 = np.asarray(g1['frame_inds'], np.int64)
    i2 = np.asarray(g2['frame_inds'], np.int64)
    a1, b1 = int(i1.min()), int(i1.max()) + int(g1['playback_rate'])
    a2, b2 = int(i2.min()), int(i2.max()) + int(g2['playback_rate'])
    inter = max(0, min(b1, b2) - max(a1, a2))
    return inter / float(b1 - a1)


def spatial_overlap_rate(g1: Dict, g2: Dict) -> float:
    """Intersection area of the two views' ``crop_box`` (source pixels) /
    area of clip 1's box."""
    x1, y1, x2, y2 = (float(v) for v in g1['crop_box'])
    u1, v1, u2, v2 = (float(v) for v in g2['crop_box'])
    iw = max(0., min(x2, u2) - max(x1, u1))
    ih = max(0., min(y2, v2) - max(y1, v1))
    return iw * ih / ((x2 - x1) * (y2 - y1))


def nearest_candidate(rate: float, candidates: Sequence[float]) -> int:
    """Index of the candidate closest to ``rate``."""
    return int(np.argmin(np.abs(np.asarray(candidates, float) - rate)))


def _round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


def temporal_shift(clip_len: int, gamma: float) -> int:
    """Shift (in view frames) of clip 2 for the overlap rate ``gamma``:
    ``round(clip_len * (1 - gamma))``, clipped to ``[0, clip_len]``."""
    return min(clip_len, max(0, _round_half_up(clip_len * (1. - gamma))))


def spatial_displacements(w: int,
                          h: int,
                          gamma: float,
                          tol: Optional[float] = None,
                          max_dx: Optional[int] = None,
                          max_dy: Optional[int] = None) -> np.ndarray:
    """All integer displacement magnitudes ``(dx, dy)``, ``0 <= dx <= w``,
    ``0 <= dy <= h`` (and ``<= max_dx`` / ``max_dy``), whose overlap
    ``(w - dx) (h - dy) / (w h)`` is within ``tol`` (default
    ``1 / (2 min(w, h))``) of ``gamma``; int64 ``(N, 2)``, sorted by
    ``dx`` then ``dy``. Without the bounds it is never empty for
    ``0 < gamma <= 1``."""
    if tol is None:
        tol = 0.5 / min(w, h)
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

    The spatial label is only drawn here (one place for both labels; the
    crops read ``spatial_overlap_target`` from the ``pretext`` dict).

    Records: ``frame_inds``, ``playback_rate`` and, with ``playback_rates``,
    ``playback_label`` (index into ``playback_rates``; the same for both
    clips). See the module docstring for the ``pretext`` keys.

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
        _check_positive(name, clip_len=clip_len, frame_interval=frame_interval)
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
            _check_positive(
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

    def _record(self, start, stride, label):
        rec = dict(
            frame_inds=self.clip_inds(start, self.clip_len, stride),
            playback_rate=int(stride))
        if label is not None:
            rec['playback_label'] = int(label)
        return rec

    # ------------------------------------------------------------- sample
    def sample(self, total_frames: int, fps: float):
        self._total = total_frames
        L = self.clip_len
        pretext = {}
        if self.spatial_overlaps is not None:
            i_s = int(np.random.randint(len(self.spatial_overlaps)))
            pretext['spatial_overlap'] = i_s
            pretext['spatial_overlap_target'] = self.spatial_overlaps[i_s]
            pretext['spatial_overlap_candidates'] = self.spatial_overlaps

        if self.temporal_overlaps is None:  # independent clips
            records = []
            need = (self._clip_cap if self.playback_cap == 'clip' else
                    (lambda s: self.span(L, s)))
            for _ in range(2):
                stride, label, _ = self._draw_rate(need)
                room = max(0, total_frames - self.span(L, stride))
                start = int(np.random.randint(room + 1))
                records.append(self._record(start, stride, label))
            return records, pretext

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
        pretext['temporal_overlap'] = i_t if ok else -1
        pretext['temporal_overlap_target'] = self.temporal_overlaps[i_t]
        pretext['temporal_overlap_candidates'] = self.temporal_overlaps
        pretext['temporal_overlap_rate'] = (1. - k / L) if ok else float('nan')
        return [self._record(s1, stride, label),
                self._record(s2, stride, label)], pretext

    def __repr__(self):
        return (f'{type(self).__name__}(clip_len={self.clip_len}, '
                f'frame_interval={self.frame_interval}, '
                f'temporal_overlaps={self.temporal_overlaps}, '
                f'spatial_overlaps={self.spatial_overlaps}, '
                f'playback_rates={self.playback_rates}, order={self.order!r}, '
                f'playback_cap={self.playback_cap!r})')


# -------------------------------------------------------------------- crops
def _target(results: Dict, label_key: str) -> Optional[float]:
    """The drawn spatial rate, or None when the spatial task is off."""
    pretext = results.get('pretext') or {}
    if f'{label_key}_target' not in pretext:
        return None
    return float(pretext[f'{label_key}_target'])


def _check_untouched(results: Dict, who: str) -> None:
    g = get_geometry(results)
    if g['flip'] or g['rotation']:
        raise ValueError(f'{who}: must come before any flip / rotation of '
                         f'view {g["name"]!r}')


def _feasible(w: int, h: int, img_w: int, img_h: int, gamma: float) -> bool:
    """Whether two ``w x h`` boxes at overlap ``gamma`` fit in the frame."""
    return len(
        spatial_displacements(
            w, h, gamma, max_dx=img_w - w, max_dy=img_h - h)) > 0


class _OverlapCrop(ClipRandomResizedCrop):
    """A ``ClipRandomResizedCrop`` whose box realises the drawn spatial
    overlap rate ``pretext[<label_key>_target]`` when the sampler drew one
    (subclasses place the box: :meth:`overlap_box`), and is a plain random
    resized crop otherwise."""

    label_key: str

    def overlap_box(self, results: Dict, img_w: int, img_h: int,
                    gamma: float) -> Tuple[int, int, int, int]:
        """``(x1, y1, x2, y2)`` of the crop at rate ``gamma``."""
        raise NotImplementedError

    def transform(self, results: Dict) -> Dict:
        imgs = get_clip(results)
        img_h, img_w = imgs.shape[1:3]
        gamma = _target(results, self.label_key)
        if gamma is None:
            box = self.draw_box(0, 0, img_w, img_h)
        else:
            _check_untouched(results, type(self).__name__)
            box = self.overlap_box(results, img_w, img_h, gamma)
        _apply_crop(results, imgs, box, self.out_hw, self._interp)
        return results


@TRANSFORMS.register_module()
class OverlapAnchorCrop(_OverlapCrop):
    """Clip 1's multi-scale crop for STOR (a ``ClipRandomResizedCrop``).

    When the spatial overlap task is on (the sampler put
    ``<label_key>_target`` and ``<label_key>_candidates`` in ``pretext``):

    1. the box size is drawn as ``ClipRandomResizedCrop`` draws it, again
       (up to ``max_size_attempts`` times) until *every* candidate rate can
       be realised by two boxes of that size inside the frame; the size
       distribution is thus the base one restricted to sizes that suit all
       labels, and does not depend on the drawn label (a size that only
       suits large overlaps would let the network read the label from the
       zoom). If no draw fits, the last box is shrunk (same aspect ratio,
       factor 0.95 per step) until it does;
    2. the box is *re-positioned*: a displacement realising the drawn rate
       is chosen at random, then clip 1's position uniformly among those
       from which that displacement stays in the frame.

    Without a drawn rate this is a plain ``ClipRandomResizedCrop``.

    ``size_mode='free'`` follows the released CSTP code instead (the paper
    is silent): clip 1's box is a plain ``ClipRandomResizedCrop`` draw (size
    *and* position), so its area distribution is that of an unconstrained
    crop whatever the candidate set; when the drawn rate cannot be realised
    from that box, the label is redrawn as the official loop does: a
    candidate and a side (quadrant) for clip 2 uniformly, until clip 2 fits
    on that side (rate 1 always does). ``pretext[label_key]`` and
    ``pretext[label_key + '_target']`` are updated, so :class:`OverlapCrop`
    realises the new rate. The spatial label then depends on clip 1's box
    (large boxes cannot overlap another at small rates).

    Args:
        label_key (str): pretext key prefix. Defaults to
            ``'spatial_overlap'``.
        max_size_attempts (int): size draws before shrinking. Defaults to
            50.
        size_mode (str): ``'all_candidates'`` (the default: sizes that suit
            every candidate, re-positioned for the drawn rate) or
            ``'free'`` (the released code's free crop and label redraw).
        max_label_draws (int): label / side draws of ``'free'`` mode before
            falling back to the largest candidate. Defaults to 1000.
        **kwargs: ``ClipRandomResizedCrop`` arguments (``scale``,
            ``area_range``, ``aspect_ratio_range``, ...; not ``ref_view``).
    """

    def __init__(self,
                 label_key: str = 'spatial_overlap',
                 max_size_attempts: int = 50,
                 size_mode: str = 'all_candidates',
                 max_label_draws: int = 1000,
                 **kwargs) -> None:
        if kwargs.get('ref_view') is not None:
            raise ValueError('OverlapAnchorCrop does not take ref_view')
        if size_mode not in ('all_candidates', 'free'):
            raise ValueError("OverlapAnchorCrop: size_mode must be "
                             f"'all_candidates' or 'free', got {size_mode!r}")
        super().__init__(**kwargs)
        self.label_key = label_key
        self.max_size_attempts = int(max_size_attempts)
        self.size_mode = size_mode
        self.max_label_draws = int(max_label_draws)

    @staticmethod
    def fits_on_side(box: Tuple[int, int, int, int], img_w: int, img_h: int,
                     gamma: float, sx: int, sy: int) -> bool:
        """Whether a box of ``box``'s size, displaced towards ``(sx, sy)``
        (signs), realises ``gamma`` inside the frame."""
        x1, y1, x2, y2 = box
        w, h = x2 - x1, y2 - y1
        max_dx = img_w - x2 if sx > 0 else x1
        max_dy = img_h - y2 if sy > 0 else y1
        return len(spatial_displacements(
            w, h, gamma, max_dx=max_dx, max_dy=max_dy)) > 0

    def _free_box(self, results: Dict, img_w: int, img_h: int,
                  gamma: float) -> Tuple[int, int, int, int]:
        box = self.draw_box(0, 0, img_w, img_h)
        sides = [(1, 1), (1, -1), (-1, 1), (-1, -1)]
        if any(self.fits_on_side(box, img_w, img_h, gamma, *sd)
               for sd in sides):
            return box
        pretext = results['pretext']
        cands = tuple(pretext.get(f'{self.label_key}_candidates', (gamma, )))
        for _ in range(self.max_label_draws):
            i = int(np.random.randint(len(cands)))
            sd = sides[np.random.randint(4)]
            if self.fits_on_side(box, img_w, img_h, cands[i], *sd):
                break
        else:
            i = int(np.argmax(cands))
        pretext[self.label_key] = i
        pretext[f'{self.label_key}_target'] = float(cands[i])
        return box

    def _draw_size(self, img_w, img_h, candidates) -> Tuple[int, int]:
        def ok(w, h):
            return all(_feasible(w, h, img_w, img_h, g) for g in candidates)

        for _ in range(self.max_size_attempts):
            x1, y1, x2, y2 = self.draw_box(0, 0, img_w, img_h)
            w, h = x2 - x1, y2 - y1
            if ok(w, h):
                return w, h
        fw, fh = float(w), float(h)
        while not ok(w, h) and min(w, h) > 1:
            fw, fh = fw * 0.95, fh * 0.95
            w, h = max(1, int(round(fw))), max(1, int(round(fh)))
        return w, h

    def overlap_box(self, results: Dict, img_w: int, img_h: int,
                    gamma: float) -> Tuple[int, int, int, int]:
        if self.size_mode == 'free':
            return self._free_box(results, img_w, img_h, gamma)
        candidates = results['pretext'].get(f'{self.label_key}_candidates',
                                            (gamma, ))
        w, h = self._draw_size(img_w, img_h, candidates)
        d = spatial_displacements(
            w, h, gamma, max_dx=img_w - w, max_dy=img_h - h)
        dx, dy = d[np.random.randint(len(d))] if len(d) else (0, 0)
        # clip 2 lies on a random side; clip 1 where both boxes fit
        sx = 1 if np.random.rand() < 0.5 else -1
        sy = 1 if np.random.rand() < 0.5 else -1
        lo_x, hi_x = max(0, -sx * dx), img_w - w - max(0, sx * dx)
        lo_y, hi_y = max(0, -sy * dy), img_h - h - max(0, sy * dy)
        x1 = int(np.random.randint(lo_x, max(lo_x, hi_x) + 1))
        y1 = int(np.random.randint(lo_y, max(lo_y, hi_y) + 1))
        return x1, y1, x1 + w, y1 + h

    def __repr__(self) -> str:
        return (super().__repr__()[:-1] + f', label_key={self.label_key!r}, '
                f'size_mode={self.size_mode!r})')


@TRANSFORMS.register_module()
class OverlapCrop(_OverlapCrop):
    """Clip 2's crop for STOR: clip 1's crop size at the drawn spatial
    overlap rate.

    Reads clip 1's ``crop_box`` from ``ref_geometry[ref_view]`` and maps it
    into this view's current pixels (both views must have been resized the
    same way before their crops, typically not at all or by the same
    ``ClipResize``; the mapped box is rounded to whole pixels). Among all
    integer displacements ``(dx, dy)`` (any signs) that keep the box inside
    the frame and realise the drawn rate within ``1 / (2 min(w, h))`` (see
    :func:`spatial_displacements`), one is drawn uniformly. If none exists
    the box is placed at the in-frame displacement whose rate is closest to
    the drawn one and ``pretext[label_key]`` becomes ``-1``. The realised
    rate (intersection / area in cut pixels, equal to
    :func:`spatial_overlap_rate` of the records) is written to
    ``pretext[label_key + '_rate']``. The crop is then resized to
    ``scale``.

    Without a drawn rate (``spatial_overlaps=None`` in the sampler) this is
    a plain ``ClipRandomResizedCrop`` (independent crops).

    Args:
        ref_view (str): name of clip 1's view. Defaults to ``'clip1'``.
        label_key (str): Defaults to ``'spatial_overlap'``.
        **kwargs: ``ClipRandomResizedCrop`` arguments; ``area_range`` /
            ``aspect_ratio_range`` only matter for independent crops.
    """

    def __init__(self,
                 ref_view: str = 'clip1',
                 label_key: str = 'spatial_overlap',
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.ref_view = ref_view  # the parent's region logic is not used
        self.label_key = label_key

    def overlap_box(self, results: Dict, img_w: int, img_h: int,
                    gamma: float) -> Tuple[int, int, int, int]:
        ref = self.ref_record(results, self.ref_view, type(self).__name__)
        rb = source_to_view_boxes(
            np.asarray(ref['crop_box'], np.float64), get_geometry(results))
        bx, by = _round_half_up(rb[0]), _round_half_up(rb[1])
        w = max(1, min(img_w, _round_half_up(rb[2] - rb[0])))
        h = max(1, min(img_h, _round_half_up(rb[3] - rb[1])))
        bx, by = min(max(0, bx), img_w - w), min(max(0, by), img_h - h)

        cand = spatial_displacements(w, h, gamma)
        placements = self._in_frame(cand, bx, by, w, h, img_w, img_h)
        pretext = results['pretext']
        if len(placements) == 0:  # impossible: keep the size, flag label
            dx = np.arange(-bx, img_w - w - bx + 1)[:, None]
            dy = np.arange(-by, img_h - h - by + 1)[None, :]
            err = np.abs((w - np.abs(dx)).clip(0) * (h - np.abs(dy)).clip(0)
                         / float(w * h) - gamma)
            i, j = np.unravel_index(np.argmin(err), err.shape)
            ox, oy = int(dx[i, 0]), int(dy[0, j])
            pretext[self.label_key] = -1
        else:
            ox, oy = placements[np.random.randint(len(placements))]
        x1, y1 = bx + int(ox), by + int(oy)
        pretext[f'{self.label_key}_rate'] = (
            max(0, w - abs(int(ox))) * max(0, h - abs(int(oy))) /
            float(w * h))
        return x1, y1, x1 + w, y1 + h

    @staticmethod
    def _in_frame(cand, bx, by, w, h, img_w, img_h) -> np.ndarray:
        """Signed offsets ``(ox, oy)`` from the magnitudes ``cand`` (zero
        magnitudes counted once) that keep the box inside the frame."""
        out = []
        for sx in (1, -1):
            for sy in (1, -1):
                d = cand.copy()
                if sx < 0:
                    d = d[d[:, 0] > 0]
                if sy < 0:
                    d = d[d[:, 1] > 0]
                d = d * np.array([sx, sy])
                nx, ny = bx + d[:, 0], by + d[:, 1]
                ok = (nx >= 0) & (nx + w <= img_w) & (ny >= 0) & \
                    (ny + h <= img_h)
                out.append(d[ok])
        return np.concatenate(out, 0)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(scale={self.scale}, '
                f'ref_view={self.ref_view!r}, label_key={self.label_key!r})')
