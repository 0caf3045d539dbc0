"""Swap the training pipeline's parts into the control loop one at a time.

The control experiment (``learnability.py``) trains outside mmvssl; when it
learns and ``tools/demo.py`` does not, the fault is in one of the parts in
between. This tool trains the **algorithm of ``--config``** (built from the
registry: backbone, neck, loss, data preprocessor, ``model.train_step``) on
the **pipeline's own two-view batches** (``MultiViewVideoDataset`` of the
config) in a plain loop, and swaps in, one flag at a time, what mmengine's
runner adds:

``--loader runner``  the runner's dataloader (``Runner.build_dataloader``:
                     ``DefaultSampler`` seeded, mmengine's worker seeding,
                     the config's batch size, no ``drop_last``) instead of a
                     plain ``torch.utils.data.DataLoader``;
``--optim config``   the config's optimizer wrapper
                     (``build_optim_wrapper``) instead of a plain
                     ``OptimWrapper(Adam(lr=1e-3))``;
``--init config``    the model's ``init_weights()`` (what the runner calls
                     before training) instead of PyTorch's layer defaults.

The backbone is then read by the control's feature extractor and probe
(``learnability.evaluate``) next to its random twin, so every row is
comparable with ``learnability.py``'s. ``--seed`` seeds the model, the
sampler and the workers::

    MMVSSL_SYNTHETIC_ROOT=data/synthetic_easy python \\
        tools/analysis/runner_swap.py --config configs/cvrl/r3d18_synthetic.py \\
        --data-root data/synthetic_easy --steps 400 --loader runner --init config

One JSON line per run is printed (and appended to ``--out`` if given).
"""
import argparse
import copy
import json
import os
import os.path as osp
import sys
import time

import numpy as np
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import learnability as L  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--config', required=True)
    p.add_argument('--data-root', default='data/synthetic_easy',
                   help='benchmark folder (also MMVSSL_SYNTHETIC_ROOT for '
                   'the config when that is not set)')
    p.add_argument('--steps', type=int, default=400)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--loader', choices=('plain', 'runner'), default='plain')
    p.add_argument('--optim', choices=('plain', 'config'), default='plain')
    p.add_argument('--init', choices=('torch', 'config'), default='torch')
    p.add_argument('--batch-size', type=int, default=None,
                   help="plain loader's batch (default: the config's)")
    p.add_argument('--workers', type=int, default=1)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--log-interval', type=int, default=50)
    p.add_argument('--out', default=None, help='append the JSON line here')
    return p.parse_args(argv)


def build(args):
    """(model, dataloader, optim wrapper) of ``args``."""
    from mmengine.dataset import pseudo_collate
    from mmengine.optim import OptimWrapper, build_optim_wrapper
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner
    from torch.utils.data import DataLoader

    from mmvssl.registry import DATASETS

    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    cfg, MODELS = L._model_config(args.config)
    model = MODELS.build(cfg.model)
    if args.init == 'config':
        model.init_weights()
    dl_cfg = copy.deepcopy(cfg.train_dataloader)
    dl_cfg['num_workers'] = args.workers
    dl_cfg['persistent_workers'] = args.workers > 0
    with DefaultScope.overwrite_default_scope('mmvssl'):
        if args.loader == 'runner':
            loader = Runner.build_dataloader(dl_cfg, seed=args.seed)
        else:
            loader = DataLoader(
                DATASETS.build(dl_cfg['dataset']),
                batch_size=args.batch_size or dl_cfg['batch_size'],
                shuffle=True,
                num_workers=args.workers,
                collate_fn=pseudo_collate,
                drop_last=True,
                persistent_workers=args.workers > 0)
        if args.optim == 'config':
            optim = build_optim_wrapper(model, cfg.optim_wrapper)
        else:
            optim = OptimWrapper(
                torch.optim.Adam(model.parameters(), lr=1e-3,
                                 weight_decay=1e-6))
    return model, loader, optim


def run(args, data=None, log=print):
    """Train ``args.steps`` steps; the result dict (probes, losses)."""
    torch.set_num_threads(args.threads)
    os.environ.setdefault('MMVSSL_SYNTHETIC_ROOT', args.data_root)
    if data is None:
        data = L.load(args.data_root)
    views = L.Views('clip', L.parse_args(['--data-root', args.data_root]))
    model, loader, optim = build(args)
    net = L.PooledBackbone(model.backbone)
    random = L.evaluate(copy.deepcopy(net), views, data)
    step, losses, t0 = 0, [], time.time()
    if len(loader) == 0:
        raise SystemExit(f'{args.config}: the dataloader yields no batch '
                         f'(batch size > train videos with drop_last); '
                         'pass a smaller --batch-size')
    epoch = 0
    while step < args.steps:
        # what mmengine's DistSamplerSeedHook does before every epoch: the
        # runner's (Seeded)Sampler draws a new order and new per-sample
        # augmentation seeds; without it every epoch replays the first
        # one's views and the model memorises the pairs (loss -> 0)
        for obj in (getattr(loader, 'sampler', None),
                    getattr(getattr(loader, 'batch_sampler', None),
                            'sampler', None)):
            if hasattr(obj, 'set_epoch'):
                obj.set_epoch(epoch)
                break
        epoch += 1
        for batch in loader:
            model.train()
            out = model.train_step(batch, optim)
            losses.append(float(out['loss'].detach()))
            step += 1
            if step % args.log_interval == 0:
                log(f'step {step}: loss {np.mean(losses[-args.log_interval:]):.3f}'
                    f' ({time.time() - t0:.0f} s)')
            if step >= args.steps:
                break
    trained = L.evaluate(net, views, data)
    k = max(1, min(args.log_interval, len(losses)))
    return dict(
        config=args.config, seed=args.seed, steps=step, loader=args.loader,
        optim=args.optim, init=args.init, random=random, trained=trained,
        loss_first=round(float(np.mean(losses[:k])), 3),
        loss_last=round(float(np.mean(losses[-k:])), 3),
        seconds=round(time.time() - t0, 1))


def main(argv=None):
    args = parse_args(argv)
    res = run(args)
    line = json.dumps(res)
    print(line, flush=True)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'a') as f:
            f.write(line + '\n')
    return res


if __name__ == '__main__':
    main()
