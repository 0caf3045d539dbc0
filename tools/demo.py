"""The main job: ``make demo [METHOD=constcl|cvrl|cstp|ctrlaug]``.

Stages (each reuses its finished output unless ``--force STAGE``):

1. ``data``      generate the synthetic benchmark (``data/synthetic``);
2. ``pretrain``  self-supervised pretraining with ``tools/train.py`` on the
                 method's CPU config (resumes an interrupted run);
3. ``features``  video features (``--num-clips`` uniformly sampled clips,
                 centre crop, L2-normalised and averaged) of the train and
                 val splits, for the pretrained and the same backbone
                 randomly initialised;
4. ``report``    linear probes on the action, appearance-only and
                 motion-only labels, retrieval R@k (val queries the train
                 gallery), a markdown table and a PNG plot in
                 ``work_dirs/demo/<method>/``.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

from mmvssl.datasets.synthetic.presets import (FRAME_CACHE_DIR, PRESETS,
                                               get_preset)

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

# method -> its pretraining config, the branch of the backbone that is
# evaluated, and the factors it is built to learn (the acceptance check of
# the leaderboard: pretrained beats its random twin on them)
METHODS = {
    'constcl': dict(config='configs/constcl/r3d18_synthetic.py',
                    branch='global', targets=('appearance', 'action')),
    'cvrl': dict(config='configs/cvrl/r3d18_synthetic.py',
                 targets=('appearance', 'action')),
    'simclr': dict(config='configs/cstp/simclr_r3d18_synthetic.py',
                   targets=('appearance', )),
    'moco': dict(config='configs/cstp/moco_r3d18_synthetic.py',
                 targets=('appearance', )),
    'byol': dict(config='configs/cstp/byol_r3d18_synthetic.py',
                 targets=('appearance', )),
    'simsiam': dict(config='configs/cstp/simsiam_r3d18_synthetic.py',
                    targets=('appearance', )),
    # CSTP = BYOL + the STOR / playback-rate / rotation pretexts
    'cstp': dict(config='configs/cstp/cstp_r3d18_synthetic.py',
                 targets=('motion', )),
    'cstp-simclr': dict(config='configs/cstp/cstp-simclr_r3d18_synthetic.py',
                        targets=('motion', )),
    'cstp-moco': dict(config='configs/cstp/cstp-moco_r3d18_synthetic.py',
                      targets=('motion', )),
    'cstp-simsiam': dict(
        config='configs/cstp/cstp-simsiam_r3d18_synthetic.py',
        targets=('motion', )),
    'ctrlaug': dict(config='configs/ctrlaug/r3d18_synthetic.py',
                    targets=('motion', )),
    'supervised': dict(config='configs/supervised/r3d18_synthetic.py',
                       targets=('action', ), num_classes_key=(
                           'model.head.num_classes')),
}
STAGES = ('data', 'pretrain', 'features', 'report')
# probes; 'scene' only where the benchmark has scene labels (v2)
FACTORS = ('action', 'appearance', 'motion', 'scene')


def log(msg):
    print(f'[demo {time.strftime("%H:%M:%S")}] {msg}', flush=True)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--method', default='constcl',
                   choices=sorted(METHODS) + ['all'],
                   help="a method, or 'all': every method in turn, then "
                   'the leaderboard (work_dirs/demo/leaderboard.*)')
    p.add_argument('--methods', nargs='+', default=None,
                   choices=sorted(METHODS),
                   help="with --method all: run only these")
    p.add_argument('--preset', default='default', choices=sorted(PRESETS))
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--data-root', default=None,
                   help='benchmark folder (default data/synthetic, or '
                   'data/synthetic_<preset> for other presets)')
    p.add_argument('--work-dir', default='work_dirs/demo')
    p.add_argument('--config', default=None,
                   help='pretraining config (default: the method\'s)')
    p.add_argument('--num-clips', type=int, default=4,
                   help='clips per video for the features (protocol: 10)')
    p.add_argument('--force', nargs='*', default=[], choices=STAGES,
                   help='re-run these stages even if their output exists')
    p.add_argument('--cfg-options', nargs='+', default=[],
                   help='passed to tools/train.py for the pretraining')
    return p.parse_args(argv)


# ----------------------------------------------------------------- stage 1
def stage_data(args):
    _generate_data(args)
    _fill_frame_cache(args)


def _generate_data(args):
    meta = osp.join(args.data_root, 'meta.json')
    if osp.isfile(meta) and 'data' not in args.force:
        with open(meta) as f:
            info = json.load(f)
        if info.get('preset') == args.preset and info.get('seed') == \
                args.seed and _same_design(info, args.preset):
            log(f'data: reusing {args.data_root} ({args.preset}, seed '
                f'{args.seed})')
            return
        if info.get('preset') == args.preset:
            log(f'data: {args.data_root} was generated with another seed or '
                'another version of the generator: regenerating')
    log(f'data: generating the {args.preset!r} synthetic benchmark in '
        f'{args.data_root}')
    subprocess.run([
        sys.executable, osp.join(ROOT, 'tools/data/synthetic/generate.py'),
        '--out', args.data_root, '--preset', args.preset, '--seed',
        str(args.seed), '--overwrite'
    ], check=True)


def _fill_frame_cache(args):
    """Decode every train / val video into the frame cache that the
    synthetic configs and the feature stage read (``frame_cache=``), as
    part of the data stage: a pretraining's wall time then counts training,
    not the first decoding of the benchmark."""
    from mmvssl.datasets.annotations import load_video_list
    from mmvssl.datasets.video_readers import fill_frame_cache
    videos = [
        info['filename'] for split in ('train', 'val')
        for info in load_video_list(
            osp.join(args.data_root, 'kinetics', f'{split}_list.txt'),
            prefix=osp.join(args.data_root, 'videos'))
    ]
    t0 = time.time()
    out = fill_frame_cache(videos, osp.join(args.data_root, FRAME_CACHE_DIR),
                           progress=sys.stderr.isatty())
    log(f'data: frame cache of {out["videos"]} videos ready in '
        f'{time.time() - t0:.0f} s' +
        (f' ({out["failed"]} unreadable, skipped)' if out['failed'] else ''))


def _same_design(meta, preset):
    """Whether a benchmark's ``meta.json`` was written with the current
    definition of ``preset`` (a benchmark generated by an older version of
    the generator is not reused)."""
    cfg = {k: v for k, v in get_preset(preset).items() if k != 'name'}
    # JSON turns tuples into lists
    return json.loads(json.dumps(cfg)) == meta.get('config')


# ----------------------------------------------------------------- stage 2
def pretrain_seconds(work):
    """Recorded wall time (s) of a pretraining folder, 0 if none."""
    path = osp.join(work, 'wall_time.json')
    if not osp.isfile(path):
        return 0.
    with open(path) as f:
        return float(json.load(f)['seconds'])


def _max_progress(cfg):
    loop = cfg.train_cfg
    if loop.get('type', 'EpochBasedTrainLoop').startswith('Iter'):
        return 'iter', loop['max_iters']
    return 'epoch', loop['max_epochs']


def stage_pretrain(args, cfg):
    from mmvssl.apis.checkpoint import final_checkpoint
    work = osp.join(args.work_dir, 'pretrain')
    ckpt = final_checkpoint(work)
    unit, total = _max_progress(cfg)
    if ckpt and 'pretrain' not in args.force:
        import torch
        meta = torch.load(ckpt, map_location='cpu')['meta']
        if meta.get(unit, -1) >= total:
            log(f'pretrain: reusing {ckpt}')
            return ckpt
        log(f'pretrain: resuming {ckpt} ({unit} {meta.get(unit)}/{total})')
    cmd = [sys.executable, osp.join(ROOT, 'tools/train.py'), args.config,
           '--work-dir', work, '--seed', str(args.seed)]
    if ckpt and 'pretrain' not in args.force:
        cmd.append('--resume')
    if args.cfg_options:
        cmd += ['--cfg-options'] + list(args.cfg_options)
    log(f'pretrain: {args.method} for {total} {unit}s: ' + ' '.join(cmd))
    t0 = time.time()
    subprocess.run(cmd, check=True, cwd=ROOT)
    # wall time of the pretraining, summed over an interrupted run's parts
    # (the leaderboard reports it also when the stage is reused)
    spent = pretrain_seconds(work) if ckpt and 'pretrain' not in \
        args.force else 0.
    with open(osp.join(work, 'wall_time.json'), 'w') as f:
        json.dump(dict(seconds=round(spent + time.time() - t0, 1)), f)
    ckpt = final_checkpoint(work)
    if ckpt is None:
        raise RuntimeError(f'pretraining wrote no checkpoint in {work}')
    return ckpt


# ----------------------------------------------------------------- stage 3
def _view_geometry(cfg):
    """clip length, frame stride and crop size of the features: the
    config's ``demo_clip_len`` / ``demo_frame_interval`` /
    ``demo_crop_size`` if set, else those of the pretraining views."""
    ds = cfg.train_dataloader.dataset
    sampler = ds.get('clip_sampler') or {}
    size = cfg.get('demo_crop_size', None)
    if size is None:
        pipe = ds.get('view_pipeline') or \
            (ds['views'][0]['pipeline'] if ds.get('views') else []) or \
            ds.get('local_pipeline', [])
        for t in pipe:
            if 'scale' in t and t['type'].endswith('Crop'):
                size = t['scale']
        size = size if isinstance(size, int) else (size or (112, ))[0]
    return (cfg.get('demo_clip_len', sampler.get('clip_len', 16)),
            cfg.get('demo_frame_interval',
                    sampler.get('frame_interval', 1)), size)


def _feature_loader(args, cfg, split):
    from mmengine.dataset import pseudo_collate
    from torch.utils.data import DataLoader

    from mmvssl.registry import DATASETS
    clip_len, interval, size = _view_geometry(cfg)
    dataset = DATASETS.build(dict(
        type='MultiViewVideoDataset',
        ann_file=osp.join(args.data_root, 'kinetics', f'{split}_list.txt'),
        data_prefix=dict(video=osp.join(args.data_root, 'videos')),
        frame_cache=osp.join(args.data_root, FRAME_CACHE_DIR),
        clip_sampler=dict(type='UniformClipSampler', clip_len=clip_len,
                          frame_interval=interval, num_clips=args.num_clips,
                          test_mode=True),
        view_pipeline=[dict(type='ClipResize', scale=(-1, size)),
                       dict(type='ClipCenterCrop', crop_size=size)],
        test_mode=True))
    from mmvssl.utils.compat import guard_dataloader_workers
    # workers exit with the demo if it is killed (issue 17)
    return guard_dataloader_workers(
        DataLoader(dataset, batch_size=8, num_workers=2,
                   collate_fn=pseudo_collate, shuffle=False))


def _build_backbone(cfg, branch, ckpt, seed=0):
    import copy

    import torch

    from mmvssl.apis import load_backbone_checkpoint
    from mmvssl.registry import MODELS
    bb_cfg = copy.deepcopy(cfg.model.backbone)
    if branch is not None:
        bb_cfg['out_branch'] = branch
    # the random twin is seeded by the demo's seed (the same draw on every
    # rerun); the pretrained one is overwritten by its checkpoint
    torch.manual_seed(seed)
    backbone = MODELS.build(bb_cfg)
    backbone.init_weights()
    if ckpt is not None:
        load_backbone_checkpoint(backbone, ckpt, branch=branch)
    # mmaction2's ResNet3d.train() returns None: no chaining
    backbone.eval()
    return backbone


def _preprocess(cfg):
    from mmvssl.registry import MODELS
    pre = dict(cfg.model.data_preprocessor)
    return MODELS.build(pre)


def extract(args, cfg, backbones, split):
    """Features of ``split`` for every backbone in ``backbones`` (name ->
    module), decoding each video once for all of them."""
    import numpy as np
    import torch
    from tqdm import tqdm

    from mmvssl.apis import pool_features, sample_label
    loader = _feature_loader(args, cfg, split)
    preprocessor = _preprocess(cfg)
    feats, labels = {name: [] for name in backbones}, []
    with torch.no_grad():
        for batch in tqdm(loader, desc=f'features {split}', unit='batch',
                          file=sys.stdout):
            data = preprocessor(batch, False)
            views = torch.cat(data['inputs'], 0)  # (N*B, C, T, H, W)
            b = len(data['data_samples'])
            for name, backbone in backbones.items():
                out = backbone(views)
                if isinstance(out, (list, tuple)):
                    out = out[-1]
                f = pool_features(out)  # (N*B, C), L2-normalised
                f = f.view(len(data['inputs']), b, -1).mean(0)
                feats[name].append(
                    torch.nn.functional.normalize(f, dim=1).numpy())
            labels += [sample_label(s) for s in data['data_samples']]
    labels = np.asarray(labels)
    return {name: (np.concatenate(f), labels) for name, f in feats.items()}


def stage_features(args, cfg, ckpt, branch):
    import numpy as np
    out, todo = {}, {}
    for init in ('pretrained', 'random'):
        path = osp.join(args.work_dir, f'features_{init}.npz')
        if osp.isfile(path) and 'features' not in args.force and \
                'pretrain' not in args.force:
            log(f'features: reusing {path}')
            out[init] = dict(np.load(path))
        else:
            todo[init] = _build_backbone(
                cfg, branch, ckpt if init == 'pretrained' else None,
                seed=args.seed)
    if not todo:
        return out
    t0 = time.time()
    res = {init: {} for init in todo}
    for split in ('train', 'val'):
        log(f'features: {" and ".join(todo)} backbone(s), {split} split, '
            f'{args.num_clips} clips per video')
        for init, (f, y) in extract(args, cfg, todo, split).items():
            res[init][f'{split}_feats'], res[init][f'{split}_labels'] = f, y
    with open(osp.join(args.work_dir, 'features_wall_time.json'), 'w') as f:
        json.dump(dict(seconds=round(time.time() - t0, 1)), f)
    for init in todo:
        np.savez(osp.join(args.work_dir, f'features_{init}.npz'), **res[init])
        out[init] = res[init]
    return {init: out[init] for init in ('pretrained', 'random')}


# ----------------------------------------------------------------- stage 4
def _list_name(split, factor='action'):
    """File name of a split's annotation list for a factor (the
    generator's ``kinetics/<split>_list[_<factor>].txt``)."""
    return f'{split}_list.txt' if factor == 'action' else \
        f'{split}_list_{factor}.txt'


def _read_list(data_root, split, factor='action'):
    """(video paths, labels) of a split's annotation list for a factor."""
    import numpy as np
    with open(osp.join(data_root, 'kinetics', _list_name(split, factor))) \
            as f:
        rows = [line.split() for line in f if line.strip()]
    return [r[0] for r in rows], np.asarray([int(r[-1]) for r in rows])


def _factor_labels(data_root, split, factor):
    return _read_list(data_root, split, factor)[1]


def _factors(data_root):
    """The probed factors the benchmark has labels for (v1 benchmarks have
    no scene lists)."""
    return [f for f in FACTORS if f == 'action' or osp.isfile(
        osp.join(data_root, 'kinetics', _list_name('train', f)))]


def _train_groups(data_root):
    """UCF-style group of every train video (``..._gGG_cCC.mp4``): the
    clips of a group share their background scene."""
    import re
    paths, _ = _read_list(data_root, 'train')
    groups = []
    for p in paths:
        m = re.search(r'_g(\d+)_c\d+', osp.basename(p))
        if m is None:
            raise ValueError(f'{data_root}/kinetics/train_list.txt: no '
                             f'"_gGG_cCC" group in the file name {p!r}')
        groups.append(int(m.group(1)))
    return groups


def stage_report(args, feats):
    from mmvssl.apis import linear_probe, linear_probe_cv, proportion_ci95
    from mmvssl.evaluation.functional import retrieval_recall
    groups = _train_groups(args.data_root)
    rows, cis, chosen = {}, {}, {}
    n_val = len(next(iter(feats.values()))['val_labels'])
    factors = _factors(args.data_root)
    for init, res in feats.items():
        row, ci = {}, {}
        for factor in factors:
            ytr = _factor_labels(args.data_root, 'train', factor)
            yva = _factor_labels(args.data_root, 'val', factor)
            if len(set(groups)) > 1:
                probe = linear_probe_cv(res['train_feats'], ytr,
                                        res['val_feats'], yva, groups)
            else:  # e.g. the tiny preset: one train group, nothing to hold out
                probe = dict(linear_probe(res['train_feats'], ytr,
                                          res['val_feats'], yva),
                             weight_decay=0.0, cv_top1=None)
            row[f'probe {factor}'] = probe['top1']
            chosen[f'{init} {factor}'] = dict(
                weight_decay=probe['weight_decay'],
                cv_top1=probe['cv_top1'], train_top1=probe['train_top1'])
        rec = retrieval_recall(res['val_feats'], res['val_labels'],
                               res['train_feats'], res['train_labels'],
                               topk=(1, 5, 10, 20, 50))
        row.update({f'retrieval {k}': v for k, v in rec.items()})
        for key, value in row.items():
            ci[key] = proportion_ci95(value, n_val)
        rows[init], cis[init] = row, ci
    chance = {}
    for factor in factors:
        yva = _factor_labels(args.data_root, 'val', factor)
        chance[f'probe {factor}'] = 100.0 / len(set(yva.tolist()))
    cols = list(next(iter(rows.values())).keys())
    lines = [f'# mmvssl demo: {args.method} on the synthetic benchmark '
             f'({args.preset}, seed {args.seed})', '',
             'Linear probe top-1 (%) on frozen features of the val split '
             f'({", ".join(factors)} labels) and '
             'retrieval R@k (%) of val queries against the train gallery; '
             f'+- is the 95% interval of a proportion on {n_val} val '
             'videos. Probe weight decay chosen by leave-one-group-out '
             'cross-validation on the train split (results.json).',
             '', '| backbone | ' + ' | '.join(cols) + ' |',
             '|---|' + '---|' * len(cols)]
    for init, row in rows.items():
        cells = ' | '.join(f'{row[c]:.1f} +- {cis[init][c]:.1f}'
                           for c in cols)
        lines.append(f'| {init} | {cells} |')
    lines.append('| chance | ' + ' | '.join(
        f'{chance[c]:.1f}' if c in chance else '-' for c in cols) + ' |')
    table = '\n'.join(lines) + '\n'
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write(table)
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(dict(rows=rows, ci95=cis, chance=chance, probe=chosen,
                       method=args.method, preset=args.preset,
                       seed=args.seed, num_val=n_val,
                       targets=list(METHODS[args.method]['targets']),
                       config=args.config,
                       knn=knn_curve(osp.join(args.work_dir, 'pretrain')),
                       knn_factor=knn_factor(args.config),
                       timing=getattr(args, 'timing', {})), f, indent=2)
    _plot(args, rows, chance, cols, cis)
    print('\n' + table)
    log(f'report: {osp.join(args.work_dir, "results.md")} and results.png')
    return rows


def _plot(args, rows, chance, cols, cis):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np
    x = np.arange(len(cols))
    width = 0.8 / len(rows)
    fig, ax = plt.subplots(figsize=(max(8, len(cols) * 1.1), 4))
    for i, (init, row) in enumerate(rows.items()):
        ax.bar(x + i * width, [row[c] for c in cols], width, label=init,
               yerr=[cis[init][c] for c in cols], capsize=2)
    for j, c in enumerate(cols):
        if c in chance:
            ax.hlines(chance[c], j - 0.1, j + 0.9, colors='k',
                      linestyles='dotted',
                      label='chance' if j == 0 else None)
    ax.set_xticks(x + width * (len(rows) - 1) / 2)
    ax.set_xticklabels(cols, rotation=30, ha='right')
    ax.set_ylabel('%')
    ax.set_ylim(0, 100)
    ax.set_title(f'{args.method}: pretrained vs random init '
                 f'(synthetic {args.preset})')
    ax.legend()
    fig.tight_layout()
    fig.savefig(osp.join(args.work_dir, 'results.png'), dpi=120)
    plt.close(fig)


def knn_curve(pretrain_dir):
    """``[[step, knn/top1], ...]`` of a pretraining, from the scalars that
    mmengine's ``LocalVisBackend`` wrote in every run folder (an
    interrupted and resumed pretraining has several; later runs win)."""
    import glob
    points = {}
    for path in sorted(glob.glob(osp.join(pretrain_dir, '*', 'vis_data',
                                          'scalars.json'))):
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                if 'knn/top1' in rec:
                    points[int(rec['step'])] = float(rec['knn/top1'])
    return [[k, points[k]] for k in sorted(points)]


def knn_factor(config):
    """The labels of a config's kNN monitor: the factor whose val list
    (:func:`_list_name`) it reads, e.g. ``'motion'`` for synthetic_knn.py's
    ``knn_monitor_48px_motion``; ``'action'`` for any other list; None
    without a monitor."""
    from mmengine.config import Config
    for hook in Config.fromfile(config).get('custom_hooks', None) or []:
        if hook.get('type') == 'KNNMonitorHook':
            name = osp.basename(hook['val_dataloader']['dataset']['ann_file'])
            return next((f for f in FACTORS if name == _list_name('val', f)),
                        'action')
    return None


def run_method(args, method):
    """All four stages of one method; returns its report rows."""
    import argparse as ap
    margs = ap.Namespace(**vars(args))
    margs.method = method
    spec = METHODS[method]
    margs.config = args.config or spec['config']
    if not osp.isfile(margs.config):
        raise SystemExit(f'no pretraining config {margs.config} for method '
                         f'{method!r}')
    margs.work_dir = osp.join(args.work_dir, method)
    os.makedirs(margs.work_dir, exist_ok=True)
    margs.cfg_options = list(args.cfg_options)
    if spec.get('num_classes_key'):
        with open(osp.join(args.data_root, 'meta.json')) as f:
            n_cls = json.load(f)['counts']['actions']
        margs.cfg_options.append(f"{spec['num_classes_key']}={n_cls}")

    from mmengine.config import Config, DictAction
    cfg = Config.fromfile(margs.config)
    if margs.cfg_options:
        ns = argparse.Namespace()
        DictAction(option_strings=[], dest='o')(None, ns, margs.cfg_options)
        cfg.merge_from_dict(ns.o)
    timing = {}
    ckpt = stage_pretrain(margs, cfg)
    timing['pretrain_s'] = pretrain_seconds(
        osp.join(margs.work_dir, 'pretrain')) or None
    feats = stage_features(margs, cfg, ckpt, spec.get('branch'))
    path = osp.join(margs.work_dir, 'features_wall_time.json')
    if osp.isfile(path):  # recorded when the features were extracted
        with open(path) as f:
            timing['features_s'] = json.load(f)['seconds']
    margs.timing = timing
    return stage_report(margs, feats)


def main(argv=None):
    args = parse_args(argv)
    os.chdir(ROOT)
    if args.data_root is None:
        args.data_root = 'data/synthetic' if args.preset == 'default' \
            else f'data/synthetic_{args.preset}'
    # the synthetic configs read their data root from this variable
    # (mmengine's '{{$VAR:default}}' substitution)
    os.environ['MMVSSL_SYNTHETIC_ROOT'] = osp.abspath(args.data_root)
    if args.method == 'all':
        methods = args.methods or list(METHODS)
        if args.config:
            raise SystemExit('--config names one method\'s config; it '
                             'cannot be used with --method all')
    else:
        methods = [args.method]
    os.makedirs(args.work_dir, exist_ok=True)
    t0 = time.time()
    stage_data(args)

    import mmvssl  # noqa: F401
    from mmvssl.apis.leaderboard import write_leaderboard
    from mmvssl.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    for method in methods:
        log(f'=== {method} ===')
        run_method(args, method)
    # every finished method of this work dir (this run's and earlier ones)
    paths = write_leaderboard(args.work_dir)
    log('leaderboard: ' + ', '.join(paths))
    log(f'done in {(time.time() - t0) / 60:.1f} min')


if __name__ == '__main__':
    main()
