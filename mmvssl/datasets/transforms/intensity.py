"""Intensity levels of the photometric transforms.

A strength parameter of a colour / blur transform is written in one of three
forms (an :class:`IntensityParam` parses it):

* a number ``x``: the strength is drawn uniformly from ``[0, x]``;
* a pair ``(lo, hi)``: the strength is drawn uniformly from ``[lo, hi]``;
* a list of pairs, e.g. ``[(0, .1), (.1, .2), (.2, .3), (.3, .4)]``: the
  *intensity levels*. One level is chosen per clip (uniformly, unless forced,
  see below), the strength is drawn from that level's range, and the level id
  (its position in the list) is written to ``geometry['levels']``. A list of
  plain numbers (e.g. blur kernel sizes ``[7, 11]``) gives one level per
  value.

Forcing a level: if ``geometry['levels']`` already holds the parameter's key
when the transform runs (a clip sampler can put ``levels=dict(...)`` into a
view's record, or the dataset's ``force_levels``), that level is used instead
of a random one. ``share_levels_with=<view name>`` reuses the levels an
earlier view of the same video drew.
"""
from numbers import Number
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

__all__ = ['IntensityParam', 'draw_levels']


class IntensityParam:
    """One strength parameter of a photometric transform.

    Args:
        key (str): its key in ``geometry['levels']``.
        spec: a number, a ``(lo, hi)`` pair, a list of pairs (levels) or a
            list of numbers (discrete levels); ``None`` or ``0`` disables it.
        bounds (tuple, optional): allowed ``(min, max)`` strength.
    """

    def __init__(self, key: str, spec, bounds: Optional[Tuple] = None):
        self.key = key
        self.spec = spec
        self.levelled = False
        self.discrete = False
        if spec is None or (isinstance(spec, Number) and spec == 0):
            self.ranges = []
        elif isinstance(spec, Number):
            self.ranges = [(0.0, float(spec))]
        elif isinstance(spec, (tuple, list)) and len(spec) > 0 and all(
                isinstance(s, (tuple, list)) for s in spec):
            self.ranges = [self._pair(s) for s in spec]
            self.levelled = True
        elif isinstance(spec, list) and len(spec) > 0 and all(
                isinstance(s, Number) for s in spec):
            self.ranges = [(float(s), float(s)) for s in spec]
            self.levelled = self.discrete = True
        elif isinstance(spec, tuple) and len(spec) == 2:
            self.ranges = [self._pair(spec)]
        else:
            raise ValueError(
                f'{key}: expected a number, a (lo, hi) pair or a list of '
                f'(lo, hi) levels, got {spec!r}')
        if bounds is not None:
            for lo, hi in self.ranges:
                if lo < bounds[0] or hi > bounds[1]:
                    raise ValueError(f'{key}: range ({lo}, {hi}) outside the '
                                     f'allowed {bounds}')

    def _pair(self, s: Sequence) -> Tuple[float, float]:
        if len(s) != 2 or not s[0] <= s[1]:
            raise ValueError(f'{self.key}: a level must be (lo, hi) with '
                             f'lo <= hi, got {s!r}')
        return float(s[0]), float(s[1])

    @property
    def enabled(self) -> bool:
        return len(self.ranges) > 0

    @property
    def num_levels(self) -> int:
        return len(self.ranges)

    def draw_level(self, forced: Optional[int] = None) -> int:
        """A level id: ``forced`` if given (checked), otherwise uniform."""
        if forced is not None:
            forced = int(forced)
            if not 0 <= forced < self.num_levels:
                raise ValueError(f'{self.key}: forced level {forced} is not '
                                 f'in [0, {self.num_levels})')
            return forced
        if self.num_levels == 1:
            return 0
        return int(np.random.randint(self.num_levels))

    def draw_value(self, level: int) -> float:
        lo, hi = self.ranges[level]
        return lo if lo == hi else float(np.random.uniform(lo, hi))


def draw_levels(params: Sequence[IntensityParam],
                geometry: Dict,
                results: Dict,
                combined_key: Optional[str],
                share_levels_with: Optional[str] = None) -> Dict[str, int]:
    """Choose the level of every enabled parameter for one clip.

    Forced levels are read from ``geometry['requested_levels']`` and the
    levels already applied to the view (``geometry['levels']``),
    per-parameter key or the transform's ``combined_key``, then from the
    shared view's applied levels; the others are drawn uniformly. Returns ``{param key: level}`` for all enabled
    parameters (not yet written to the record).
    """
    forced = dict(geometry.get('requested_levels') or {})
    forced.update(geometry.get('levels') or {})
    if share_levels_with is not None:
        refs = results.get('ref_geometry') or {}
        if share_levels_with not in refs:
            raise KeyError(f'share_levels_with={share_levels_with!r} is not '
                           f'a view processed earlier ({list(refs)})')
        for k, v in refs[share_levels_with].get('levels', {}).items():
            forced.setdefault(k, v)
    levelled = [p for p in params if p.enabled and p.levelled]
    if combined_key is not None and combined_key in forced and levelled \
            and not any(p.key in forced for p in levelled):
        dims = [p.num_levels for p in levelled]
        ids = np.unravel_index(int(forced[combined_key]), dims)
        for p, i in zip(levelled, ids):
            forced[p.key] = int(i)
    out = {}
    for p in params:
        if p.enabled:
            f = forced.get(p.key) if p.levelled else None
            if f is not None and int(f) < 0:  # recorded as 'not applied'
                f = None
            out[p.key] = p.draw_level(f)
    return out


def record_levels(params: Sequence[IntensityParam], geometry: Dict,
                  levels: Optional[Dict[str, int]],
                  combined_key: Optional[str]) -> None:
    """Write the levels of the levelled parameters (and their mixed-radix
    combination under ``combined_key``) to ``geometry['levels']``; ``None``
    records ``-1`` (transform not applied)."""
    levelled = [p for p in params if p.enabled and p.levelled]
    if not levelled:
        return
    record = geometry.setdefault('levels', {})
    if levels is None:
        for p in levelled:
            record[p.key] = -1
        if combined_key is not None:
            record[combined_key] = -1
        return
    for p in levelled:
        record[p.key] = int(levels[p.key])
    if combined_key is not None:
        record[combined_key] = int(
            np.ravel_multi_index([levels[p.key] for p in levelled],
                                 [p.num_levels for p in levelled]))
