"""Inference helper of the SiamFC tracker: decode a video's frames, hand
them to the tracker (the model never reads files)."""
from typing import Sequence, Union

import numpy as np

from mmvssl.datasets.sot import FrameSequence

__all__ = ['track_video']


def track_video(tracker,
                frames: Union[Sequence[str], Sequence[np.ndarray]],
                init_box: Sequence[float]) -> np.ndarray:
    """One-pass tracking of a video by ``tracker`` (a
    :class:`~mmvssl.models.SiamFC`) from ``init_box`` (``[x, y, w, h]`` of
    the first frame). ``frames``: image files (decoded lazily, one frame at
    a time) or decoded RGB ``uint8`` arrays. Returns ``(N, 4)`` boxes."""
    frames = list(frames) if not isinstance(frames, FrameSequence) else frames
    if len(frames) and isinstance(frames[0], str):
        frames = FrameSequence(frames)
    was_training = tracker.training
    tracker.eval()
    try:
        return tracker.track_video(frames, init_box)
    finally:
        tracker.train(was_training)
