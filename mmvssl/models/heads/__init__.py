from .constcl_head import (ConSTCLHead, DecoderLayer, MultiHeadCrossAttention,
                           RegionMLPHead, SpatioTemporalPosEmbed)

__all__ = [
    'ConSTCLHead', 'RegionMLPHead', 'MultiHeadCrossAttention',
    'DecoderLayer', 'SpatioTemporalPosEmbed'
]
