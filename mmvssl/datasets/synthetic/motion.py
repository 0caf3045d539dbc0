"""Trajectory families (numpy only).

A motion instance is a dict of drawn parameters; :func:`displacement` turns it
into world-pixel offsets ``d(t)`` with ``d(0) = (0, 0)``. The image y axis
points down, so a heading of 90 degrees moves downwards and an orbit with
``sign=+1`` turns clockwise on screen.
"""
import numpy as np

from .presets import MOTIONS


def sample_motion(name, rng):
    """Draw the parameters of one instance of motion ``name``."""
    spec = MOTIONS[name]
    kind = spec['kind']
    p = dict(name=name, kind=kind)
    if kind == 'slide':
        p['speed'] = float(rng.uniform(*spec['speed']))
        p['heading'] = float(
            spec['heading'] + rng.uniform(-spec['jitter'], spec['jitter']))
    elif kind == 'orbit':
        p['radius'] = float(rng.uniform(*spec['radius']))
        p['period'] = float(rng.uniform(*spec['period']))
        p['phase'] = float(rng.uniform(0, 2 * np.pi))
        p['sign'] = float(spec['sign'])
    elif kind == 'oscillate':
        p['amplitude'] = float(rng.uniform(*spec['amplitude']))
        p['period'] = float(rng.uniform(*spec['period']))
        p['phase'] = float(rng.uniform(0, 2 * np.pi))
        p['heading'] = float(
            spec['heading'] + rng.uniform(-spec['jitter'], spec['jitter']))
    else:  # pragma: no cover
        raise ValueError(kind)
    return p


def drift_motion(speed_range, rng):
    """Label-free slow drift used by distractors."""
    return dict(
        name='drift',
        kind='slide',
        speed=float(rng.uniform(*speed_range)),
        heading=float(rng.uniform(0, 360)))


def displacement(p, t):
    """Offsets (len(t), 2) of motion instance ``p`` at times ``t`` (s)."""
    t = np.asarray(t, dtype=np.float64)
    kind = p['kind']
    if kind == 'slide':
        h = np.deg2rad(p['heading'])
        return np.stack([np.cos(h) * p['speed'] * t,
                         np.sin(h) * p['speed'] * t], 1)
    if kind == 'orbit':
        ang = p['phase'] + p['sign'] * 2 * np.pi * t / p['period']
        r = p['radius']
        return np.stack([r * (np.cos(ang) - np.cos(p['phase'])),
                         r * (np.sin(ang) - np.sin(p['phase']))], 1)
    if kind == 'oscillate':
        h = np.deg2rad(p['heading'])
        s = p['amplitude'] * (
            np.sin(p['phase'] + 2 * np.pi * t / p['period']) -
            np.sin(p['phase']))
        return np.stack([np.cos(h) * s, np.sin(h) * s], 1)
    raise ValueError(kind)  # pragma: no cover


def piecewise_displacement(segments, t):
    """Continuous trajectory made of consecutive motion segments.

    Args:
        segments: list of (start_time, motion instance), sorted, the first
            starting at 0.
        t: (T,) times in seconds.
    """
    t = np.asarray(t, dtype=np.float64)
    out = np.zeros((len(t), 2))
    offset = np.zeros(2)
    for i, (t0, p) in enumerate(segments):
        t1 = segments[i + 1][0] if i + 1 < len(segments) else np.inf
        sel = (t >= t0) & (t < t1)
        out[sel] = offset + displacement(p, t[sel] - t0)
        if np.isfinite(t1):
            offset = offset + displacement(p, [t1 - t0])[0]
    return out
