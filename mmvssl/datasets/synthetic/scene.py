"""Scene sampling: camera, background and objects of one video (numpy only).

World coordinates are the screen pixel coordinates of the first frame. The
camera maps a world point ``p`` at time ``t`` to the screen point
``s(t) * (p - c(t)) + (W / 2, H / 2)`` with ``s(t) = exp(zoom * t)`` and
``c(t) = (W / 2, H / 2) + pan * t``. Every object has a centre trajectory
``p0 + d(t)`` in world coordinates; ``p0`` is drawn inside the interval that
keeps the whole object on screen in every frame, so ground-truth boxes never
need clipping (occluders excepted: they span the frame height).

Nothing sampled here depends on a label except the actor's appearance and
motion: camera, background, distractors and occluders are drawn from the same
distributions for every class.
"""
import colorsys

import numpy as np

from . import assets
from .motion import (displacement, drift_motion, piecewise_displacement,
                     sample_motion)
from .presets import APPEARANCES

_MARGIN = 1.0  # px kept free between an object and the frame border
# the visible world grows by up to exp(0.05 * 3.2) = 1.17 when the camera
# zooms out: room kept around a travelling window
_ZOOM_MARGIN = 1.25


def frame_times(num_frames, fps):
    return np.arange(num_frames, dtype=np.float64) / fps


def sample_camera(cfg, rng):
    speed = rng.uniform(*cfg['camera_pan'])
    heading = rng.uniform(0, 2 * np.pi)
    return dict(
        pan=[float(speed * np.cos(heading)),
             float(speed * np.sin(heading))],
        zoom=float(rng.uniform(*cfg['camera_zoom'])))


def camera_at(cam, t, width, height):
    """Scale (T,) and world centre (T, 2) of the camera at times ``t``."""
    t = np.asarray(t, dtype=np.float64)
    s = np.exp(cam['zoom'] * t)
    c = np.array([width / 2, height / 2]) + np.outer(t, cam['pan'])
    return s, c


def world_to_screen(p, s, c, width, height):
    """Map world points (T, 2) with per-frame camera (s, c) to the screen."""
    return s[:, None] * (p - c) + np.array([width / 2, height / 2])


def feasible_interval(d, radius, s, c, width, height):
    """Interval of world offsets ``p0`` that keep a disc of ``radius``
    around ``p0 + d(t)`` on screen at every frame. Returns (lo, hi), (2,)."""
    size = np.array([width, height], dtype=np.float64)
    half = size / 2
    r = radius * s[:, None] + _MARGIN
    lo = ((r - half) / s[:, None] - d + c).max(0)
    hi = ((size - r - half) / s[:, None] - d + c).min(0)
    return lo, hi


def _place(d, radius, s, c, width, height, rng):
    lo, hi = feasible_interval(d, radius, s, c, width, height)
    if np.any(lo > hi):
        return None
    return rng.uniform(lo, hi)


def _random_colour(rng, dark):
    h = rng.uniform()
    sat = rng.uniform(0.3, 0.9)
    val = rng.uniform(0.1, 0.5) if dark else rng.uniform(0.55, 1.0)
    return [255. * x for x in colorsys.hsv_to_rgb(h, sat, val)]


def _photo_crop(name, rng, frac):
    ph, pw = assets.photo(name).shape[:2]
    side = float(rng.uniform(*frac) * min(ph, pw))
    return dict(
        photo=name,
        x=float(rng.uniform(0, pw - side)),
        y=float(rng.uniform(0, ph - side)),
        side=side,
        flip=bool(rng.integers(2)))


def sample_background(cfg, rng, width, height, preferred=None,
                      travel=False, photo=None):
    """Backdrop of a video (or of a UCF-style group of clips).

    ``preferred``: index into ``assets.COLOUR_PHOTOS`` of the photograph an
    action prefers; with probability ``cfg['scene_bias']`` it is used
    instead of a uniform draw (static bias on purpose; 0 by default).
    ``photo``: index of the photograph to use (the balanced schedule of
    ``scene_assignment='balanced'``) unless the bias draws the preferred one.
    ``travel``: scale the photo so that the camera can travel over it at
    ``cfg['background_travel']`` px/s in any direction for the whole video
    (:func:`sample_travel` then draws each clip's path).
    """
    bias = float(cfg.get('scene_bias', 0.))
    if bias > 0 and preferred is not None and rng.uniform() < bias:
        name = assets.COLOUR_PHOTOS[preferred % len(assets.COLOUR_PHOTOS)]
    elif photo is not None:  # a balanced schedule (generator.clip_scene)
        name = assets.COLOUR_PHOTOS[photo % len(assets.COLOUR_PHOTOS)]
    else:
        name = assets.COLOUR_PHOTOS[rng.integers(len(assets.COLOUR_PHOTOS))]
    ph, pw = assets.photo(name).shape[:2]
    v_max = float(cfg.get('background_travel', (0., 0.))[1])
    if travel and v_max > 0:
        span = v_max * cfg['num_frames'] / cfg['fps']
        b_max = min(pw / (_ZOOM_MARGIN * width + span),
                    ph / (_ZOOM_MARGIN * height + span))
    else:
        b_max = min(0.8 * pw / width, 0.8 * ph / height)
    b = float(rng.uniform(0.6, 1.0) * b_max)  # photo px per world px
    return dict(
        photo=name,
        scene_id=int(assets.COLOUR_PHOTOS.index(name)),
        scale=b,
        offset=[float(rng.uniform(0, max(pw - b * width, 0.))),
                float(rng.uniform(0, max(ph - b * height, 0.)))],
        flip=bool(rng.integers(2)),
        gain=float(rng.uniform(0.55, 1.0)),
        blur=float(rng.uniform(*cfg.get('background_blur', (0.3, 1.5)))),
        **_contrast(cfg, rng))


def _contrast(cfg, rng):
    """Optional contrast reduction of the backdrop (towards its mean
    colour): makes the actor salient in the ``easy`` preset."""
    lo, hi = cfg.get('background_contrast', (1., 1.))
    if lo == hi == 1.:
        return {}
    return dict(contrast=float(rng.uniform(lo, hi)))


def background_window(bg, t, s, c, width, height):
    """Photo-pixel window ``(x0, y0, x1, y1)`` per frame (T, 4) that the
    screen shows of backdrop ``bg`` (before flipping)."""
    b = bg['scale']
    half = np.array([width / 2, height / 2])
    travel = np.outer(t, bg.get('travel', (0., 0.)))
    lo = b * (c - half / s[:, None] + travel) + np.asarray(bg['offset'])
    size = b * np.stack([width / s, height / s], 1)
    return np.concatenate([lo, lo + size], 1)


def sample_travel(cfg, rng, bg, t, s, c, width, height):
    """Camera travel over the backdrop for one clip: a speed drawn from
    ``cfg['background_travel']`` (world px/s), a uniform heading, and a
    start offset drawn so the window never leaves the photo. Returns a new
    backdrop dict with ``travel`` (px/s) and ``offset``."""
    ph, pw = assets.photo(bg['photo']).shape[:2]
    speed = float(rng.uniform(*cfg['background_travel']))
    heading = float(rng.uniform(0, 2 * np.pi))
    out = dict(bg)
    for _ in range(20):
        v = [speed * np.cos(heading), speed * np.sin(heading)]
        out.update(travel=[float(x) for x in v], offset=[0., 0.])
        win = background_window(out, t, s, c, width, height)
        lo = -win[:, :2].min(0)
        hi = np.array([pw, ph]) - win[:, 2:].max(0)
        if np.all(lo <= hi):
            out['offset'] = [float(x) for x in rng.uniform(lo, hi)]
            return out
        speed *= 0.8  # pragma: no cover - sample_background leaves room
    raise RuntimeError(  # pragma: no cover
        f'backdrop {bg["photo"]} too small for the camera travel')


def sample_light(cfg, rng):
    """Global illumination / white-balance drift of one video: sinusoids of
    the frame gain and of each colour channel's gain."""
    lo, hi = cfg['light_period']
    return dict(
        gain_amp=float(rng.uniform(*cfg['light_drift'])),
        gain_period=float(rng.uniform(lo, hi)),
        gain_phase=float(rng.uniform(0, 2 * np.pi)),
        wb_amp=[float(x) for x in rng.uniform(
            *cfg['white_balance_drift'], size=3)],
        wb_period=[float(x) for x in rng.uniform(lo, hi, size=3)],
        wb_phase=[float(x) for x in rng.uniform(0, 2 * np.pi, size=3)])


def light_at(light, t):
    """Per-frame, per-channel multiplier (T, 3) of a light drift record."""
    t = np.asarray(t, dtype=np.float64)[:, None]
    g = 1 + light['gain_amp'] * np.sin(
        2 * np.pi * t / light['gain_period'] + light['gain_phase'])
    wb = 1 + np.asarray(light['wb_amp']) * np.sin(
        2 * np.pi * t / np.asarray(light['wb_period']) +
        np.asarray(light['wb_phase']))
    return g * wb


def v2_enabled(cfg, key):
    """Whether the v2 nuisance ``key`` is on in preset ``cfg``."""
    val = cfg.get(key)
    if isinstance(val, (tuple, list)):
        return float(val[1]) > 0
    return bool(val)


def sample_actor_look(appearance, cfg, rng):
    shape, tex = APPEARANCES[appearance]
    c_dark = _random_colour(rng, dark=True)
    c_bright = _random_colour(rng, dark=False)
    if rng.integers(2):  # random polarity: mean luminance carries no label
        c_dark, c_bright = c_bright, c_dark
    look = dict(
        kind='actor',
        shape=shape,
        colours=[c_dark, c_bright],
        size=float(rng.uniform(*cfg['actor_size'])),
        aspect=float(rng.uniform(0.85, 1.15)),
        angle=float(rng.uniform(-15, 15)))
    look.update(_photo_crop(tex, rng, (0.18, 0.32)))
    if cfg.get('actor_outline', 0.) > 0:
        look['outline'] = float(cfg['actor_outline'])
    if v2_enabled(cfg, 'actor_colour_drift'):
        # the colours move linearly over the video towards a second pair
        # (same distribution, same polarity rule); shape, texture and
        # motion persist
        c_dark2 = _random_colour(rng, dark=True)
        c_bright2 = _random_colour(rng, dark=False)
        if rng.integers(2):
            c_dark2, c_bright2 = c_bright2, c_dark2
        look['colours_end'] = [c_dark2, c_bright2]
        look['colour_drift'] = float(rng.uniform(*cfg['actor_colour_drift']))
    return look


def sample_distractor_look(cfg, rng):
    n = int(rng.integers(5, 9))
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    look = dict(
        kind='blob',
        angles=[float(a) for a in angles],
        radii=[float(r) for r in rng.uniform(0.55, 1.0, n)],
        size=float(rng.uniform(*cfg['distractor_size'])),
        aspect=float(rng.uniform(0.8, 1.25)),
        angle=float(rng.uniform(0, 360)))
    name = assets.COLOUR_PHOTOS[rng.integers(len(assets.COLOUR_PHOTOS))]
    look.update(_photo_crop(name, rng, (0.15, 0.35)))
    return look


def look_radius(look):
    """Radius of a disc that contains the object whatever its rotation."""
    a = look['aspect']
    return look['size'] / 2 * max(a, 1 / a)


def _sample_distractors(cfg, rng, t, s, c, width, height):
    objs = []
    lo_n, hi_n = cfg['num_distractors']
    for _ in range(int(rng.integers(lo_n, hi_n + 1))):
        look = sample_distractor_look(cfg, rng)
        if cfg.get('distractor_transit'):
            objs.append(_transit_distractor(cfg, rng, look, t, width,
                                            height))
            continue
        mot = drift_motion(cfg['distractor_speed'], rng)
        d = displacement(mot, t)
        p0 = _place(d, look_radius(look), s, c, width, height, rng)
        if p0 is None:
            mot['speed'] = 0.
            d = displacement(mot, t)
            p0 = _place(d, look_radius(look), s, c, width, height, rng)
            if p0 is None:  # pragma: no cover - camera too aggressive
                continue
        objs.append(
            dict(
                role='distractor',
                depth=int(rng.choice([0, 2])),  # behind or in front of actors
                look=look,
                segments=[(0., mot)],
                p0=[float(v) for v in p0]))
    if rng.uniform() < cfg['occluder_prob']:
        w = float(rng.uniform(8, 14))
        d = np.zeros((len(t), 2))
        # the pillar spans the full height; only x must stay on screen
        lo, hi = feasible_interval(d, w / 2, s, c, width, height)
        if lo[0] <= hi[0]:
            look = dict(kind='pillar', width=w, angle=0., aspect=1.,
                        size=w)
            name = assets.COLOUR_PHOTOS[rng.integers(
                len(assets.COLOUR_PHOTOS))]
            look.update(_photo_crop(name, rng, (0.3, 0.6)))
            objs.append(
                dict(
                    role='occluder',
                    depth=3,
                    look=look,
                    segments=[(0., dict(name='static', kind='slide',
                                        speed=0., heading=0.))],
                    p0=[float(rng.uniform(lo[0], hi[0])), height / 2]))
    return objs


def _transit_distractor(cfg, rng, look, t, width, height):
    """A distractor that crosses the frame: it passes a random point of the
    frame at a random time of the video at ``distractor_speed`` px/s, so it
    enters and / or leaves during the video (off screen it has no box)."""
    mot = drift_motion(cfg['distractor_speed'], rng)
    q = rng.uniform([0, 0], [width, height])
    t_cross = float(rng.uniform(t[0], t[-1]))
    d_cross = displacement(mot, [t_cross])[0]
    return dict(
        role='distractor',
        depth=int(rng.choice([0, 2])),
        look=look,
        segments=[(0., mot)],
        p0=[float(v) for v in q - d_cross])


def _place_actor(look, make_segments, t, s, c, width, height, rng,
                 tries=60):
    """Draw motion segments until the actor fits on screen; as a last resort
    shrink the trajectory (keeps the labels, slows the motion)."""
    radius = look_radius(look)
    for _ in range(tries):
        segments = make_segments()
        d = piecewise_displacement(segments, t)
        p0 = _place(d, radius, s, c, width, height, rng)
        if p0 is not None:
            return segments, p0, 1.0
    shrink = 1.0
    while p0 is None and shrink > 0.05:
        shrink *= 0.8
        p0 = _place(d * shrink, radius, s, c, width, height, rng)
    if p0 is None:  # pragma: no cover
        raise RuntimeError('cannot place actor on screen')
    return segments, p0, shrink


def sample_clip_scene(cfg, rng, appearance, motion, background=None):
    """One recognition video: one actor with (appearance, motion).

    ``background`` (from :func:`sample_background`) lets the clips of one
    UCF-style group share their scene.
    """
    width, height = cfg['width'], cfg['height']
    t = frame_times(cfg['num_frames'], cfg['fps'])
    cam = sample_camera(cfg, rng)
    s, c = camera_at(cam, t, width, height)
    if background is None:
        background = sample_background(
            cfg, rng, width, height,
            travel=v2_enabled(cfg, 'background_travel'))
    if v2_enabled(cfg, 'background_travel'):
        background = sample_travel(cfg, rng, background, t, s, c, width,
                                   height)
    look = sample_actor_look(appearance, cfg, rng)
    segments, p0, shrink = _place_actor(
        look, lambda: [(0., sample_motion(motion, rng))], t, s, c, width,
        height, rng)
    actor = dict(
        role='actor', depth=1, look=look, segments=segments,
        p0=[float(v) for v in p0], shrink=shrink, appearance=appearance)
    objects = [actor] + _sample_distractors(cfg, rng, t, s, c, width, height)
    out = dict(
        width=width, height=height, fps=cfg['fps'], num_frames=len(t),
        camera=cam, background=background, objects=objects)
    if v2_enabled(cfg, 'light_drift') or v2_enabled(cfg,
                                                    'white_balance_drift'):
        out['light'] = sample_light(cfg, rng)
    return out


def sample_ava_scene(cfg, rng):
    """One AVA-style video: several actors whose motion changes every
    ``ava_segment_seconds``; appearance is fixed per actor."""
    width, height = cfg['ava_width'], cfg['ava_height']
    seg_len = cfg['ava_segment_seconds']
    n_seg = cfg['ava_num_segments']
    fps = cfg['ava_fps']
    t = frame_times(seg_len * n_seg * fps, fps)
    cam = sample_camera(cfg, rng)
    s, c = camera_at(cam, t, width, height)
    background = sample_background(cfg, rng, width, height)
    apps, mots = cfg['appearances'], cfg['motions']

    def make_segments():
        return [(float(k * seg_len),
                 sample_motion(mots[rng.integers(len(mots))], rng))
                for k in range(n_seg)]

    objects = []
    lo_n, hi_n = cfg['ava_actors']
    n_actors = int(rng.integers(lo_n, hi_n + 1))
    # distinct appearances within a video while there are enough of them
    picks = rng.permutation(max(len(apps), n_actors)) % len(apps)
    for k in range(n_actors):
        appearance = apps[picks[k]]
        look = sample_actor_look(appearance, cfg, rng)
        segments, p0, shrink = _place_actor(
            look, make_segments, t, s, c, width, height, rng)
        objects.append(
            dict(
                role='actor', depth=1, look=look, segments=segments,
                p0=[float(v) for v in p0], shrink=shrink,
                appearance=appearance))
    objects += _sample_distractors(cfg, rng, t, s, c, width, height)
    return dict(
        width=width, height=height, fps=fps, num_frames=len(t),
        camera=cam, background=background, objects=objects)


def object_centres(obj, t):
    """World centre trajectory (T, 2) of an object."""
    d = piecewise_displacement(obj['segments'], t) * obj.get('shrink', 1.)
    return np.asarray(obj['p0']) + d
