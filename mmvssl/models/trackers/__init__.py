from .dilation import dilate_backbone, dilate_stage
from .siamfc import (PAPER_DILATIONS, SiamFC, balanced_logistic_loss,
                     siamfc_labels, xcorr)

__all__ = [
    'SiamFC', 'dilate_backbone', 'dilate_stage', 'xcorr', 'siamfc_labels',
    'balanced_logistic_loss', 'PAPER_DILATIONS'
]
