"""OPE (one-pass evaluation) metric of single-object tracking."""
import json
import os
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from mmvssl.registry import METRICS
from ..functional.ope import ope_metrics, plot_ope_curves


@METRICS.register_module()
class OPEMetric(BaseMetric):
    """Success (AUC, %) and precision (@20 px, %) of OTB's one-pass
    evaluation; see :func:`mmvssl.evaluation.functional.ope_metrics`.

    Consumes the outputs of :meth:`mmvssl.models.SiamFC.test_step`: one
    dict per video with ``video_name``, ``pred_bboxes`` and ``gt_bboxes``
    (``(N, 4)`` ``[x, y, w, h]``; invalid / absent frames are NaN rows and
    are excluded).

    Args:
        out_dir (str, optional): when set, write ``ope_results.json`` (the
            scores, curves and per-video boxes) and the success / precision
            plots there.
        tracker_name (str): legend label of the plots.
        title (str): benchmark name in the plot titles.
    """
    default_prefix = 'ope'

    def __init__(self,
                 out_dir: Optional[str] = None,
                 tracker_name: str = 'SiamFC',
                 title: str = 'OPE',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.out_dir = out_dir
        self.tracker_name = tracker_name
        self.title = title

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for s in data_samples:
            self.results.append(
                dict(
                    video_name=s['video_name'],
                    pred_bboxes=np.asarray(s['pred_bboxes'], np.float64),
                    gt_bboxes=np.asarray(s['gt_bboxes'], np.float64)))

    def compute_metrics(self, results: List[dict]) -> dict:
        # one entry per video (duplicates from distributed padding dropped)
        seen, uniq = set(), []
        for r in results:
            if r['video_name'] not in seen:
                seen.add(r['video_name'])
                uniq.append(r)
        m = ope_metrics([r['pred_bboxes'] for r in uniq],
                        [r['gt_bboxes'] for r in uniq])
        if self.out_dir:
            os.makedirs(self.out_dir, exist_ok=True)
            dump = {
                k: (v.tolist() if isinstance(v, np.ndarray) else v)
                for k, v in m.items()
            }
            dump['videos'] = {
                r['video_name']: r['pred_bboxes'].round(2).tolist()
                for r in uniq
            }
            with open(osp.join(self.out_dir, 'ope_results.json'), 'w') as f:
                json.dump({self.tracker_name: dump}, f)
            plot_ope_curves({self.tracker_name: m}, self.out_dir,
                            title=self.title)
        return dict(success=m['success'], precision=m['precision'])
