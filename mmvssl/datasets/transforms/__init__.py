"""Clip samplers and clip transforms that record view geometry."""
from .base import INTERPOLATIONS, ClipTransform
from .clip_samplers import (BaseClipSampler, ComposeClipSampler,
                            SegmentClipSampler, SparseFrameSampler,
                            TemporalIntervalSampler, UniformClipSampler)
from .formatting import PackMultiView
from .intensity import IntensityParam
from .photometric import (ClipColorJitter, ClipGaussianBlur, ClipGrayscale,
                          ClipSolarize)
from .regions import (DetectorRegionBoxes, FelzenszwalbRegionBoxes,
                      RandomRegionBoxes, SLICRegionBoxes)
from .spatial import (ClipCenterCrop, ClipFlip, ClipRandomResizedCrop,
                      ClipResize, ClipRotation)

__all__ = [
    'INTERPOLATIONS', 'ClipTransform', 'BaseClipSampler', 'UniformClipSampler',
    'TemporalIntervalSampler', 'SegmentClipSampler', 'SparseFrameSampler',
    'ComposeClipSampler', 'PackMultiView', 'IntensityParam', 'ClipColorJitter',
    'ClipGrayscale', 'ClipGaussianBlur', 'ClipSolarize',
    'ClipRandomResizedCrop', 'ClipCenterCrop', 'ClipResize', 'ClipFlip',
    'ClipRotation', 'RandomRegionBoxes', 'SLICRegionBoxes',
    'FelzenszwalbRegionBoxes', 'DetectorRegionBoxes'
]
