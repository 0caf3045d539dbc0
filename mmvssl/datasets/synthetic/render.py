"""Rendering of sampled scenes with OpenCV.

Sprites are drawn at ``SPRITE_SCALE`` times their on-screen size (shapes
4x supersampled for anti-aliased edges) and warped into the frame with one
affine map per object and frame (object pose composed with the camera).
Ground-truth boxes are read from the rendered alpha of each object, so they
are exact for the pixels shown (amodal: occluders do not shrink them).
"""
import cv2
import numpy as np

from . import assets
from .scene import camera_at, frame_times, light_at, object_centres

SPRITE_SCALE = 1.5  # sprite pixels per world pixel


def _crop(look, out_w, out_h, grey, aspect=1.0):
    """Photo patch (side * aspect wide, side high for aspect <= 1) resized
    to (out_h, out_w), float32."""
    img = assets.texture(look['photo']) if grey else assets.photo(
        look['photo'])
    side = look['side']
    x, y = look['x'], look['y']
    x1, y1 = int(x), int(y)
    x2 = max(x1 + 2, int(round(x + side * min(1., aspect))))
    y2 = max(y1 + 2, int(round(y + side * min(1., 1. / aspect))))
    patch = img[y1:y2, x1:x2]
    interp = cv2.INTER_AREA if patch.shape[1] > out_w else cv2.INTER_LINEAR
    patch = cv2.resize(patch, (out_w, out_h), interpolation=interp)
    if look['flip']:
        patch = patch[:, ::-1]
    return patch.astype(np.float32)


def _polygon(kind, look, radius):
    if kind == 'square':
        ang = np.deg2rad([45, 135, 225, 315])
        pts = np.stack([np.cos(ang), np.sin(ang)], 1)
    elif kind == 'triangle':
        ang = np.deg2rad([-90, 30, 150])
        pts = np.stack([np.cos(ang), np.sin(ang)], 1)
    elif kind == 'blob':
        ang = np.asarray(look['angles'])
        r = np.asarray(look['radii'])
        pts = np.stack([r * np.cos(ang), r * np.sin(ang)], 1)
    else:
        return None
    return pts * radius


def _mask(look, size):
    """Anti-aliased float32 mask (size, size) of an actor / blob shape."""
    ss = 4
    big = np.zeros((size * ss, size * ss), np.uint8)
    radius = look['size'] * SPRITE_SCALE / 2 * ss
    centre = np.array([size * ss / 2, size * ss / 2])
    a = look['aspect']
    shape = look.get('shape', 'blob')
    if shape == 'disc':
        cv2.ellipse(big, (int(centre[0]), int(centre[1])),
                    (int(radius * a), int(radius / a)), 0, 0, 360, 255, -1)
    else:
        pts = _polygon(shape, look, radius) * np.array([a, 1 / a]) + centre
        cv2.fillPoly(big, [np.round(pts).astype(np.int32)], 255)
    small = cv2.resize(big, (size, size), interpolation=cv2.INTER_AREA)
    return small.astype(np.float32) / 255.


def make_sprite(look, frame_h):
    """Premultiplied RGBA float32 sprite (h, w, 4) and its centre (x, y)."""
    if look['kind'] == 'pillar':
        w = max(2, int(round(look['width'] * SPRITE_SCALE)))
        h = int(round(3 * frame_h * SPRITE_SCALE))
        # a narrow strip of a photo, stretched along the pillar
        rgb = _crop(look, w, h, grey=False, aspect=0.2)
        alpha = np.ones((h, w), np.float32)
    else:
        a = look['aspect']
        size = int(np.ceil(look['size'] * SPRITE_SCALE * max(a, 1 / a))) + 4
        size += size % 2
        alpha = _mask(look, size)
        if look['kind'] == 'actor':
            t = _crop(look, size, size, grey=True)[..., None]
            c0, c1 = actor_colours(look, 0.)
            rgb = _outline(c0 * (1 - t) + c1 * t, alpha, look)
        else:
            rgb = _crop(look, size, size, grey=False)
        h = w = size
    sprite = np.concatenate([rgb * alpha[..., None], alpha[..., None]], 2)
    return np.ascontiguousarray(sprite), np.array([(w - 1) / 2,
                                                   (h - 1) / 2])


def actor_colours(look, progress):
    """The actor's (dark, bright) colours, float32 (3,) each, at
    ``progress`` in [0, 1] of the video (v2: linear drift towards
    ``colours_end`` by ``colour_drift`` of the way)."""
    c = np.asarray(look['colours'], np.float32)
    if 'colours_end' in look:
        w = np.float32(look['colour_drift'] * progress)
        c = c * (1 - w) + np.asarray(look['colours_end'], np.float32) * w
    return c[0], c[1]


def _outline(rgb, alpha, look):
    """Draw the actor's silhouette edge (``look['outline']`` world px
    wide, v2) in near-black: real objects have contours whatever their
    colours, so the shape stays visible under any colour draw."""
    width = look.get('outline', 0.)
    if width <= 0:
        return rgb
    k = max(1, int(round(width * SPRITE_SCALE)))
    inner = cv2.erode((alpha > 0.5).astype(np.uint8),
                      np.ones((2 * k + 1, 2 * k + 1), np.uint8))
    edge = ((alpha > 0.05) & (inner == 0)).astype(np.float32)[..., None]
    return rgb * (1 - edge) + np.float32(20.) * edge


def _recolour(look, sprite):
    """Per-frame sprite factory of an actor whose colours drift."""
    size = sprite.shape[0]
    tex = _crop(look, size, size, grey=True)[..., None]
    alpha = sprite[..., 3:]

    def at(progress):
        c0, c1 = actor_colours(look, progress)
        rgb = _outline(c0 * (1 - tex) + c1 * tex, alpha[..., 0], look)
        return np.ascontiguousarray(
            np.concatenate([rgb * alpha, alpha], 2))

    return at


def background_image(bg):
    img = assets.photo(bg['photo']).astype(np.float32) * bg['gain']
    img = cv2.GaussianBlur(img, (0, 0), bg['blur'])
    if 'contrast' in bg:  # towards the mean colour of the photograph
        mean = img.reshape(-1, 3).mean(0)
        img = mean + (img - mean) * np.float32(bg['contrast'])
    if bg['flip']:
        img = np.ascontiguousarray(img[:, ::-1])
    return img


def render(scene):
    """Yield ``(frame, boxes, visible)`` for every frame of ``scene``.

    frame: uint8 (H, W, 3) RGB. boxes: float64 (N, 4) xyxy in pixels of the
    N objects of ``scene['objects']`` (x2, y2 exclusive; NaN when none of
    its pixels is on screen). visible: float64 (N,) fraction of the object's
    alpha not hidden by objects drawn in front of it.
    """
    width, height = scene['width'], scene['height']
    t = frame_times(scene['num_frames'], scene['fps'])
    s, c = camera_at(scene['camera'], t, width, height)
    half = np.array([width / 2, height / 2])
    objs = scene['objects']
    order = sorted(range(len(objs)), key=lambda i: (objs[i]['depth'], i))
    sprites = [make_sprite(o['look'], height) for o in objs]
    screens = [(object_centres(o, t) - c) * s[:, None] + half for o in objs]

    bg_img = background_image(scene['background'])
    bg = scene['background']
    b, off = bg['scale'], np.asarray(bg['offset'])
    # screen -> photo maps of the background (inverse maps), (T, 2, 3)
    m_bg = np.zeros((len(t), 2, 3))
    m_bg[:, 0, 0] = m_bg[:, 1, 1] = b / s
    m_bg[:, :, 2] = b * (c - half / s[:, None]) + off
    if 'travel' in bg:  # v2: the camera travels over the backdrop
        m_bg[:, :, 2] += b * np.outer(t, bg['travel'])
    light = light_at(scene['light'], t) if 'light' in scene else None
    recolour = {
        i: _recolour(o['look'], sprites[i][0])
        for i, o in enumerate(objs) if 'colours_end' in o['look']
    }
    span = max(len(t) - 1, 1)

    # sprite -> screen affine maps and screen ROIs of every object
    poses = []
    for i, obj in enumerate(objs):
        sprite, q0 = sprites[i]
        ang = np.deg2rad(obj['look']['angle'])
        rot = np.array([[np.cos(ang), -np.sin(ang)],
                        [np.sin(ang), np.cos(ang)]])
        lin = rot[None] * (s / SPRITE_SCALE)[:, None, None]  # (T, 2, 2)
        trans = screens[i] - lin @ q0  # (T, 2)
        sh, sw = sprite.shape[:2]
        corners = np.array([[0, 0], [sw - 1, 0], [0, sh - 1],
                            [sw - 1, sh - 1]], np.float64)
        pts = np.einsum('tij,kj->tki', lin, corners) + trans[:, None]
        x0 = np.maximum(np.floor(pts[..., 0].min(1)).astype(int) - 1, 0)
        y0 = np.maximum(np.floor(pts[..., 1].min(1)).astype(int) - 1, 0)
        x1 = np.minimum(np.ceil(pts[..., 0].max(1)).astype(int) + 2, width)
        y1 = np.minimum(np.ceil(pts[..., 1].max(1)).astype(int) + 2, height)
        m = np.concatenate(
            [lin, (trans - np.stack([x0, y0], 1))[..., None]], 2)
        poses.append((m, x0, y0, x1, y1))

    for k in range(len(t)):
        frame = cv2.warpAffine(
            bg_img, m_bg[k], (width, height),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REFLECT_101)
        layers = {}
        boxes = np.full((len(objs), 4), np.nan)
        for i in order:
            m, x0, y0, x1, y1 = poses[i]
            x0, y0, x1, y1 = int(x0[k]), int(y0[k]), int(x1[k]), int(y1[k])
            if x1 <= x0 or y1 <= y0:
                continue
            sprite = recolour[i](k / span) if i in recolour else \
                sprites[i][0]
            warped = cv2.warpAffine(
                sprite, m[k], (x1 - x0, y1 - y0),
                flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                borderValue=0)
            alpha = warped[..., 3]
            roi = frame[y0:y1, x0:x1]
            roi *= (1 - alpha[..., None])
            roi += warped[..., :3]
            layers[i] = (x0, y0, x1, y1, alpha)
            inside = alpha > 0.5
            cols = np.flatnonzero(inside.any(0))
            if len(cols):
                rows = np.flatnonzero(inside.any(1))
                boxes[i] = (x0 + cols[0], y0 + rows[0], x0 + cols[-1] + 1,
                            y0 + rows[-1] + 1)
        visible = _visibility(order, layers, len(objs))
        if light is not None:  # global illumination / white balance
            frame *= light[k].astype(np.float32)
        out = np.clip(frame + 0.5, 0, 255).astype(np.uint8)
        yield out, boxes, visible


def _visibility(order, layers, n):
    vis = np.zeros(n)
    for pos, i in enumerate(order):
        if i not in layers:
            continue
        x0, y0, x1, y1, alpha = layers[i]
        total = float(alpha.sum())
        if total <= 0:
            continue
        seen = alpha.copy()
        for j in order[pos + 1:]:
            if j not in layers:
                continue
            u0, v0, u1, v1, a2 = layers[j]
            ix0, iy0 = max(x0, u0), max(y0, v0)
            ix1, iy1 = min(x1, u1), min(y1, v1)
            if ix1 <= ix0 or iy1 <= iy0:
                continue
            seen[iy0 - y0:iy1 - y0, ix0 - x0:ix1 - x0] *= (
                1 - a2[iy0 - v0:iy1 - v0, ix0 - u0:ix1 - u0])
        vis[i] = float(seen.sum()) / total
    return vis
