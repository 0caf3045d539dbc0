from .retrieval import (knn_accuracy, knn_classify, l2_normalize,
                        rank_gallery, retrieval_recall)

__all__ = [
    'retrieval_recall', 'rank_gallery', 'knn_classify', 'knn_accuracy',
    'l2_normalize'
]
