"""Extract one L2-normalised feature per video with a config's model.

    python tools/extract_features.py CONFIG CHECKPOINT --out feats.npz
        [--split test|val|train] [--mode predict|extract_feat]
        [--cfg-options k=v ...]

Writes ``feats`` (float32, N x C) and ``labels`` (int64, N; -1 when
unlabelled) in dataset order. With a retrieval config (model
``VideoFeatureExtractor``) the features are the protocol's 10-clip averages;
``mode='extract_feat'`` pools ``model.extract_feat`` of any mmvssl
algorithm. Feed two such files to
``mmvssl.evaluation.functional.retrieval_recall`` / ``knn_accuracy``.
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='extract video features')
    p.add_argument('config')
    p.add_argument('checkpoint', help='checkpoint file or URL')
    p.add_argument('--out', required=True, help='output .npz file')
    p.add_argument('--split', default='test', choices=['train', 'val', 'test'],
                   help='which dataloader of the config (default: test)')
    p.add_argument('--mode', default='predict',
                   choices=['predict', 'extract_feat'])
    p.add_argument('--work-dir', default=None)
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    import numpy as np

    import mmvssl  # noqa: F401  (compat fixes)
    from mmengine.runner import Runner

    from mmvssl.apis import extract_features
    from mmvssl.utils import register_all_modules

    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = args.work_dir or osp.join(
        './work_dirs', osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    loader_cfg = cfg.get(f'{args.split}_dataloader')
    if loader_cfg is None:
        raise SystemExit(f'{args.config} has no {args.split}_dataloader')
    runner = Runner.from_cfg(cfg)
    runner.load_or_resume()
    loader = runner.build_dataloader(loader_cfg, seed=runner.seed)
    feats, labels = extract_features(runner.model, loader, mode=args.mode)
    if feats is not None:  # rank 0
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        np.savez(args.out, feats=feats, labels=labels)
        print(f'{args.out}: {feats.shape[0]} videos x {feats.shape[1]}')
    return args.out


if __name__ == '__main__':
    main()
