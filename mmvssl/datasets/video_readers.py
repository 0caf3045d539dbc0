"""Frame readers of :class:`MultiViewVideoDataset`.

A reader is a small picklable object without native handles; the dataset
creates it lazily in the process that reads (each DataLoader worker), and it
opens one video per sample. Any failure to open or decode a video raises
:class:`VideoReadError`, which names the file; the dataset logs it and
replaces the sample.
"""
import io
import os.path as osp
from typing import Dict, Optional

import cv2
import numpy as np
from mmengine import fileio

__all__ = ['VideoReadError', 'DecordReader', 'RawFrameReader']


class VideoReadError(IOError):
    """A video (or frame folder) that cannot be read.

    Attributes:
        filename (str): the video or frame folder.
        reason (str): what went wrong.
    """

    def __init__(self, filename: str, reason: str) -> None:
        self.filename = filename
        self.reason = reason
        super().__init__(f'cannot read {filename}: {reason}')

    def __reduce__(self):  # keep both fields across worker processes
        return type(self), (self.filename, self.reason)


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f'{type(err).__name__}: {text[0] if text else ""}'[:300]


class _OpenedVideo:
    """Interface of an opened video: ``total_frames``, ``fps`` and
    :meth:`get_frames`."""

    total_frames: int
    fps: float

    def get_frames(self, inds: np.ndarray) -> np.ndarray:
        """uint8 ``(N, H, W, 3)`` RGB frames at sorted unique ``inds``."""
        raise NotImplementedError

    def close(self) -> None:
        pass


class _DecordVideo(_OpenedVideo):

    def __init__(self, filename, container):
        self.filename = filename
        self.container = container
        self.total_frames = len(container)
        try:
            self.fps = float(container.get_avg_fps())
        except Exception:  # noqa: BLE001 - some containers lack a rate
            self.fps = 0.0
        if not np.isfinite(self.fps) or self.fps <= 0:
            self.fps = 30.0

    def get_frames(self, inds):
        try:
            frames = self.container.get_batch([int(i) for i in inds])
            frames = frames.asnumpy()
        except Exception as e:  # noqa: BLE001 - decord raises many types
            raise VideoReadError(self.filename,
                                 f'decoding failed: {_first_line(e)}') from e
        finally:
            try:  # decord's memory growth after get_batch (known issue)
                self.container.seek(0)
            except Exception:  # noqa: BLE001
                pass
        if frames.ndim != 4 or frames.shape[0] != len(inds) or \
                frames.shape[-1] != 3:
            raise VideoReadError(
                self.filename, f'decoder returned frames of shape '
                f'{frames.shape} for {len(inds)} indices')
        return frames

    def close(self):
        self.container = None


class DecordReader:
    """Open videos with decord (``num_threads`` decoding threads, default 1).

    Local files are opened by path (decord reads only what it needs); with
    ``backend_args`` (e.g. a petrel / http backend) the bytes are fetched
    with ``mmengine.fileio`` as in mmaction2's ``DecordInit``.
    """

    def __init__(self,
                 num_threads: int = 1,
                 backend_args: Optional[Dict] = None) -> None:
        self.num_threads = num_threads
        self.backend_args = backend_args

    def open(self, info: Dict) -> _DecordVideo:
        filename = info['filename']
        try:
            import decord
        except ImportError as e:  # pragma: no cover
            raise ImportError('MultiViewVideoDataset needs decord: '
                              'pip install decord') from e
        if self.backend_args is None:
            if not osp.isfile(filename):
                raise VideoReadError(filename, 'file not found')
            if osp.getsize(filename) == 0:
                raise VideoReadError(filename, 'empty file (0 bytes)')
            source = filename
        else:
            try:
                data = fileio.get(filename, backend_args=self.backend_args)
            except Exception as e:  # noqa: BLE001
                raise VideoReadError(filename, _first_line(e)) from e
            if not data:
                raise VideoReadError(filename, 'empty file (0 bytes)')
            source = io.BytesIO(data)
        try:
            container = decord.VideoReader(
                source, num_threads=self.num_threads)
        except Exception as e:  # noqa: BLE001 - DECORDError, RuntimeError
            raise VideoReadError(filename,
                                 f'cannot open: {_first_line(e)}') from e
        video = _DecordVideo(filename, container)
        if video.total_frames < 1:
            raise VideoReadError(filename, 'the video has no frames')
        return video

    def __repr__(self):
        return f'{type(self).__name__}(num_threads={self.num_threads})'


class _RawFrameVideo(_OpenedVideo):

    def __init__(self, reader, frame_dir, total_frames, fps):
        self.reader = reader
        self.filename = frame_dir
        self.total_frames = total_frames
        self.fps = fps

    def get_frames(self, inds):
        frames = []
        for i in inds:
            path = osp.join(
                self.filename,
                self.reader.filename_tmpl.format(
                    int(i) + self.reader.start_index))
            try:
                data = fileio.get(path, backend_args=self.reader.backend_args)
                img = cv2.imdecode(
                    np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
            except Exception as e:  # noqa: BLE001
                raise VideoReadError(self.filename,
                                     f'frame {path}: {_first_line(e)}') from e
            if img is None:
                raise VideoReadError(self.filename,
                                     f'frame {path} cannot be decoded')
            if frames and img.shape != frames[0].shape:
                raise VideoReadError(
                    self.filename, f'frame {path} is {img.shape}, earlier '
                    f'frames are {frames[0].shape}')
            frames.append(img)
        out = np.stack(frames)
        return np.ascontiguousarray(out[..., ::-1])  # BGR -> RGB


class RawFrameReader:
    """Read frame folders (mmaction2's rawframe layout): frame ``i`` of a
    folder is ``filename_tmpl.format(i + start_index)``; the frame count
    comes from the annotation and the frame rate is ``fps`` (image folders
    carry none)."""

    def __init__(self,
                 filename_tmpl: str = 'img_{:05}.jpg',
                 start_index: int = 1,
                 fps: float = 30.0,
                 backend_args: Optional[Dict] = None) -> None:
        self.filename_tmpl = filename_tmpl
        self.start_index = start_index
        self.fps = fps
        self.backend_args = backend_args

    def open(self, info: Dict) -> _RawFrameVideo:
        frame_dir = info['frame_dir']
        if self.backend_args is None and not osp.isdir(frame_dir):
            raise VideoReadError(frame_dir, 'frame folder not found')
        total = int(info['total_frames'])
        if total < 1:
            raise VideoReadError(frame_dir, 'the annotation gives 0 frames')
        return _RawFrameVideo(self, frame_dir, total, float(self.fps))

    def __repr__(self):
        return (f'{type(self).__name__}(filename_tmpl={self.filename_tmpl!r},'
                f' start_index={self.start_index})')
