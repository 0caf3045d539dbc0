"""ConST-CL's region-level claim at small scale: does the local branch give
better tracking features than the global branch, CVRL or random weights?

For each initialisation

- ``constcl-local``:  ConST-CL checkpoint, local res5 branch (``layer4_r``),
- ``constcl-global``: the same checkpoint, global res5 branch (``layer4``),
- ``cvrl``:           CVRL checkpoint (a single res5, ``layer4``),
- ``random``:         no checkpoint (the config's initialisation, seeded),

SiamFC (``configs/downstream/otb/siamfc_r3d18y-local_synthetic.py``) is
fine-tuned the same way (same seed, schedule and data order) on the
synthetic GOT-10k train split with ``tools/train.py`` and evaluated (OPE)
on the synthetic OTB split with ``tools/test.py``. The checkpoint reaches
the tracker through the config's strict loader (``model.pretrained`` +
``model.pretrained_branch``): every backbone tensor from the checkpoint,
architecture checked. The global branch and CVRL use the same config with
``model.backbone.out_branch='global'``: that ``ResNet3dY`` builds only
``layer4``, which is exactly CVRL's backbone (its ``loss_endpoints='C5'``
and ``out_branch`` do not change any weight), so no separate config is
needed and the loader checks the CVRL architecture against it.

Scores: OPE success AUC and precision@20 px (percent), with 95% percentile
bootstrap intervals over sequences; paired bootstrap intervals of the
differences (local minus each other init, same sequences) in
``results.md``. A diagnostic stage measures, before and after fine-tuning,
how often the peak of the response map falls on the target (search crops
shifted at random around the true position) and draws response maps.

    python tools/analysis/tracking_claim.py \\
        --constcl-ckpt work_dirs/demo/constcl/pretrain/epoch_20.pth \\
        --cvrl-ckpt work_dirs/demo/cvrl/pretrain/epoch_20.pth \\
        --data-root data/synthetic --out work_dirs/demo/tracking \\
        --epochs 1 --pairs-per-video 1 --num-sequences 10 --max-frames 40 \\
        --diagnose-step 15 --cfg-options model.scale_num=1

(the CPU budget of docs/tracking.md; without the last five options the
config's full fine-tune and OPE on every sequence, frame and scale).

Outputs in ``--out``: ``results.json`` (schema below), ``results.md``,
``success_plot.png`` / ``precision_plot.png``, ``response_maps.png``,
``per_sequence.json``, and one folder per init (``train/``, ``test/``,
``diagnose.json``). Finished stages are reused when their inputs are
unchanged (``--force`` reruns them).

``results.json``: ``{"protocol": str, "entries": [{"init": ...,
"success_auc", "success_ci95": [lo, hi], "precision", "precision_ci95",
"num_sequences", "checkpoint": str | null}]}`` (percent).
"""
import argparse
import importlib.util
import json
import math
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = 'configs/downstream/otb/siamfc_r3d18y-local_synthetic.py'
INITS = ('constcl-local', 'constcl-global', 'cvrl', 'random')
STAGES = ('train', 'test', 'diagnose')
STAMP = 'claim_stage.json'
BOOTSTRAP_SAMPLES = 10000


def backbone_text(cfg) -> str:
    """The tracker's backbone as the report names it, read from the config
    (e.g. 'ResNet3dY depth 18, 1-1-1-1 blocks, width 32')."""
    b = cfg.model.backbone
    text = f"{b.type} depth {b.get('depth', '?')}"
    if b.get('stage_blocks'):
        text += ', ' + '-'.join(str(n) for n in b.stage_blocks) + ' blocks'
    return text + f", width {b.get('base_channels', 64)}"


def log(msg: str) -> None:
    print(f'[tracking_claim {time.strftime("%H:%M:%S")}] {msg}', flush=True)


# ------------------------------------------------------------ statistics
def bootstrap_mean_ci(values: Sequence[float],
                      num_samples: int = BOOTSTRAP_SAMPLES,
                      level: float = 0.95,
                      seed: int = 0) -> Tuple[float, float, float]:
    """Mean of ``values`` and its percentile bootstrap interval.

    ``num_samples`` resamples of ``len(values)`` items drawn with
    replacement (``numpy.random.default_rng(seed)``: the same seed and
    length give the same resamples, so intervals of several trackers on the
    same sequences come from the same resampled sequence sets); the
    interval is the ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles
    of the resampled means. One value gives a zero-width interval.

    Returns:
        tuple: ``(mean, lo, hi)``.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size == 0:
        raise ValueError('bootstrap_mean_ci: no values')
    if not np.isfinite(v).all():
        raise ValueError('bootstrap_mean_ci: values must be finite')
    if not 0 < level < 1:
        raise ValueError(f'level={level} is not in (0, 1)')
    mean = float(v.mean())
    if v.size == 1:
        return mean, mean, mean
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, v.size, size=(num_samples, v.size))
    means = v[idx].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return mean, float(lo), float(hi)


def per_sequence_scores(pred: Dict[str, np.ndarray],
                        gt: Dict[str, np.ndarray]) -> Dict[str, dict]:
    """OPE scores of each video (percent): ``success_auc`` (mean of its
    success curve) and ``precision`` (its precision at 20 px). Their means
    over the videos are :func:`ope_metrics`' ``success`` / ``precision``
    (the curves are averaged over videos). Videos without a valid frame
    are left out."""
    from mmvssl.evaluation.functional.ope import (PRECISION_AT,
                                                  video_ope_curves)
    missing = sorted(set(gt) - set(pred))
    if missing:
        raise ValueError(f'no prediction for {missing[:5]}')
    out = {}
    for name in gt:
        c = video_ope_curves(pred[name], gt[name])
        if c is None:
            continue
        out[name] = dict(
            success_auc=float(100 * c['success_curve'].mean()),
            precision=float(100 * c['precision_curve'][PRECISION_AT]),
            num_frames=c['num_frames'])
    return out


# ------------------------------------------------------- what each init is
def init_options(init: str, ckpt: Optional[str]) -> Dict[str, object]:
    """Config overrides of an initialisation (train: with the pretraining
    checkpoint; test: ``ckpt=None``, the fine-tuned checkpoint is loaded
    by ``tools/test.py``)."""
    if init not in INITS:
        raise ValueError(f'init={init!r} is not one of {INITS}')
    opts = {}
    if init in ('constcl-global', 'cvrl'):
        opts['model.backbone.out_branch'] = 'global'
    if ckpt is not None and init != 'random':
        opts['model.pretrained'] = ckpt
        opts['model.pretrained_branch'] = (
            'local' if init == 'constcl-local' else 'global')
    return opts


def data_options(data_root: str) -> Dict[str, object]:
    otb = osp.join(data_root, 'otb')
    ann = osp.join(otb, 'annotations', 'otb_infos.txt')
    return {
        'train_dataloader.dataset.dataset.data_root':
        osp.join(data_root, 'got10k'),
        'test_dataloader.dataset.data_root': otb,
        'test_dataloader.dataset.ann_file': ann,
    }


def subset_ann_file(ann_file: str, num: Optional[int],
                    max_frames: Optional[int], out_file: str) -> str:
    """An OTB info file with ``num`` of the sequences of ``ann_file``,
    evenly spaced in its order (the file lists sequences grouped by
    appearance and motion, so the first ``num`` would cover few of them),
    each cut to its first ``max_frames`` frames (None: all)."""
    with open(ann_file) as f:
        lines = f.read().splitlines()
    header, seqs = lines[0], [x for x in lines[1:] if x.strip()]
    if (not num or num >= len(seqs)) and not max_frames:
        return ann_file
    keep = range(len(seqs)) if not num or num >= len(seqs) else sorted(
        {int(round(i)) for i in np.linspace(0, len(seqs) - 1, num)})
    rows = []
    for i in keep:
        f = seqs[i].split(',')
        if max_frames:
            f[3] = str(min(int(f[3]), int(f[2]) + max_frames - 1))
        rows.append(','.join(f))
    with open(out_file, 'w') as f:
        f.write('\n'.join([header] + rows) + '\n')
    return out_file


def schedule_options(epochs: int, pairs_per_video: Optional[int],
                     lr: float, min_lr: float) -> Dict[str, object]:
    """The config's schedule (SiamFC's geometric decay ``lr -> min_lr``)
    over ``epochs`` epochs; one checkpoint, at the end."""
    opts = {
        'train_cfg.max_epochs': epochs,
        'param_scheduler.0.gamma': (min_lr / lr)**(1 / epochs),
        'default_hooks.checkpoint.interval': epochs,
        'default_hooks.checkpoint.max_keep_ckpts': 1,
        'default_hooks.checkpoint.save_best': None,
    }
    if pairs_per_video is not None:
        opts['train_dataloader.dataset.pairs_per_video'] = pairs_per_video
    return opts


def as_cli(opts: Dict[str, object]) -> List[str]:
    return [f'{k}={v}' for k, v in opts.items()]


def parse_cli_options(items: Sequence[str]) -> Dict[str, object]:
    """``k=v`` strings -> dict, with mmengine's ``DictAction`` parsing."""
    from mmengine.config import DictAction
    ns = argparse.Namespace()
    if items:
        DictAction(option_strings=[], dest='o')(None, ns, list(items))
    return dict(getattr(ns, 'o', {}) or {})


# ---------------------------------------------------------- tools/*.py
def _tool(name):
    path = osp.join(ROOT, 'tools', f'{name}.py')
    spec = importlib.util.spec_from_file_location(f'_claim_{name}', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _read_stamp(folder):
    path = osp.join(folder, STAMP)
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def _write_stamp(folder, stamp):
    with open(osp.join(folder, STAMP), 'w') as f:
        json.dump(stamp, f, indent=1)


def _train_key(argv):
    """What a training depends on: its arguments but the test loader's
    (the training runs with ``--no-validate``)."""
    return [a for a in argv if not a.startswith('test_dataloader.')]


def stage_train(args, init, ckpt, opts):
    from mmvssl.apis.checkpoint import final_checkpoint
    work = osp.join(args.out, init, 'train')
    argv = [args.config, '--work-dir', work, '--seed', str(args.seed),
            '--no-validate', '--cfg-options'] + as_cli(opts)
    stamp = dict(argv=argv)
    final = final_checkpoint(work)
    old = _read_stamp(work)
    if final and old is not None and _train_key(old['argv']) == \
            _train_key(argv) and 'train' not in args.force:
        log(f'train {init}: reusing {final}')
        return final
    log(f'train {init}: tools/train.py ' + ' '.join(argv))
    t0 = time.time()
    runner = _tool('train').main(argv)
    del runner
    final = final_checkpoint(work)
    if final is None:
        raise RuntimeError(f'train {init}: no checkpoint in {work}')
    _write_stamp(work, stamp)
    log(f'train {init}: {final} ({time.time() - t0:.0f} s)')
    return final


def stage_test(args, init, finetuned, opts):
    work = osp.join(args.out, init, 'test')
    ope_dir = osp.join(work, 'ope')
    argv = [args.config, finetuned, '--work-dir', work, '--cfg-options'
            ] + as_cli(opts) + [
                f'test_evaluator.out_dir={ope_dir}',
                f'test_evaluator.tracker_name={init}'
            ]
    ann = opts.get('test_dataloader.dataset.ann_file')
    stamp = dict(argv=argv, mtime=osp.getmtime(finetuned),
                 sequences=open(ann).read() if ann and osp.isfile(ann)
                 else None)
    result = osp.join(ope_dir, 'ope_results.json')
    if osp.isfile(result) and _read_stamp(work) == stamp and \
            'test' not in args.force:
        log(f'test {init}: reusing {result}')
    else:
        log(f'test {init}: tools/test.py ' + ' '.join(argv))
        t0 = time.time()
        os.makedirs(work, exist_ok=True)
        _tool('test').main(argv)
        _write_stamp(work, stamp)
        log(f'test {init}: {result} ({time.time() - t0:.0f} s)')
    with open(result) as f:
        return json.load(f)[init]


def load_ground_truth(otb_root: str, ann_file: str) -> Dict[str, np.ndarray]:
    """Ground truth of the OTB split as the tracker's ``test_step`` gives
    it to the metric (invalid frames NaN)."""
    import mmvssl.datasets.sot  # noqa: F401  (registers the dataset)
    from mmvssl.datasets.sot import OTB2015Dataset
    ds = OTB2015Dataset(data_root=otb_root, ann_file=ann_file)
    out = {}
    for v in ds.data_list:
        gt = np.asarray(v['gt_bboxes'], dtype=np.float64).copy()
        if 'valid' in v:
            gt[~np.asarray(v['valid'], bool)] = np.nan
        out[v['video_name']] = gt
    return out


def final_train_loss(work_dir: str) -> Optional[float]:
    """Mean loss of the last logged iterations (mmengine's scalars.json)."""
    import glob
    paths = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                      'scalars.json')))
    losses = []
    for p in paths[-1:]:
        with open(p) as f:
            for line in f:
                r = json.loads(line)
                if 'loss' in r:
                    losses.append(r['loss'])
    return float(np.mean(losses[-3:])) if losses else None


# ------------------------------------------------------------- diagnose
def _build_tracker(cfg_path, opts, state_dict=None):
    import torch
    from mmengine.config import Config

    import mmvssl.models.trackers  # noqa: F401
    from mmvssl.registry import MODELS
    cfg = Config.fromfile(cfg_path)
    cfg.merge_from_dict(opts)
    model = MODELS.build(cfg.model)
    if state_dict is not None:
        model.load_state_dict(state_dict, strict=True)
    elif not cfg.model.get('pretrained'):
        torch.manual_seed(0)
        model.init_weights()
    return model.eval()


def _search_batch(tracker, video, frame_ids, rng, max_shift):
    """Exemplar of frame 0 and search clips of ``frame_ids`` centred at the
    target shifted by up to ``max_shift`` search px (uniform); returns
    ``(z, x, shifts)`` (shifts in search px)."""
    import torch

    from mmvssl.datasets.sot import (context_size, neighbor_indices,
                                     read_frame)
    n = len(video['frame_paths'])
    cache = {}

    def frames(t):
        out = []
        for i in neighbor_indices(t, n, tracker.num_neighbors):
            if i not in cache:
                cache[i] = read_frame(video['frame_paths'][i])
            out.append(cache[i])
        return out

    gt = np.asarray(video['gt_bboxes'], np.float64)
    c0, wh0 = gt[0, :2] + gt[0, 2:] / 2, gt[0, 2:]
    z_side = context_size(wh0, tracker.context_amount)
    z = tracker._clip(frames(0), c0, z_side, tracker.exemplar_size)[None]
    xs, shifts = [], []
    for t in frame_ids:
        c, wh = gt[t, :2] + gt[t, 2:] / 2, gt[t, 2:]
        x_side = context_size(wh, tracker.context_amount) * \
            tracker.instance_size / tracker.exemplar_size
        d = rng.uniform(-max_shift, max_shift, size=2)
        # search centre moved by -d: the target sits at +d from the centre
        centre = c - d * x_side / tracker.instance_size
        xs.append(tracker._clip(frames(t), centre, x_side,
                                tracker.instance_size))
        shifts.append(d)
    return z, torch.stack(xs), np.asarray(shifts)


def response_stats(tracker, videos, frame_step=10, max_shift=24, seed=0,
                   keep_maps=()):
    """Peak accuracy of the response map: the fraction of (video, frame)
    pairs whose response argmax lies within SiamFC's positive radius of the
    (shifted) target, with frame-0 exemplars and search crops shifted
    uniformly by up to ``max_shift`` px; also the per-video accuracies and
    the first map of the videos named in ``keep_maps``."""
    import torch
    rng = np.random.default_rng(seed)
    hits, per_video, maps = [], {}, {}
    for v in videos:
        n = len(v['frame_paths'])
        ids = [t for t in range(frame_step, n, frame_step)
               if np.all(np.asarray(v['gt_bboxes'][t])[2:] > 0)]
        if not ids:
            continue
        z, x, shifts = _search_batch(tracker, v, ids, rng, max_shift)
        with torch.no_grad():
            zf = tracker.exemplar_feat(z)
            resp = tracker.head(zf, tracker.extract_feat(x))[:, 0].numpy()
        r = resp.shape[-1]
        c = (r - 1) / 2
        h = []
        for k in range(len(ids)):
            iy, ix = np.unravel_index(int(resp[k].argmax()), resp[k].shape)
            ty, tx = (c + shifts[k, 1] / tracker.total_stride,
                      c + shifts[k, 0] / tracker.total_stride)
            h.append(math.hypot(iy - ty, ix - tx) <=
                     tracker.pos_radius / tracker.total_stride)
        hits += h
        per_video[v['video_name']] = float(100 * np.mean(h))
        if v['video_name'] in keep_maps:
            maps[v['video_name']] = dict(
                search=x[0, :, x.size(2) // 2].permute(1, 2, 0).numpy(),
                response=resp[0],
                target=(c + shifts[0, 0] / tracker.total_stride,
                        c + shifts[0, 1] / tracker.total_stride))
    return dict(peak_accuracy=float(100 * np.mean(hits)),
                num_pairs=len(hits), per_video=per_video), maps


def stage_diagnose(args, init, ckpt, finetuned, opts_pre, opts_ft, videos,
                   keep_maps):
    path = osp.join(args.out, init, 'diagnose.json')
    stamp = dict(ckpt=ckpt, finetuned=finetuned,
                 mtime=osp.getmtime(finetuned), keep=list(keep_maps),
                 step=args.diagnose_step, num_videos=len(videos))
    if osp.isfile(path) and 'diagnose' not in args.force:
        with open(path) as f:
            d = json.load(f)
        if d.get('stamp') == stamp and osp.isfile(d.get('maps', '')):
            log(f'diagnose {init}: reusing {path}')
            return d
    import torch
    log(f'diagnose {init}: response maps before / after fine-tuning')
    res, maps = {}, {}
    pre = _build_tracker(args.config, opts_pre)
    res['pretrained'], maps['pretrained'] = response_stats(
        pre, videos, frame_step=args.diagnose_step, seed=args.seed,
        keep_maps=keep_maps)
    del pre
    sd = torch.load(finetuned, map_location='cpu')['state_dict']
    ft = _build_tracker(args.config, opts_ft, state_dict=sd)
    res['finetuned'], maps['finetuned'] = response_stats(
        ft, videos, frame_step=args.diagnose_step, seed=args.seed,
        keep_maps=keep_maps)
    del ft
    maps_path = osp.join(args.out, init, 'response_maps.npz')
    np.savez_compressed(maps_path, **{
        f'{when}/{name}/{k}': np.asarray(v)
        for when, m in maps.items() for name, d in m.items()
        for k, v in d.items()
    })
    d = dict(stamp=stamp, maps=maps_path, **res)
    with open(path, 'w') as f:
        json.dump(d, f, indent=1)
    log(f'diagnose {init}: peak accuracy '
        f'{res["pretrained"]["peak_accuracy"]:.1f} before, '
        f'{res["finetuned"]["peak_accuracy"]:.1f} after fine-tuning')
    return d


def plot_response_maps(out_png, diagnoses, names):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    inits = list(diagnoses)
    cols = [(n, w) for n in names for w in ('pretrained', 'finetuned')]
    fig, axes = plt.subplots(len(inits), len(cols),
                             figsize=(2.0 * len(cols), 2.1 * len(inits)),
                             squeeze=False)
    for i, init in enumerate(inits):
        data = np.load(diagnoses[init]['maps'])
        for j, (name, when) in enumerate(cols):
            ax = axes[i, j]
            ax.set_xticks([])
            ax.set_yticks([])
            key = f'{when}/{name}'
            if f'{key}/search' not in data:
                continue
            img = data[f'{key}/search'].astype(np.float64) / 255
            resp = data[f'{key}/response']
            s, r = img.shape[0], resp.shape[0]
            ax.imshow(img.mean(-1), cmap='gray', extent=(0, s, s, 0))
            # response cell k covers the search crop around its stride-8
            # centre; drawn over the central r * 8 px
            half = r * 8 / 2
            ax.imshow(resp, cmap='jet', alpha=0.5,
                      extent=(s / 2 - half, s / 2 + half, s / 2 + half,
                              s / 2 - half))
            tx, ty = data[f'{key}/target']
            ax.plot(s / 2 + (tx - (r - 1) / 2) * 8,
                    s / 2 + (ty - (r - 1) / 2) * 8, 'w+', ms=10, mew=2)
            if i == 0:
                ax.set_title(f'{name[:14]}\n{when}', fontsize=7)
            if j == 0:
                ax.set_ylabel(init, fontsize=8)
    fig.suptitle('SiamFC response (white +: target); frame-0 exemplar',
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(out_png, dpi=90)
    plt.close(fig)


# --------------------------------------------------------------- report
def paired_difference(a: Dict[str, float], b: Dict[str, float], seed=0):
    names = sorted(set(a) & set(b))
    return bootstrap_mean_ci([a[n] - b[n] for n in names], seed=seed)


def _peak_text(d, seed):
    """``acc [lo, hi]`` (bootstrap over sequences) of a diagnosis."""
    if not d or not d.get('per_video'):
        return '-'
    m, lo, hi = bootstrap_mean_ci(list(d['per_video'].values()), seed=seed)
    return f'{m:.1f} [{lo:.1f}, {hi:.1f}]'


def write_report(args, protocol, entries, per_seq, ope, diagnoses, losses,
                 schedule_text):
    from mmvssl.evaluation.functional.ope import plot_ope_curves
    results = dict(protocol=protocol, entries=entries)
    with open(osp.join(args.out, 'results.json'), 'w') as f:
        json.dump(results, f, indent=1)
    with open(osp.join(args.out, 'per_sequence.json'), 'w') as f:
        json.dump(per_seq, f, indent=1)
    curves = {
        e['init']: {k: np.asarray(v) if isinstance(v, list) else v
                    for k, v in ope[e['init']].items() if k != 'videos'}
        for e in entries
    }
    plot_ope_curves(curves, args.out, title='synthetic OTB')

    lines = [
        '# ConST-CL\'s region-level claim at small scale (SiamFC, synthetic '
        'OTB)', '', f'Protocol: {protocol}', '', f'Schedule: {schedule_text}',
        '',
        '| init | success AUC [95% CI] | precision@20 [95% CI] | sequences '
        '| final train loss | peak acc. pretrained | peak acc. fine-tuned '
        '| checkpoint |', '|---|---|---|---|---|---|---|---|'
    ]
    for e in entries:
        d = diagnoses.get(e['init'], {})
        pa, fa = (_peak_text(d.get(w), args.seed)
                  for w in ('pretrained', 'finetuned'))
        loss = losses.get(e['init'])
        lines.append(
            f"| {e['init']} | {e['success_auc']:.1f} "
            f"[{e['success_ci95'][0]:.1f}, {e['success_ci95'][1]:.1f}] | "
            f"{e['precision']:.1f} [{e['precision_ci95'][0]:.1f}, "
            f"{e['precision_ci95'][1]:.1f}] | {e['num_sequences']} | "
            f"{'-' if loss is None else f'{loss:.3f}'} | "
            f"{pa} | {fa} | "
            f"{e['checkpoint'] or '-'} |")
    lines += [
        '', f'Peak accuracy: % of frames (every {args.diagnose_step}th '
        'frame of every OTB sequence, frame-0 exemplar, search crop '
        'shifted uniformly by up to 24 px) whose response argmax lies '
        'within the positive radius (16 px) of the target, mean over '
        'sequences [95% bootstrap CI over sequences]; chance about 8%. '
        '"pretrained": the tracker with the pretrained backbone before any '
        'fine-tuning.', '',
        '## Paired differences (local branch minus each other init, same '
        'sequences; 95% bootstrap CI)', '',
        '| comparison | success AUC | precision@20 |', '|---|---|---|'
    ]
    if 'constcl-local' in per_seq:
        loc = per_seq['constcl-local']
        for other in [i for i in per_seq if i != 'constcl-local']:
            row = [f'local - {other}']
            for key in ('success_auc', 'precision'):
                m, lo, hi = paired_difference(
                    {n: s[key] for n, s in loc.items()},
                    {n: s[key] for n, s in per_seq[other].items()},
                    seed=args.seed)
                row.append(f'{m:+.1f} [{lo:+.1f}, {hi:+.1f}]')
            lines.append('| ' + ' | '.join(row) + ' |')
    names = sorted(next(iter(per_seq.values())))
    lines += [
        '', '## Per sequence (success AUC / precision@20)', '',
        '| sequence | ' + ' | '.join(per_seq) + ' |',
        '|---|' + '---|' * len(per_seq)
    ]
    for n in names:
        lines.append(f'| {n} | ' + ' | '.join(
            f"{per_seq[i][n]['success_auc']:.1f} / "
            f"{per_seq[i][n]['precision']:.1f}" if n in per_seq[i] else '-'
            for i in per_seq) + ' |')
    lines += [
        '', 'Plots: `success_plot.png`, `precision_plot.png`, '
        '`response_maps.png`.', ''
    ]
    with open(osp.join(args.out, 'results.md'), 'w') as f:
        f.write('\n'.join(lines))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--constcl-ckpt', required=True)
    p.add_argument('--cvrl-ckpt', required=True)
    p.add_argument('--data-root', required=True,
                   help='synthetic benchmark (got10k/ and otb/ inside)')
    p.add_argument('--out', required=True)
    p.add_argument('--config', default=CONFIG,
                   help='SiamFC config (default: the synthetic one)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--epochs', type=int, default=None,
                   help="fine-tuning epochs (default: the config's); the "
                   'geometric lr decay is stretched over them')
    p.add_argument('--pairs-per-video', type=int, default=None,
                   help="training pairs per video and epoch (default: the "
                   "config's)")
    p.add_argument('--num-sequences', type=int, default=None,
                   help='evaluate on this many OTB sequences, evenly '
                   'spaced in the info file (default: all)')
    p.add_argument('--max-frames', type=int, default=None,
                   help='evaluate on the first N frames of each sequence '
                   '(default: all)')
    p.add_argument('--diagnose-step', type=int, default=10,
                   help='response-map diagnostic on every N-th frame')
    p.add_argument('--inits', nargs='+', default=list(INITS),
                   choices=INITS)
    p.add_argument('--force', nargs='*', default=[], choices=STAGES)
    p.add_argument('--no-diagnose', action='store_true',
                   help='skip the response-map diagnostic')
    p.add_argument('--cfg-options', nargs='+', default=[],
                   help='k=v overrides for every training and test (after '
                   "the tool's own)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    os.chdir(ROOT)
    args.out = osp.abspath(args.out)
    os.makedirs(args.out, exist_ok=True)
    sys.path.insert(0, ROOT)
    import mmvssl  # noqa: F401  (compat fixes)
    from mmengine.config import Config

    from mmvssl.utils import register_all_modules
    register_all_modules(init_default_scope=True)

    user = parse_cli_options(args.cfg_options)
    base = Config.fromfile(args.config)
    base.merge_from_dict(user)
    epochs = args.epochs or base.train_cfg.max_epochs
    lr = base.optim_wrapper.optimizer.lr
    min_lr = base.get('min_lr', lr * 1e-2)
    sched = schedule_options(epochs, args.pairs_per_video, lr, min_lr)
    data = data_options(args.data_root)
    full_ann = data['test_dataloader.dataset.ann_file']
    data['test_dataloader.dataset.ann_file'] = subset_ann_file(
        full_ann, args.num_sequences, args.max_frames,
        osp.join(args.out, 'otb_sequences.txt'))
    ckpts = {'constcl-local': args.constcl_ckpt,
             'constcl-global': args.constcl_ckpt,
             'cvrl': args.cvrl_ckpt, 'random': None}
    for init in args.inits:
        if ckpts[init] and not osp.isfile(ckpts[init]):
            raise SystemExit(f'{init}: no checkpoint {ckpts[init]}')
    ckpts = {k: (osp.abspath(v) if v else None) for k, v in ckpts.items()}
    ppv = args.pairs_per_video or \
        base.train_dataloader.dataset.pairs_per_video
    bs = base.train_dataloader.batch_size
    schedule_text = (
        f'{epochs} epochs x {ppv} pairs per training video, batch {bs}, '
        f'SGD lr {lr:g} -> {min_lr:g} (geometric), seed {args.seed}')
    log(f'schedule: {schedule_text}; inits: {" ".join(args.inits)}')

    otb_root = data['test_dataloader.dataset.data_root']
    gt = load_ground_truth(otb_root, data['test_dataloader.dataset.ann_file'])
    num_all = len(load_ground_truth(otb_root, full_ann))
    seq_text = f'{len(gt)} sequences' if len(gt) == num_all else \
        f'{len(gt)} of its {num_all} sequences, evenly spaced'
    if args.max_frames:
        seq_text += f', first {args.max_frames} frames of each'
    entries, per_seq, ope, diagnoses, losses = [], {}, {}, {}, {}
    videos = None
    keep = sorted(gt)[:3]  # response maps drawn for these
    for init in args.inits:
        train_opts = dict(data, **sched, **init_options(init, ckpts[init]),
                          **user)
        test_opts = dict(data, **init_options(init, None), **user)
        finetuned = stage_train(args, init, ckpts[init], train_opts)
        losses[init] = final_train_loss(osp.join(args.out, init, 'train'))
        ope[init] = stage_test(args, init, finetuned, test_opts)
        pred = {k: np.asarray(v, np.float64)
                for k, v in ope[init]['videos'].items()}
        scores = per_sequence_scores(pred, gt)
        per_seq[init] = scores
        auc = bootstrap_mean_ci([s['success_auc'] for s in scores.values()],
                                seed=args.seed)
        prec = bootstrap_mean_ci([s['precision'] for s in scores.values()],
                                 seed=args.seed)
        entries.append(dict(
            init=init, success_auc=auc[0], success_ci95=[auc[1], auc[2]],
            precision=prec[0], precision_ci95=[prec[1], prec[2]],
            num_sequences=len(scores), checkpoint=ckpts[init]))
        log(f'result {init}: success AUC {auc[0]:.1f} [{auc[1]:.1f}, '
            f'{auc[2]:.1f}], precision@20 {prec[0]:.1f} [{prec[1]:.1f}, '
            f'{prec[2]:.1f}] on {len(scores)} sequences')
        if not args.no_diagnose:
            if videos is None:
                from mmvssl.datasets.sot import OTB2015Dataset
                # every sequence (cheap: no tracking)
                videos = OTB2015Dataset(data_root=otb_root,
                                        ann_file=full_ann).data_list
            pre_opts = dict(init_options(init, ckpts[init]), **user)
            ft_opts = dict(init_options(init, None), **user)
            diagnoses[init] = stage_diagnose(args, init, ckpts[init],
                                             finetuned, pre_opts, ft_opts,
                                             videos, keep)
        protocol = (
            f'SiamFC ({args.config}, {backbone_text(base)}, dilated res4/res5, '
            f'5-frame inputs, crops 63/127 px) fine-tuned on '
            f'{osp.join(args.data_root, "got10k")} train ({schedule_text}), '
            f'OPE on {otb_root} ({seq_text}); success = AUC of '
            'the success plot, precision at 20 px, percent; 95% CI: '
            f'percentile bootstrap over sequences ({BOOTSTRAP_SAMPLES} '
            'resamples)')
        # written after every init: a partial run still leaves a report
        write_report(args, protocol, entries, per_seq, ope, diagnoses,
                     losses, schedule_text)
    if diagnoses:
        plot_response_maps(osp.join(args.out, 'response_maps.png'),
                           diagnoses, keep)
    log(f'wrote {osp.join(args.out, "results.json")} and results.md')
    return entries


if __name__ == '__main__':
    main()
