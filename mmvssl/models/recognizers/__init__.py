"""Downstream-evaluation models: classification head on normalised features
and the video feature extractor of retrieval."""
from .feature_extractor import VideoFeatureExtractor
from .l2norm_head import L2NormI3DHead

__all__ = ['L2NormI3DHead', 'VideoFeatureExtractor']
