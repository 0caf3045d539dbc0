"""Fault injection for tests/test_tools/test_faults.py, loaded by the trainer
through
``custom_imports=dict(imports=['fault_plugins'])`` (tests/ on PYTHONPATH).

Every fault is triggered by an environment variable, so one config serves all
tests; nothing here is imported by mmvssl itself.

* ``FAULT_MARK_DIR``: after every checkpoint, write
  ``<dir>/ckpt_<iter>.json`` = the trainer's pid, its child processes and the
  checkpoint path (the test kills the trainer when it sees one).
* ``FAULT_KILL_DURING_SAVE=N``: the N-th ``torch.save`` of a checkpoint
  writes part of its bytes, then the trainer ``SIGKILL``s itself.
* ``FAULT_KILL_WORKER_AT=I``: at iteration I, ``SIGKILL`` one DataLoader
  worker of the trainer.
* ``FAULT_CORRUPT_AFTER_EPOCH=E`` with ``FAULT_CORRUPT=a.mp4,b.mp4``: after
  epoch E, overwrite those files with garbage (unreadable from then on).
* ``FAULT_STEP_SLEEP=S``: sleep S seconds after every iteration (slows the
  run so that a kill lands while it is still training).
"""
import json
import os
import os.path as osp
import signal
import time

from mmengine.hooks import Hook

from mmvssl.registry import HOOKS


def child_pids(pid):
    """Direct children of ``pid`` (from /proc)."""
    out = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/stat') as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat.rsplit(')', 1)[1].split()
        if int(fields[1]) == pid:
            out.append(int(entry))
    return out


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        kids = child_pids(todo.pop())
        out += kids
        todo += kids
    return out


@HOOKS.register_module()
class FaultInjectionHook(Hook):
    priority = 'LOWEST'  # after CheckpointHook (VERY_LOW)

    def __init__(self):
        self.kill_worker_at = int(os.environ.get('FAULT_KILL_WORKER_AT', -1))
        self.corrupt_after = int(
            os.environ.get('FAULT_CORRUPT_AFTER_EPOCH', -1))
        self.corrupt = [
            p for p in os.environ.get('FAULT_CORRUPT', '').split(',') if p
        ]
        self.mark_dir = os.environ.get('FAULT_MARK_DIR')
        self.sleep = float(os.environ.get('FAULT_STEP_SLEEP', 0))
        self.saves = 0
        self.kill_during_save = int(
            os.environ.get('FAULT_KILL_DURING_SAVE', -1))
        if self.kill_during_save > 0:
            self._install_save_fault()

    def _install_save_fault(self):
        import torch

        import mmvssl.utils.compat as compat
        hook = self
        original = compat.atomic_torch_save

        def faulty(obj, filename):
            hook.saves += 1
            if hook.saves != hook.kill_during_save:
                return original(obj, filename)

            def write(f):
                import io
                buf = io.BytesIO()
                torch.save(obj, buf)
                data = buf.getvalue()
                f.write(data[:len(data) // 2])
                f.flush()
                os.fsync(f.fileno())
                os.kill(os.getpid(), signal.SIGKILL)
                time.sleep(60)

            return compat.atomic_write(filename, write)

        compat.atomic_torch_save = faulty

    def before_train(self, runner):
        """Record what the run starts from (restored by ``--resume``)."""
        if not self.mark_dir:
            return
        os.makedirs(self.mark_dir, exist_ok=True)
        json_path = osp.join(self.mark_dir, f'start_{runner.iter}.json')
        with open(json_path, 'w') as f:
            json.dump(run_state(runner), f)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        it = runner.iter + 1
        if self.mark_dir and osp.isfile(osp.join(runner.work_dir,
                                                 f'iter_{it}.pth')):
            os.makedirs(self.mark_dir, exist_ok=True)
            tmp = osp.join(self.mark_dir, f'.ckpt_{it}.json')
            with open(tmp, 'w') as f:
                json.dump(dict(pid=os.getpid(),
                               children=descendants(os.getpid()),
                               ckpt=osp.join(runner.work_dir,
                                             f'iter_{it}.pth')), f)
            os.replace(tmp, osp.join(self.mark_dir, f'ckpt_{it}.json'))
        if it == self.kill_worker_at:
            kids = child_pids(os.getpid())
            workers = [p for p in kids if _is_python(p)]
            if workers:
                os.kill(workers[0], signal.SIGKILL)
        if self.sleep:
            time.sleep(self.sleep)

    def after_train_epoch(self, runner):
        if runner.epoch + 1 == self.corrupt_after:
            for path in self.corrupt:
                with open(path, 'wb') as f:
                    f.write(b'\x00not a video any more' * 64)


def _is_python(pid):
    try:
        with open(f'/proc/{pid}/cmdline', 'rb') as f:
            return b'python' in f.read()
    except OSError:
        return False


# the optimizers' momentum state: SGD's buffer, Adam's first / second moments
MOMENTUM_KEYS = ('momentum_buffer', 'exp_avg', 'exp_avg_sq')


def _momentum(states):
    return sum(
        float(st[k].double().abs().sum()) for st in states
        for k in MOMENTUM_KEYS if st.get(k) is not None)


def run_state(runner):
    """What a resume must restore, as plain numbers: the iteration, the
    optimizer's momentum buffers, the schedulers' steps and learning rate,
    and the message hub's history of the loss."""
    opt = runner.optim_wrapper.optimizer
    momentum = _momentum(opt.state.values())
    loss = runner.message_hub.log_scalars.get('train/loss')
    return dict(
        iter=runner.iter,
        momentum=momentum,
        lr=opt.param_groups[0]['lr'],
        scheduler_steps=[s.last_step for s in runner.param_schedulers],
        loss_history=[] if loss is None else
        [float(v) for v in loss.data[0]])


def checkpoint_state(ckpt):
    """:func:`run_state` of a checkpoint dict."""
    momentum = _momentum(ckpt['optimizer']['state'].values())
    hub = ckpt['message_hub']
    loss = hub['log_scalars'].get('train/loss')
    return dict(
        iter=ckpt['meta']['iter'],
        momentum=momentum,
        lr=ckpt['optimizer']['param_groups'][0]['lr'],
        scheduler_steps=[s['last_step'] for s in ckpt['param_schedulers']],
        loss_history=[] if loss is None else
        [float(v) for v in loss.data[0]])
