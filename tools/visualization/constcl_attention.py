"""Visualise what ConST-CL's transformer head attends to (Fig. 4 / C.1).

Usage::

    python tools/visualization/constcl_attention.py CONFIG CHECKPOINT VIDEO
        [--out DIR] [--query-box X1 Y1 X2 Y2 ...] [--box-file FILE]
        [--num-queries K] [--layer L] [--head H|mean] [--direction ab|ba]
        [--seed S] [--cfg-options k=v ...]

Two clips of VIDEO are sampled with the config's clip sampler, resized
(short side) and centre-cropped to the config's crop size (no colour
augmentation), and passed through the model as in training. Query regions
are pooled from the source view's sampled feature frame (the centre frame
by default), and the head's cross-attention over the context features of
the target view is drawn. For every query one PNG is written::

    DIR/<video>_<direction>_q<i>.png
      row 1: source frame + query box | zoomed box | target frame |
             target frame + attention on its sampled feature frame
      row 2: every context frame of the target view + its attention

Query boxes: ``--query-box`` (source-video pixels, on every frame; may be
repeated), or ``--box-file`` (a detector box file of
``tools/data/detect_boxes.py``, as the paper's figure uses detector boxes),
or by default ``--num-queries`` random boxes.
"""
import argparse
import os
import os.path as osp
import tempfile
from typing import Dict, List, Optional

import numpy as np
import torch
import torch.nn.functional as F


def parse_args(argv=None):
    from mmengine.config import DictAction
    p = argparse.ArgumentParser(
        description='Draw the attention of the ConST-CL head (Fig. 4)')
    p.add_argument('config', help='ConST-CL config file')
    p.add_argument('checkpoint', help='checkpoint of that config')
    p.add_argument('video', help='video file')
    p.add_argument('--out', default='work_dirs/constcl_attention',
                   help='output folder for the PNGs')
    p.add_argument('--query-box', type=float, nargs=4, action='append',
                   metavar=('X1', 'Y1', 'X2', 'Y2'),
                   help='a query box in source-video pixels (repeatable)')
    p.add_argument('--box-file', help='detector boxes (.pkl / .json of '
                   'tools/data/detect_boxes.py) to use as queries')
    p.add_argument('--num-queries', type=int, default=4,
                   help='random query boxes when no boxes are given')
    p.add_argument('--layer', type=int, default=-1,
                   help='decoder layer (default: the last)')
    p.add_argument('--head', default='mean',
                   help="attention head index, or 'mean' (default)")
    p.add_argument('--direction', choices=['ab', 'ba'], default='ab',
                   help="'ab': queries of the first clip attend to the "
                   "second clip's context (default); 'ba': the converse")
    p.add_argument('--crop-size', type=int, default=None,
                   help='view size (default: the config\'s crop size)')
    p.add_argument('--seed', type=int, default=0,
                   help='seed of the clip sampling and random boxes')
    p.add_argument('--device', default='cpu')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override config settings, key=value')
    return p.parse_args(argv)


# --------------------------------------------------------------- inputs
def config_crop_size(cfg, default: int = 224) -> int:
    """The output size of the first view's random resized crop."""
    ds = cfg.train_dataloader.dataset
    pipelines = [v['pipeline'] for v in ds.get('views') or []]
    if ds.get('view_pipeline'):
        pipelines.append(ds['view_pipeline'])
    for pipe in pipelines:
        for t in pipe:
            if t.get('type') == 'ClipRandomResizedCrop' and t.get('scale'):
                s = t['scale']
                return int(s if isinstance(s, int) else min(s))
    return default


def build_model(cfg, checkpoint: str, device: str = 'cpu'):
    from mmengine.registry import DefaultScope
    from mmengine.runner import load_checkpoint

    import mmvssl  # noqa: F401  (compat fixes)
    from mmvssl.registry import MODELS
    from mmvssl.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('mmvssl'):
        model = MODELS.build(cfg.model)
    load_checkpoint(model, checkpoint, map_location='cpu', strict=False)
    if getattr(model, 'context_length', 0) < 1 or not hasattr(
            model.head, 'attention_maps'):
        raise SystemExit(
            f'{type(model.head).__name__} has no attention over context '
            'features (context length 0?): nothing to visualise')
    return model.to(device).eval()


def load_views(cfg, video: str, crop_size: int, query_boxes=None,
               box_file: Optional[str] = None, num_queries: int = 4,
               seed: int = 0) -> Dict:
    """Two views of ``video`` as the model's data preprocessor expects
    (``pseudo_collate`` of one sample), with query boxes on every frame."""
    from mmengine.dataset import pseudo_collate

    from mmvssl.registry import DATASETS
    if box_file:
        region = dict(type='DetectorRegionBoxes', box_file=box_file,
                      data_prefix=osp.dirname(osp.abspath(video)),
                      num_boxes=max(num_queries, 1), max_frame_gap=8)
    else:
        # placeholder boxes, replaced by --query-box below when given
        region = dict(type='RandomRegionBoxes', num_boxes=num_queries,
                      size_range=(0.25, 0.5))
    pipeline = [
        dict(type='ClipResize', scale=(-1, crop_size)),
        dict(type='ClipCenterCrop', crop_size=crop_size),
        region,
    ]
    sampler = cfg.train_dataloader.dataset.clip_sampler
    with tempfile.TemporaryDirectory() as tmp:
        ann = osp.join(tmp, 'video.txt')
        with open(ann, 'w') as f:
            f.write(osp.abspath(video) + '\n')
        dataset = DATASETS.build(
            dict(type='MultiViewVideoDataset', ann_file=ann,
                 data_prefix=dict(video=''), clip_sampler=sampler,
                 view_pipeline=pipeline, test_mode=True))
        np.random.seed(seed)
        sample = dataset[0]
    if query_boxes:
        from mmvssl.structures import source_to_view_boxes
        boxes = np.asarray(query_boxes, np.float64).reshape(-1, 4)
        for geom in sample['data_samples'].metainfo['geometry']:
            h, w = geom['img_shape']
            b = source_to_view_boxes(boxes, geom).astype(np.float32)
            b[:, 0::2] = b[:, 0::2].clip(0, w)
            b[:, 1::2] = b[:, 1::2].clip(0, h)
            T = len(geom['frame_inds'])
            geom['boxes'] = np.repeat(b[None], T, axis=0)
            geom['box_valid'] = np.repeat(
                ((b[:, 2] > b[:, 0]) & (b[:, 3] > b[:, 1]))[None], T, axis=0)
    return pseudo_collate([sample])


# ------------------------------------------------------------ attention
@torch.no_grad()
def compute_attention(model, batch: Dict, direction: str = 'ab') -> Dict:
    """Query boxes, key frames and per-layer attention of one video.

    Returns a dict with ``frames`` (two uint8 ``(T, H, W, 3)`` arrays,
    source first), ``boxes`` (``(N, 4)`` source-view pixels of the queries
    on the source key frame), ``valid`` (N,), ``key_frame`` (source, target
    feature-frame indices), ``context_frames`` (target feature frames of the
    context), ``stride`` (input frames per feature frame), ``feat_hw``
    (target feature map size) and ``maps`` (one ``(heads, N, c, h, w)``
    array per decoder layer).
    """
    from mmvssl.models.algorithms.temporal_sampling import \
        context_frame_indices
    from mmvssl.structures import stacked_boxes
    data = model.data_preprocessor(batch, False)
    samples = data['data_samples']
    ia, ib = model.view_indices
    if direction == 'ba':
        ia, ib = ib, ia
    va, vb = data['inputs'][ia], data['inputs'][ib]
    fa, fb = model.extract_feat([va, vb])
    la, lb = fa['local'], fb['local']
    if model.normalize_local:
        la, lb = F.normalize(la, dim=1), F.normalize(lb, dim=1)
    device = va.device
    ga = stacked_boxes(samples, ia, device)
    gb = stacked_boxes(samples, ib, device)
    Ta, Tb = la.shape[2], lb.shape[2]
    ts_a = model._feature_timestamps(ga['timestamps'], va.shape[2], Ta)
    ts_b = model._feature_timestamps(gb['timestamps'], vb.shape[2], Tb)
    ka, kb = model.frame_sampler(Ta, Tb, ts_a, ts_b, batch_size=1,
                                 device=device)
    ra = model._view_regions(la, va, ga, ka)
    ctx, ctx_pos = model._context(lb, kb)
    maps = model.head.attention_maps(ra['feats'], ra['pos'], ctx, ctx_pos)
    c, (h, w) = model.context_length, lb.shape[3:]
    stride = va.shape[2] // Ta
    frames = [
        batch['inputs'][v][0].permute(1, 2, 3, 0).cpu().numpy()
        for v in (ia, ib)
    ]
    return dict(
        frames=frames,
        boxes=ga['boxes'][0, int(ka[0]) * stride].cpu().numpy(),
        valid=ga['box_valid'][0, int(ka[0]) * stride].cpu().numpy(),
        key_frame=(int(ka[0]), int(kb[0])),
        context_frames=context_frame_indices(kb, Tb, c)[0].tolist(),
        stride=stride,
        feat_hw=(h, w),
        maps=[
            m[0].reshape(m.shape[1], m.shape[2], c, h, w).cpu().numpy()
            for m in maps
        ])


def select_map(att: Dict, layer: int = -1, head='mean') -> np.ndarray:
    """``(N, c, h, w)`` attention of one layer, one head or their mean."""
    m = att['maps'][layer]
    if head == 'mean':
        return m.mean(0)
    return m[int(head)]


# ---------------------------------------------------------------- drawing
def draw(att: Dict, out_dir: str, stem: str, layer: int = -1, head='mean',
         direction: str = 'ab') -> List[str]:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.patches as patches
    import matplotlib.pyplot as plt

    os.makedirs(out_dir, exist_ok=True)
    amap = select_map(att, layer, head)  # (N, c, h, w)
    src, tgt = att['frames']
    s = att['stride']
    ka, kb = att['key_frame']
    ctx = att['context_frames']
    src_img, tgt_img = src[ka * s], tgt[kb * s]
    H, W = tgt_img.shape[:2]
    extent = (0, W, H, 0)
    paths = []
    names = ('first', 'second') if direction == 'ab' else ('second', 'first')
    for i, (box, ok) in enumerate(zip(att['boxes'], att['valid'])):
        if not ok:
            continue
        a = amap[i]
        vmax = float(a.max()) or 1.0
        key_slot = ctx.index(kb) if kb in ctx else len(ctx) // 2
        ncol = max(4, len(ctx))
        fig, axes = plt.subplots(2, ncol, figsize=(3 * ncol, 6.4))
        for ax in axes.ravel():
            ax.axis('off')
        x1, y1, x2, y2 = (float(v) for v in box)
        ax = axes[0, 0]
        ax.imshow(src_img)
        ax.add_patch(patches.Rectangle((x1, y1), x2 - x1, y2 - y1,
                                       fill=False, color='lime', lw=2))
        ax.set_title(f'source ({names[0]} clip), frame {ka * s}')
        crop = src_img[int(y1):max(int(np.ceil(y2)), int(y1) + 1),
                       int(x1):max(int(np.ceil(x2)), int(x1) + 1)]
        axes[0, 1].imshow(crop)
        axes[0, 1].set_title('query region')
        axes[0, 2].imshow(tgt_img)
        axes[0, 2].set_title(f'target ({names[1]} clip), frame {kb * s}')
        axes[0, 3].imshow(tgt_img)
        axes[0, 3].imshow(a[key_slot], cmap='jet', alpha=0.5,
                          extent=extent, interpolation='bilinear',
                          vmin=0, vmax=vmax)
        axes[0, 3].set_title('attention on the target frame')
        for j, t in enumerate(ctx):
            ax = axes[1, j]
            ax.imshow(tgt[t * s])
            ax.imshow(a[j], cmap='jet', alpha=0.5, extent=extent,
                      interpolation='bilinear', vmin=0, vmax=vmax)
            ax.set_title(f'context frame {t * s} ({t - kb:+d}), '
                         f'{a[j].sum():.0%}')
        layer_name = len(att['maps']) + layer if layer < 0 else layer
        fig.suptitle(f'{stem}: query {i}, decoder layer {layer_name}, '
                     f'head {head}')
        fig.tight_layout()
        path = osp.join(out_dir, f'{stem}_{direction}_q{i:02d}.png')
        fig.savefig(path, dpi=80)
        plt.close(fig)
        paths.append(path)
    return paths


def main(argv=None) -> List[str]:
    args = parse_args(argv)
    from mmengine.config import Config
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    torch.manual_seed(args.seed)
    model = build_model(cfg, args.checkpoint, args.device)
    crop = args.crop_size or config_crop_size(cfg)
    batch = load_views(cfg, args.video, crop, args.query_box, args.box_file,
                       args.num_queries, args.seed)
    att = compute_attention(model, batch, args.direction)
    stem = osp.splitext(osp.basename(args.video))[0]
    paths = draw(att, args.out, stem, args.layer, args.head, args.direction)
    if not paths:
        print('no valid query box on the sampled source frame')
    for p in paths:
        print(p)
    return paths


if __name__ == '__main__':
    main()
