import numpy as np
import pytest

from mmvssl.apis import linear_probe


def _blobs(n_per, centers, noise, rng):
    x = np.concatenate([c + noise * rng.standard_normal((n_per, len(c)))
                        for c in centers])
    y = np.repeat(np.arange(len(centers)), n_per)
    return x.astype(np.float32), y


def test_separable_classes_are_learned():
    rng = np.random.default_rng(0)
    centers = np.eye(4, 8) * 3
    xtr, ytr = _blobs(20, centers, 0.3, rng)
    xva, yva = _blobs(10, centers, 0.3, rng)
    res = linear_probe(xtr, ytr, xva, yva)
    assert res['top1'] == 100.0 and res['mean_class_acc'] == 100.0


def test_uninformative_features_stay_near_chance():
    rng = np.random.default_rng(1)
    xtr = rng.standard_normal((200, 16)).astype(np.float32)
    xva = rng.standard_normal((400, 16)).astype(np.float32)
    ytr, yva = rng.integers(0, 4, 200), rng.integers(0, 4, 400)
    res = linear_probe(xtr, ytr, xva, yva)
    assert res['train_top1'] > 40  # it fits the noise of the train split
    assert 10 < res['top1'] < 40  # but does not generalise (chance 25)


def test_mean_class_accuracy_by_hand():
    # 3 val samples of class 0 (all right) and 1 of class 1 (wrong):
    # top1 = 75, mean class accuracy = (100 + 0) / 2 = 50
    xtr = np.array([[1, 0], [1, 0.1], [0, 1], [0.1, 1]], np.float32)
    ytr = np.array([0, 0, 1, 1])
    xva = np.array([[1, 0], [1, 0.05], [0.9, 0.1], [1, 0.02]], np.float32)
    yva = np.array([0, 0, 0, 1])
    res = linear_probe(xtr, ytr, xva, yva, standardize=False)
    assert res['top1'] == pytest.approx(75.0)
    assert res['mean_class_acc'] == pytest.approx(50.0)


def test_deterministic_and_errors():
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((30, 5)), rng.integers(0, 3, 30)
    assert linear_probe(x, y, x, y) == linear_probe(x, y, x, y)
    with pytest.raises(ValueError, match='length'):
        linear_probe(x, y[:-1], x, y)
    with pytest.raises(ValueError, match='>= 0'):
        linear_probe(x, np.full(30, -1), x, y)
