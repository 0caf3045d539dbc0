"""tools/train.py, --resume and tools/dist_train.sh on CPU."""
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))

TINY_CFG = """
_base_ = ['mmaction::_base_/default_runtime.py']
default_scope = 'mmvssl'
data_root = {data_root!r}
model = dict(
    type='Recognizer3D',
    backbone=dict(type='ResNet3d', depth=18, pretrained=None,
                  pretrained2d=False, base_channels=8, conv1_kernel=(1, 3, 3),
                  inflate=(0, 0, 1, 1), norm_eval=False),
    cls_head=dict(type='I3DHead', num_classes=2, in_channels=64,
                  average_clips='prob'),
    data_preprocessor=dict(type='ActionDataPreprocessor',
                           mean=[127.5] * 3, std=[127.5] * 3,
                           format_shape='NCTHW'))
pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=4, frame_interval=1, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')]
train_dataloader = dict(
    batch_size=2, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='VideoDataset', ann_file=data_root + '/list.txt',
                 data_prefix=dict(video=data_root), pipeline=pipeline))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=100)
val_cfg = None
val_dataloader = None
val_evaluator = None
test_cfg = None
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9))
param_scheduler = []
default_hooks = dict(checkpoint=dict(interval=1, by_epoch=False),
                     logger=dict(interval=1))
log_processor = dict(by_epoch=False)
"""


@pytest.fixture(scope='module')
def tiny_cfg(tmp_path_factory):
    import cv2
    root = tmp_path_factory.mktemp('tiny_videos')
    lines = []
    for i in range(4):
        path = root / f'v{i}.mp4'
        w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), 10,
                            (40, 32))
        for t in range(12):
            frame = np.full((32, 40, 3), (i * 60 + t * 5) % 255, np.uint8)
            w.write(frame)
        w.release()
        lines.append(f'v{i}.mp4 {i % 2}')
    (root / 'list.txt').write_text('\n'.join(lines) + '\n')
    cfg = root / 'tiny_recognizer.py'
    cfg.write_text(TINY_CFG.format(data_root=str(root)))
    return str(cfg)


def _run(args, env=None, timeout=300):
    env = dict(os.environ if env is None else env)
    env['PYTHONPATH'] = ROOT + os.pathsep + env.get('PYTHONPATH', '')
    res = subprocess.run(args, cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=timeout)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-5000:]
    return res


def test_train_then_resume(tiny_cfg, tmp_path):
    sys.path.insert(0, osp.join(ROOT, 'tools'))
    import train as train_tool
    work = str(tmp_path / 'work')
    runner = train_tool.main([tiny_cfg, '--work-dir', work, '--seed', '0'])
    assert runner.iter == 2
    ckpt_path = osp.join(work, 'iter_2.pth')
    assert osp.isfile(ckpt_path)
    # resume from it with a longer schedule: continues at iteration 2
    runner = train_tool.main([
        tiny_cfg, '--work-dir', work, '--resume', ckpt_path,
        '--cfg-options', 'train_cfg.max_iters=2'])
    assert runner.iter == 2
    ckpt = torch.load(ckpt_path, map_location='cpu')  # safe loading
    saved = ckpt['optimizer']['state']
    restored = runner.optim_wrapper.optimizer.state_dict()['state']
    assert len(saved) > 0 and saved.keys() == restored.keys()
    for k in saved:
        torch.testing.assert_close(saved[k]['momentum_buffer'],
                                   restored[k]['momentum_buffer'])
    # and training goes on from there
    runner = train_tool.main([
        tiny_cfg, '--work-dir', work, '--resume',
        '--cfg-options', 'train_cfg.max_iters=3'])
    assert runner.iter == 3
    assert osp.isfile(osp.join(work, 'iter_3.pth'))


def test_test_tool_args(tiny_cfg):
    sys.path.insert(0, osp.join(ROOT, 'tools'))
    import test as test_tool
    from mmengine.config import Config
    args = test_tool.parse_args([tiny_cfg, 'ck.pth', '--dump', 'r.pkl'])
    cfg = Config(dict(test_evaluator=dict(type='AccMetric')))
    cfg = test_tool.merge_args(cfg, args)
    assert cfg.load_from == 'ck.pth'
    assert cfg.test_evaluator[-1]['type'] == 'DumpResults'
    with pytest.raises(SystemExit, match='pkl'):
        test_tool.merge_args(Config(dict(test_evaluator=dict())),
                             test_tool.parse_args([tiny_cfg, 'c', '--dump',
                                                   'r.json']))


def test_dist_train_two_cpu_processes(tiny_cfg, tmp_path, port):
    if torch.cuda.is_available():
        pytest.skip('this test checks the CPU (gloo) path')
    work = str(tmp_path / 'dist')
    env = dict(os.environ, PORT=str(port), PYTHON=sys.executable,
               OMP_NUM_THREADS='1')
    res = _run(['bash', 'tools/dist_train.sh', tiny_cfg, '2', '--work-dir',
                work], env=env)
    assert osp.isfile(osp.join(work, 'iter_2.pth')), res.stdout[-2000:]
    log = res.stdout + res.stderr
    assert 'gloo' in log
    assert 'Distributed training: True' in log
    assert 'GPU number: 2' in log  # mmengine's name for the world size
