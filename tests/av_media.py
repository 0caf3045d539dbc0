"""Test videos written with PyAV (seeded, small, fast).

* :func:`write_h264` - H.264 in mp4 (what ``check_videos.py --reencode``
  writes, and most of Kinetics);
* :func:`write_mpeg4_avi` - MPEG-4 part 2 in AVI; with ``bframes > 0`` and a
  key frame every ``gop`` frames, decord's seeking returns frames a few
  positions away from the requested ones (AVI stores no timestamps), as in
  DivX-encoded UCF101 / HMDB51 files, while sequential decoding is right.

Frames come from :func:`video_utils.make_frames`: each frame encodes its
index, :func:`video_utils.read_codes` reads it back.
"""
from typing import Dict, Optional, Tuple

import numpy as np
from video_utils import make_frames


def write_av(path: str,
             codec: str,
             container_format: str,
             num_frames: int,
             size: Tuple[int, int] = (128, 96),
             gop: int = 12,
             bframes: int = 0,
             options: Optional[Dict[str, str]] = None,
             video_id: int = 0,
             fps: int = 30) -> np.ndarray:
    """Encode :func:`make_frames` to ``path``; returns the RGB frames."""
    import av
    frames = make_frames(num_frames, size, video_id)
    with av.open(path, 'w', format=container_format) as c:
        s = c.add_stream(codec, rate=fps, options=dict(options or {}))
        s.width, s.height = size
        s.pix_fmt = 'yuv420p'
        s.codec_context.gop_size = gop
        s.codec_context.max_b_frames = bframes
        for f in frames:
            for p in s.encode(av.VideoFrame.from_ndarray(f, format='rgb24')):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return frames


def write_h264(path, num_frames=60, size=(128, 96), gop=12, video_id=0):
    return write_av(
        path,
        'libx264',
        'mp4',
        num_frames,
        size,
        gop=gop,
        options=dict(preset='ultrafast', g=str(gop), bf='2'),
        video_id=video_id)


def write_mpeg4_avi(path,
                    num_frames=120,
                    size=(128, 96),
                    gop=50,
                    bframes=2,
                    video_id=0):
    return write_av(
        path,
        'mpeg4',
        'avi',
        num_frames,
        size,
        gop=gop,
        bframes=bframes,
        video_id=video_id)
