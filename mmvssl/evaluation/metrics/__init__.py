from .ope_metric import OPEMetric
from .retrieval_metric import RetrievalMetric

__all__ = [
    'RetrievalMetric', 'OPEMetric'
]
