import numpy as np
import pytest

from mmvssl.apis import linear_probe, linear_probe_cv, proportion_ci95


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


def test_cv_selects_weight_decay_on_held_out_groups(monkeypatch):
    """Leave-one-group-out selection, checked against hand-computed fold
    scores: a fake probe scores fold (wd, held-out group g) as
    ``10 * rank(wd) + g`` for wd < 0.1, and 0.1 ties with 0.01."""
    import importlib
    lp = importlib.import_module('mmvssl.apis.linear_probe')
    calls = []

    def fake(xtr, ytr, xva, yva, num_classes=None, weight_decay=0.0,
             **kw):
        calls.append((np.asarray(xtr)[:, 0].copy(),
                      np.asarray(xva)[:, 0].copy(), weight_decay,
                      num_classes))
        held = set(np.asarray(xva)[:, 0].astype(int).tolist())
        g = held.pop() if len(held) == 1 else -100
        rank = {0.0: 0, 1e-3: 1, 1e-2: 2, 1e-1: 2}[weight_decay]
        return dict(top1=10.0 * rank + g, mean_class_acc=0.0, train_top1=0)

    monkeypatch.setattr(lp, 'linear_probe', fake)
    groups = np.array([1, 1, 2, 2, 3, 3])
    # feature 0 = the group, so the fake can see which group is held out
    xtr = np.stack([groups, np.arange(6)], 1).astype(np.float32)
    ytr = np.array([0, 1, 0, 1, 0, 1])
    xva = np.full((4, 2), 9.0, np.float32)
    yva = np.array([0, 1, 1, 2])
    res = lp.linear_probe_cv(xtr, ytr, xva, yva, groups)
    # mean over held-out groups 1, 2, 3 = 10 * rank + 2
    assert res['cv_top1'] == {0.0: 2.0, 1e-3: 12.0, 1e-2: 22.0, 1e-1: 22.0}
    assert res['weight_decay'] == 1e-2  # tie 0.01 / 0.1 -> the smaller
    folds = calls[:-1]
    assert len(folds) == 12
    for xfit, xheld, _, n_cls in folds:
        assert len(set(xheld.tolist())) == 1  # one group held out
        assert xheld[0] not in set(xfit.tolist())  # and not fitted on
        assert n_cls == 3  # classes of train and val together
    xfit, xheld, wd, _ = calls[-1]
    assert wd == 1e-2 and len(xfit) == 6 and (xheld == 9.0).all()


def test_cv_errors_and_real_probe():
    rng = np.random.default_rng(3)
    centers = np.eye(3, 6) * 3
    xtr, ytr = _blobs(12, centers, 0.3, rng)
    xva, yva = _blobs(5, centers, 0.3, rng)
    groups = np.tile([0, 1, 2], 12)
    res = linear_probe_cv(xtr, ytr, xva, yva, groups)
    assert res['top1'] == 100.0 and res['weight_decay'] == 0.0
    with pytest.raises(ValueError, match='2 train groups'):
        linear_probe_cv(xtr, ytr, xva, yva, np.zeros(36))
    with pytest.raises(ValueError, match='36 train samples'):
        linear_probe_cv(xtr, ytr, xva, yva, groups[:-1])


def test_proportion_ci95_by_hand():
    # 25% of 144: 1.96 * sqrt(0.25 * 0.75 / 144) = 0.070725 -> 7.07 points
    assert proportion_ci95(25.0, 144) == pytest.approx(7.0725, abs=1e-3)
    assert proportion_ci95(0.0, 10) == 0.0
    assert proportion_ci95(50.0, 100) == pytest.approx(9.8)
    with pytest.raises(ValueError, match='n > 0'):
        proportion_ci95(10.0, 0)
