"""Downstream-evaluation models: classification head on normalised features,
the frozen-backbone recognizer of linear probes and the video feature
extractor of retrieval."""
from .feature_extractor import VideoFeatureExtractor
from .l2norm_head import L2NormI3DHead
from .linear_probe import LinearProbeRecognizer3D

__all__ = ['L2NormI3DHead', 'LinearProbeRecognizer3D', 'VideoFeatureExtractor']
