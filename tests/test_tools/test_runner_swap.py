"""tools/analysis/runner_swap.py: the pipeline's parts in the control loop."""
import os.path as osp
import sys

import pytest
import torch

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
import learnability as L  # noqa: E402
import runner_swap as S  # noqa: E402

CONFIG = osp.join(ROOT, 'configs/cvrl/r3d18_synthetic.py')


@pytest.fixture
def synthetic_root(tiny, monkeypatch):
    monkeypatch.setenv('MMVSSL_SYNTHETIC_ROOT', tiny)
    return tiny


def _args(root, *extra):
    return S.parse_args(['--config', CONFIG, '--data-root', root,
                         '--workers', '0', '--batch-size', '4',
                         '--log-interval', '1', *extra])


def test_runner_loader_and_config_optim_are_the_runners(synthetic_root):
    from mmengine.dataset import DefaultSampler
    model, loader, optim = S.build(
        _args(synthetic_root, '--loader', 'runner', '--optim', 'config'))
    assert isinstance(loader.sampler, DefaultSampler)
    assert loader.batch_size == 32  # the config's, not --batch-size
    assert isinstance(optim.optimizer, torch.optim.Adam)
    _, plain, _ = S.build(_args(synthetic_root))
    assert not isinstance(plain.sampler, DefaultSampler)
    assert plain.batch_size == 4


def test_init_config_applies_init_weights(synthetic_root):
    a, _, _ = S.build(_args(synthetic_root))
    b, _, _ = S.build(_args(synthetic_root, '--init', 'config'))
    wa = a.backbone.conv1.bn.weight.detach().clone()
    # PyTorch's default BN init is already 1; the convs differ (mmengine's
    # kaiming fan_out normal draws again)
    ka = a.backbone.layer1[0].conv1.conv.weight
    kb = b.backbone.layer1[0].conv1.conv.weight
    assert torch.equal(wa, b.backbone.conv1.bn.weight.detach())
    assert not torch.equal(ka, kb)


def test_run_trains_the_algorithm_and_probes_both_twins(synthetic_root):
    data = L.load(synthetic_root)
    args = _args(synthetic_root, '--steps', '3', '--loader', 'runner')
    res = S.run(args, data=data, log=lambda *a: None)
    assert res['steps'] == 3
    assert set(res['random']) == set(res['trained']) >= {
        'action', 'appearance', 'motion'}
    assert res['loss_first'] > 0 and res['loss_last'] > 0
    # three Adam steps move the backbone: its probe features change
    assert res['trained'] != res['random'] or res['loss_first'] != \
        res['loss_last']


def test_empty_loader_is_refused(synthetic_root):
    args = S.parse_args(['--config', CONFIG, '--data-root', synthetic_root,
                         '--workers', '0', '--batch-size', '64',
                         '--steps', '1'])
    with pytest.raises(SystemExit, match='yields no batch'):
        S.run(args, data=L.load(synthetic_root))


def test_every_pass_over_the_runner_loader_is_a_new_epoch(synthetic_root,
                                                         monkeypatch):
    # the runner's DistSamplerSeedHook calls set_epoch before every epoch;
    # the plain loop must too, or every epoch replays the first one's views
    from mmvssl.datasets.seeded_sampler import SeededSampler
    epochs = []
    orig = SeededSampler.set_epoch

    def spy(self, epoch):
        epochs.append(epoch)
        orig(self, epoch)

    monkeypatch.setattr(SeededSampler, 'set_epoch', spy)
    data = L.load(synthetic_root)
    model, loader, _ = S.build(_args(synthetic_root, '--loader', 'runner'))
    steps = 2 * len(loader) + 1
    args = _args(synthetic_root, '--steps', str(steps), '--loader', 'runner')
    S.run(args, data=data, log=lambda *a: None)
    assert epochs == [0, 1, 2]
