"""Training-step time of whole configs, side by side, on their own data.

Builds each config's model, optimiser wrapper and training dataloader with
mmengine's ``Runner`` (no hooks, ``num_workers=0``), draws ONE real batch
per config, then times ``model.train_step(batch, optim_wrapper)`` (data
preprocessor, forward, losses, backward, optimiser step) of the configs in
turn, step by step, so that the machine's load hits all of them alike.
Prints the median wall and CPU time per step of each config and its ratio
to the first config. The data loading itself is not timed (see
``benchmark_frame_cache.py`` for that).

    python tools/analysis/config_step_time.py \\
        configs/cvrl/r3d18_synthetic.py configs/constcl/r3d18_synthetic.py

The synthetic configs read ``data/synthetic`` (or $MMVSSL_SYNTHETIC_ROOT).
"""
import argparse
import statistics
import sys
import time

import torch
from mmengine.config import DictAction
from tqdm import tqdm


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('configs', nargs='+')
    p.add_argument('--steps', type=int, default=8,
                   help='timed steps per config (after --warmup)')
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--threads', type=int, default=None,
                   help='torch threads (default: torch\'s)')
    p.add_argument('--batch-size', type=int, default=None,
                   help='override the configs\' batch size')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   default={},
                   help='key=value overrides applied to every config')
    return p.parse_args(argv)


def build(path, args, work_dir):
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(path)
    cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = work_dir
    cfg.custom_hooks = []
    loader = cfg.train_dataloader
    loader.num_workers = 0
    loader.persistent_workers = False
    if args.batch_size:
        loader.batch_size = args.batch_size
    runner = Runner.from_cfg(cfg)
    batch = next(iter(runner.build_dataloader(loader)))
    optim = runner.build_optim_wrapper(cfg.optim_wrapper)
    runner.model.train()
    return runner.model, optim, batch


def main(argv=None):
    args = parse_args(argv)
    import tempfile

    import mmvssl  # noqa: F401
    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        runs = [build(p, args, tmp) for p in args.configs]
        wall = [[] for _ in runs]
        cpu = [[] for _ in runs]
        for step in tqdm(range(args.warmup + args.steps), desc='steps',
                         file=sys.stdout):
            for i, (model, optim, batch) in enumerate(runs):
                t, c = time.perf_counter(), time.process_time()
                model.train_step(batch, optim)
                if step >= args.warmup:
                    wall[i].append(time.perf_counter() - t)
                    cpu[i].append(time.process_time() - c)
    print(f'torch threads: {torch.get_num_threads()}; medians of '
          f'{args.steps} steps after {args.warmup}')
    ref_w, ref_c = statistics.median(wall[0]), statistics.median(cpu[0])
    print('| config | batch | step wall (s) | step CPU (s) | ratio to the '
          'first (wall / CPU) |')
    print('|---|---|---|---|---|')
    results = []
    for path, (_, _, batch), w, c in zip(args.configs, runs, wall, cpu):
        mw, mc = statistics.median(w), statistics.median(c)
        n = len(batch['data_samples'])
        results.append(dict(config=path, wall=mw, cpu=mc))
        print(f'| {path} | {n} | {mw:.3f} | {mc:.3f} | '
              f'{mw / ref_w:.2f} / {mc / ref_c:.2f} |')
    return results


if __name__ == '__main__':
    main()
