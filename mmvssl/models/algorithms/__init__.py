from .base import BaseSSLAlgorithm
from .constcl import ConSTCL, collect_view_geometry
from .cvrl import CVRL
from .temporal_sampling import (CenterFrameSampler, NearestFrameSampler,
                                RandomFrameSampler, build_frame_sampler,
                                context_frame_indices)

__all__ = [
    'BaseSSLAlgorithm', 'ConSTCL', 'CVRL', 'CenterFrameSampler',
    'NearestFrameSampler', 'RandomFrameSampler', 'build_frame_sampler',
    'context_frame_indices', 'collect_view_geometry'
]
