"""Fault injection on real training processes (CPU, bounded time).

``tools/train.py`` runs CVRL's synthetic config (``configs/cvrl/
r3d18_synthetic.py``) at the size that left orphaned DataLoader workers
behind (issue 17: batch 16, 2 persistent workers), with a narrow backbone and
a handful of test videos; faults come from ``tests/fault_plugins.py``.
Every process is started with a timeout, so no test can hang.
"""
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
TESTS = osp.join(ROOT, 'tests')

CFG = """
_base_ = [{base!r}]
custom_imports = dict(imports=['mmvssl', 'fault_plugins'],
                      allow_failed_imports=False)
model = dict(backbone=dict(base_channels=4),
             neck=dict(in_channels=32, hid_channels=32, out_channels=16),
             {head})
train_dataloader = dict(batch_size=16, num_workers=2,
                        persistent_workers=True)
train_cfg = dict(_delete_=True, type='{loop}', {length})
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=2),
    dict(type='CosineAnnealingLR', T_max=8, by_epoch=False, begin=2,
         end=10)]
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval={ckpt_interval}, by_epoch={by_epoch},
                    max_keep_ckpts=1))
log_processor = dict(by_epoch={by_epoch})
custom_hooks = [dict(type='FaultInjectionHook')]
"""


def _write_videos(root, n):
    sys.path.insert(0, TESTS)
    from video_utils import write_annotation, write_video
    lines = []
    for i in range(n):
        write_video(osp.join(root, 'videos', f'v{i}.mp4'), 48, (160, 128),
                    25., video_id=i)
        lines.append(f'v{i}.mp4 {i % 4}')
    os.makedirs(osp.join(root, 'kinetics'), exist_ok=True)
    write_annotation(osp.join(root, 'kinetics', 'train_list.txt'), lines)
    write_annotation(osp.join(root, 'kinetics', 'val_list.txt'), lines[:4])


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('fault_videos'))
    _write_videos(root, 16)
    return root


def _config(tmp_path, iters=None, epochs=None, ckpt_interval=2,
            method='cvrl'):
    if epochs is not None:
        loop, length, by_epoch = ('EpochBasedTrainLoop',
                                  f'max_epochs={epochs}', True)
    else:
        loop, length, by_epoch = ('IterBasedTrainLoop', f'max_iters={iters}',
                                  False)
    text = CFG.format(
        base=osp.join(ROOT, f'configs/{method}/r3d18_synthetic.py'),
        loop=loop, length=length, by_epoch=by_epoch,
        ckpt_interval=ckpt_interval,
        # ConST-CL's region head, as narrow as the backbone
        head=('head=dict(in_channels=32, embed_dims=32, head_dims=32, '
              'ffn_channels=32, num_layers=1)' if method == 'constcl' else ''))
    path = tmp_path / f'fault_{method}_{loop}.py'
    path.write_text(text)
    return str(path)


def _env(data_root, **faults):
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1',
               MMVSSL_SYNTHETIC_ROOT=data_root)
    env['PYTHONPATH'] = os.pathsep.join(
        [ROOT, TESTS, env.get('PYTHONPATH', '')])
    for k, v in faults.items():
        env[k] = str(v)
    return env


def _train_cmd(cfg, work, *extra):
    return [sys.executable, osp.join(ROOT, 'tools/train.py'), cfg,
            '--work-dir', work, *extra]


def _run(cmd, env, timeout=400):
    res = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=timeout)
    return res.returncode, res.stdout + res.stderr


def _alive(pid):
    """True unless ``pid`` has exited (a zombie counts as exited)."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            state = f.read().rsplit(')', 1)[1].split()[0]
    except OSError:
        return False
    return state not in ('Z', 'X')


def _wait_for(path, proc, timeout):
    t0 = time.time()
    while not osp.isfile(path):
        if proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ''
            pytest.fail(f'the trainer exited ({proc.returncode}) before '
                        f'{path} appeared:\n{out[-4000:]}')
        if time.time() - t0 > timeout:
            proc.kill()
            pytest.fail(f'{path} did not appear within {timeout} s')
        time.sleep(0.2)


def _load(path):
    from mmvssl.utils.compat import safe_torch_load
    return safe_torch_load(path, map_location='cpu')


@pytest.mark.slow
def test_sigkill_after_checkpoint_leaves_no_process_and_resumes(
        data_root, tmp_path):
    sys.path.insert(0, TESTS)
    import fault_plugins
    # ConST-CL: the pipeline of the finding (its region records make a
    # batch's pickle about twice a pipe's capacity)
    cfg = _config(tmp_path, iters=8, method='constcl')
    work, marks = str(tmp_path / 'work'), str(tmp_path / 'marks')
    env = _env(data_root, FAULT_MARK_DIR=marks, FAULT_STEP_SLEEP=0.5)
    proc = subprocess.Popen(_train_cmd(cfg, work), cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        _wait_for(osp.join(marks, 'ckpt_4.json'), proc, timeout=300)
        with open(osp.join(marks, 'ckpt_4.json')) as f:
            mark = json.load(f)
        pids = [mark['pid']] + mark['children']
        assert len(mark['children']) >= 2, mark  # the two workers
        os.kill(mark['pid'], signal.SIGKILL)
        proc.wait(timeout=30)
        # torch's own watchdog lets idle workers notice within ~5 s, a busy
        # or blocked worker never; mmvssl's guard kills them at once
        t0 = time.time()
        while any(_alive(p) for p in pids) and time.time() - t0 < 2:
            time.sleep(0.1)
        left = [p for p in pids if _alive(p)]
        for p in left:  # do not leak them into the rest of the suite
            os.kill(p, signal.SIGKILL)
        assert not left, (f'processes of the killed run still alive '
                          f'{time.time() - t0:.0f} s later: {left}')
    finally:
        if proc.poll() is None:
            proc.kill()
    with open(osp.join(work, 'last_checkpoint')) as f:
        last = f.read().strip()
    assert osp.basename(last) in ('iter_4.pth', 'iter_6.pth')
    saved = fault_plugins.checkpoint_state(_load(last))

    rc, log = _run(_train_cmd(cfg, work, '--resume'), env)
    assert rc == 0, log[-5000:]
    with open(osp.join(marks, f'start_{saved["iter"]}.json')) as f:
        restored = json.load(f)
    assert restored['iter'] == saved['iter']
    assert restored['scheduler_steps'] == saved['scheduler_steps']
    assert restored['lr'] == pytest.approx(saved['lr'])
    assert restored['momentum'] == pytest.approx(saved['momentum'])
    assert restored['momentum'] > 0
    assert restored['loss_history'] == pytest.approx(saved['loss_history'])
    final = _load(osp.join(work, 'iter_8.pth'))
    assert final['meta']['iter'] == 8
    assert open(osp.join(work, 'last_checkpoint')).read().strip().endswith(
        'iter_8.pth')


@pytest.mark.slow
def test_sigkill_while_writing_a_checkpoint_keeps_the_previous_one(
        data_root, tmp_path):
    cfg = _config(tmp_path, iters=6)
    work = str(tmp_path / 'work')
    # the 2nd checkpoint (iter 4) is killed half-written; max_keep_ckpts=1
    rc, log = _run(_train_cmd(cfg, work),
                   _env(data_root, FAULT_KILL_DURING_SAVE=2))
    assert rc == -signal.SIGKILL, log[-3000:]
    names = os.listdir(work)
    assert 'iter_2.pth' in names and 'iter_4.pth' not in names, names
    with open(osp.join(work, 'last_checkpoint')) as f:
        assert f.read().strip().endswith('iter_2.pth')
    assert _load(osp.join(work, 'iter_2.pth'))['meta']['iter'] == 2

    rc, log = _run(_train_cmd(cfg, work, '--resume'), _env(data_root))
    assert rc == 0, log[-5000:]
    assert 'resumed' in log.lower() and 'iter_2.pth' in log
    assert _load(osp.join(work, 'iter_6.pth'))['meta']['iter'] == 6
    # the half-written temporary file is the only trace of the kill
    assert not [n for n in os.listdir(work) if n.startswith('iter_4')]


@pytest.mark.slow
def test_a_killed_worker_stops_the_run_with_an_error(data_root, tmp_path):
    cfg = _config(tmp_path, iters=8)
    t0 = time.time()
    rc, log = _run(_train_cmd(cfg, str(tmp_path / 'work')),
                   _env(data_root, FAULT_KILL_WORKER_AT=2), timeout=300)
    assert rc != 0
    assert 'DataLoader worker' in log and ('killed' in log
                                           or 'exited unexpectedly' in log), \
        log[-3000:]
    assert time.time() - t0 < 300


@pytest.mark.slow
def test_videos_that_become_unreadable_are_warned_once_and_listed(
        data_root, tmp_path):
    import shutil
    root = str(tmp_path / 'data')
    shutil.copytree(data_root, root)
    bad = [osp.join(root, 'videos', f'v{i}.mp4') for i in (3, 11)]
    cfg = _config(tmp_path, epochs=3, ckpt_interval=1)
    work = str(tmp_path / 'work')
    rc, log = _run(_train_cmd(cfg, work),
                   _env(root, FAULT_CORRUPT_AFTER_EPOCH=1,
                        FAULT_CORRUPT=','.join(bad)))
    assert rc == 0, log[-5000:]
    for path in bad:
        warnings = [line for line in log.splitlines()
                    if 'skipping unreadable video' in line and path in line]
        assert len(warnings) == 1, (path, warnings)
    summaries = [line for line in log.splitlines()
                 if 'Unreadable videos (epoch' in line]
    assert len(summaries) == 2, summaries  # epochs 2 and 3
    assert '2 new, 2 known' in summaries[0]
    assert '0 new, 2 known' in summaries[1]
    listed = open(osp.join(work, 'unreadable_videos.txt')).read()
    assert all(p in listed for p in bad)
    assert _load(osp.join(work, 'epoch_3.pth'))['meta']['epoch'] == 3

    # --resume reads the list back: the (still broken) files are skipped
    # without another attempt or warning, and stay listed
    rc, log = _run(_train_cmd(cfg, work, '--resume', '--cfg-options',
                              'train_cfg.max_epochs=4'), _env(root))
    assert rc == 0, log[-5000:]
    assert '2 video(s) listed in' in log
    assert 'skipping unreadable video' not in log
    assert [line for line in log.splitlines()
            if 'Unreadable videos (epoch 4)' in line and '0 new, 2 known'
            in line]
    assert open(osp.join(work, 'unreadable_videos.txt')).read() == listed
    assert _load(osp.join(work, 'epoch_4.pth'))['meta']['epoch'] == 4


@pytest.mark.slow
def test_sigkill_of_the_dist_launcher_leaves_no_process(data_root, tmp_path,
                                                        port):
    """``tools/dist_train.sh`` with 2 CPU ranks, 1 worker each: ``kill -9``
    of the torchrun launcher takes its ranks and their workers with it."""
    sys.path.insert(0, TESTS)
    import fault_plugins
    if torch.cuda.is_available():
        pytest.skip('checks the CPU (gloo) launch')
    cfg = _config(tmp_path, iters=40)
    work, marks = str(tmp_path / 'work'), str(tmp_path / 'marks')
    env = _env(data_root, FAULT_MARK_DIR=marks, PORT=port,
               PYTHON=sys.executable)
    proc = subprocess.Popen(
        ['bash', 'tools/dist_train.sh', cfg, '2', '--work-dir', work,
         '--cfg-options', 'train_dataloader.batch_size=4',
         'train_dataloader.num_workers=1'],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    try:
        _wait_for(osp.join(marks, 'ckpt_2.json'), proc, timeout=300)
        everything = fault_plugins.descendants(proc.pid)
        launcher = [p for p in everything
                    if b'torch.distributed.run' in open(
                        f'/proc/{p}/cmdline', 'rb').read()]
        assert len(launcher) == 1 and len(everything) >= 5, everything
        os.kill(launcher[0], signal.SIGKILL)
        t0 = time.time()
        while any(_alive(p) for p in everything) and time.time() - t0 < 15:
            time.sleep(0.2)
        left = [p for p in everything if _alive(p)]
        for p in left:
            os.kill(p, signal.SIGKILL)
        assert not left, f'still alive 15 s after the kill: {left}'
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


@pytest.mark.slow
def test_a_resumed_pretraining_ends_with_an_uninterrupted_ones_weights(
        data_root, tmp_path):
    """SeededSampler (the synthetic configs' sampler): a run stopped after
    epoch 2 and resumed to epoch 3 sees the augmentations of an
    uninterrupted 3-epoch run (the workers' own streams restart on resume),
    so it ends with the same weights."""
    env = _env(data_root)
    full, part = str(tmp_path / 'full'), str(tmp_path / 'part')
    cfg3 = _config(tmp_path, epochs=3, ckpt_interval=1)
    rc, log = _run(_train_cmd(cfg3, full), env)
    assert rc == 0, log[-5000:]
    rc, log = _run(_train_cmd(cfg3, part, '--cfg-options',
                              'train_cfg.max_epochs=2'), env)
    assert rc == 0, log[-5000:]
    rc, log = _run(_train_cmd(cfg3, part, '--resume'), env)
    assert rc == 0, log[-5000:]
    assert 'resumed' in log.lower() and 'epoch_2.pth' in log
    a = _load(osp.join(full, 'epoch_3.pth'))['state_dict']
    b = _load(osp.join(part, 'epoch_3.pth'))['state_dict']
    assert a.keys() == b.keys()
    diff = max((a[k].double() - b[k].double()).abs().max().item()
               for k in a if a[k].is_floating_point())
    assert diff == 0.0, diff
    # the comparison is not vacuous: a run with another seed (another
    # initialisation and other augmentations) ends with other weights
    other = str(tmp_path / 'other')
    rc, log = _run(_train_cmd(cfg3, other, '--cfg-options',
                              'randomness.seed=1'), env)
    assert rc == 0, log[-5000:]
    c = _load(osp.join(other, 'epoch_3.pth'))['state_dict']
    assert max((a[k].double() - c[k].double()).abs().max().item()
               for k in a if a[k].is_floating_point()) > 0
