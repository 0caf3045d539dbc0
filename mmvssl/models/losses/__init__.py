from .contrastive import argmax_positive, info_nce, nt_xent, region_info_nce
from .contrastive_loss import InfoNCELoss, RegionInfoNCELoss

__all__ = [
    'info_nce', 'nt_xent', 'argmax_positive', 'region_info_nce',
    'InfoNCELoss', 'RegionInfoNCELoss'
]
