"""Everything with parameters after the backbone / neck is a head; every
head with a loss is called ``head.loss(feats, data_samples, **kwargs)`` and
returns a dict (``loss*`` keys are losses)."""
from .constcl_head import (ConSTCLHead, DecoderLayer, MultiHeadCrossAttention,
                           RegionMLPHead, SpatioTemporalPosEmbed)
from .ctrlaug_heads import (ClipOrderHead, GRUMLPOrderHead, GRUOrderHead,
                            LocalGlobalNCEHead, LowLevelMIHead, MINEEstimator,
                            MLPOrderHead, permutations,
                            SoftRegionContrastHead, TemporalDependencyHead,
                            VCOPHead)
from .instance_reconstructor_head import (InstanceReconstructorHead,
                                          ReconstructorDecoderLayer,
                                          ReconstructorDecoderUnit)
from .pretext_heads import PlaybackRateHead, RotationHead, STORHead
from .region_contrast import RegionContrastMixin
from .ssl_heads import (BaseContrastiveHead, batch_shuffle, batch_unshuffle,
                        BYOLHead, MoCoHead, SimCLRHead, SimSiamHead)

__all__ = [
    'ConSTCLHead', 'InstanceReconstructorHead', 'ReconstructorDecoderLayer',
    'ReconstructorDecoderUnit', 'RegionMLPHead', 'MultiHeadCrossAttention',
    'DecoderLayer', 'SpatioTemporalPosEmbed', 'RegionContrastMixin',
    'MINEEstimator', 'MLPOrderHead', 'GRUOrderHead', 'GRUMLPOrderHead',
    'VCOPHead', 'permutations', 'SoftRegionContrastHead', 'LowLevelMIHead',
    'TemporalDependencyHead', 'ClipOrderHead', 'LocalGlobalNCEHead',
    'PlaybackRateHead', 'RotationHead', 'STORHead', 'BaseContrastiveHead',
    'SimCLRHead', 'MoCoHead', 'BYOLHead', 'SimSiamHead', 'batch_shuffle',
    'batch_unshuffle'
]
