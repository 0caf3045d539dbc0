"""SiamFC's crop geometry: the exemplar context square, square crops with
mean-colour padding, and the frame window around a frame. Used by the
tracking datasets (training pairs) and the tracker (inference) alike."""
from typing import List, Sequence

import cv2
import numpy as np

__all__ = ['context_size', 'crop_square', 'neighbor_indices']


def context_size(wh: np.ndarray, context_amount: float = 0.5) -> float:
    """SiamFC's exemplar side in source pixels: ``sqrt((w + p)(h + p))`` with
    ``p = context_amount * (w + h)``."""
    w, h = float(wh[0]), float(wh[1])
    p = context_amount * (w + h)
    return float(np.sqrt((w + p) * (h + p)))


def crop_square(img: np.ndarray, center: Sequence[float], size: float,
                out_size: int, pad_value=None) -> np.ndarray:
    """Square patch of side ``size`` (source px) centred at ``center``
    (``cx, cy``, 0-based continuous coordinates), resized to
    ``out_size``; outside the image it is filled with the image's mean
    colour (SiamFC's padding). One affine warp, sub-pixel exact."""
    scale = out_size / size
    cx, cy = float(center[0]), float(center[1])
    # continuous coordinates (pixel i covers [i, i + 1)):
    # u + 0.5 = scale * (x + 0.5 - (cx - size / 2)) for pixel indices u, x
    m = np.array([[scale, 0, scale * (0.5 - cx + size / 2) - 0.5],
                  [0, scale, scale * (0.5 - cy + size / 2) - 0.5]],
                 dtype=np.float64)
    if pad_value is None:
        pad_value = img.reshape(-1, img.shape[-1]).mean(0)
    return cv2.warpAffine(
        img, m, (out_size, out_size),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=tuple(float(v) for v in np.ravel(pad_value)))


def neighbor_indices(t: int, n: int, num_neighbors: int) -> List[int]:
    """The ``2 * num_neighbors + 1`` frame indices around ``t``, clamped to
    ``[0, n - 1]`` (the sequence's first / last frame is repeated)."""
    return [min(max(t + k, 0), n - 1)
            for k in range(-num_neighbors, num_neighbors + 1)]
