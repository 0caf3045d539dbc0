from .base import BaseSSLAlgorithm
from .byol import BYOL
from .constcl import ConSTCL
from .cstp import ContrastiveBaseline, CSTP
from .ctrlaug import CtrlAug
from .cvrl import CVRL
from .moco import MoCo
from .simclr import SimCLR
from .simsiam import SimSiam
from .supervised import SupervisedBaseline
from .temporal_sampling import (build_frame_sampler, CenterFrameSampler,
                                context_frame_indices, NearestFrameSampler,
                                RandomFrameSampler)

__all__ = [
    'BaseSSLAlgorithm', 'ConSTCL', 'CVRL', 'CenterFrameSampler',
    'NearestFrameSampler', 'RandomFrameSampler', 'build_frame_sampler',
    'context_frame_indices', 'CtrlAug', 'CSTP',
    'ContrastiveBaseline', 'SimCLR', 'MoCo', 'BYOL', 'SimSiam',
    'SupervisedBaseline'
]
