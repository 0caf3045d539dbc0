"""Benchmark a synthetic pretraining config's data samples with and without
the frame cache (``MultiViewVideoDataset(frame_cache=...)``).

The config's training dataset is built twice on the same benchmark folder:
with ``frame_cache=None`` (every sample decodes its video with decord) and
with a fresh cache folder (filled by a first pass over the videos, not
timed). Each repeat then reads sample ``i`` from both, alternating sample by
sample from the same random seed (so load from other processes hits both
alike), and checks that the two samples are identical tensors. Printed: the
per-repeat medians of wall-clock and CPU milliseconds per sample, and the
last line, the ratio of the median CPU cost (uncached / cached)::

    python tools/analysis/benchmark_frame_cache.py \\
        [--config configs/cvrl/r3d18_synthetic.py] \\
        [--data-root data/synthetic] [--num-videos 64] [--repeats 5]
"""
import argparse
import os
import os.path as osp
import random
import statistics
import sys
import tempfile
import time

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--config', default='configs/cvrl/r3d18_synthetic.py')
    p.add_argument('--data-root', default='data/synthetic')
    p.add_argument('--num-videos', type=int, default=64)
    p.add_argument('--repeats', type=int, default=5)
    return p.parse_args(argv)


def _views(sample):
    inputs = sample['inputs']
    return list(inputs.values()) if isinstance(inputs, dict) else list(inputs)


def main(argv=None):
    args = parse_args(argv)
    os.environ['MMVSSL_SYNTHETIC_ROOT'] = osp.abspath(args.data_root)
    import cv2
    import numpy as np
    import torch
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    from mmvssl.registry import DATASETS
    from mmvssl.utils import register_all_modules
    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(args.config)
    ds_cfg = cfg.train_dataloader['dataset'].to_dict()
    cache = tempfile.TemporaryDirectory(prefix='mmvssl_frame_cache_')
    with DefaultScope.overwrite_default_scope('mmvssl'):
        plain = DATASETS.build(dict(ds_cfg, frame_cache=None))
        cached = DATASETS.build(dict(ds_cfg, frame_cache=cache.name))
    n = min(args.num_videos, len(plain))
    if n == 0:
        sys.exit(f'{args.config}: no training videos under {args.data_root}')

    def read(ds, i, seed):
        np.random.seed(seed)
        random.seed(seed)
        torch.manual_seed(seed)
        w, c = time.perf_counter(), time.process_time()
        out = ds[i]
        return out, time.perf_counter() - w, time.process_time() - c

    t0 = time.perf_counter()
    for i in range(n):  # fill the cache (and warm both datasets)
        read(cached, i, 0)
        read(plain, i, 0)
    fill = time.perf_counter() - t0
    rows = []
    for rep in range(args.repeats):
        cost = dict(plain=[[], []], cached=[[], []])
        for i in range(n):
            seed = 1000 * (rep + 1) + i
            a, wa, ca = read(plain, i, seed)
            b, wb, cb = read(cached, i, seed)
            if not all(torch.equal(x, y)
                       for x, y in zip(_views(a), _views(b))):
                sys.exit(f'sample {i} differs with the frame cache')
            for k, (w, c) in (('plain', (wa, ca)), ('cached', (wb, cb))):
                cost[k][0].append(w)
                cost[k][1].append(c)
        rows.append({k: tuple(1e3 * statistics.median(v[j]) for j in (0, 1))
                     for k, v in cost.items()})
    print(f'config: {args.config}; {n} videos of {args.data_root}; cache '
          f'filled in {fill:.1f} s (with one uncached pass)')
    for k in ('plain', 'cached'):
        print(f'  {k:6s} ms/sample wall: ' +
              ' '.join(f'{r[k][0]:.1f}' for r in rows) + '; CPU: ' +
              ' '.join(f'{r[k][1]:.1f}' for r in rows))
    med = {k: [statistics.median(r[k][j] for r in rows) for j in (0, 1)]
           for k in ('plain', 'cached')}
    print('identical samples: yes (every sample of every repeat)')
    print(f'median wall ratio {med["plain"][0] / med["cached"][0]:.2f}x; '
          f'CPU ratio (uncached / cached): '
          f'{med["plain"][1] / med["cached"][1]:.2f}x')
    cache.cleanup()


if __name__ == '__main__':
    sys.path.insert(0, ROOT)
    main()
