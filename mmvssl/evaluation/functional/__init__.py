from .ope import (box_iou_xywh, center_error, ope_metrics, plot_ope_curves,
                  valid_gt_mask)
from .retrieval import (knn_accuracy, knn_classify, l2_normalize, rank_gallery,
                        retrieval_recall)

__all__ = [
    'retrieval_recall', 'rank_gallery', 'knn_classify', 'knn_accuracy',
    'l2_normalize', 'ope_metrics', 'plot_ope_curves', 'box_iou_xywh',
    'center_error', 'valid_gt_mask'
]
