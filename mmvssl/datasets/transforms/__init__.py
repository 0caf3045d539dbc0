"""Clip transforms that record view geometry (the clip samplers live in
:mod:`mmvssl.datasets.samplers`)."""
from .base import ClipTransform, INTERPOLATIONS
from .formatting import PackMultiView
from .intensity import IntensityParam
from .overlap import (OverlapAnchorCrop, OverlapCrop, spatial_overlap_rate,
                      temporal_overlap_rate)
from .photometric import (ClipColorJitter, ClipGaussianBlur, ClipGrayscale,
                          ClipSolarize)
from .pretext import ClipRotationJitter
from .regions import (DetectorRegionBoxes, FelzenszwalbRegionBoxes,
                      RandomRegionBoxes, SLICRegionBoxes)
from .spatial import (ClipCenterCrop, ClipFlip, ClipRandomResizedCrop,
                      ClipResize, ClipRotation)
from .wrappers import ClipRandomApply

__all__ = [
    'INTERPOLATIONS', 'ClipTransform', 'PackMultiView',
    'IntensityParam', 'ClipColorJitter', 'ClipGrayscale',
    'ClipGaussianBlur', 'ClipSolarize', 'ClipRandomResizedCrop',
    'ClipCenterCrop', 'ClipResize', 'ClipFlip', 'ClipRotation',
    'RandomRegionBoxes', 'SLICRegionBoxes', 'FelzenszwalbRegionBoxes',
    'DetectorRegionBoxes', 'OverlapAnchorCrop', 'OverlapCrop',
    'spatial_overlap_rate', 'temporal_overlap_rate', 'ClipRotationJitter',
    'ClipRandomApply'
]
