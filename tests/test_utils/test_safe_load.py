"""Safe checkpoint loading accepts every pickle form that numpy and mmengine
write (round trips of real Runner checkpoints and hand-built edge cases) and
refuses everything else with mmvssl's clear error."""
import collections
import os
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.model import BaseModel
from mmengine.registry import METRICS
from mmengine.runner import Runner
from torch import nn

import mmvssl  # noqa: F401  (compat fixes)
from mmvssl.utils.compat import safe_torch_load


def _roundtrip(obj, tmp_path, legacy=False, rename=None):
    path = str(tmp_path / 'ckpt.pth')
    torch.save(obj, path, _use_new_zipfile_serialization=not legacy)
    if rename:  # rewrite GLOBAL names (protocol 2: `c<module>\n<name>\n`)
        data = open(path, 'rb').read()
        for old, new in rename.items():
            data = data.replace(old.encode(), new.encode())
        open(path, 'wb').write(data)
    return safe_torch_load(path, map_location='cpu')


def _same(a, b):
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray)
        assert a.dtype == b.dtype and a.shape == b.shape
        if a.dtype.kind == 'f' or a.dtype.kind == 'c':
            np.testing.assert_array_equal(a, b)
        else:
            assert (a == b).all() if a.size else True
    elif isinstance(a, np.generic):
        assert type(a) is type(b) and (a == b or (a != a and b != b))
    elif isinstance(a, torch.Tensor):
        assert torch.equal(a, b)
    elif isinstance(a, dict):
        assert type(a) is type(b) and a.keys() == b.keys()
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif isinstance(a, HistoryBuffer):
        assert isinstance(b, HistoryBuffer)
        _same(a.data, b.data)
    else:
        assert a == b or (a != a and b != b)


NUMPY_TYPES = sorted({t for t in np.sctypeDict.values()},
                     key=lambda t: t.__name__)


def _array_of(t, shape):
    if t is np.void:
        return np.zeros(shape, dtype='V4')
    if t is np.object_:
        return np.full(shape, None, dtype=object)
    if t is np.str_:
        return np.full(shape, 'ab')
    if t is np.bytes_:
        return np.full(shape, b'ab')
    if t in (np.datetime64, np.timedelta64):
        return np.zeros(shape, dtype=np.dtype(t).str[:-0 or None] + '[s]')
    return np.ones(shape, dtype=t)


@pytest.mark.parametrize('shape', [(0, ), (2, 0, 3), (), (3, ), (2, 3)],
                         ids=['empty', 'empty3d', '0d', '1d', '2d'])
def test_numpy_arrays_of_every_dtype(tmp_path, shape):
    arrays = {t.__name__: _array_of(t, shape) for t in NUMPY_TYPES}
    arrays['fortran'] = np.asfortranarray(np.ones((2, 3)))
    arrays['strided'] = np.arange(12.)[::3]
    arrays['structured'] = np.zeros(shape, dtype=[('a', '<f4'), ('b', '<i8')])
    arrays['big_endian'] = np.ones(shape, dtype='>f8')
    out = _roundtrip(arrays, tmp_path)
    # what full unpickling gives (numpy itself normalises some byte orders)
    expected = pickle.loads(pickle.dumps(arrays, protocol=2))
    for k, v in expected.items():
        _same(v, out[k])


def test_numpy_scalars_dtypes_and_types(tmp_path):
    obj = dict(
        scalars=[t(0) if t not in (np.datetime64, np.timedelta64) else
                 t(0, 's') for t in NUMPY_TYPES if t is not np.void],
        dtypes=[np.dtype(t) for t in NUMPY_TYPES if t is not np.void] +
        [np.dtype('V4'), np.dtype('<U3'), np.dtype('S2'),
         np.dtype('datetime64[ms]'),
         np.dtype([('a', '<f4'), ('b', '<i8', (2, ))])],
        types=[np.float32, np.int64, np.bool_],
        nan=np.float64('nan'),
        rng_state=np.random.RandomState(0).get_state())
    out = _roundtrip(obj, tmp_path)
    _same(pickle.loads(pickle.dumps(obj['scalars'], 2)), out['scalars'])
    assert obj['dtypes'] == out['dtypes']
    assert obj['types'] == out['types']
    _same(obj['rng_state'], out['rng_state'])


def test_bytes_and_containers(tmp_path):
    obj = dict(
        empty_bytes=b'',
        some_bytes=b'\x00\xff',
        ordered=collections.OrderedDict(b=1, a=[2, (3, None)]),
        default_empty=collections.defaultdict(list),
        default_none=collections.defaultdict(None),
        nested={'x': {1, 2}, 'y': (1.5, True, 'z', 3j)})
    out = _roundtrip(obj, tmp_path)
    _same({k: v for k, v in obj.items() if not k.startswith('default')},
          {k: v for k, v in out.items() if not k.startswith('default')})
    assert type(out['default_empty']) is collections.defaultdict
    assert out['default_empty'].default_factory is list


def test_history_buffers_and_message_hub(tmp_path):
    hub = MessageHub.get_instance('safe-load-test')
    hub.update_scalar('train/loss', 1.5)
    hub.update_scalar('train/loss', np.float32(2.5))
    hub.update_scalar('train/acc', torch.tensor(0.5))
    hub.update_info('best_score', np.float64(0.25))
    hub.update_info('np_info', np.zeros(0))
    obj = dict(empty=HistoryBuffer(), filled=HistoryBuffer([1., 2.], [1, 1]),
               hub=hub.state_dict())
    out = _roundtrip(obj, tmp_path)
    _same(obj['empty'], out['empty'])  # the case that was refused
    _same(obj['filled'], out['filled'])
    assert out['hub']['log_scalars']['train/loss'].current() == 2.5
    _same(obj['hub']['runtime_info'], out['hub']['runtime_info'])


def test_numpy1_checkpoints_load_under_numpy2(tmp_path):
    multiarray = np.ndarray.__reduce__(np.zeros(1))[0].__module__
    other = ('numpy.core.multiarray'
             if multiarray == 'numpy._core.multiarray' else multiarray)
    obj = dict(arr=np.arange(3.), empty=np.zeros(0), s=np.int64(4))
    out = _roundtrip(obj, tmp_path, legacy=True,
                     rename={multiarray + '\n': other + '\n'})
    _same(obj, out)


class _Evil:

    def __reduce__(self):
        return (os.system, ('echo pwned',))


@pytest.mark.parametrize('obj, name', [
    (_Evil(), 'system'),
    (collections.deque([1]), 'deque'),
    (frozenset([1]), 'frozenset'),
    (np.random.default_rng(0), 'numpy.random'),
    (collections.defaultdict(list, a=[1]), 'SETITEM'),
])
def test_everything_else_is_refused_clearly(tmp_path, obj, name):
    with pytest.raises(pickle.UnpicklingError) as err:
        _roundtrip(dict(x=obj), tmp_path)
    msg = str(err.value)
    assert 'Refused to load checkpoint' in msg and name in msg, msg
    assert 'MMVSSL_UNSAFE_LOAD=1' in msg


# ---------------------------------------------------- real Runner round trips
class _ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.bn = nn.BatchNorm1d(3)

    def forward(self, inputs, labels=None, mode='tensor'):
        out = self.bn(self.fc(inputs))
        if mode == 'loss':
            return dict(loss=F.cross_entropy(out, labels))
        if mode == 'predict':
            return list(zip(out.argmax(1).tolist(), labels.tolist()))
        return out


@METRICS.register_module(force=True)
class _SafeLoadToyAccuracy(BaseMetric):

    def process(self, data_batch, data_samples):
        self.results += [float(p == t) for p, t in data_samples]

    def compute_metrics(self, results):
        return dict(acc=np.float64(np.mean(results)))


class _ToyData(torch.utils.data.Dataset):

    def __len__(self):
        return 8

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        return dict(inputs=torch.randn(4, generator=g), labels=i % 3)


OPTIMIZERS = {
    'sgd': dict(type='OptimWrapper',
                optimizer=dict(type='SGD', lr=0.1, momentum=0.9,
                               weight_decay=1e-4, nesterov=True)),
    'adam_autocast': dict(type='AutocastOptimWrapper',
                          optimizer=dict(type='Adam', lr=1e-3,
                                         betas=(0.9, 0.999))),
}
SCHEDULERS = {
    'sgd': [
        dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0,
             end=1, convert_to_iter_based=True),
        dict(type='CosineAnnealingLR', T_max=3, by_epoch=True, begin=1,
             end=4, convert_to_iter_based=True),
        dict(type='MultiStepLR', milestones=[2], by_epoch=True),
    ],
    'adam_autocast': [
        dict(type='ExponentialLR', gamma=0.9, by_epoch=True),
        dict(type='ReduceOnPlateauLR', monitor='acc', rule='greater',
             patience=0, by_epoch=True),
    ],
}


def _runner(work, kind, epochs, resume=False):
    loader = dict(dataset=_ToyData(), batch_size=4, num_workers=0,
                  sampler=dict(type='DefaultSampler', shuffle=True),
                  collate_fn=dict(type='default_collate'))
    return Runner(
        model=_ToyModel(),
        work_dir=work,
        experiment_name=f'safe-load-{kind}-{epochs}-{resume}',
        train_dataloader=loader,
        val_dataloader=dict(loader, sampler=dict(type='DefaultSampler',
                                                 shuffle=False)),
        val_evaluator=dict(type='_SafeLoadToyAccuracy'),
        train_cfg=dict(by_epoch=True, max_epochs=epochs, val_interval=1),
        val_cfg=dict(),
        optim_wrapper=OPTIMIZERS[kind],
        param_scheduler=SCHEDULERS[kind],
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1,
                                           save_best='acc', rule='greater',
                                           max_keep_ckpts=2)),
        default_scope='mmvssl',
        randomness=dict(seed=0),
        resume=resume,
        log_level='WARNING')


@pytest.mark.parametrize('kind', list(OPTIMIZERS))
def test_runner_checkpoints_after_train_val_and_resume(tmp_path, kind):
    work = str(tmp_path / kind)
    _runner(work, kind, 2).train()
    resumed = _runner(work, kind, 3, resume=True)
    resumed.train()
    assert resumed.iter == 6 and resumed.epoch == 3
    names = sorted(n for n in os.listdir(work) if n.endswith('.pth'))
    assert 'epoch_3.pth' in names, names
    # one best checkpoint (the previous one is deleted after the new save)
    assert len([n for n in names if n.startswith('best_')]) == 1, names
    for name in names:
        ckpt = safe_torch_load(osp.join(work, name), map_location='cpu')
        keys = {'meta', 'state_dict', 'message_hub'}
        if not name.startswith('best_'):  # mmengine's best: weights only
            keys |= {'optimizer', 'param_schedulers'}
        assert keys <= set(ckpt), (name, set(ckpt))
        assert isinstance(ckpt['message_hub']['log_scalars']['train/loss'],
                          HistoryBuffer)
    last = safe_torch_load(osp.join(work, 'epoch_3.pth'))
    assert last['meta']['epoch'] == 3 and last['meta']['iter'] == 6
    assert len(last['param_schedulers']) == len(SCHEDULERS[kind])
    assert last['optimizer']['state'], 'optimizer state missing'
    info = last['message_hub']['runtime_info']
    assert 'best_score' in info and 'last_ckpt' in info
