"""Video retrieval R@k as an mmengine metric."""
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from mmvssl.registry import METRICS
from ..functional import retrieval_recall


def _sample_label(ds) -> int:
    label = ds.get('gt_label', None)
    if label is None:
        return -1
    label = torch.as_tensor(label).reshape(-1)
    return int(label[0]) if label.numel() else -1


@METRICS.register_module()
class RetrievalMetric(BaseMetric):
    """Recall at k of video retrieval: the evaluated split queries a gallery.

    The evaluated dataloader (``test_dataloader`` / ``val_dataloader``)
    yields the **queries** (e.g. the test split); the model's ``predict``
    stores one feature per video in ``data_sample.feats`` (e.g.
    :class:`VideoFeatureExtractor`: 10 clips, L2-normalised, averaged) and
    its label in ``gt_label``. The **gallery** (e.g. the train split) comes
    from a separate pass before the loop: :class:`RetrievalGalleryHook`
    extracts it with the same model and calls :meth:`set_gallery` (or call
    it yourself with features from :func:`mmvssl.apis.extract_features`).

    The numbers are :func:`mmvssl.evaluation.functional.retrieval_recall`:
    cosine similarity, optional centring by the gallery mean, ties ranked
    by gallery index, ``k`` clipped to the gallery size; in percent.

    Args:
        topk (Sequence[int]): ``k`` values. Defaults to (1, 5, 10, 20, 50).
        mean_center (bool): centre features by the gallery mean.
        feat_key (str): data-sample field holding the feature.
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): metric-name prefix. Defaults to
            ``'retrieval'`` (keys ``retrieval/R@1`` ...).
    """
    default_prefix = 'retrieval'

    def __init__(self,
                 topk: Sequence[int] = (1, 5, 10, 20, 50),
                 mean_center: bool = False,
                 feat_key: str = 'feats',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.topk = (topk, ) if isinstance(topk, int) else tuple(topk)
        self.mean_center = mean_center
        self.feat_key = feat_key
        self.gallery_feats: Optional[np.ndarray] = None
        self.gallery_labels: Optional[np.ndarray] = None

    def set_gallery(self, feats, labels) -> None:
        """Use ``feats`` ``(G, C)`` / ``labels`` ``(G,)`` as the gallery.
        ``None`` clears it (only rank 0 needs one: it computes the metric)."""
        if feats is None:
            self.gallery_feats = self.gallery_labels = None
            return
        if isinstance(feats, torch.Tensor):
            feats = feats.detach().cpu().numpy()
        if isinstance(labels, torch.Tensor):
            labels = labels.detach().cpu().numpy()
        feats, labels = np.asarray(feats), np.asarray(labels).reshape(-1)
        if feats.ndim != 2 or feats.shape[0] != labels.shape[0]:
            raise ValueError(f'gallery: {feats.shape} features for '
                             f'{labels.shape[0]} labels')
        self.gallery_feats, self.gallery_labels = feats, labels

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        for ds in data_samples:
            if self.feat_key not in ds:
                raise KeyError(
                    f'RetrievalMetric: the model stored no {self.feat_key!r} '
                    'in its predictions; use a feature-extracting model such '
                    "as dict(type='VideoFeatureExtractor', ...)")
            feat = torch.as_tensor(ds.get(self.feat_key)).detach().cpu()
            self.results.append(
                (feat.reshape(-1).float().numpy(), _sample_label(ds)))

    def compute_metrics(self, results: List) -> Dict[str, float]:
        if self.gallery_feats is None:
            raise RuntimeError(
                'RetrievalMetric has no gallery: add '
                "custom_hooks=[dict(type='RetrievalGalleryHook', ...)] to "
                'the config (it extracts the gallery split before the loop) '
                'or call metric.set_gallery(feats, labels)')
        feats = np.stack([r[0] for r in results])
        labels = np.asarray([r[1] for r in results], dtype=np.int64)
        return retrieval_recall(
            feats, labels, self.gallery_feats, self.gallery_labels,
            topk=self.topk, mean_center=self.mean_center)
