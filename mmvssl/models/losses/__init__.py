from .contrastive import argmax_positive, info_nce, nt_xent, region_info_nce
from .contrastive_loss import InfoNCELoss, RegionInfoNCELoss
from .ctrlaug_losses import (ClipOrderLoss, donsker_varadhan, grad_reverse,
                             LocalGlobalBatch, LocalGlobalNCELoss,
                             LowLevelMILoss, soft_region_contrast,
                             SoftRegionContrastLoss, TemporalDependencyLoss)
from .ssl_losses import (masked_cross_entropy, negative_cosine, normalized_mse,
                         queue_info_nce)

__all__ = [
    'info_nce', 'nt_xent', 'argmax_positive', 'region_info_nce',
    'InfoNCELoss', 'RegionInfoNCELoss', 'grad_reverse', 'donsker_varadhan',
    'soft_region_contrast', 'LocalGlobalBatch', 'SoftRegionContrastLoss',
    'LowLevelMILoss', 'TemporalDependencyLoss', 'ClipOrderLoss',
    'LocalGlobalNCELoss', 'normalized_mse', 'negative_cosine',
    'queue_info_nce', 'masked_cross_entropy'
]
