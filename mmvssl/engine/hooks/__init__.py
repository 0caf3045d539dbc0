from .knn_monitor_hook import KNNMonitorHook
from .retrieval_gallery_hook import RetrievalGalleryHook

__all__ = ['KNNMonitorHook', 'RetrievalGalleryHook']
