"""Datasets of mmvssl (the synthetic video generator lives in
``mmvssl.datasets.synthetic`` and is imported on demand)."""
from .multiview_dataset import MultiViewVideoDataset
from .transforms import *  # noqa: F401,F403
from .video_readers import DecordReader, RawFrameReader, VideoReadError

__all__ = [
    'MultiViewVideoDataset', 'DecordReader', 'RawFrameReader', 'VideoReadError'
]
