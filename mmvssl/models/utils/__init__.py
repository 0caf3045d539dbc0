"""Model-side helpers shared by several algorithms."""
from .ema import MomentumTarget, cosine_momentum, momentum_update

__all__ = ['momentum_update', 'cosine_momentum', 'MomentumTarget']
