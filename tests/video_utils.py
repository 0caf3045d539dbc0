"""Small test videos whose frames say which frame (and video) they are.

Every frame carries two 8-bit binary codes drawn as black / white 16x16
blocks (aligned with the codec's macroblocks, so they survive mp4v
compression): the top band encodes the frame index, the second band a video
id. :func:`read_codes` recovers them from decoded, *spatially untouched*
frames. Below the bands a smooth colour gradient gives the transforms some
content.
"""
import os
import os.path as osp
from typing import Iterable, Sequence, Tuple

import cv2
import numpy as np

BLOCK = 16
BITS = 8


def make_frames(num_frames: int,
                size: Tuple[int, int] = (128, 96),
                video_id: int = 0) -> np.ndarray:
    """uint8 RGB frames ``(T, H, W, 3)``; ``size`` is ``(w, h)``."""
    w, h = size
    assert w >= BLOCK * BITS and h >= 3 * BLOCK, 'frame too small'
    assert num_frames <= 2**BITS and 0 <= video_id < 2**BITS
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([
        xx * 255 // max(1, w - 1), yy * 255 // max(1, h - 1),
        np.full_like(xx, 96)
    ], -1).astype(np.uint8)
    frames = np.repeat(base[None], num_frames, 0)
    for t in range(num_frames):
        for band, value in ((0, t), (1, video_id)):
            for b in range(BITS):
                on = (value >> (BITS - 1 - b)) & 1
                frames[t, band * BLOCK:(band + 1) * BLOCK,
                       b * BLOCK:(b + 1) * BLOCK] = 255 if on else 0
    return frames


def read_codes(frames: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """``(frame_indices, video_ids)`` encoded in ``(T, H, W, 3)`` frames."""
    frames = np.asarray(frames)
    out = []
    for band in (0, 1):
        rows = frames[:, band * BLOCK + 4:(band + 1) * BLOCK - 4]
        value = np.zeros(len(frames), dtype=np.int64)
        for b in range(BITS):
            block = rows[:, :, b * BLOCK + 4:(b + 1) * BLOCK - 4]
            bit = block.reshape(len(frames), -1).mean(1) > 127
            value = value * 2 + bit
        out.append(value)
    return out[0], out[1]


def write_video(path: str,
                num_frames: int = 40,
                size: Tuple[int, int] = (128, 96),
                fps: float = 30.,
                video_id: int = 0,
                fourcc: str = 'mp4v') -> str:
    """Write a video (default mp4v ``.mp4``; ``fourcc='MJPG'`` with an
    ``.avi`` path for Motion-JPEG), readable by decord; returns its path."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*fourcc), fps,
                             tuple(size))
    assert writer.isOpened(), f'cannot write {path}'
    for frame in make_frames(num_frames, size, video_id):
        writer.write(frame[..., ::-1].copy())  # RGB -> BGR
    writer.release()
    return path


def write_rawframes(frame_dir: str,
                    num_frames: int = 20,
                    size: Tuple[int, int] = (128, 96),
                    video_id: int = 0,
                    tmpl: str = 'img_{:05}.jpg',
                    start_index: int = 1) -> str:
    """Write a frame folder in mmaction2's rawframe layout (PNG content
    whatever the extension says is fine for cv2; we use the template)."""
    os.makedirs(frame_dir, exist_ok=True)
    ext = osp.splitext(tmpl)[1] or '.png'
    for t, frame in enumerate(make_frames(num_frames, size, video_id)):
        ok, buf = cv2.imencode(ext, frame[..., ::-1],
                               [cv2.IMWRITE_JPEG_QUALITY, 98])
        assert ok
        buf.tofile(osp.join(frame_dir, tmpl.format(t + start_index)))
    return frame_dir


def write_random_bytes(path: str, num_bytes: int = 4096, seed: int = 0) -> str:
    with open(path, 'wb') as f:
        f.write(np.random.RandomState(seed).bytes(num_bytes))
    return path


def write_truncated(path: str, src: str, fraction: float = 0.5) -> str:
    """A copy of ``src`` cut to ``fraction`` of its bytes."""
    with open(src, 'rb') as f:
        data = f.read()
    with open(path, 'wb') as f:
        f.write(data[:int(len(data) * fraction)])
    return path


def write_empty(path: str) -> str:
    open(path, 'wb').close()
    return path


def write_annotation(path: str, lines: Iterable[str]) -> str:
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return path


def make_video_list(
    root: str, lengths: Sequence[int], size: Tuple[int,
                                                   int] = (128, 96)) -> str:
    """Videos ``v{i}.mp4`` (video id ``i``, label ``i``) and a list file
    ``train.txt`` in ``root``; returns the list file's path."""
    lines = []
    for i, n in enumerate(lengths):
        write_video(osp.join(root, f'v{i}.mp4'), n, size, video_id=i)
        lines.append(f'v{i}.mp4 {i}')
    return write_annotation(osp.join(root, 'train.txt'), lines)
