"""Retrieval R@k, kNN classification, RetrievalMetric and the gallery hook."""
import numpy as np
import pytest
import torch
from torch import nn

import mmvssl  # noqa: F401
from mmvssl.evaluation.functional import (knn_accuracy, knn_classify,
                                          rank_gallery, retrieval_recall)


# ----------------------------------------------------------- retrieval_recall
def test_recall_hand_computed():
    # gallery: g0=[1,0] (label 0), g1=[0,1] (1), g2=[1,1] (2)
    gallery = np.array([[1., 0.], [0., 1.], [1., 1.]])
    gallery_labels = [0, 1, 2]
    # q0=[1,0.1] label 1: cos to g0 .995, g2 .774, g1 .0995 -> label 1 at
    #   rank 3; q1=[0,1] label 1: g1 first -> rank 1;
    # q2=[-1,0] label 0: cos g1 0, g2 -.707, g0 -1 -> label 0 at rank 3
    queries = np.array([[1., .1], [0., 1.], [-1., 0.]])
    query_labels = [1, 1, 0]
    out = retrieval_recall(queries, query_labels, gallery, gallery_labels,
                           topk=(1, 2, 3, 5))
    assert out == pytest.approx({
        'R@1': 100 / 3, 'R@2': 100 / 3, 'R@3': 100.0, 'R@5': 100.0})
    np.testing.assert_array_equal(
        rank_gallery(queries, gallery), [[0, 2, 1], [1, 2, 0], [1, 2, 0]])


def test_recall_numpy_and_torch_agree():
    rng = np.random.RandomState(0)
    q, g = rng.randn(7, 5), rng.randn(11, 5)
    ql, gl = rng.randint(0, 3, 7), rng.randint(0, 3, 11)
    a = retrieval_recall(q, ql, g, gl)
    b = retrieval_recall(torch.from_numpy(q).float(), torch.from_numpy(ql),
                         torch.from_numpy(g).float(), torch.from_numpy(gl))
    assert a == pytest.approx(b)
    assert list(a) == ['R@1', 'R@5', 'R@10', 'R@20', 'R@50']
    # features are compared by direction only
    c = retrieval_recall(q * 3.0, ql, g * 0.5, gl)
    assert a == pytest.approx(c)


def test_recall_ties_lower_gallery_index_first():
    # g0 and g1 point the same way (g1 twice as long): equal cosine 1.0
    gallery = np.array([[1., 0.], [2., 0.], [0., 1.]])
    query = np.array([[1., 0.]])
    assert retrieval_recall(query, [1], gallery, [0, 1, 1],
                            topk=(1, 2)) == {'R@1': 0.0, 'R@2': 100.0}
    assert retrieval_recall(query, [1], gallery, [1, 0, 0],
                            topk=(1, 2)) == {'R@1': 100.0, 'R@2': 100.0}
    np.testing.assert_array_equal(rank_gallery(query, gallery), [[0, 1, 2]])


def test_recall_k_larger_than_gallery_is_clipped():
    gallery = np.eye(3)
    queries = np.array([[1., 0., 0.], [0., 0., 1.]])
    # query 0 (label 2) finds its label at rank 3 = whole gallery;
    # query 1 (label 5) has no match anywhere: never a hit
    out = retrieval_recall(queries, [2, 5], gallery, [0, 1, 2],
                           topk=(1, 3, 50))
    assert out == {'R@1': 0.0, 'R@3': 50.0, 'R@50': 50.0}


def test_recall_mean_center_changes_the_answer():
    # gallery g0=[1,0] (label 0), g1=g2=[0,1] (label 1); mean m=[1/3, 2/3]
    gallery = np.array([[1., 0.], [0., 1.], [0., 1.]])
    query = np.array([[.6, .8]])  # label 0
    # plain cosine: q.g0 = .6 < q.g1 = .8 -> nearest is label 1: miss
    assert retrieval_recall(query, [0], gallery, [0, 1, 1],
                            topk=(1, ))['R@1'] == 0.0
    # centred: q-m = [.267, .133], g0-m = [2/3, -2/3], g1-m = [-1/3, 1/3]
    # (q-m).(g0-m) = .089 > 0 > (q-m).(g1-m) = -.044 -> label 0: hit
    assert retrieval_recall(query, [0], gallery, [0, 1, 1], topk=(1, ),
                            mean_center=True)['R@1'] == 100.0
    np.testing.assert_array_equal(
        rank_gallery(query, gallery, mean_center=True), [[0, 1, 2]])


def test_recall_rejects_bad_input():
    with pytest.raises(ValueError, match='channels'):
        retrieval_recall(np.ones((2, 3)), [0, 0], np.ones((2, 4)), [0, 1])
    with pytest.raises(ValueError, match='entries'):
        retrieval_recall(np.ones((2, 3)), [0], np.ones((2, 3)), [0, 1])
    with pytest.raises(ValueError, match='topk'):
        retrieval_recall(np.ones((2, 3)), [0, 0], np.ones((2, 3)), [0, 1],
                         topk=(0, ))


# ------------------------------------------------------------------------ kNN
def test_knn_exp_weighting_vs_majority():
    # two class-0 neighbours at cos .9, one class-1 neighbour at cos 1.0
    a = np.array([.9, np.sqrt(1 - .81)])
    gallery = np.stack([a, a * [1, -1], [1., 0.]])
    labels = [0, 0, 1]
    query = np.array([[1., 0.]])
    # majority: 2 votes vs 1 -> class 0
    scores = knn_classify(query, gallery, labels, k=3, weighting='majority')
    np.testing.assert_allclose(scores, [[2., 1.]])
    # exp(1/.07) = 4.2 * exp(.9/.07) > 2 * exp(.9/.07) -> class 1
    scores = knn_classify(query, gallery, labels, k=3, temperature=.07)
    np.testing.assert_allclose(
        scores, [[2 * np.exp(.9 / .07), np.exp(1 / .07)]], rtol=1e-9)
    assert knn_accuracy(query, [1], gallery, labels, k=3,
                        topk=(1, 2)) == {'top1': 100.0, 'top2': 100.0}
    assert knn_accuracy(query, [1], gallery, labels, k=3,
                        weighting='majority')['top1'] == 0.0
    # k larger than the memory is clipped
    assert knn_classify(query, gallery, labels, k=50,
                        weighting='majority').sum() == 3


# ------------------------------------------------------------ RetrievalMetric
def _sample(feat, label):
    from mmaction.structures import ActionDataSample
    ds = ActionDataSample().set_gt_label(label)
    ds.set_field(torch.as_tensor(feat, dtype=torch.float32), 'feats',
                 field_type='data')
    return ds


def test_retrieval_metric_matches_functional():
    from mmvssl.evaluation.metrics import RetrievalMetric
    rng = np.random.RandomState(1)
    g, q = rng.randn(9, 4), rng.randn(5, 4)
    gl, ql = rng.randint(0, 3, 9), rng.randint(0, 3, 5)
    metric = RetrievalMetric(topk=(1, 5), mean_center=True)
    metric.dataset_meta = {}
    metric.process({}, [_sample(f, int(y)) for f, y in zip(q[:3], ql[:3])])
    metric.process({}, [_sample(f, int(y)) for f, y in zip(q[3:], ql[3:])])
    with pytest.raises(RuntimeError, match='RetrievalGalleryHook'):
        metric.compute_metrics(metric.results)
    metric.set_gallery(torch.from_numpy(g), torch.from_numpy(gl))
    out = metric.evaluate(5)
    ref = retrieval_recall(q, ql, g, gl, topk=(1, 5), mean_center=True)
    assert out == pytest.approx(
        {f'retrieval/{k}': v for k, v in ref.items()}, abs=1e-4)


# ------------------------------------------- end to end through Runner.test()
class _TinyVideos(torch.utils.data.Dataset):
    """Videos whose colour is their class (4 classes), mmaction2 layout:
    inputs (N clips, C, T, H, W)."""

    def __init__(self, n=8, clips=2, seed=0, **kwargs):
        self.n, self.clips, self.seed = n, clips, seed
        self.metainfo = {}

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        from mmaction.structures import ActionDataSample
        g = torch.Generator().manual_seed(self.seed * 1000 + i)
        label = i % 4
        x = torch.rand(self.clips, 4, 2, 4, 4, generator=g) * 0.1
        x[:, label] += 1.0
        return dict(inputs=x, data_samples=ActionDataSample().set_gt_label(
            label))


class _TinyBackbone(nn.Module):

    def __init__(self, **kwargs):
        super().__init__()
        self.conv = nn.Conv3d(4, 4, 1, bias=False)
        nn.init.eye_(self.conv.weight.data.view(4, 4))

    def forward(self, x):
        return self.conv(x)


@pytest.fixture(scope='module')
def registered():
    from mmvssl.registry import DATASETS, MODELS
    from mmvssl.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    import mmvssl.models.recognizers  # noqa: F401
    DATASETS.register_module('_TinyVideos', module=_TinyVideos, force=True)
    MODELS.register_module('_TinyBackbone', module=_TinyBackbone, force=True)


def test_retrieval_through_runner_test(registered, tmp_path):
    from mmengine.config import Config
    from mmengine.runner import Runner
    loader = dict(
        batch_size=3, num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(type='_TinyVideos', n=8, seed=1))
    cfg = Config(dict(
        default_scope='mmvssl',
        work_dir=str(tmp_path),
        model=dict(type='VideoFeatureExtractor',
                   backbone=dict(type='_TinyBackbone')),
        test_dataloader=loader,
        test_evaluator=dict(type='RetrievalMetric', topk=(1, 5, 20)),
        test_cfg=dict(type='TestLoop'),
        # gallery: same pipeline, other "annotation file" (here: a seed)
        custom_hooks=[dict(type='RetrievalGalleryHook',
                           dataloader=dict(loader, dataset=dict(
                               type='_TinyVideos', n=12, seed=2)))],
        default_hooks=dict(checkpoint=None, logger=None),
        # as in configs inheriting mmaction2's runtime
        visualizer=dict(type='ActionVisualizer', _scope_='mmaction'),
        log_level='WARNING'))
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    assert metrics == {'retrieval/R@1': 100.0, 'retrieval/R@5': 100.0,
                       'retrieval/R@20': 100.0}
