from .constcl_head import (ConSTCLHead, DecoderLayer, MultiHeadCrossAttention,
                           RegionMLPHead, SpatioTemporalPosEmbed)
from .instance_reconstructor_head import (InstanceReconstructorHead,
                                          ReconstructorDecoderLayer,
                                          ReconstructorDecoderUnit)
from .ctrlaug_heads import (GRUMLPOrderHead, GRUOrderHead, MINEEstimator,
                            MLPOrderHead, VCOPHead)
from .pretext_heads import PlaybackRateHead, RotationHead, STORHead
from .ssl_heads import (BaseContrastiveHead, batch_shuffle, batch_unshuffle,
                        BYOLHead, MoCoHead, pool_feature, SimCLRHead,
                        SimSiamHead)

__all__ = [
    'ConSTCLHead', 'InstanceReconstructorHead', 'ReconstructorDecoderLayer',
    'ReconstructorDecoderUnit', 'RegionMLPHead', 'MultiHeadCrossAttention',
    'DecoderLayer', 'SpatioTemporalPosEmbed', 'MINEEstimator',
    'MLPOrderHead', 'GRUOrderHead', 'GRUMLPOrderHead', 'VCOPHead',
    'PlaybackRateHead', 'RotationHead', 'STORHead', 'BaseContrastiveHead',
    'SimCLRHead', 'MoCoHead', 'BYOLHead', 'SimSiamHead', 'batch_shuffle',
    'batch_unshuffle', 'pool_feature'
]
