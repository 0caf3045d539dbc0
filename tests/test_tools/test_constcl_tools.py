"""ConST-CL tools: get_flops, the attention visualisation, the train-step
benchmark, and a short training of the synthetic configs via tools/train.py.
"""
import importlib.util
import math
import os.path as osp
import sys

import numpy as np
import pytest
import torch

import mmvssl  # noqa: F401

pytest.importorskip('mmcv.ops')
cv2 = pytest.importorskip('cv2')
pytest.importorskip('decord')

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
SYN_CONSTCL = osp.join(ROOT, 'configs/constcl/r3d18_synthetic.py')
SYN_CVRL = osp.join(ROOT, 'configs/cvrl/r3d18_synthetic.py')
# a tiny model: width 8 (64-d features), small MLPs
TINY = {
    'model.backbone.base_channels': 8,
    'model.neck.in_channels': 64,
    'model.neck.hid_channels': 32,
}
TINY_HEAD = {'model.head.in_channels': 64}


def load_tool(relpath):
    path = osp.join(ROOT, relpath)
    sys.path.insert(0, osp.dirname(path))
    try:
        name = osp.splitext(osp.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.pop(0)
    return module


def opts(d):
    return [f'{k}={v}' for k, v in d.items()]


@pytest.fixture(scope='module')
def videos(tmp_path_factory):
    """Four 160x128 mp4 videos of 40 frames (a moving textured square) and
    an mmaction2 list file."""
    root = tmp_path_factory.mktemp('videos')
    rng = np.random.RandomState(0)
    lines = []
    for i in range(4):
        name = f'v{i}.mp4'
        writer = cv2.VideoWriter(
            str(root / name), cv2.VideoWriter_fourcc(*'mp4v'), 25, (160, 128))
        bg = rng.randint(0, 255, (128, 160, 3), dtype=np.uint8)
        patch = rng.randint(0, 255, (32, 32, 3), dtype=np.uint8)
        for t in range(40):
            frame = bg.copy()
            x = (10 + 2 * t * (1 if i % 2 else -1)) % 120
            frame[40:72, x:x + 32] = patch
            writer.write(frame)
        writer.release()
        lines.append(f'{name} {i % 2}')
    (root / 'list.txt').write_text('\n'.join(lines) + '\n')
    return root


def test_get_flops_tiny_config(capsys):
    tool = load_tool('tools/analysis/get_flops.py')
    args = [SYN_CONSTCL, '--shape', '8', '64', '64', '--cfg-options'] + \
        opts(TINY) + opts(TINY_HEAD)
    result = tool.main(args)
    out = capsys.readouterr().out
    assert 'Params:' in out and 'GMACs' in out and 'per clip' in out
    params, flops = result['params'], result['flops']
    assert params['total'] == sum(v for k, v in params.items()
                                  if k != 'total')
    assert params['head'] > 0 and flops['head'] > 0
    assert flops['backbone'] > 0.5 * flops['total']
    # the Y network costs more than a single res5 (C5 endpoint)
    single = tool.main(args + ['model.backbone.loss_endpoints=C5'])
    assert single['flops']['backbone'] < flops['backbone']
    # and the backward pass is counted on request
    both = tool.main(args + ['--backward'])
    assert both['flops']['total'] > 2 * flops['total']


def test_attention_visualisation(videos, tmp_path):
    analysis = load_tool('tools/analysis/get_flops.py')
    model = analysis.build_model(
        SYN_CONSTCL, dict(TINY, **TINY_HEAD))
    ckpt = tmp_path / 'tiny.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, ckpt)
    tool = load_tool('tools/visualization/constcl_attention.py')
    out = tmp_path / 'vis'
    base = [SYN_CONSTCL, str(ckpt), str(videos / 'v0.mp4'), '--out',
            str(out), '--cfg-options'] + opts(TINY) + opts(TINY_HEAD)
    paths = tool.main(base[:5] + ['--num-queries', '2'] + base[5:])
    assert len(paths) == 2
    for p in paths:
        assert osp.getsize(p) > 1000
        assert open(p, 'rb').read(8) == b'\x89PNG\r\n\x1a\n'
    # a user box in source pixels, the other direction, one head
    paths = tool.main(base[:5] + [
        '--query-box', '40', '30', '100', '90', '--direction', 'ba',
        '--head', '1', '--layer', '0'
    ] + base[5:])
    assert len(paths) == 1 and '_ba_q00' in paths[0]

    # the attention of the head is a distribution over the context tokens
    from mmengine.config import Config
    cfg = Config.fromfile(SYN_CONSTCL)
    cfg.merge_from_dict(dict(TINY, **TINY_HEAD))
    m = tool.build_model(cfg, str(ckpt))
    batch = tool.load_views(cfg, str(videos / 'v1.mp4'), 64, num_queries=3)
    att = tool.compute_attention(m, batch)
    assert len(att['maps']) == len(m.head.layers)
    heads, n, c, h, w = att['maps'][-1].shape
    assert (n, c) == (3, m.context_length) and (h, w) == att['feat_hw']
    np.testing.assert_allclose(att['maps'][-1].sum((2, 3, 4)), 1, rtol=1e-4)


def test_benchmark_quick(capsys):
    tool = load_tool('tools/analysis/benchmark_train_step.py')
    results = tool.main(['--quick', '--only', 'constcl_vs_cvrl'])
    out = capsys.readouterr().out
    assert 'time ratio / FLOP ratio' in out
    r = results['constcl_vs_cvrl']
    assert r['flop_ratio'] > 1  # the duplicated res5 and the head
    assert all(math.isfinite(v) and v > 0 for v in r['time_ratio'].values())
    assert set(tool.BENCHMARKS) >= {'constcl_vs_cvrl'}
    with pytest.raises(SystemExit):
        tool.main(['--quick', '--only', 'no_such_benchmark'])


@pytest.mark.parametrize('config,extra', [(SYN_CONSTCL, TINY_HEAD),
                                          (SYN_CVRL, {})],
                         ids=['constcl', 'cvrl'])
def test_short_synthetic_training(videos, tmp_path, config, extra):
    train = load_tool('tools/train.py')
    ann, prefix = str(videos / 'list.txt'), str(videos)
    options = dict(TINY, **extra)
    options.update({
        'train_dataloader.batch_size': 2,
        'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'train_dataloader.dataset.ann_file': ann,
        'train_dataloader.dataset.data_prefix.video': prefix,
        'train_cfg.max_epochs': 1,
        'default_hooks.logger.interval': 1,
    })
    for split in ('train_dataloader', 'val_dataloader'):
        key = f'custom_hooks.0.{split}'
        options.update({
            f'{key}.dataset.ann_file': ann,
            f'{key}.dataset.data_prefix.video': prefix,
            f'{key}.num_workers': 0,
            f'{key}.batch_size': 2,
        })
    runner = train.main([
        config, '--work-dir', str(tmp_path / 'work'), '--cfg-options'
    ] + opts(options))
    assert runner.iter == 2  # 4 videos, batch 2
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert math.isfinite(loss) and loss > 0
    knn = runner.message_hub.get_scalar('knn/top1').current()
    assert 0 <= knn <= 100
    assert osp.exists(tmp_path / 'work' / 'epoch_1.pth')
