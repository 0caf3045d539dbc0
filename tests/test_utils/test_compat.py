"""The compatibility layer applied by ``import mmvssl``."""
import importlib
import pickle
import sys

import numpy as np
import pytest
import torch

import mmvssl  # noqa: F401
from mmvssl.utils import compat


def test_mmaction_and_mmdet_models_import():
    import mmaction.models  # noqa: F401
    import mmdet.models  # noqa: F401
    from mmaction.registry import MODELS
    assert MODELS.get('Recognizer3D') is not None


def test_drn_shim_only_when_missing(monkeypatch):
    mod = sys.modules.get('mmaction.models.localizers.drn')
    if compat._mmaction_drn_missing():
        # the wheel lacks the package: the placeholder is installed and
        # building DRN explains why it cannot work
        assert getattr(mod, '__mmvssl_placeholder__', False)
        from mmaction.models.localizers import DRN
        with pytest.raises(ImportError, match='2714'):
            DRN()
    else:  # source install: left untouched
        assert not getattr(mod, '__mmvssl_placeholder__', False)
    # a second call is a no-op
    assert compat.patch_mmaction_drn() is False
    # and it never installs the placeholder when the package exists
    monkeypatch.setattr(compat, '_mmaction_drn_missing', lambda: False)
    monkeypatch.delitem(sys.modules, 'mmaction.models.localizers.drn',
                        raising=False)
    assert compat.patch_mmaction_drn() is False
    assert 'mmaction.models.localizers.drn' not in sys.modules


def _mmengine_style_checkpoint(path):
    from mmengine.logging import HistoryBuffer, MessageHub
    hub = MessageHub.get_instance('compat-test')
    for v in (1.0, 2.0, 3.0):
        hub.update_scalar('train/loss', v)
    hub.update_info('iter', 7)
    hub.update_info('seed', np.int64(3))
    assert isinstance(hub.log_scalars['train/loss'], HistoryBuffer)
    ckpt = dict(
        meta=dict(epoch=1, iter=7, seed=np.int64(3),
                  message_hub=hub.state_dict(),
                  np_arr=np.arange(3, dtype=np.float32),
                  np_scalar=np.float64(0.5)),
        state_dict={'w': torch.ones(2)},
        optimizer={'state': {}, 'param_groups': [{'lr': 0.1, 'params': [0]}]})
    torch.save(ckpt, path)


def test_mmengine_checkpoint_loads_safely(tmp_path):
    from mmengine.runner import load_checkpoint  # noqa: F401
    from mmengine.runner.checkpoint import _load_checkpoint
    path = str(tmp_path / 'ckpt.pth')
    _mmengine_style_checkpoint(path)
    # plain torch.load with the torch>=2.6 default succeeds because the
    # mmengine types are allow-listed (safe loading stays on)
    ckpt = torch.load(path, weights_only=True)
    assert ckpt['meta']['iter'] == 7
    ckpt = _load_checkpoint(path, map_location='cpu')
    hub = ckpt['meta']['message_hub']
    assert hub['log_scalars']['train/loss'].current() == 3.0
    assert float(ckpt['meta']['np_scalar']) == 0.5


class Evil:
    def __reduce__(self):
        return (print, ('pwned',))


def test_unknown_globals_are_still_refused(tmp_path, monkeypatch):
    from mmengine.runner.checkpoint import _load_checkpoint
    monkeypatch.delenv('MMVSSL_UNSAFE_LOAD', raising=False)
    path = str(tmp_path / 'evil.pth')
    torch.save({'x': Evil()}, path)
    with pytest.raises(pickle.UnpicklingError) as err:
        _load_checkpoint(path, map_location='cpu')
    msg = str(err.value)
    assert path in msg and 'MMVSSL_UNSAFE_LOAD' in msg
    # explicit opt-in for a trusted local file
    monkeypatch.setenv('MMVSSL_UNSAFE_LOAD', '1')
    with pytest.warns(UserWarning, match='MMVSSL_UNSAFE_LOAD'):
        assert 'x' in _load_checkpoint(path, map_location='cpu')


def test_patch_is_idempotent():
    assert compat.patch_checkpoint_loading() is False
    assert importlib.import_module('mmvssl') is mmvssl


def test_stock_mmengine_history_buffer_pickle_loads(tmp_path):
    """A checkpoint pickled by an unpatched mmengine (statistics methods as
    getattr(HistoryBuffer, name)) loads through mmengine's loader."""
    from mmengine.logging import HistoryBuffer
    from mmengine.runner.checkpoint import _load_checkpoint
    hb = HistoryBuffer()
    hb.update(2.0)
    state = dict(hb.__dict__, statistics_methods=dict(
        HistoryBuffer._statistics_methods))

    class Stock(HistoryBuffer):
        pass

    Stock.__getstate__ = lambda self: state
    Stock.__module__ = HistoryBuffer.__module__
    Stock.__qualname__ = 'HistoryBuffer'
    path = str(tmp_path / 'stock.pth')
    obj = Stock.__new__(Stock)
    obj.__dict__.update(hb.__dict__)
    import mmengine.logging.history_buffer as hbmod
    orig = hbmod.HistoryBuffer
    hbmod.HistoryBuffer = Stock  # pickle looks the class up by name
    try:
        torch.save({'hb': obj}, path)
    finally:
        hbmod.HistoryBuffer = orig
    assert 'builtins.getattr' in \
        torch.serialization.get_unsafe_globals_in_checkpoint(path)
    loaded = _load_checkpoint(path, map_location='cpu')['hb']
    assert isinstance(loaded, HistoryBuffer) and loaded.current() == 2.0


def test_numpy_nan_alias():
    # mmaction2's AVA metric uses np.NAN, gone in numpy 2
    assert np.isnan(np.NAN)
    assert compat.patch_numpy_nan_alias() is False  # already applied
