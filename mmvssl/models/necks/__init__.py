from .mlp_projection import MLPProjectionNeck

__all__ = ['MLPProjectionNeck']
