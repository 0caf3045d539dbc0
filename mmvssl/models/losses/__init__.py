"""Pure loss functions and parameter-free loss modules (nothing here has
weights: a module with parameters is a head, see ``mmvssl.models.heads``).

* :mod:`.contrastive`: every InfoNCE variant (functions) and the registered
  ``InfoNCELoss`` / ``RegionInfoNCELoss``;
* :mod:`.mutual_information`: gradient reversal, Donsker-Varadhan bound;
* :mod:`.ssl_losses`: BYOL / SimSiam regressions, masked cross-entropy.
"""
from .contrastive import (argmax_positive, info_nce, InfoNCELoss, nt_xent,
                          queue_info_nce, region_info_nce, RegionInfoNCELoss,
                          soft_info_nce)
from .mutual_information import donsker_varadhan, grad_reverse, log_mean_exp
from .ssl_losses import masked_cross_entropy, negative_cosine, normalized_mse

__all__ = [
    'info_nce', 'nt_xent', 'queue_info_nce', 'argmax_positive',
    'region_info_nce', 'soft_info_nce', 'InfoNCELoss', 'RegionInfoNCELoss',
    'grad_reverse', 'log_mean_exp', 'donsker_varadhan', 'normalized_mse',
    'negative_cosine', 'masked_cross_entropy'
]
