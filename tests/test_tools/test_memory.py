"""tools/analysis/memory_estimate.py on a small config, and the per-GPU
batch of every shipped real-data config against the measured figures of
docs/benchmarks.md (a test over the table, not a timing test)."""
import glob
import os.path as osp
import re
import sys

import pytest
from mmengine.config import Config

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
import memory_estimate as me  # noqa: E402

GiB = me.GiB
SMALL = [
    osp.join(ROOT, 'configs/cvrl/r3d50_k400.py'),
    '--batch-sizes', '2', '4', '--input-scale', '0.5', '0.25',
    '--cfg-options', 'model.backbone.depth=18',
    'model.backbone.base_channels=8', 'model.neck.in_channels=64',
    'model.neck.hid_channels=32'
]


@pytest.fixture(scope='module')
def small_estimate(tmp_path_factory):
    out = tmp_path_factory.mktemp('mem') / 'r.json'
    return me.main(SMALL + ['--gpu-mem', '2', '--json', str(out)]), out


def test_tool_numbers_on_a_small_config(small_estimate, capsys):
    r, out = small_estimate
    assert osp.exists(out)
    assert r['device'] in ('cpu', 'cuda')
    assert r['input_shape'] == [16, 224, 224]  # read from the config
    assert r['measured_shape'] == [8, 56, 56]
    assert r['voxel_ratio'] == pytest.approx(16 * 224 * 224 / (8 * 56 * 56))
    peaks = [p['peak'] for p in r['points']]
    assert all(p > 0 for p in peaks)
    assert peaks[1] > peaks[0]  # more samples, more memory
    assert r['fixed'] > 0 and r['per_sample_measured'] > 0
    assert r['per_sample'] == pytest.approx(
        r['per_sample_measured'] * r['voxel_ratio'])
    assert r['finite']
    # the reported batch fits, one more does not
    budget = r['gpu_mem_gib'] * GiB * (1 - r['margin'])
    b = r['max_batch_size']
    assert r['fixed'] + b * r['per_sample'] <= budget
    assert r['fixed'] + (b + 1) * r['per_sample'] > budget
    text = '\n'.join(me.format_report(r))
    assert 'peak RSS' in text or 'max_memory_allocated' in text
    assert 'per sample' in text and 'largest per-GPU batch' in text


def test_batch_is_monotone_in_memory(small_estimate):
    r, _ = small_estimate
    sizes = [me.max_batch(r['fixed'], r['per_sample'], m, r['margin'])
             for m in (1, 2, 4, 8, 16, 40, 80, 160)]
    assert sizes == sorted(sizes)
    assert sizes[-1] > sizes[0]
    # and in the per-sample cost
    per = [me.max_batch(r['fixed'], r['per_sample'] * f, 80, 0.1)
           for f in (0.5, 1, 2, 4)]
    assert per == sorted(per, reverse=True)


def test_fit_line_and_errors():
    line = me.fit_line([dict(batch_size=4, peak=10 * GiB),
                        dict(batch_size=2, peak=6 * GiB)], voxel_ratio=2)
    assert line['fixed'] == pytest.approx(2 * GiB)
    assert line['per_sample_measured'] == pytest.approx(2 * GiB)
    assert line['per_sample'] == pytest.approx(4 * GiB)
    assert me.max_batch(2 * GiB, 4 * GiB, 80, 0.1) == 17
    assert me.max_batch(90 * GiB, 1 * GiB, 80, 0.1) == 0
    with pytest.raises(RuntimeError, match='did not grow'):
        me.fit_line([dict(batch_size=2, peak=5), dict(batch_size=4, peak=5)])
    with pytest.raises(KeyError, match='no input maker'):
        me.make_inputs(Config(dict(model=dict(type='Nope'))), 2)
    with pytest.raises(SystemExit):
        me.parse_args([SMALL[0], '--batch-sizes', '2', '2'])


def test_input_shapes_from_the_configs():
    def shape(path):
        cfg = Config.fromfile(osp.join(ROOT, path))
        _, full, _ = me.make_inputs(cfg, 1, (1., 1.))
        return tuple(full)

    assert shape('configs/constcl/r3d50_k400.py') == (16, 224, 224)
    assert shape('configs/cstp/cstp_r2plus1d10_4xb15-300e_ucf101.py') == \
        (16, 112, 112)
    assert shape('configs/ctrlaug/r3d18_ucf101.py') == (16, 112, 112)


@pytest.mark.slow
def test_tool_with_amp_and_checkpointing():
    r = me.main(SMALL + ['--amp', '--with-cp'])
    assert r['amp'] and r['with_cp'] and r['finite']
    assert r['per_sample'] > 0


# ------------------------------------------------------------- the table
BENCH = osp.join(ROOT, 'docs', 'benchmarks.md')
TABLE_HEADER = '| config | covers |'


def table_rows():
    """Rows of the memory table of docs/benchmarks.md as dicts."""
    with open(BENCH) as f:
        lines = f.read().splitlines()
    start = next(i for i, line in enumerate(lines)
                 if line.startswith(TABLE_HEADER))
    keys = [c.strip() for c in lines[start].strip('|').split('|')]
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith('|'):
            break
        cells = [c.strip().strip('`') for c in line.strip('|').split('|')]
        rows.append(dict(zip(keys, cells)))
    return rows


def _num(cell):
    return float(re.match(r'[0-9.]+', cell).group(0))


def settings(cfg):
    """What the memory of a step depends on, besides the input."""
    from mmvssl.engine.optimizers import AMP_WRAPPERS
    kind = cfg.optim_wrapper.get('type', 'OptimWrapper')
    return dict(
        batch=int(cfg.train_dataloader.batch_size),
        amp=kind in AMP_WRAPPERS,
        with_cp=bool(cfg.model.backbone.get('with_cp', False)),
        accumulate=int(cfg.optim_wrapper.get('accumulative_counts', 1)))


REAL_PRETRAINING = [
    p for pattern in ('configs/constcl/r3d50_k400*.py',
                      'configs/constcl/ablations/*.py',
                      'configs/cvrl/r3d50_k400*.py', 'configs/cstp/*.py',
                      'configs/cstp/ablation/table*.py',
                      'configs/ctrlaug/*.py', 'configs/ctrlaug/ablations/*.py')
    for p in sorted(glob.glob(osp.join(ROOT, pattern)))
    # CPU recipes of the synthetic benchmark (`*_synthetic.py` and their
    # sanity-check variants `*_synthetic_sanity.py`) are not GPU configs
    if 'synthetic' not in osp.basename(p)
]


DOWNSTREAM_TRAINING = [
    p for sub in ('recognition', 'ava', 'otb')
    for p in sorted(glob.glob(osp.join(ROOT, 'configs/downstream', sub,
                                       '*.py')))
    if 'synthetic' not in osp.basename(p)
]


def test_retrieval_configs_do_not_train():
    """Retrieval only extracts features (forward, no gradients): no
    training batch to size."""
    paths = glob.glob(osp.join(ROOT, 'configs/downstream/retrieval/*.py'))
    assert paths
    for path in paths:
        assert not Config.fromfile(path).get('train_dataloader'), path


def not_measured():
    """Configs of the "Not measured in this session" list."""
    with open(BENCH) as f:
        text = f.read()
    section = text.split('### Not measured in this session', 1)[1]
    out = set()
    for line in section.splitlines():
        m = re.match(r'- `([^`]+)`', line)
        if m:
            matched = glob.glob(osp.join(ROOT, m.group(1)))
            assert matched, f'not-measured pattern {m.group(1)!r} matches '\
                'nothing'
            out.update(osp.relpath(p, ROOT) for p in matched
                       if not p.endswith('_synthetic.py'))
    return out


def test_every_real_config_is_in_the_table():
    covered = set()
    for row in table_rows():
        for pattern in [row['config']] + [
                c.strip().strip('`') for c in row['covers'].split(',')
                if c.strip() and c.strip() != '-']:
            matched = glob.glob(osp.join(ROOT, pattern))
            assert matched, f'table row pattern {pattern!r} matches nothing'
            covered.update(osp.relpath(m, ROOT) for m in matched)
    assert len(REAL_PRETRAINING) > 60 and len(DOWNSTREAM_TRAINING) > 40
    unmeasured = not_measured()
    assert not covered & unmeasured, 'both measured and not measured'
    missing = [osp.relpath(p, ROOT) for p in REAL_PRETRAINING +
               DOWNSTREAM_TRAINING
               if osp.relpath(p, ROOT) not in covered | unmeasured]
    assert not missing, f'not in docs/benchmarks.md: {missing}'


@pytest.mark.parametrize('row', table_rows(), ids=lambda r: r['config'])
def test_table_batch_fits_the_measured_memory(row):
    cfg = Config.fromfile(osp.join(ROOT, row['config']))
    s = settings(cfg)
    per_gpu, gpus, total = (int(row['per-GPU batch']), int(row['GPUs']),
                            int(row['global batch']))
    assert s['batch'] == per_gpu, 'the table is out of date'
    assert s['amp'] == (row['precision'] == 'bf16')
    assert s['with_cp'] == (row['with_cp'] == 'yes')
    assert per_gpu * gpus * s['accumulate'] == total
    # --auto-scale-lr refers to the documented global batch
    assert cfg.auto_scale_lr.base_batch_size == total
    fixed, per_sample = _num(row['fixed GiB']), _num(row['GiB / sample'])
    assert per_sample > 0
    fits = me.max_batch(fixed * GiB, per_sample * GiB, 80, 0.1)
    assert per_gpu <= fits, (
        f"{row['config']}: {per_gpu} per GPU, the measured figures allow "
        f'{fits} on 80 GiB')
    # the configs a row covers train with the same memory-relevant settings,
    # backbone and input (their heads are the row's or a subset of them,
    # see docs/benchmarks.md)
    _, ref, _ = me.make_inputs(cfg, 1)
    for pattern in [c.strip().strip('`') for c in row['covers'].split(',')
                    if c.strip() and c.strip() != '-']:
        for path in glob.glob(osp.join(ROOT, pattern)):
            other = Config.fromfile(path)
            assert settings(other) == s, path
            assert backbone_key(other) == backbone_key(cfg), path
            _, full, _ = me.make_inputs(other, 1)
            assert full == ref, path


def backbone_key(cfg):
    b = cfg.model.backbone
    return b.type, b.get('depth'), b.get('base_channels', 64)

