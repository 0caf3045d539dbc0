"""Time training steps of self-supervised methods against their FLOPs.

Usage::

    python tools/analysis/benchmark_train_step.py [--only NAME ...] [--quick]
        [--depth 18] [--shape T H W] [--batch-size B] [--repeat N]
        [--warmup N] [--threads N] [--json FILE]

Benchmarks (``--only`` picks some; default all):

``constcl_vs_cvrl``
    One training step (data preprocessor, forward, backward, optimizer step:
    ``model.train_step``) of ConST-CL (``configs/constcl/r3d50_k400.py``)
    and of CVRL (``configs/cvrl/r3d50_k400.py``) with the same backbone
    depth, on the same input batch (random pixels, 16 random boxes per
    frame), timed alternately (so that load from other processes hits both
    alike); medians over ``--repeat`` steps after ``--warmup`` steps. It
    prints the time ratio ConST-CL / CVRL next to the ratio of their FLOPs
    (forward + backward, ``FlopCounterMode``). A time ratio above the FLOP
    ratio is overhead that the extra compute does not explain.

Adding a benchmark: write ``def bench_x(args) -> dict`` returning
``dict(lines=[...printable...], **numbers)`` and decorate it with
``@register_benchmark('x')``; :func:`time_train_steps` and
:func:`train_step_flops` do the common work.
"""
import argparse
import json
import logging
import os.path as osp
import platform
import statistics
import sys
import time
from collections import OrderedDict
from typing import Callable, Dict, List, Optional, Sequence

import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from get_flops import (build_model, count_flops, dummy_batch,  # noqa: E402
                       load_config, num_views_of)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONSTCL_CONFIG = osp.join(REPO, 'configs/constcl/r3d50_k400.py')
CVRL_CONFIG = osp.join(REPO, 'configs/cvrl/r3d50_k400.py')

BENCHMARKS: 'OrderedDict[str, Callable]' = OrderedDict()


def register_benchmark(name: str):
    """Register ``fn(args) -> dict(lines=[...], ...)`` under ``name``."""

    def wrap(fn):
        if name in BENCHMARKS:
            raise KeyError(f'benchmark {name!r} is already registered')
        BENCHMARKS[name] = fn
        return fn

    return wrap


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description='Train-step time vs FLOPs of self-supervised methods')
    p.add_argument('--only', nargs='+', metavar='NAME',
                   help=f'benchmarks to run (default all: '
                   f'{", ".join(BENCHMARKS)})')
    p.add_argument('--quick', action='store_true',
                   help='tiny sizes, 2 steps (a smoke test, not a measure)')
    p.add_argument('--depth', type=int, default=18,
                   help='backbone depth of both models (default 18)')
    p.add_argument('--base-channels', type=int, default=64,
                   help='backbone stem width (default 64)')
    p.add_argument('--shape', type=int, nargs=3, default=(16, 112, 112),
                   metavar=('T', 'H', 'W'),
                   help='input of every view (default 16 112 112)')
    p.add_argument('--batch-size', type=int, default=4)
    p.add_argument('--repeat', type=int, default=10,
                   help='timed steps per model (default 10)')
    p.add_argument('--warmup', type=int, default=3,
                   help='untimed steps per model first (default 3)')
    p.add_argument('--threads', type=int, default=None,
                   help='torch intra-op threads (default: as set up)')
    p.add_argument('--json', help='also write the results to this file')
    args = p.parse_args(argv)
    if args.quick:
        args.depth, args.base_channels = 18, 8
        args.shape, args.batch_size = (8, 64, 64), 2
        args.repeat, args.warmup = 2, 1
    return args


# ------------------------------------------------------------------ helpers
def scaled_model_cfg(config: str, depth: int, base_channels: int):
    """``config``'s model with its ResNet3dY backbone at another depth /
    width, and the neck / head input channels adapted."""
    cfg = load_config(config)
    model = cfg.model
    model.backbone.depth = depth
    model.backbone.base_channels = base_channels
    expansion = 1 if depth < 50 else 4
    c5 = base_channels * 8 * expansion
    model.neck.in_channels = c5
    if model.get('head') is not None:
        local = c5 if model.backbone.get('loss_endpoints',
                                         'C5g+C5r') != 'C4_p' else c5 // 2
        model.head.in_channels = local
        if 'out_channels' in model.head:  # InstanceReconstructorHead
            model.head.out_channels = local
    return cfg


def build_optim_wrapper(model: torch.nn.Module, cfg, lr: float = 1e-3):
    """The config's optimizer (SGD, its paramwise rules) at a small lr, so
    that random-data steps stay finite; the cost of a step does not depend
    on the learning rate."""
    from mmengine.optim import build_optim_wrapper as build
    from mmengine.registry import DefaultScope
    optim_cfg = cfg.optim_wrapper.copy()
    optim_cfg.optimizer = dict(optim_cfg.optimizer, lr=lr)
    # mmvssl's wrappers (AutocastOptimWrapper) live in mmvssl's registry
    with DefaultScope.overwrite_default_scope('mmvssl'):
        return build(model, optim_cfg)


def time_train_steps(
        steps: Dict[str, Callable[[], object]],
        repeat: int = 10,
        warmup: int = 3) -> Dict[str, Dict[str, List[float]]]:
    """Seconds of ``repeat`` calls of every step function, after ``warmup``
    untimed calls; the functions alternate (their order reversed every
    round) so that background load affects all of them alike.

    Returns ``{name: dict(wall=[...], cpu=[...])}``: wall-clock time and
    CPU time of this process (all its threads). On a machine shared with
    other jobs the CPU time is the steadier measure of the work done.
    """
    names = list(steps)
    times = {n: dict(wall=[], cpu=[]) for n in names}
    for i in range(warmup + repeat):
        order = names if i % 2 == 0 else names[::-1]
        for n in order:
            wall, cpu = time.perf_counter(), time.process_time()
            steps[n]()
            wall = time.perf_counter() - wall
            cpu = time.process_time() - cpu
            if i >= warmup:
                times[n]['wall'].append(wall)
                times[n]['cpu'].append(cpu)
    return times


def train_step_flops(model: torch.nn.Module, data: Dict) -> Dict[str, int]:
    """FLOPs of one step's forward and forward + backward (optimizer step
    not counted)."""
    fwd = count_flops(model, data, backward=False)['total']
    both = count_flops(model, data, backward=True)['total']
    return dict(forward=fwd, train=both)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    return (f'{cpu}, torch {torch.__version__}, '
            f'{torch.get_num_threads()} thread(s)')


# --------------------------------------------------------------- benchmarks
@register_benchmark('constcl_vs_cvrl')
def bench_constcl_vs_cvrl(args) -> Dict:
    """ConST-CL / CVRL train-step time ratio vs their FLOP ratio."""
    shape = tuple(args.shape)
    models, wrappers = {}, {}
    for name, config in (('ConST-CL', CONSTCL_CONFIG), ('CVRL', CVRL_CONFIG)):
        cfg = scaled_model_cfg(config, args.depth, args.base_channels)
        models[name] = build_model(cfg.model)
        wrappers[name] = build_optim_wrapper(models[name], cfg)
    views = max(num_views_of(m) for m in models.values())
    data = dummy_batch(args.batch_size, shape, views)

    flops = {n: train_step_flops(m, data) for n, m in models.items()}
    steps = {
        n: (lambda m=m, w=wrappers[n]: m.train_step(data, w))
        for n, m in models.items()
    }
    times = time_train_steps(steps, args.repeat, args.warmup)
    med = {n: {k: statistics.median(v) for k, v in t.items()}
           for n, t in times.items()}
    ratio = {k: med['ConST-CL'][k] / med['CVRL'][k] for k in ('wall', 'cpu')}
    flop_ratio = flops['ConST-CL']['train'] / flops['CVRL']['train']
    fwd_ratio = flops['ConST-CL']['forward'] / flops['CVRL']['forward']
    lines = [
        f'R3D-{args.depth} (base width {args.base_channels}), '
        f'{args.batch_size} videos x {views} views of '
        f'{shape[0]}x{shape[1]}x{shape[2]}, {args.repeat} timed steps '
        f'after {args.warmup} warm-up (medians; min-max in brackets)',
        f'{"method":<9s} {"wall s":>22s} {"CPU s":>22s} '
        f'{"GFLOPs fwd+bwd":>15s}',
    ]
    for n in models:
        cells = [
            f'{med[n][k]:7.3f} [{min(times[n][k]):6.3f}-'
            f'{max(times[n][k]):6.3f}]' for k in ('wall', 'cpu')
        ]
        lines.append(f'{n:<9s} {cells[0]:>22s} {cells[1]:>22s} '
                     f'{flops[n]["train"] / 1e9:15.2f}')
    lines += [
        f'FLOP ratio ConST-CL / CVRL: {flop_ratio:.3f} (forward + backward; '
        f'forward only {fwd_ratio:.3f})',
        f'time ratio ConST-CL / CVRL: wall {ratio["wall"]:.3f}, '
        f'CPU {ratio["cpu"]:.3f}',
        f'time ratio / FLOP ratio: wall {ratio["wall"] / flop_ratio:.3f}, '
        f'CPU {ratio["cpu"] / flop_ratio:.3f} (target <= 1.1)',
    ]
    return dict(
        lines=lines,
        median_s=med,
        times_s=times,
        flops=flops,
        time_ratio=ratio,
        flop_ratio=flop_ratio,
        forward_flop_ratio=fwd_ratio,
        overhead={k: v / flop_ratio for k, v in ratio.items()})


@register_benchmark('ctrlaug_correspondence')
def bench_ctrlaug_correspondence(args) -> Dict:
    """Controllable augmentations: the soft correspondence ``S_k`` of a
    batch of 128 videos x 4 clips (the paper's batch) against one CtrlAug
    training step (``configs/ctrlaug/r3d18_ucf101.py`` at ``--depth`` /
    ``--base-channels``, ``--batch-size`` videos x (1 global + 4 local)
    views of ``--shape``), extrapolated linearly to 128 videos. The
    geometry records are real: ``LocalGlobalSampler`` on 150-300 frame
    videos of 320x240, the configs' crops and flips."""
    import numpy as np
    from mmaction.structures import ActionDataSample

    from mmvssl.datasets.samplers import LocalGlobalSampler
    from mmvssl.datasets.transforms import ClipFlip, ClipRandomResizedCrop
    from mmvssl.ops import tube_correspondence
    from mmvssl.structures import new_geometry, records_by_view
    big, K = 128, 4
    T, H, W = (int(v) for v in args.shape)
    np.random.seed(0)
    sampler = LocalGlobalSampler(T, T, 1, K)
    crops = [ClipRandomResizedCrop((W, H), (0.8, 1.0)),
             ClipRandomResizedCrop((W, H), (0.4, 0.8), ref_view='global')]
    flip, frame = ClipFlip(0.5), np.zeros((1, 240, 320, 3), np.uint8)

    def samples(n):
        out = []
        for _ in range(n):
            total = int(np.random.randint(150, 301))
            levels = dict(color_jitter=int(np.random.randint(8)), blur=0)
            done, names = {}, []
            for v, r in enumerate(sampler(total, 25.)):
                name = 'global' if v == 0 else f'local{v - 1}'
                extra = {k: x for k, x in r.items()
                         if k not in ('frame_inds', 'playback_rate')}
                g = new_geometry(name, (240, 320), total, 25.,
                                 r['frame_inds'] % total, r['playback_rate'],
                                 levels=levels, **extra)
                # applied levels, as the levelled colour / blur transforms record
                g['levels'] = dict(levels)
                res = dict(imgs=frame, geometry=g, ref_geometry=dict(done))
                flip(crops[min(v, 1)](res))
                done[name] = g
                names.append(name)
            ds = ActionDataSample()
            ds.set_metainfo(dict(view_names=names,
                                 geometry=[done[n] for n in names]))
            out.append(ds)
        return out

    cfg = load_config(osp.join(REPO, 'configs/ctrlaug/r3d18_ucf101.py'))
    c5 = args.base_channels * 8 * (1 if args.depth < 50 else 4)
    cfg.model.backbone.update(depth=args.depth,
                              base_channels=args.base_channels)
    cfg.model.objectives.mi.estimator.in_channels = c5
    cfg.model.objectives.td.head.in_channels = c5
    model = build_model(cfg.model)
    wrapper = build_optim_wrapper(model, cfg)
    torch.manual_seed(0)
    data = dict(
        inputs=[torch.rand(args.batch_size, 3, T, H, W) * 255
                for _ in range(K + 1)],
        data_samples=samples(args.batch_size))
    with torch.no_grad():
        b = model.build_batch(
            model.data_preprocessor(data, True)['inputs'],
            data['data_samples'])
    q_grid = tuple(b.clip_maps.shape[3:])
    k_grid = tuple(b.video_maps.shape[2:])
    many = samples(big)

    def corr(data_samples):
        recs = records_by_view(data_samples, ['global'] +
                               [f'local{k}' for k in range(K)])
        return tube_correspondence([r[1:] for r in recs],
                                   [r[0] for r in recs], q_grid, k_grid)

    times = time_train_steps(
        {'S_k': lambda: corr(many),
         'S_k small': lambda: corr(data['data_samples'])},
        repeat=max(20, args.repeat), warmup=3)
    times.update(time_train_steps(
        {'step': lambda: model.train_step(data, wrapper)},
        args.repeat, args.warmup))
    med = {n: {k: statistics.median(v) for k, v in t.items()}
           for n, t in times.items()}
    scale = big / args.batch_size
    share = {k: med['S_k'][k] / (med['step'][k] * scale)
             for k in ('wall', 'cpu')}
    share_small = {k: med['S_k small'][k] / med['step'][k]
                   for k in ('wall', 'cpu')}
    s_shape = (big, K, int(np.prod(q_grid)), int(np.prod(k_grid)))
    lines = [
        f'S_k of {big} videos x {K} clips, {s_shape}, clip grid {q_grid}, '
        f'global grid {k_grid}: median wall '
        f'{med["S_k"]["wall"] * 1e3:.1f} ms, CPU '
        f'{med["S_k"]["cpu"] * 1e3:.1f} ms '
        f'({len(times["S_k"]["wall"])} runs)',
        f'CtrlAug train step, R3D-{args.depth} (base width '
        f'{args.base_channels}), {args.batch_size} videos x {K + 1} views of '
        f'{T}x{H}x{W}: median wall {med["step"]["wall"]:.2f} s, CPU '
        f'{med["step"]["cpu"]:.2f} s ({args.repeat} steps after '
        f'{args.warmup} warm-up)',
        f'S_k / step at {big} videos (step x {scale:g}): wall '
        f'{100 * share["wall"]:.3f}%, CPU {100 * share["cpu"]:.3f}% '
        f'(target < 1%)',
        f'S_k / step at {args.batch_size} videos (measured): wall '
        f'{100 * share_small["wall"]:.3f}%, CPU '
        f'{100 * share_small["cpu"]:.3f}%',
    ]
    return dict(lines=lines, median_s=med, times_s=times, share=share,
                share_measured_batch=share_small, s_shape=s_shape)


def run(names: Optional[Sequence[str]], args) -> Dict[str, Dict]:
    names = list(names or BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        raise SystemExit(f'unknown benchmark(s) {unknown}; available: '
                         f'{list(BENCHMARKS)}')
    results = {}
    for name in names:
        print(f'== {name}', flush=True)
        out = BENCHMARKS[name](args)
        for line in out.get('lines', []):
            print(line, flush=True)
        results[name] = out
    return results


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    from mmengine.logging import MMLogger

    import mmvssl  # noqa: F401

    # the optimizer constructor logs every parameter's rule at INFO
    MMLogger.get_current_instance().setLevel(logging.WARNING)
    print(f'machine: {machine()}', flush=True)
    results = run(args.only, args)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(
                {k: {kk: vv for kk, vv in v.items()}
                 for k, v in results.items()}, f, indent=2, default=str)
    return results


if __name__ == '__main__':
    main()
