"""Local-global temporal sampling of controllable augmentations.

One global video (``num_frames`` frames spread evenly over the whole video)
and ``K`` local clips of ``clip_len`` frames whose centre frames lie in the
``K`` equal segments of the video (Sec. 3.1; supplement Sec. 1: "For global
video, we do not perform temporal cropping, but uniformly sample 16 frames.
For local clips, we constrain the central frame to respectively locate in
the timespan [0, 0.25], [0.25, 0.5], [0.5, 0.75], [0.75, 1.0]").
"""
import numpy as np

from mmvssl.registry import TASK_UTILS
from .clip_samplers import (BaseClipSampler, Records, SegmentClipSampler,
                            SparseFrameSampler)


@TASK_UTILS.register_module()
class LocalGlobalSampler(BaseClipSampler):
    """The global video followed by ``num_clips`` local clips (views in
    that order: ``global, local0, ..., local{K-1}``).

    * Global: :class:`SparseFrameSampler` (frame ``i`` drawn in the segment
      ``[i T / n, (i + 1) T / n)`` with one random offset per video). Its
      record gets ``frame_spans`` (``(n, 2)`` float64), that segment for
      every frame: the global video stands for the *whole* video, so its
      feature tubes tile the video in time and every local clip lies inside
      it (the rows of ``S_k`` sum to 1, see
      :mod:`mmvssl.ops.tube_correspondence`).
    * Local clip ``k``: :class:`SegmentClipSampler` (centre frame uniform in
      segment ``k`` of ``K``, shifted only when the clip would leave the
      video); its record gets ``segment=k``.

    Intensity levels are not the sampler's business: a requested level is
    passed explicitly to the dataset (``LocalGlobalVideoDataset[idx,
    levels]``), which puts it into every view's ``requested_levels``.

    Args:
        num_frames (int): frames of the global video. Defaults to 16.
        clip_len (int): frames per local clip. Defaults to 16.
        frame_interval (int): stride of the local clips. Defaults to 1.
        num_clips (int): ``K``. Defaults to 4.
        test_mode (bool): deterministic offsets / centres. Defaults to
            False.
    """

    def __init__(self,
                 num_frames: int = 16,
                 clip_len: int = 16,
                 frame_interval: int = 1,
                 num_clips: int = 4,
                 test_mode: bool = False) -> None:
        self.global_sampler = SparseFrameSampler(num_frames, test_mode)
        self.local_sampler = SegmentClipSampler(
            clip_len, frame_interval, num_clips, test_mode)
        self.num_frames = num_frames
        self.num_clips = num_clips
        self.num_views = 1 + num_clips

    @staticmethod
    def segment_spans(total_frames: int, num_frames: int) -> np.ndarray:
        """``(n, 2)`` source interval represented by each of ``n`` evenly
        spread frames: ``[i T / n, (i + 1) T / n)``."""
        edges = np.arange(num_frames + 1, dtype=np.float64) * (
            total_frames / num_frames)
        return np.stack([edges[:-1], edges[1:]], axis=-1)

    def sample(self, total_frames: int, fps: float) -> Records:
        glob = dict(self.global_sampler(total_frames, fps)[0])
        glob['frame_spans'] = self.segment_spans(total_frames,
                                                 len(glob['frame_inds']))
        return [glob] + list(self.local_sampler(total_frames, fps))

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(global={self.global_sampler}, '
                f'local={self.local_sampler})')
