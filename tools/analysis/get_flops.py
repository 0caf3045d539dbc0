"""Parameters and FLOPs of a self-supervised model for one training pass.

Usage::

    python tools/analysis/get_flops.py CONFIG [--shape T H W]
        [--batch-size B] [--backward] [--cfg-options k=v ...]
    python tools/analysis/get_flops.py --table4 [--shape T H W] ...

``--table4`` measures the five models of ConST-CL's Table 4 (CVRL, context
0 / 1 / 3 / 5) and prints them next to the paper's figures, with the
relative differences and whether they are within 1% (parameters) and 5%
(FLOPs).

"One self-supervised training pass" (ConST-CL, Table 4) is the forward
pass of the whole pretraining model on one video: both views through the
backbone, the global projection and loss, the region pooling, the local head
in both directions and its loss. The model's ``loss`` runs on random clips of
``T x H x W`` (default ``16 x 224 x 224``, the paper's input) with 16 random
boxes per frame and timestamps of two overlapping clips, for ``B`` videos
(default 2: the contrastive losses need other videos as negatives), and the
counts are divided by ``B``.

FLOPs are counted with ``torch.utils.flop_counter.FlopCounterMode``, which
counts a multiply-add as 2 FLOPs; the script prints both that and the
multiply-add count (GMACs, the "FLOPs" of fvcore / mmengine / most video
papers). mmcv's RoIAlign kernel is not seen by the counter (it is below
0.01% of the total). ``--backward`` also counts the backward pass.
"""
import argparse
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch

DEFAULT_SHAPE = (16, 224, 224)


def parse_args(argv=None):
    from mmengine.config import DictAction
    p = argparse.ArgumentParser(
        description='Parameters and FLOPs of one self-supervised training '
        'pass (both views, heads and losses)')
    p.add_argument('config', nargs='?', help='config file')
    p.add_argument('--table4', action='store_true',
                   help="measure the models of ConST-CL's Table 4 and print "
                   "them next to the paper's figures")
    p.add_argument('--shape', type=int, nargs=3, default=DEFAULT_SHAPE,
                   metavar=('T', 'H', 'W'),
                   help='input frames and size of every view '
                   '(default: 16 224 224)')
    p.add_argument('--batch-size', type=int, default=2,
                   help='videos in the measured batch (counts are per video)')
    p.add_argument('--num-boxes', type=int, default=16,
                   help='region boxes per frame')
    p.add_argument('--backward', action='store_true',
                   help='also count the backward pass')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override config settings, key=value')
    args = p.parse_args(argv)
    if not args.table4 and args.config is None:
        p.error('a config is needed (or --table4)')
    return args


# ------------------------------------------------------------------ helpers
def load_config(config, cfg_options: Optional[Dict] = None):
    """A :class:`mmengine.Config` from a path (or a Config), with options."""
    from mmengine.config import Config
    cfg = config if isinstance(config, Config) else Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def build_model(config, cfg_options: Optional[Dict] = None,
                seed: int = 0, init_weights: bool = False) -> torch.nn.Module:
    """Build ``cfg.model`` (a config path, Config or model dict) in the
    mmvssl scope, in training mode, on the CPU (``init_weights``: also run
    the model's weight initialisation, which logs every parameter)."""
    from mmengine.registry import DefaultScope

    import mmvssl  # noqa: F401  (compat fixes)
    from mmvssl.registry import MODELS
    from mmvssl.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    if isinstance(config, dict) and 'type' in config:
        model_cfg = config
    else:
        model_cfg = load_config(config, cfg_options).model
    torch.manual_seed(seed)
    with DefaultScope.overwrite_default_scope('mmvssl'):
        model = MODELS.build(model_cfg)
    if init_weights and hasattr(model, 'init_weights'):
        model.init_weights()
    return model.train()


def num_views_of(model) -> int:
    """Views the model's ``loss`` reads (``max(view_indices) + 1``)."""
    return max(getattr(model, 'view_indices', (0, 1))) + 1


def _clip_geometry(rng: np.random.RandomState, shape: Sequence[int],
                   num_boxes: int, start: int, fps: float = 25.,
                   stride: int = 2) -> Dict:
    T, H, W = shape
    side = rng.uniform(0.1, 0.5, (T, num_boxes)) * np.sqrt(H * W)
    log_a = rng.uniform(np.log(0.5), np.log(2.), (T, num_boxes))
    bw = np.minimum(side * np.exp(-log_a / 2), W)
    bh = np.minimum(side * np.exp(log_a / 2), H)
    x1 = rng.uniform(size=(T, num_boxes)) * (W - bw)
    y1 = rng.uniform(size=(T, num_boxes)) * (H - bh)
    boxes = np.stack([x1, y1, x1 + bw, y1 + bh], -1).astype(np.float32)
    inds = start + stride * np.arange(T)
    return dict(
        name='view', boxes=boxes, box_valid=np.ones((T, num_boxes), bool),
        frame_inds=inds.astype(np.int64), timestamps=inds / fps,
        rotation=0, flip=False, img_shape=(H, W))


def dummy_batch(batch_size: int = 2,
                shape: Sequence[int] = DEFAULT_SHAPE,
                num_views: int = 2,
                num_boxes: int = 16,
                seed: int = 0) -> Dict:
    """A collated multi-view batch as the dataloader gives it.

    ``inputs``: one uint8 ``(B, 3, T, H, W)`` tensor per view (random
    pixels); ``data_samples``: ``B`` ``ActionDataSample`` with a geometry
    record per view (random boxes on every frame as ``RandomRegionBoxes``
    draws them, timestamps of clips at stride 2 whose starts are at most
    24 frames apart).
    """
    from mmaction.structures import ActionDataSample
    rng = np.random.RandomState(seed)
    g = torch.Generator().manual_seed(seed)
    T, H, W = shape
    inputs = [
        torch.randint(0, 256, (batch_size, 3, T, H, W), dtype=torch.uint8,
                      generator=g) for _ in range(num_views)
    ]
    samples = []
    for _ in range(batch_size):
        start = int(rng.randint(0, 48))
        ds = ActionDataSample()
        ds.set_metainfo(dict(geometry=[
            _clip_geometry(rng, shape, num_boxes,
                           start + 2 * int(rng.randint(0, 13)))
            for _ in range(num_views)
        ]))
        samples.append(ds)
    return dict(inputs=inputs, data_samples=samples)


def total_loss(losses: Dict) -> torch.Tensor:
    return sum(v for k, v in losses.items() if 'loss' in k)


def count_flops(model: torch.nn.Module, data: Dict,
                backward: bool = False) -> Dict[str, int]:
    """FLOPs (2 per multiply-add) of ``model``'s loss on ``data``.

    Returns ``{'total': n, '<child module>': n, ...}`` where children are the
    model's direct submodules (backbone, neck, head, ...); ``'other'`` is
    what runs outside them (losses, region pooling, context gathering).
    """
    from torch.utils.flop_counter import FlopCounterMode
    processed = model.data_preprocessor(data, True)
    counter = FlopCounterMode(display=False)
    with counter:
        losses = model(processed['inputs'], processed['data_samples'],
                       mode='loss')
        if backward:
            total_loss(losses).backward()
    per_module = counter.get_flop_counts()
    total = counter.get_total_flops()
    root = type(model).__name__  # the counter's name of the model
    out = {'total': int(total)}
    inside = 0
    flops_of = {k: int(sum(v.values())) for k, v in per_module.items()}
    for name, _ in model.named_children():
        key = f'{root}.{name}'
        # a submodule's methods (e.g. head.project_target) may call its
        # children outside its forward: take the larger of its own count
        # and the sum of its direct children's
        children = sum(v for k, v in flops_of.items()
                       if k.startswith(key + '.') and
                       '.' not in k[len(key) + 1:])
        n = max(flops_of.get(key, 0), children)
        if n:
            out[name] = n
            inside += n
    out['other'] = int(total) - inside
    if backward:
        model.zero_grad(set_to_none=True)
    return out


def count_params(model: torch.nn.Module) -> Dict[str, int]:
    """Parameters of the model and of each direct submodule."""
    out = {'total': sum(p.numel() for p in model.parameters())}
    for name, child in model.named_children():
        n = sum(p.numel() for p in child.parameters())
        if n:
            out[name] = n
    return out


def complexity(config,
               shape: Sequence[int] = DEFAULT_SHAPE,
               batch_size: int = 2,
               num_boxes: int = 16,
               backward: bool = False,
               cfg_options: Optional[Dict] = None) -> Dict:
    """Parameters and per-video FLOPs of ``config``'s model (see module
    doc). Returns ``dict(params=..., flops=...)`` of the dicts above, FLOPs
    divided by ``batch_size``."""
    model = build_model(config, cfg_options)
    data = dummy_batch(batch_size, shape, num_views_of(model), num_boxes)
    flops = count_flops(model, data, backward=backward)
    return dict(
        params=count_params(model),
        flops={k: v / batch_size for k, v in flops.items()},
        num_views=len(data['inputs']))


def format_report(result: Dict, shape: Sequence[int],
                  backward: bool = False) -> List[str]:
    params, flops = result['params'], result['flops']
    lines = [
        f'input per view: {shape[0]}x{shape[1]}x{shape[2]}; one training '
        'pass of one video (both views, heads, losses' +
        (', forward + backward)' if backward else ', forward)'),
        f"Params: {params['total'] / 1e6:.2f} M  (" + ', '.join(
            f'{k} {v / 1e6:.2f} M' for k, v in params.items()
            if k != 'total') + ')',
        f"FLOPs:  {flops['total'] / 1e9:.2f} G  = "
        f"{flops['total'] / 2e9:.2f} GMACs (multiply-adds)",
    ]
    if result.get('num_views'):
        lines.append(
            f"  per clip (/ {result['num_views']} views): "
            f"{flops['total'] / 2e9 / result['num_views']:.2f} GMACs "
            '(the convention of ConST-CL\'s Table 4)')
    for k, v in flops.items():
        if k != 'total':
            lines.append(f'  {k:<12s} {v / 2e9:9.3f} GMACs')
    return lines


ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# ConST-CL, Table 4: (row, config, paper #Params (M), paper #FLOPs (B)).
# The paper's FLOPs are multiply-adds of one clip (see docs/constcl.md), so
# they are compared with our per-clip GMACs.
TABLE4 = [
    ('CVRL (R5)', 'configs/cvrl/r3d50_k400.py', 44.6, 45.6),
    ('context 0 (2R5 + MLP)',
     'configs/constcl/ablations/ctx0_r3d50_k400_100k.py', 77.7, 55.5),
    ('context 1', 'configs/constcl/ablations/ctx1_r3d50_k400_100k.py', 71.7,
     55.6),
    ('context 3', 'configs/constcl/ablations/ctx3_r3d50_k400_100k.py', 71.7,
     56.1),
    ('context 5', 'configs/constcl/ablations/ctx5_r3d50_k400_100k.py', 71.7,
     56.5),
]
PARAM_TOL, FLOP_TOL = 0.01, 0.05


def gmacs_per_clip(result: Dict) -> float:
    """The convention of Table 4: multiply-adds of one clip (the per-video
    forward of both views, halved)."""
    return result['flops']['total'] / 2e9 / result['num_views']


def table4(entries: Sequence = TABLE4,
           shape: Sequence[int] = DEFAULT_SHAPE,
           batch_size: int = 2,
           num_boxes: int = 16,
           cfg_options: Optional[Dict] = None,
           root: str = ROOT) -> List[Dict]:
    """Measure every ``(row, config, paper params M, paper GFLOPs)`` of
    ``entries``; returns one dict per row."""
    rows = []
    for name, config, p_params, p_flops in entries:
        path = config if osp.isabs(config) else osp.join(root, config)
        res = complexity(path, shape, batch_size, num_boxes, False,
                         cfg_options)
        params = res['params']['total'] / 1e6
        macs = gmacs_per_clip(res)
        rows.append(
            dict(row=name, config=config, paper_params=p_params,
                 params=params, params_diff=params / p_params - 1,
                 paper_flops=p_flops, gmacs=macs,
                 flops_diff=macs / p_flops - 1,
                 head_gmacs=res['flops'].get('head', 0) / 2e9 /
                 res['num_views']))
    return rows


def format_table4(rows: Sequence[Dict]) -> List[str]:
    """A Markdown table (the one in docs/constcl.md)."""
    lines = [
        '| model | paper #Params (M) | ours (M) | diff | paper #FLOPs (B) '
        '| ours GMACs / clip | diff | within 1% / 5% |',
        '|---|---|---|---|---|---|---|---|',
    ]
    for r in rows:
        ok = (abs(r['params_diff']) <= PARAM_TOL,
              abs(r['flops_diff']) <= FLOP_TOL)
        lines.append(
            f"| {r['row']} | {r['paper_params']:.1f} | {r['params']:.2f} | "
            f"{100 * r['params_diff']:+.2f}% | {r['paper_flops']:.1f} | "
            f"{r['gmacs']:.2f} | {100 * r['flops_diff']:+.2f}% | "
            f"{'yes' if ok[0] else 'NO'} / {'yes' if ok[1] else 'NO'} |")
    return lines


def main(argv=None):
    args = parse_args(argv)
    torch.set_grad_enabled(args.backward)
    if args.table4:
        if args.backward:
            raise SystemExit('--table4 counts the forward pass (the '
                             "paper's convention); drop --backward")
        rows = table4(TABLE4, tuple(args.shape), args.batch_size,
                      args.num_boxes, args.cfg_options)
        print(f'ConST-CL Table 4, input per view '
              f'{args.shape[0]}x{args.shape[1]}x{args.shape[2]}, '
              f'{args.num_boxes} boxes per frame')
        for line in format_table4(rows):
            print(line)
        return rows
    result = complexity(args.config, tuple(args.shape), args.batch_size,
                        args.num_boxes, args.backward, args.cfg_options)
    print(f'config: {args.config}')
    for line in format_report(result, args.shape, args.backward):
        print(line)
    return result


if __name__ == '__main__':
    sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
    main()
