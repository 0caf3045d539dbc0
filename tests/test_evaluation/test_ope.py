"""OPE success / precision against hand-computed cases."""
import os

import numpy as np
import pytest

from mmvssl.evaluation.functional.ope import (IOU_THRESHOLDS, box_iou_xywh,
                                              center_error, ope_metrics,
                                              plot_ope_curves)

GT = np.array([[10, 10, 10, 10], [20, 15, 10, 10], [30, 20, 10, 10]],
              dtype=float)


def test_perfect_tracking():
    m = ope_metrics([GT], [GT])
    # IoU = 1 is > every threshold but 1: AUC = 20 / 21 (as OTB's toolkit)
    assert m['success'] == pytest.approx(100 * 20 / 21)
    assert m['precision'] == pytest.approx(100)
    assert m['success_curve'][-1] == 0 and m['success_curve'][0] == 100
    assert len(m['success_curve']) == 21 and len(m['precision_curve']) == 51
    assert m['num_videos'] == 1


def test_constant_offset():
    pred = GT + [5, 0, 0, 0]  # IoU = 50 / 150 = 1/3, centre error 5 px
    np.testing.assert_allclose(box_iou_xywh(pred, GT), 1 / 3)
    np.testing.assert_allclose(center_error(pred, GT), 5)
    m = ope_metrics([pred], [GT])
    # thresholds 0, 0.05, ..., 0.30 (7 of 21) are below 1/3
    assert m['success'] == pytest.approx(100 * 7 / 21)
    assert m['precision'] == pytest.approx(100)
    assert m['precision_curve'][4] == 0 and m['precision_curve'][5] == 100
    pred = GT + [25, 0, 0, 0]  # no overlap, 25 px > 20 px
    m = ope_metrics([pred], [GT])
    assert m['success'] == 0 and m['precision'] == 0


def test_lost_target_and_video_average():
    lost = GT.copy()
    lost[1:] = [[200, 200, 10, 10]] * 2  # lost after the first frame
    m = ope_metrics([lost], [GT])
    assert m['precision'] == pytest.approx(100 / 3)
    assert m['success'] == pytest.approx(100 * 20 / 21 / 3)
    # videos weigh the same whatever their length
    m2 = ope_metrics([GT[:1], lost[1:]], [GT[:1], GT[1:]])
    assert m2['precision'] == pytest.approx(50)
    # a NaN prediction is a miss
    nan = GT.copy()
    nan[2] = np.nan
    assert ope_metrics([nan], [GT])['precision'] == pytest.approx(200 / 3)


def test_invalid_ground_truth_excluded():
    gt = np.vstack([GT, [[0, 0, 0, 0], [np.nan] * 4, [5, 5, 10, -1]]])
    pred = np.vstack([GT, [[300, 300, 5, 5]] * 3])
    m = ope_metrics([pred], [gt])
    assert m['success'] == pytest.approx(100 * 20 / 21)
    assert m['precision'] == pytest.approx(100)
    # a video without any valid frame is skipped
    m = ope_metrics([pred, pred[3:]], [gt, gt[3:]])
    assert m['num_videos'] == 1
    with pytest.raises(ValueError):
        ope_metrics([pred[3:]], [gt[3:]])
    with pytest.raises(ValueError):
        ope_metrics([pred], [gt[:2]])


def test_iou_thresholds():
    np.testing.assert_allclose(IOU_THRESHOLDS, np.arange(21) * 0.05)


def test_ope_metric_and_plots(tmp_path):
    import mmvssl.evaluation.metrics.ope_metric  # noqa: F401
    from mmvssl.registry import METRICS
    metric = METRICS.build(
        dict(type='OPEMetric', out_dir=str(tmp_path), tracker_name='t'))
    metric.dataset_meta = {}
    metric.process({}, [dict(video_name='a', pred_bboxes=GT, gt_bboxes=GT)])
    metric.process({}, [
        dict(video_name='b', pred_bboxes=GT + [5, 0, 0, 0], gt_bboxes=GT)
    ])
    out = metric.evaluate(2)
    assert out['ope/success'] == pytest.approx(100 * (20 + 7) / 42)
    assert out['ope/precision'] == pytest.approx(100)
    for f in ('success_plot.png', 'precision_plot.png', 'ope_results.json'):
        assert os.path.getsize(tmp_path / f) > 0
    paths = plot_ope_curves(
        {
            'a': ope_metrics([GT], [GT]),
            'b': ope_metrics([GT + 3], [GT])
        }, str(tmp_path / 'two'))
    assert all(os.path.isfile(p) for p in paths)
