"""Will it fit? Training memory of a config: fixed + per-sample, and the
largest per-GPU batch that fits a GPU.

Usage::

    python tools/analysis/memory_estimate.py CONFIG [--gpu-mem 80] [--amp]
        [--with-cp] [--batch-sizes 2 4] [--input-scale FT FS]
        [--margin 0.1] [--cfg-options k=v ...] [--json FILE]

The config's model is built and one training step (``model.train_step``:
data preprocessor, forward, losses, backward, optimizer step with the
config's optimizer) runs on random inputs of the config's input shape, once
per batch size of ``--batch-sizes``, each in a fresh process on the device
at hand (CUDA when present, else the CPU). The peak memory of each run is

- CUDA: ``torch.cuda.max_memory_allocated`` (tensors only: add the CUDA
  context, about 0.5-1 GiB, which the safety margin covers);
- CPU: the peak resident set size of the process (``VmHWM``), which also
  counts the Python / torch runtime (so the fixed part is an over-estimate);
  the child runs with ``MALLOC_MMAP_THRESHOLD_=65536`` so that freed tensors
  leave the resident set at once (glibc's default keeps them in the heap).
  CPU activations are what an fp32 GPU run stores (same tensors, same
  dtype); with ``--amp`` the CPU runs bfloat16 autocast, which stores what a
  bf16 GPU run stores up to kernel-specific workspaces.

A straight line through ``(batch, peak)`` gives the fixed memory (weights,
gradients, optimizer state, runtime: the intercept) and the per-sample
memory (activations: the slope); the tool prints them and the largest
per-GPU batch ``b`` with ``fixed + b * per_sample <= gpu_mem * (1 -
margin)``.

``--input-scale FT FS`` measures at reduced size (every view's frames times
``FT``, its height and width times ``FS``) and scales the per-sample memory
by the ratio of ``T x H x W`` of the config's first view to the measured
one (activations of convolutional networks scale with the number of
input voxels; parts that do not, e.g. the MLP heads, are over-estimated).
Use it where a full-size step is too slow or too big for the machine.

The peak of a step is the larger of the activation peak (grows with the
batch) and the optimizer-step peak (gradients + update temporaries, fixed).
Measure at batch sizes whose activations exceed the latter (the tool warns
when the smaller batch's activations are below twice the trainable
weights), otherwise the slope, hence the per-sample figure, is too low.

``--amp``: bf16 autocast (as ``tools/train.py --amp``); a config whose
``optim_wrapper`` is already ``AmpOptimWrapper`` / ``AutocastOptimWrapper``
is measured in mixed precision without the flag. ``--with-cp``: the
backbone's activation checkpointing (``model.backbone.with_cp=True``).

Supported models (input makers, see ``INPUT_MAKERS``): ConSTCL, CVRL,
CSTP / SimCLR / MoCo / BYOL / SimSiam, CtrlAug, Recognizer3D, FastRCNN
(AVA) and SiamFC.
"""
import argparse
import copy
import json
import math
import os
import os.path as osp
import subprocess
import sys
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from get_flops import build_model, dummy_batch, load_config  # noqa: E402

GiB = float(1 << 30)
Shape = Tuple[int, int, int]


def parse_args(argv=None):
    from mmengine.config import DictAction
    p = argparse.ArgumentParser(
        description='Fixed and per-sample training memory of a config and '
        'the largest per-GPU batch that fits')
    p.add_argument('config', help='config file')
    p.add_argument('--gpu-mem', type=float, default=80.,
                   help='GPU memory in GiB (default 80)')
    p.add_argument('--amp', action='store_true',
                   help='bf16 autocast (as tools/train.py --amp)')
    p.add_argument('--with-cp', action='store_true',
                   help='activation checkpointing in the backbone')
    p.add_argument('--batch-sizes', type=int, nargs=2, default=(2, 4),
                   metavar=('B1', 'B2'),
                   help='the two measured batch sizes (default 2 4)')
    p.add_argument('--input-scale', type=float, nargs=2, default=(1., 1.),
                   metavar=('FT', 'FS'),
                   help='measure at frames x FT and size x FS, scale the '
                   'per-sample memory by the voxel ratio (default 1 1)')
    p.add_argument('--margin', type=float, default=0.1,
                   help='fraction of the GPU memory kept free (default 0.1)')
    p.add_argument('--threads', type=int, default=None,
                   help='CPU threads of the measuring processes')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override config settings, key=value')
    p.add_argument('--json', help='also write the results to this file')
    p.add_argument('--measure-one', type=int, default=None,
                   help=argparse.SUPPRESS)  # internal: the child process
    args = p.parse_args(argv)
    # the raw k=v strings, forwarded to the measuring processes
    tokens = list(sys.argv[1:] if argv is None else argv)
    args.cfg_options_raw = []
    if '--cfg-options' in tokens:
        for tok in tokens[tokens.index('--cfg-options') + 1:]:
            if tok.startswith('--'):
                break
            args.cfg_options_raw.append(tok)
    if min(args.batch_sizes) < 1 or args.batch_sizes[0] == \
            args.batch_sizes[1]:
        p.error('--batch-sizes: two different positive sizes')
    if not all(0 < f <= 1 for f in args.input_scale):
        p.error('--input-scale factors must be in (0, 1]')
    if not 0 <= args.margin < 1:
        p.error('--margin must be in [0, 1)')
    return args


# ----------------------------------------------------------- input shapes
def _crop_size(pipeline: Sequence[Dict]) -> Optional[int]:
    """Output side of the first crop transform with an int ``scale`` (the
    clip transforms of mmvssl) or the last fixed-size resize / crop (the
    mmaction2 recognition pipelines)."""
    size = None
    for t in pipeline or []:
        kind = str(t.get('type', ''))
        if 'Crop' in kind and isinstance(t.get('scale'), int):
            return int(t['scale'])
        if kind == 'Resize' and t.get('keep_ratio') is False:
            size = int(min(t['scale']))
        elif kind in ('CenterCrop', 'RandomCrop', 'ThreeCrop') and \
                t.get('crop_size'):
            size = int(t['crop_size'])
    return size


def _frames_of(pipeline: Sequence[Dict]) -> Tuple[Optional[int], int]:
    for t in pipeline or []:
        if t.get('type') in ('SampleFrames', 'SampleAVAFrames',
                             'UniformSample'):
            return int(t['clip_len']), int(t.get('num_clips', 1))
    return None, 1


def _need(value, what: str, cfg_path: str):
    if value is None:
        raise ValueError(f'memory_estimate: cannot read {what} from '
                         f'{cfg_path}; the input makers read the train '
                         'dataloader of the supported configs')
    return value


def _scaled(shape: Shape, scale: Sequence[float]) -> Shape:
    ft, fs = scale
    return (max(1, int(round(shape[0] * ft))),
            max(8, int(round(shape[1] * fs))),
            max(8, int(round(shape[2] * fs))))


# ----------------------------------------------------------- input makers
# maker(cfg, batch_size, scale) -> (data batch, full-size first-view shape,
#                                   measured first-view shape)
MakerFn = Callable[[object, int, Sequence[float]], Tuple[Dict, Shape, Shape]]
INPUT_MAKERS: Dict[str, MakerFn] = {}


def register_maker(*types: str):

    def wrap(fn):
        for t in types:
            INPUT_MAKERS[t] = fn
        return fn

    return wrap


def _multiview_shape(cfg) -> Tuple[Shape, int]:
    ds = cfg.train_dataloader.dataset
    views = _need(ds.get('views'), 'train_dataloader.dataset.views',
                  cfg.filename)
    T = _need(ds.get('clip_sampler', {}).get('clip_len'),
              'the clip sampler\'s clip_len', cfg.filename)
    S = _need(_crop_size(views[0]['pipeline']), 'the crop size',
              cfg.filename)
    return (int(T), S, S), len(views)


@register_maker('ConSTCL', 'CVRL')
def make_region_views(cfg, batch_size, scale):
    """Two views with 16 random boxes per frame and clip timestamps
    (``get_flops.dummy_batch``)."""
    full, views = _multiview_shape(cfg)
    shape = _scaled(full, scale)
    return dummy_batch(batch_size, shape, views), full, shape


@register_maker('CSTP', 'SimCLR', 'MoCo', 'BYOL', 'SimSiam')
def make_pretext_views(cfg, batch_size, scale):
    """Two clips with playback-rate / rotation labels in their geometry and
    STOR overlap labels (what ``OverlapClipSampler`` and ``ClipRotation``
    record)."""
    from mmaction.structures import ActionDataSample
    full, views = _multiview_shape(cfg)
    shape = _scaled(full, scale)
    rng = np.random.RandomState(0)
    g = torch.Generator().manual_seed(0)
    inputs = [torch.randint(0, 256, (batch_size, 3) + shape,
                            dtype=torch.uint8, generator=g)
              for _ in range(views)]
    cands = (.2, .4, .6, .8, 1.)
    samples = []
    for _ in range(batch_size):
        pb = int(rng.randint(4))
        ds = ActionDataSample()
        ds.set_metainfo(dict(
            geometry=[dict(name=f'clip{v + 1}', playback_label=pb,
                           rotation=int(rng.randint(4)))
                      for v in range(views)],
            pretext=dict(spatial_overlap=int(rng.randint(5)),
                         temporal_overlap=int(rng.randint(5)),
                         spatial_overlap_candidates=cands,
                         temporal_overlap_candidates=cands)))
        samples.append(ds)
    return dict(inputs=inputs, data_samples=samples), full, shape


@register_maker('CtrlAug')
def make_local_global_views(cfg, batch_size, scale):
    """One global video + K local clips per video with real geometry
    records (``LocalGlobalSampler``, the crops / flips of the views, one
    intensity level per video), as ``LocalGlobalVideoDataset`` gives."""
    from mmaction.structures import ActionDataSample

    from mmvssl.datasets.samplers import LocalGlobalSampler
    from mmvssl.datasets.transforms import ClipFlip, ClipRandomResizedCrop
    from mmvssl.structures import new_geometry
    ds_cfg = cfg.train_dataloader.dataset
    K = int(ds_cfg.get('num_clips', 4))
    T_g = int(ds_cfg.get('num_frames', 16))
    T_l = int(ds_cfg.get('clip_len', 16))
    S = _need(_crop_size(ds_cfg.get('global_pipeline')), 'the crop size',
              cfg.filename)
    full = (T_g, S, S)
    shape = _scaled(full, scale)
    t_l = _scaled((T_l, S, S), scale)[0]
    side = shape[1]
    rng = np.random.RandomState(0)
    np.random.seed(0)
    sampler = LocalGlobalSampler(shape[0], t_l,
                                 int(ds_cfg.get('frame_interval', 1)), K)
    crops = [ClipRandomResizedCrop(side, (0.8, 1.0)),
             ClipRandomResizedCrop(side, (0.4, 0.8), ref_view='global')]
    flip, frame = ClipFlip(0.5), np.zeros((1, 240, 320, 3), np.uint8)
    samples = []
    for _ in range(batch_size):
        total = int(rng.randint(150, 301))
        levels = dict(color_jitter=int(rng.randint(8)),
                      blur=int(rng.randint(4)))
        done, names = {}, []
        for v, r in enumerate(sampler(total, 25.)):
            name = 'global' if v == 0 else f'local{v - 1}'
            extra = {k: x for k, x in r.items()
                     if k not in ('frame_inds', 'playback_rate')}
            geom = new_geometry(name, (240, 320), total, 25.,
                                r['frame_inds'] % total, r['playback_rate'],
                                levels=levels, **extra)
            # applied levels, as the levelled colour / blur transforms record
            geom['levels'] = dict(levels)
            res = dict(imgs=frame, geometry=geom, ref_geometry=dict(done))
            flip(crops[min(v, 1)](res))
            done[name] = geom
            names.append(name)
        sample = ActionDataSample()
        sample.set_metainfo(dict(view_names=names,
                                 geometry=[done[n] for n in names]))
        samples.append(sample)
    g = torch.Generator().manual_seed(0)
    inputs = [torch.randint(0, 256, (batch_size, 3, shape[0] if v == 0
                                     else t_l, side, side),
                            dtype=torch.uint8, generator=g)
              for v in range(K + 1)]
    return dict(inputs=inputs, data_samples=samples), full, shape


@register_maker('Recognizer3D', 'LinearProbeRecognizer3D')
def make_recognition_clips(cfg, batch_size, scale):
    """``num_clips`` clips per video of the train pipeline's size and a
    class label, as ``PackActionInputs`` gives."""
    from mmaction.structures import ActionDataSample
    pipeline = cfg.train_dataloader.dataset.get('pipeline')
    T, n = _frames_of(pipeline)
    S = _crop_size(pipeline)
    full = (_need(T, 'clip_len', cfg.filename),
            _need(S, 'the crop size', cfg.filename),
            S)
    shape = _scaled(full, scale)
    num_classes = int(cfg.model.cls_head.get('num_classes', 2))
    g = torch.Generator().manual_seed(0)
    inputs, samples = [], []
    for i in range(batch_size):
        inputs.append(torch.randint(0, 256, (n, 3) + shape,
                                    dtype=torch.uint8, generator=g))
        ds = ActionDataSample()
        ds.set_gt_label(i % num_classes)
        samples.append(ds)
    return dict(inputs=inputs, data_samples=samples), full, shape


#: AVA frames are 16:9 (the short side is resized to the config's value)
AVA_ASPECT = 16 / 9
#: ground-truth persons per AVA training key frame used for the estimate
AVA_BOXES = 4


@register_maker('FastRCNN')
def make_ava_clips(cfg, batch_size, scale):
    """AVA: one clip per key frame (the train pipeline's ``RandomCrop``
    size, else its short side - ``Resize`` or the largest ``RandomRescale``
    - on 16:9 frames), ``AVA_BOXES`` person boxes as proposals and ground
    truth with multi-label targets."""
    from mmaction.structures import ActionDataSample
    from mmengine.structures import InstanceData
    pipeline = cfg.train_dataloader.dataset.get('pipeline')
    T, _ = _frames_of(pipeline)
    short, crop = None, None
    for t in pipeline:
        if t.get('type') == 'Resize' and tuple(t['scale'])[0] == -1:
            short = int(t['scale'][1])
        elif t.get('type') == 'RandomRescale':
            short = int(max(t['scale_range']))  # the largest draw
        elif t.get('type') == 'RandomCrop':
            crop = int(t['size'])
    short = _need(short, 'the short side', cfg.filename)
    full = (_need(T, 'clip_len', cfg.filename),
            crop or short, crop or int(round(short * AVA_ASPECT)))
    shape = _scaled(full, scale)
    num_classes = int(cfg.model.roi_head.bbox_head.get('num_classes', 81))
    rng = np.random.RandomState(0)
    g = torch.Generator().manual_seed(0)
    H, W = shape[1:]
    inputs, samples = [], []
    for _ in range(batch_size):
        inputs.append(torch.randint(0, 256, (3, ) + shape,
                                    dtype=torch.uint8, generator=g))
        xy = rng.uniform(0, 0.5, (AVA_BOXES, 2)) * (W, H)
        wh = rng.uniform(0.2, 0.5, (AVA_BOXES, 2)) * (W, H)
        boxes = torch.tensor(np.concatenate([xy, xy + wh], 1),
                             dtype=torch.float32)
        labels = torch.zeros(AVA_BOXES, num_classes)
        labels[torch.arange(AVA_BOXES),
               torch.from_numpy(rng.randint(1, num_classes, AVA_BOXES))] = 1
        ds = ActionDataSample()
        ds.gt_instances = InstanceData(bboxes=boxes, labels=labels)
        ds.proposals = InstanceData(bboxes=boxes.clone())
        ds.set_metainfo(dict(img_shape=(H, W)))
        samples.append(ds)
    return dict(inputs=inputs, data_samples=samples), full, shape


@register_maker('SiamFC')
def make_siamfc_pairs(cfg, batch_size, scale):
    """Exemplar and search clips of ``2n + 1`` frames and a target shift,
    as ``SOTPairDataset`` + ``default_collate`` give. The first view is
    the search clip."""
    m = cfg.model
    T = 2 * int(m.get('num_neighbors', 2)) + 1
    z, x = int(m.get('exemplar_size', 127)), int(m.get('instance_size', 255))
    full = (T, x, x)
    shape = _scaled(full, scale)
    zs = _scaled((T, z, z), scale)
    g = torch.Generator().manual_seed(0)
    inputs = dict(
        exemplar=torch.randint(0, 256, (batch_size, 3) + zs,
                               dtype=torch.uint8, generator=g),
        search=torch.randint(0, 256, (batch_size, 3) + shape,
                             dtype=torch.uint8, generator=g))
    shift = torch.randint(-8, 9, (batch_size, 2), generator=g).float()
    return dict(inputs=inputs, shift=shift), full, shape


def make_inputs(cfg, batch_size: int, scale=(1., 1.)):
    kind = cfg.model.get('type')
    if kind not in INPUT_MAKERS:
        raise KeyError(f'memory_estimate: no input maker for model type '
                       f'{kind!r}; known: {sorted(INPUT_MAKERS)} (add one '
                       'with @register_maker)')
    return INPUT_MAKERS[kind](cfg, batch_size, scale)


# ------------------------------------------------------------ the config
def prepare_config(config, amp: bool = False, with_cp: bool = False,
                   cfg_options: Optional[Dict] = None, cuda=None):
    """The config with ``--amp`` / ``--with-cp`` applied; a mixed-precision
    ``optim_wrapper`` is converted for the device (bf16 autocast on the
    CPU). Returns ``(cfg, amp_on)``."""
    from mmvssl.engine.optimizers import AMP_WRAPPERS, amp_optim_wrapper_cfg
    cfg = copy.deepcopy(load_config(config, cfg_options))
    if with_cp:
        cfg.model.backbone.with_cp = True
    kind = cfg.optim_wrapper.get('type', 'OptimWrapper')
    amp_on = amp or kind in AMP_WRAPPERS
    if amp_on:
        cfg.optim_wrapper = amp_optim_wrapper_cfg(cfg.optim_wrapper, cuda)
    return cfg, amp_on


# ----------------------------------------------------------- measurement
def _proc_status(key: str) -> int:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f'{key} not in /proc/self/status')


def _reset_cpu_peak() -> None:
    """Reset ``VmHWM`` to the current RSS (Linux ``clear_refs`` 5)."""
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')


def measure_step(cfg, batch_size: int, scale=(1., 1.)) -> Dict:
    """Peak memory (bytes) of one ``train_step`` at ``batch_size`` in this
    process: CUDA max allocated, or the CPU peak RSS. Call it in a fresh
    process (see :func:`measure`)."""
    import logging

    from mmengine.logging import MMLogger
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope
    MMLogger.get_current_instance().setLevel(logging.WARNING)
    cuda = torch.cuda.is_available()
    model = build_model(cfg.model)
    if cuda:
        model = model.cuda()
    with DefaultScope.overwrite_default_scope('mmvssl'):
        wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    data, full, shape = make_inputs(cfg, batch_size, scale)
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
    else:
        _reset_cpu_peak()
        before = _proc_status('VmRSS')
    losses = model.train_step(data, wrapper)
    if cuda:
        torch.cuda.synchronize()
        peak = torch.cuda.max_memory_allocated()
    else:
        peak = _proc_status('VmHWM')
    finite = all(bool(torch.isfinite(v).all()) for k, v in losses.items()
                 if 'loss' in k)
    params = sum(p.numel() * p.element_size() for p in model.parameters()
                 if p.requires_grad)
    return dict(batch_size=batch_size, peak=peak, before=before,
                param_bytes=params,
                device='cuda' if cuda else 'cpu', full_shape=list(full),
                shape=list(shape), finite=finite,
                loss=float(sum(v for k, v in losses.items() if 'loss' in k)))


def _child_command(args, batch_size: int) -> List[str]:
    cmd = [sys.executable, osp.abspath(__file__), args.config,
           '--measure-one', str(batch_size),
           '--input-scale', *map(str, args.input_scale)]
    if args.amp:
        cmd.append('--amp')
    if args.with_cp:
        cmd.append('--with-cp')
    if args.threads:
        cmd += ['--threads', str(args.threads)]
    if args.cfg_options_raw:
        cmd += ['--cfg-options'] + args.cfg_options_raw
    return cmd


def measure(args, batch_size: int) -> Dict:
    """:func:`measure_step` in a fresh process (so that every batch size
    starts from the same allocator state and peak)."""
    env = dict(os.environ)
    # glibc: serve every block >= 64 KiB by mmap and return it on free, so
    # that the peak RSS follows the live tensors (with its default dynamic
    # threshold freed activations stay in the heap and the peak over-counts
    # recomputed / short-lived tensors, e.g. under checkpointing)
    env.setdefault('MALLOC_MMAP_THRESHOLD_', str(64 << 10))
    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    env['PYTHONPATH'] = repo + os.pathsep + env.get('PYTHONPATH', '')
    proc = subprocess.run(_child_command(args, batch_size), env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
    if proc.returncode != 0:
        raise RuntimeError(
            f'memory_estimate: the step at batch {batch_size} failed '
            f'(exit {proc.returncode}):\n{proc.stderr[-4000:]}')
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith('{'):
            return json.loads(line)
    raise RuntimeError(f'memory_estimate: no result from the step at batch '
                       f'{batch_size}:\n{proc.stdout[-2000:]}')


def fit_line(points: Sequence[Dict], voxel_ratio: float = 1.) -> Dict:
    """``peak = fixed + b * per_sample`` through two measurements; the
    per-sample part is multiplied by ``voxel_ratio`` (full-size / measured
    input voxels). Bytes."""
    (b1, p1), (b2, p2) = sorted((p['batch_size'], p['peak'])
                                for p in points)
    slope = (p2 - p1) / (b2 - b1)
    if slope <= 0:
        raise RuntimeError(
            'memory_estimate: peak memory did not grow with the batch '
            f'({b1}: {p1 / GiB:.2f} GiB, {b2}: {p2 / GiB:.2f} GiB); '
            'measure larger batch sizes or inputs')
    fixed = max(p1 - b1 * slope, 0.)
    return dict(fixed=fixed, per_sample_measured=slope,
                per_sample=slope * voxel_ratio, voxel_ratio=voxel_ratio)


def max_batch(fixed: float, per_sample: float, gpu_mem_gib: float,
              margin: float) -> int:
    """Largest ``b`` with ``fixed + b * per_sample <= gpu_mem (1 -
    margin)`` (bytes in, GiB for the GPU); 0 if not even one fits."""
    budget = gpu_mem_gib * GiB * (1. - margin) - fixed
    if budget <= 0:
        return 0
    return int(math.floor(budget / per_sample))


def estimate(args) -> Dict:
    """Measure both batch sizes and derive the figures (bytes)."""
    points = [measure(args, b) for b in args.batch_sizes]
    full, shape = points[0]['full_shape'], points[0]['shape']
    ratio = float(np.prod(full)) / float(np.prod(shape))
    line = fit_line(points, ratio)
    cfg, amp_on = prepare_config(args.config, args.amp, args.with_cp,
                                 args.cfg_options)
    per_gpu = int(cfg.train_dataloader.get('batch_size', 1))
    need = line['fixed'] + per_gpu * line['per_sample']
    fits = max_batch(line['fixed'], line['per_sample'], args.gpu_mem,
                     args.margin)
    device = points[0]['device']
    # the optimizer step holds gradients + an update temporary (about twice
    # the trainable weights); below that, the smaller batch's peak may be
    # the optimizer step's and the slope is under-estimated
    b1 = min(args.batch_sizes)
    activations_dominate = (line['per_sample_measured'] * b1 >
                            2 * points[0]['param_bytes'])
    return dict(
        config=args.config,
        device=device,
        measure=('torch.cuda.max_memory_allocated' if device == 'cuda' else
                 'peak RSS (VmHWM) of the process'),
        amp=amp_on,
        with_cp=bool(args.with_cp),
        gpu_mem_gib=args.gpu_mem,
        margin=args.margin,
        input_shape=full,
        measured_shape=shape,
        points=points,
        **line,
        config_batch_size=per_gpu,
        config_batch_need=need,
        max_batch_size=fits,
        activations_dominate=activations_dominate,
        finite=all(p['finite'] for p in points))


def format_report(r: Dict) -> List[str]:
    lines = [
        f"config: {r['config']}",
        f"device: {r['device']}, measured with {r['measure']}" +
        ('' if r['device'] == 'cuda' else
         ' (CPU figures approximate the activations of a GPU run of the '
         'same precision; the fixed part includes the runtime)'),
        f"precision: {'bf16 autocast' if r['amp'] else 'fp32'}; activation "
        f"checkpointing: {'on' if r['with_cp'] else 'off'}",
        f"input (first view): {'x'.join(map(str, r['input_shape']))}" +
        ('' if r['voxel_ratio'] == 1 else
         f", measured at {'x'.join(map(str, r['measured_shape']))} and "
         f"scaled by {r['voxel_ratio']:.2f} (input voxels)"),
    ]
    for p in r['points']:
        lines.append(f"  batch {p['batch_size']:4d}: peak "
                     f"{p['peak'] / GiB:8.2f} GiB")
    lines += [
        f"fixed: {r['fixed'] / GiB:.2f} GiB; per sample: "
        f"{r['per_sample'] / GiB:.3f} GiB",
        f"config batch {r['config_batch_size']} per GPU needs about "
        f"{r['config_batch_need'] / GiB:.1f} GiB "
        f"({'fits' if r['config_batch_size'] <= r['max_batch_size'] else 'does NOT fit'} "
        f"{r['gpu_mem_gib']:g} GiB with a {100 * r['margin']:g}% margin)",
        f"largest per-GPU batch that fits {r['gpu_mem_gib']:g} GiB: "
        f"{r['max_batch_size']}",
    ]
    if not r['activations_dominate']:
        lines.append(
            'WARNING: at the smaller batch the activations are below twice '
            'the trainable weights: the peak may be the optimizer step\'s '
            'and the per-sample figure too low; measure larger '
            '--batch-sizes (or a larger --input-scale)')
    if not r['finite']:
        lines.append('WARNING: non-finite loss in a measured step')
    return lines


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    import mmvssl  # noqa: F401  (compat fixes)
    if args.measure_one is not None:
        cfg, _ = prepare_config(args.config, args.amp, args.with_cp,
                                args.cfg_options)
        print(json.dumps(measure_step(cfg, args.measure_one,
                                      args.input_scale)), flush=True)
        return None
    result = estimate(args)
    for line in format_report(result):
        print(line, flush=True)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == '__main__':
    main()
