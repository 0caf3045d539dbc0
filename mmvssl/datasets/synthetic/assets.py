"""Real photographs used by the generator.

Only images stored inside the scikit-image package are used (every loader
below reads a file from ``skimage/data``; none of them triggers a download),
so generation works offline and gives the same pixels on every machine with
the same scikit-image files.
"""
import functools

import numpy as np

# colour photographs: backgrounds and distractor textures
COLOUR_PHOTOS = ('astronaut', 'chelsea', 'coffee', 'rocket',
                 'hubble_deep_field', 'immunohistochemistry', 'retina',
                 'motorcycle')
# greyscale photographs: actor textures (see presets.APPEARANCES)
TEXTURE_PHOTOS = ('brick', 'gravel', 'coins')

# largest side of a stored photo; bigger ones are downscaled once
_MAX_SIDE = 640


def _load(name):
    import skimage.data as skd
    try:
        if name == 'motorcycle':
            img = skd.stereo_motorcycle()[0]
        else:
            img = getattr(skd, name)()
    except Exception as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            f'scikit-image photo {name!r} could not be loaded from the '
            'package data (the generator never downloads images)') from exc
    return np.ascontiguousarray(img)


@functools.lru_cache(maxsize=None)
def photo(name):
    """uint8 image: (H, W, 3) RGB for colour photos, (H, W) for textures."""
    import cv2
    img = _load(name)
    if img.ndim == 3 and img.shape[2] == 4:
        img = img[..., :3]
    scale = _MAX_SIDE / max(img.shape[:2])
    if scale < 1:
        size = (round(img.shape[1] * scale), round(img.shape[0] * scale))
        img = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
    img.setflags(write=False)
    return img


@functools.lru_cache(maxsize=None)
def texture(name):
    """float32 (H, W) texture in [0, 1], contrast-stretched (1-99 pct)."""
    img = photo(name).astype(np.float32)
    lo, hi = np.percentile(img, (1, 99))
    out = np.clip((img - lo) / max(hi - lo, 1.), 0, 1).astype(np.float32)
    out.setflags(write=False)
    return out


def check_assets():
    """Load every photo once; returns {name: shape}."""
    return {n: photo(n).shape for n in COLOUR_PHOTOS + TEXTURE_PHOTOS}
