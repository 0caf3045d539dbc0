from .knn_monitor_hook import KNNMonitorHook
from .momentum_update_hook import MomentumUpdateHook
from .retrieval_gallery_hook import RetrievalGalleryHook

__all__ = ['KNNMonitorHook', 'MomentumUpdateHook', 'RetrievalGalleryHook']
