"""Clip samplers (``TASK_UTILS``): where in time each view of a video comes
from, and the video-level labels derived from the finished views' records
(``docs/data_contract.md``)."""
from .clip_samplers import (BaseClipSampler, ComposeClipSampler,
                            SegmentClipSampler, SparseFrameSampler,
                            TemporalIntervalSampler, UniformClipSampler,
                            check_positive)
from .local_global import LocalGlobalSampler
from .overlap import (DEFAULT_OVERLAPS, TABLE4_OVERLAPS, OverlapClipSampler,
                      spatial_overlap_labels, temporal_overlap_labels)

__all__ = [
    'BaseClipSampler', 'UniformClipSampler', 'TemporalIntervalSampler',
    'SegmentClipSampler', 'SparseFrameSampler', 'ComposeClipSampler',
    'check_positive', 'LocalGlobalSampler', 'OverlapClipSampler',
    'DEFAULT_OVERLAPS', 'TABLE4_OVERLAPS', 'temporal_overlap_labels',
    'spatial_overlap_labels'
]
