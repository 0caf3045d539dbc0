from .knn_monitor_hook import KNNMonitorHook
from .momentum_update_hook import MomentumUpdateHook
from .pretrained_backbone_hook import PretrainedBackboneHook
from .retrieval_gallery_hook import RetrievalGalleryHook
from .unreadable_video_hook import UnreadableVideoHook

__all__ = [
    'KNNMonitorHook', 'MomentumUpdateHook', 'PretrainedBackboneHook',
    'RetrievalGalleryHook', 'UnreadableVideoHook'
]
