"""Evaluate a checkpoint with an mmengine Runner (mmaction2's tools/test.py
conventions).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--dump out.pkl]
        [--amp] [--cfg-options k=v ...] [--launcher {none,pytorch,slurm}]
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Test (evaluate) a model')
    p.add_argument('config', help='test config file path')
    p.add_argument('checkpoint', help='checkpoint file or URL')
    p.add_argument('--work-dir', help='the dir to save the evaluation log')
    p.add_argument('--dump', type=str,
                   help='dump predictions to a pickle file')
    p.add_argument('--amp', action='store_true',
                   help='mixed precision inference (needs CUDA)')
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
    import torch
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.amp:
        if not torch.cuda.is_available():
            raise SystemExit('--amp needs a CUDA device; none was found')
        cfg.test_cfg = dict(cfg.get('test_cfg') or {}, fp16=True)
    if args.dump is not None:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise SystemExit(f'--dump {args.dump!r}: must be a .pkl file')
        dump = dict(type='DumpResults', out_file_path=args.dump)
        if isinstance(cfg.test_evaluator, (list, tuple)):
            cfg.test_evaluator = list(cfg.test_evaluator) + [dump]
        else:
            cfg.test_evaluator = [cfg.test_evaluator, dump]
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def main(argv=None):
    args = parse_args(argv)
    import mmvssl  # noqa: F401  (compat fixes)
    from mmengine.runner import Runner

    from mmvssl.registry import RUNNERS
    from mmvssl.utils import (register_all_modules, setup_cpu_distributed,
                              teardown_distributed)

    register_all_modules(init_default_scope=False)
    cfg = merge_args(Config.fromfile(args.config), args)
    setup_cpu_distributed(cfg, args.launcher)
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg \
        else RUNNERS.build(cfg)
    try:
        return runner.test()
    finally:
        teardown_distributed()


if __name__ == '__main__':
    main()
