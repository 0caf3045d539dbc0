"""STOR's overlap crops (CSTP, Zhang et al. AAAI 2022), spatial step of the
spatio-temporal overlap augmentation.

:class:`~mmvssl.datasets.samplers.OverlapClipSampler` draws the requested
spatial overlap rate ``gamma_s`` and puts it into both views' geometry
records (``spatial_overlap_target`` / ``spatial_overlap_candidates``). Clip
1 gets :class:`OverlapAnchorCrop` (a ``ClipRandomResizedCrop`` whose box
suits every candidate rate and is positioned so that ``gamma_s`` can be
realised); clip 2 gets :class:`OverlapCrop`, which takes a box of clip 1's
size placed so that the intersection area / crop area is ``gamma_s`` and
records both boxes (``overlap_boxes``). The labels are derived from the
finished records by the sampler (``OverlapClipSampler.pretext_labels``);
the crops write nothing into the ``pretext`` dict.
"""
from typing import Dict, Optional, Tuple

import numpy as np

from mmvssl.registry import TRANSFORMS
from mmvssl.structures import source_to_view_boxes
from mmvssl.structures.geometry import (nearest_candidate, round_half_up,
                                        spatial_displacements,
                                        spatial_overlap_rate,
                                        temporal_overlap_rate, temporal_shift)
from .base import get_clip, get_geometry
from .spatial import ClipRandomResizedCrop, apply_crop

__all__ = [
    'OverlapAnchorCrop', 'OverlapCrop', 'temporal_overlap_rate',
    'spatial_overlap_rate', 'nearest_candidate', 'temporal_shift',
    'spatial_displacements'
]


# -------------------------------------------------------------------- crops
def _target(geometry: Dict, label_key: str) -> Optional[float]:
    """The requested spatial rate in a record, or None when the spatial
    task is off."""
    if geometry.get(f'{label_key}_target') is None:
        return None
    return float(geometry[f'{label_key}_target'])


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
    overlap rate ``geometry[<label_key>_target]`` when the sampler drew one
    (subclasses place the box: :meth:`overlap_box`), and is a plain random
    resized crop otherwise."""

    label_key: str

    def requested_rate(self, results: Dict) -> Optional[float]:
        """The rate to realise: ``<label_key>_target`` of this view's
        record, None when the spatial task is off."""
        return _target(get_geometry(results), self.label_key)

    def overlap_box(self, results: Dict, img_w: int, img_h: int,
                    gamma: float) -> Tuple[int, int, int, int]:
        """``(x1, y1, x2, y2)`` of the crop at rate ``gamma``."""
        raise NotImplementedError

    def transform(self, results: Dict) -> Dict:
        imgs = get_clip(results)
        img_h, img_w = imgs.shape[1:3]
        gamma = self.requested_rate(results)
        if gamma is None:
            box = self.draw_box(0, 0, img_w, img_h)
        else:
            _check_untouched(results, type(self).__name__)
            box = self.overlap_box(results, img_w, img_h, gamma)
        apply_crop(results, imgs, box, self.out_hw, self._interp)
        return results


@TRANSFORMS.register_module()
class OverlapAnchorCrop(_OverlapCrop):
    """Clip 1's multi-scale crop for STOR (a ``ClipRandomResizedCrop``).

    When the spatial overlap task is on (the sampler put
    ``<label_key>_target`` and ``<label_key>_candidates`` in the view's
    geometry record):

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
    on that side (rate 1 always does). The record's ``<label_key>_target``
    is updated to the redrawn rate, so :class:`OverlapCrop`
    realises the new rate. The spatial label then depends on clip 1's box
    (large boxes cannot overlap another at small rates).

    Args:
        label_key (str): prefix of the request keys. Defaults to
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
        geometry = get_geometry(results)
        cands = tuple(
            geometry.get(f'{self.label_key}_candidates', (gamma, )))
        for _ in range(self.max_label_draws):
            i = int(np.random.randint(len(cands)))
            sd = sides[np.random.randint(4)]
            if self.fits_on_side(box, img_w, img_h, cands[i], *sd):
                break
        else:
            i = int(np.argmax(cands))
        geometry[f'{self.label_key}_target'] = float(cands[i])
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
        candidates = get_geometry(results).get(
            f'{self.label_key}_candidates', (gamma, ))
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
    the drawn one (the sampler's label then becomes ``-1``). The rate
    realised is clip 1's ``<label_key>_target`` (possibly redrawn by
    ``OverlapAnchorCrop(size_mode='free')``); it is written to this view's
    record, and so are both boxes, in the pixels this view is cut from:
    ``overlap_boxes`` (int64 ``(2, 4)``: clip 1's mapped box, this view's
    box), from which ``OverlapClipSampler.pretext_labels`` derives the label
    and the realised rate (intersection / area in cut pixels, equal to
    :func:`spatial_overlap_rate` of the records up to rounding of a resize
    before the crops). The crop is then resized to ``scale``.

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

    def requested_rate(self, results: Dict) -> Optional[float]:
        """Clip 1's ``<label_key>_target`` (what its anchor crop realised)
        when this view's record carries a request, else None."""
        if _target(get_geometry(results), self.label_key) is None:
            return None
        ref = self.ref_record(results, self.ref_view, type(self).__name__)
        gamma = _target(ref, self.label_key)
        if gamma is None:
            raise KeyError(f'{type(self).__name__}: view {self.ref_view!r} '
                           f'has no {self.label_key}_target in its record')
        return gamma

    def overlap_box(self, results: Dict, img_w: int, img_h: int,
                    gamma: float) -> Tuple[int, int, int, int]:
        ref = self.ref_record(results, self.ref_view, type(self).__name__)
        rb = source_to_view_boxes(
            np.asarray(ref['crop_box'], np.float64), get_geometry(results))
        bx, by = round_half_up(rb[0]), round_half_up(rb[1])
        w = max(1, min(img_w, round_half_up(rb[2] - rb[0])))
        h = max(1, min(img_h, round_half_up(rb[3] - rb[1])))
        bx, by = min(max(0, bx), img_w - w), min(max(0, by), img_h - h)

        cand = spatial_displacements(w, h, gamma)
        placements = self._in_frame(cand, bx, by, w, h, img_w, img_h)
        if len(placements) == 0:  # impossible: keep the size, flag label
            dx = np.arange(-bx, img_w - w - bx + 1)[:, None]
            dy = np.arange(-by, img_h - h - by + 1)[None, :]
            err = np.abs((w - np.abs(dx)).clip(0) * (h - np.abs(dy)).clip(0)
                         / float(w * h) - gamma)
            i, j = np.unravel_index(np.argmin(err), err.shape)
            ox, oy = int(dx[i, 0]), int(dy[0, j])
        else:
            ox, oy = placements[np.random.randint(len(placements))]
        x1, y1 = bx + int(ox), by + int(oy)
        geometry = get_geometry(results)
        geometry[f'{self.label_key}_target'] = float(gamma)
        geometry['overlap_boxes'] = np.array(
            [[bx, by, bx + w, by + h], [x1, y1, x1 + w, y1 + h]], np.int64)
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
