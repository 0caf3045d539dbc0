"""Fast checks of the fault handling that tests/test_tools/test_faults.py
exercises
end to end: workers that die with their parent, atomic checkpoint writes,
unreadable videos remembered across epochs and workers."""
import errno
import logging
import os
import os.path as osp
import signal
import subprocess
import sys
import time
import uuid

import numpy as np
import pytest
import torch
from mmengine.logging import MMLogger

from mmvssl.utils import compat
from video_utils import write_annotation, write_random_bytes, write_video

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))

# A "trainer" whose DataLoader worker is stuck inside __getitem__ (as a
# worker blocked flushing a full result pipe, or in a decoder, is): torch's
# own parent watchdog never runs there, so without the guard the worker
# outlives a `kill -9` of the trainer by the full 120 s.
TRAINER = r'''
import importlib.util, os, sys, time
import torch
spec = importlib.util.spec_from_file_location('compat', sys.argv[1])
compat = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compat)

class Stuck(torch.utils.data.Dataset):
    def __len__(self):
        return 4
    def __getitem__(self, i):
        print('WORKER', os.getpid(), flush=True)
        time.sleep(120)
        return i

loader = torch.utils.data.DataLoader(Stuck(), num_workers=2, batch_size=1)
if sys.argv[2] == '1':
    compat.guard_dataloader_workers(loader)
next(iter(loader))
'''


def _alive(pid):
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] not in ('Z', 'X')
    except OSError:
        return False


def _start_trainer(tmp_path, guard):
    tmp_path.mkdir()
    script = tmp_path / 'trainer.py'
    script.write_text(TRAINER)
    env = dict(os.environ, OMP_NUM_THREADS='1')
    return subprocess.Popen(
        [sys.executable, str(script), compat.__file__, str(int(guard))],
        stdout=subprocess.PIPE, text=True, env=env)


def _worker_pids(proc):
    workers = []
    t0 = time.time()
    while len(workers) < 2 and time.time() - t0 < 120:
        line = proc.stdout.readline()
        if line.startswith('WORKER'):
            workers.append(int(line.split()[1]))
        elif not line and proc.poll() is not None:
            break
    assert len(workers) == 2, 'the workers did not start'
    return workers


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='/proc')
def test_workers_die_with_a_killed_trainer(tmp_path):
    """Two trainers side by side, ``kill -9`` both: the guarded one's
    workers are gone within 3 s; the unguarded one's are still there after
    6 s (longer than torch's 5 s watchdog interval), so the fault is real
    and it is the guard that removes it."""
    guarded = _start_trainer(tmp_path / 'a', guard=True)
    plain = _start_trainer(tmp_path / 'b', guard=False)
    guarded_workers, plain_workers = [], []
    try:
        guarded_workers = _worker_pids(guarded)
        plain_workers = _worker_pids(plain)
        for proc in (guarded, plain):
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        t0 = time.time()
        while any(_alive(p) for p in guarded_workers) and \
                time.time() - t0 < 3:
            time.sleep(0.05)
        left = [p for p in guarded_workers if _alive(p)]
        time.sleep(max(0., 6 - (time.time() - t0)))
        orphans = [p for p in plain_workers if _alive(p)]
    finally:
        for proc in (guarded, plain):
            if proc.poll() is None:
                proc.kill()
        for p in guarded_workers + plain_workers:
            if _alive(p):
                os.kill(p, signal.SIGKILL)
    assert not left, 'guarded workers outlived the trainer'
    assert orphans, 'expected orphaned workers without the guard'


def test_guard_wraps_the_worker_init_fn_once():
    calls = []
    loader = torch.utils.data.DataLoader(
        list(range(2)), num_workers=1, worker_init_fn=calls.append)
    compat.guard_dataloader_workers(loader)
    compat.guard_dataloader_workers(loader)
    fn = loader.worker_init_fn
    assert isinstance(fn, compat.WorkerInitWithParentGuard)
    assert fn.init_fn == calls.append  # mmengine's seeding still runs
    assert list(loader) == [torch.tensor([0]), torch.tensor([1])]
    # no workers: nothing to guard
    plain = torch.utils.data.DataLoader([1], num_workers=0)
    assert compat.guard_dataloader_workers(plain).worker_init_fn is None
    # and the Runner's loaders are guarded
    from mmengine.runner import Runner
    built = Runner.build_dataloader(
        dict(dataset=list(range(4)), batch_size=2, num_workers=1,
             sampler=dict(type='DefaultSampler', shuffle=False)), seed=0)
    assert isinstance(built.worker_init_fn, compat.WorkerInitWithParentGuard)


# ------------------------------------------------------------ atomic writes
def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = str(tmp_path / 'iter_1.pth')
    compat.atomic_torch_save({'w': torch.ones(3)}, path)
    real_save = torch.save

    def disk_full(obj, f, *a, **k):
        real_save(obj, f, *a, **k)
        f.seek(f.tell() // 2)
        f.truncate()
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(torch, 'save', disk_full)
    with pytest.raises(OSError, match='No space'):
        compat.atomic_torch_save({'w': torch.zeros(3)}, path)
    monkeypatch.setattr(torch, 'save', real_save)
    assert os.listdir(tmp_path) == ['iter_1.pth']  # no temporary left
    assert torch.equal(torch.load(path)['w'], torch.ones(3))
    # the file mode follows the umask like a plain open() would
    mode = os.stat(path).st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_checkpoint_hook_saves_before_it_deletes(tmp_path, monkeypatch):
    """max_keep_ckpts=1 and the next save fails: the previous checkpoint and
    `last_checkpoint` pointing at it survive (mmengine deleted it first)."""
    from mmengine.hooks import CheckpointHook
    from mmengine.model import BaseModel
    from mmengine.runner import Runner
    from torch import nn

    class Toy(BaseModel):

        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 1)

        def forward(self, inputs, labels=None, mode='tensor'):
            return dict(loss=self.fc(inputs).pow(2).mean())

    fail_at = {'n': 2}
    real = compat.atomic_torch_save

    def flaky(obj, filename):
        fail_at['n'] -= 1
        if fail_at['n'] == 0:
            raise OSError(errno.ENOSPC, 'No space left on device')
        return real(obj, filename)

    monkeypatch.setattr(compat, 'atomic_torch_save', flaky)
    work = str(tmp_path / 'work')
    runner = Runner(
        model=Toy(), work_dir=work,
        experiment_name=f'atomic-{uuid.uuid4().hex[:6]}',
        train_dataloader=dict(
            dataset=[dict(inputs=torch.ones(2))] * 4, batch_size=2,
            num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='default_collate')),
        train_cfg=dict(by_epoch=False, max_iters=4),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        default_hooks=dict(checkpoint=dict(
            type=CheckpointHook, interval=1, by_epoch=False,
            max_keep_ckpts=1)),
        default_scope='mmvssl',
        log_level='WARNING')
    with pytest.raises(OSError, match='No space'):
        runner.train()
    names = sorted(os.listdir(work))
    assert 'iter_1.pth' in names and 'iter_2.pth' not in names, names
    assert not [n for n in names if n.endswith('.tmp')]
    with open(osp.join(work, 'last_checkpoint')) as f:
        assert f.read().strip().endswith('iter_1.pth')
    assert torch.load(osp.join(work, 'iter_1.pth'),
                      weights_only=False)['meta']['iter'] == 1


# -------------------------------------------------------- unreadable videos
@pytest.fixture
def log_records():
    logger = MMLogger.get_instance(f'test-rel-{uuid.uuid4().hex}')
    records = []

    class _Collect(logging.Handler):

        def emit(self, record):
            records.append(record.getMessage())

    handler = _Collect(level=logging.DEBUG)
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


def _video_dataset(root, n_good=3, bad=('bad.mp4', ), **kwargs):
    from mmvssl.datasets import MultiViewVideoDataset
    os.makedirs(root, exist_ok=True)
    lines = []
    for i in range(n_good):
        write_video(osp.join(root, f'v{i}.mp4'), 20, video_id=i)
        lines.append(f'v{i}.mp4 0')
    for name in bad:
        write_random_bytes(osp.join(root, name))
        lines.append(f'{name} 0')
    ann = write_annotation(osp.join(root, 'list.txt'), lines)
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmvssl'):
        return MultiViewVideoDataset(
            ann_file=ann, data_prefix=dict(video=root),
            clip_sampler=dict(type='UniformClipSampler', clip_len=4,
                              num_clips=1),
            view_pipeline=[], **kwargs)


def test_unreadable_video_is_tried_once_then_skipped(tmp_path, log_records,
                                                     monkeypatch):
    ds = _video_dataset(str(tmp_path))
    bad = len(ds) - 1
    attempts = []
    real = ds.prepare_data
    monkeypatch.setattr(ds, 'prepare_data',
                        lambda i, *a: (attempts.append(i), real(i, *a))[1])
    np.random.seed(0)
    for _ in range(5):
        out = ds[bad]
        assert out['data_samples'].filename != osp.join(str(tmp_path),
                                                        'bad.mp4')
    assert attempts.count(bad) == 1  # decoded once, then skipped
    assert sum('skipping unreadable video' in m for m in log_records) == 1
    known = ds.unreadable_videos()
    assert list(known) == [bad]
    assert known[bad] == (osp.join(str(tmp_path), 'bad.mp4'),
                          'cannot be decoded')
    assert ds.replaced_count() >= 5  # replacements may draw it again
    # test mode: raises at once, every time
    from mmvssl.datasets import VideoReadError
    test_ds = _video_dataset(str(tmp_path / 't'), test_mode=True)
    for _ in range(2):
        with pytest.raises(VideoReadError):
            test_ds[len(test_ds) - 1]


def test_workers_share_what_they_learn_across_epochs(tmp_path):
    """Two persistent workers, three epochs: what one worker learns about
    the bad video the other worker and the main process know too."""
    ds = _video_dataset(str(tmp_path), n_good=5)
    bad = len(ds) - 1
    loader = torch.utils.data.DataLoader(
        ds, batch_size=2, num_workers=2, persistent_workers=True,
        collate_fn=lambda b: [s['data_samples'].sample_idx for s in b])
    seen = []
    for _ in range(3):
        for batch in loader:
            seen += batch
    assert bad not in seen and len(seen) == 3 * len(ds)
    assert list(ds.unreadable_videos()) == [bad]  # learned by a worker
    # by name (the resume path) and for a fresh copy of the dataset
    fresh = _video_dataset(str(tmp_path / 'f'), n_good=5)
    name = osp.join(str(tmp_path / 'f'), 'bad.mp4')
    assert fresh.mark_unreadable({name: 'cannot be decoded'}) == 1
    assert fresh.mark_unreadable({'no/such/video.mp4': 'not found'}) == 0
    assert list(fresh.unreadable_videos()) == [bad]


def test_previous_best_checkpoint_is_deleted_after_the_new_save():
    """mmengine's _save_best_checkpoint removes the old best, then saves."""
    events = []

    class Backend:

        def remove(self, path):
            events.append(('removed', path))

        def join_path(self, *parts):
            return '/'.join(parts)

    class Hook:
        file_backend = Backend()
        best_ckpt_path = 'best_acc_epoch_1.pth'

    def save_best(self, runner, metrics):  # mmengine's order
        self.file_backend.remove(self.best_ckpt_path)
        if metrics == 'disk full':
            raise OSError('No space left on device')
        self.best_ckpt_path = self.file_backend.join_path('w', 'best_2.pth')
        events.append(('saved', self.best_ckpt_path))

    wrapped = compat._wrap_save_best(save_best)
    hook = Hook()
    with pytest.raises(OSError):
        wrapped(hook, None, 'disk full')
    assert events == []  # the old best is still there
    wrapped(hook, None, {'acc': 1})
    assert events == [('saved', 'w/best_2.pth'),
                      ('removed', 'best_acc_epoch_1.pth')]
    assert isinstance(hook.file_backend, Backend)
    from mmengine.hooks import CheckpointHook
    assert getattr(CheckpointHook._save_best_checkpoint,
                   '__mmvssl_patched__', False)
