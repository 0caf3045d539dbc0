"""Clip samplers and clip transforms that record view geometry."""
from .base import ClipTransform, INTERPOLATIONS
from .clip_samplers import (BaseClipSampler, ComposeClipSampler,
                            SegmentClipSampler, SparseFrameSampler,
                            TemporalIntervalSampler, UniformClipSampler)
from .formatting import PackMultiView
from .intensity import IntensityParam
from .local_global import LocalGlobalSampler
from .overlap import (OverlapAnchorCrop, OverlapClipSampler, OverlapCrop,
                      spatial_overlap_rate, temporal_overlap_rate)
from .photometric import (ClipColorJitter, ClipGaussianBlur, ClipGrayscale,
                          ClipSolarize)
from .pretext import ClipRotationJitter
from .regions import (DetectorRegionBoxes, FelzenszwalbRegionBoxes,
                      RandomRegionBoxes, SLICRegionBoxes)
from .spatial import (ClipCenterCrop, ClipFlip, ClipRandomResizedCrop,
                      ClipResize, ClipRotation)
from .wrappers import ClipRandomApply

__all__ = [
    'INTERPOLATIONS', 'ClipTransform', 'BaseClipSampler',
    'UniformClipSampler', 'TemporalIntervalSampler', 'SegmentClipSampler',
    'SparseFrameSampler', 'ComposeClipSampler', 'PackMultiView',
    'IntensityParam', 'ClipColorJitter', 'ClipGrayscale',
    'ClipGaussianBlur', 'ClipSolarize', 'ClipRandomResizedCrop',
    'ClipCenterCrop', 'ClipResize', 'ClipFlip', 'ClipRotation',
    'RandomRegionBoxes', 'SLICRegionBoxes', 'FelzenszwalbRegionBoxes',
    'DetectorRegionBoxes', 'OverlapClipSampler', 'OverlapAnchorCrop',
    'OverlapCrop', 'spatial_overlap_rate', 'temporal_overlap_rate',
    'ClipRotationJitter', 'LocalGlobalSampler', 'ClipRandomApply'
]
