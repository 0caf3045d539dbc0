"""The one pooling helper: the ``(B, C)`` video feature of a backbone output.

Used by the SSL heads (online and momentum encoders), the algorithms
(``predict``, CSTP's pooled clip features) and feature extraction
(:func:`mmvssl.apis.pool_features`), so every part of mmvssl reads a
backbone output the same way.
"""
from typing import Any

from torch import Tensor

__all__ = ['select_feature', 'pool_feature']


def select_feature(feat: Any) -> Tensor:
    """The video-level feature map of ONE backbone output.

    * a dict (``ResNet3dY``'s ``dict(global=..., local=...)``): its
      ``'global'`` entry (a dict with a single entry: that entry);
    * a tuple / list (the stage outputs of a backbone with several
      ``out_indices``): the last, deepest one;
    * a tensor: itself.
    """
    if isinstance(feat, dict):
        if 'global' in feat:
            return select_feature(feat['global'])
        if len(feat) == 1:
            return select_feature(next(iter(feat.values())))
        raise KeyError('a backbone output dict needs a \'global\' entry, got '
                       f'keys {sorted(feat)}')
    if isinstance(feat, (tuple, list)):
        if not feat:
            raise ValueError('empty backbone output')
        return select_feature(feat[-1])
    if not isinstance(feat, Tensor):
        raise TypeError('a backbone output must be a tensor (or a tuple / '
                        f'dict of them), got {type(feat).__name__}')
    return feat


def pool_feature(feat: Any) -> Tensor:
    """``(B, C)``: :func:`select_feature`, averaged over every dimension
    after the channels (global average pooling; a ``(B, C)`` input is
    returned as is)."""
    x = select_feature(feat)
    return x.flatten(2).mean(dim=2) if x.dim() > 2 else x
