"""Train a self-supervised (or downstream) model with an mmengine Runner.

Usage follows mmaction2's tools/train.py:

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--cfg-options k=v ...] [--launcher {none,pytorch,slurm}]

On machines without CUDA a distributed launch (tools/dist_train.sh) uses the
gloo backend automatically.
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Train a model with mmvssl')
    p.add_argument('config', help='train config file path')
    p.add_argument('--work-dir', help='the dir to save logs and checkpoints')
    p.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from CKPT, or with no value from the latest checkpoint '
        'in the work directory')
    p.add_argument('--amp', action='store_true',
                   help='automatic mixed precision (CUDA: AmpOptimWrapper; '
                   'CPU: bfloat16 autocast)')
    p.add_argument('--no-validate', action='store_true',
                   help='do not evaluate during training')
    p.add_argument('--auto-scale-lr', action='store_true',
                   help='scale the lr by actual / base batch size')
    p.add_argument('--seed', type=int, default=None, help='random seed')
    p.add_argument('--diff-rank-seed', action='store_true',
                   help='different seeds for different ranks')
    p.add_argument('--deterministic', action='store_true',
                   help='deterministic cuDNN options')
    p.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, key=value (xxx=yyy format)')
    p.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                   default='none', help='job launcher')
    p.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = p.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg, args):
    """Merge command line arguments into the config (mmaction2 semantics)."""
    import torch

    from mmvssl.engine.optimizers import AMP_WRAPPERS, amp_optim_wrapper_cfg
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    wrapper = (cfg.get('optim_wrapper') or {}).get('type', 'OptimWrapper')
    if args.amp and cfg.get('optim_wrapper') is None:
        raise SystemExit('--amp: the config has no optim_wrapper')
    if args.amp or wrapper in AMP_WRAPPERS:
        # CUDA: mmengine's AmpOptimWrapper (dtype from the config, float16
        # by default); no CUDA: bf16 autocast (AutocastOptimWrapper), also
        # for a config that ships AmpOptimWrapper(dtype='bfloat16')
        try:
            cfg.optim_wrapper = amp_optim_wrapper_cfg(
                cfg.optim_wrapper, torch.cuda.is_available())
        except ValueError as e:
            raise SystemExit(f'--amp: {e}')
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    if cfg.get('randomness', None) is None:
        cfg.randomness = dict(seed=args.seed,
                              diff_rank_seed=args.diff_rank_seed,
                              deterministic=args.deterministic)
    elif args.seed is not None:
        cfg.randomness.seed = args.seed
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    # unreadable videos: one summary per epoch, work_dir/unreadable_videos.txt
    hooks = list(cfg.get('custom_hooks', None) or [])
    if not any(str(h.get('type', '')).split('.')[-1] == 'UnreadableVideoHook'
               for h in hooks if isinstance(h, dict)):
        hooks.append(dict(type='mmvssl.UnreadableVideoHook'))
    cfg.custom_hooks = hooks
    return cfg


def main(argv=None):
    args = parse_args(argv)
    import mmvssl  # noqa: F401  (compat fixes)
    from mmengine.runner import Runner

    from mmvssl.registry import RUNNERS
    from mmvssl.utils.compat import guard_launched_process
    from mmvssl.utils import (register_all_modules, setup_cpu_distributed,
                              teardown_distributed)

    # under torchrun: exit with the launcher (a `kill -9` of it leaves no
    # rank behind; DataLoader workers exit with their rank either way)
    guard_launched_process()
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(args.config)
    cfg = merge_args(cfg, args)
    setup_cpu_distributed(cfg, args.launcher)
    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        runner = RUNNERS.build(cfg)
    try:
        runner.train()
    finally:
        teardown_distributed()
    return runner


if __name__ == '__main__':
    main()
