"""Does a pretrained res5 branch keep *where* the target is? A probe of the
frozen feature maps, without any tracker training.

For ConST-CL's two res5 branches (``global`` = ``layer4``, ``local`` =
``layer4_r``) of one checkpoint, and for the same backbone at random init
(seeded), every synthetic OTB sequence is cut into 4-frame clips (stride 1)
at a few start frames; each clip's full 160 x 128 frames go through the
backbone (the pretraining geometry, no dilation) and the C5 map is averaged
over time. The *template* is the mean feature of the cells whose centres lie
in the target box of the sequence's first clip. For every later clip:

- ``hit``: the cell most similar (cosine) to the template lies inside the
  target box (the box grown to at least one cell): does the branch find the
  target by appearance alone? Chance is the box's share of the map.
- ``margin``: mean cosine to the template of the cells in the box minus that
  of the cells outside.
- ``spatial_var``: share of the map's energy that varies across positions,
  ``sum_c Var_pos(f_c) / sum_c E_pos(f_c^2)``: 0 when the map is spatially
  uniform.

Means over clips, then over sequences, with 95% percentile bootstrap
intervals over sequences. This is the feature-level version of the peak
accuracy that ``tracking_claim.py`` reads from the SiamFC response maps.

    python tools/analysis/branch_localization.py \\
        --ckpt work_dirs/demo/constcl/pretrain/epoch_40.pth \\
        --data-root data/synthetic --out work_dirs/demo/branch_localization \\
        [--dilate]
"""
import argparse
import json
import os
import os.path as osp
import sys

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', 'constcl', 'r3d18_synthetic.py')
INITS = ('local', 'global', 'random-local', 'random-global')
# the SiamFC configs' (configs/downstream/otb/_base_/siamfc_*.py)
DILATIONS = dict(layer3=2, layer4=4, layer4_r=4)


def read_sequence(seq_dir):
    """(frames uint8 (N, H, W, 3) RGB, boxes (N, 4) x, y, w, h)."""
    import cv2
    img_dir = osp.join(seq_dir, 'img')
    names = sorted(os.listdir(img_dir))
    frames = []
    for n in names:
        im = cv2.imread(osp.join(img_dir, n))
        if im is None:
            raise SystemExit(f'{osp.join(img_dir, n)}: unreadable frame')
        frames.append(im[:, :, ::-1])
    boxes = np.loadtxt(osp.join(seq_dir, 'groundtruth_rect.txt'),
                       delimiter=',', ndmin=2)
    if len(boxes) != len(frames):
        raise SystemExit(f'{seq_dir}: {len(frames)} frames but '
                         f'{len(boxes)} boxes in groundtruth_rect.txt')
    return np.stack(frames), boxes


def box_mask(box, img_hw, map_hw):
    """Cells (map_hw) whose centres lie in ``box`` (image pixels); at least
    the cell under the box centre."""
    (h, w), (mh, mw) = img_hw, map_hw
    ys = (np.arange(mh) + 0.5) * h / mh
    xs = (np.arange(mw) + 0.5) * w / mw
    x, y, bw, bh = box
    m = ((ys[:, None] >= y) & (ys[:, None] <= y + bh) &
         (xs[None, :] >= x) & (xs[None, :] <= x + bw))
    cy = min(int((y + bh / 2) * mh / h), mh - 1)
    cx = min(int((x + bw / 2) * mw / w), mw - 1)
    m[max(cy, 0), max(cx, 0)] = True
    return m


def clip_scores(fmap, template, mask):
    """fmap (C, h, w), template (C,), mask (h, w) bool -> dict."""
    f = fmap.reshape(fmap.shape[0], -1)
    fn = f / (np.linalg.norm(f, axis=0, keepdims=True) + 1e-8)
    t = template / (np.linalg.norm(template) + 1e-8)
    cos = t @ fn
    m = mask.reshape(-1)
    hit = float(m[int(np.argmax(cos))])
    margin = float(cos[m].mean() - cos[~m].mean()) if (~m).any() else 0.
    energy = (f ** 2).mean(axis=1).sum()
    spatial = float(f.var(axis=1).sum() / max(energy, 1e-12))
    return dict(hit=hit, margin=margin, spatial_var=spatial,
                chance=float(m.mean()))


def bootstrap_ci(values, n=10000, seed=0):
    v = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, len(v), size=(n, len(v)))].mean(axis=1)
    return [float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))]


def summarise(per_seq):
    """per_seq: {seq: {metric: value}} -> {metric: [mean, lo, hi]}."""
    out = {}
    for key in ('hit', 'margin', 'spatial_var', 'chance'):
        vals = [s[key] for s in per_seq.values()]
        out[key] = [float(np.mean(vals))] + bootstrap_ci(vals)
    return out


def build_backbones(config, ckpt, seed):
    import torch
    from mmengine import Config
    from mmengine.registry import DefaultScope

    import mmvssl  # noqa: F401  (registers the modules)
    from mmvssl.apis.checkpoint import load_backbone_checkpoint
    from mmvssl.registry import MODELS
    cfg = Config.fromfile(config)
    bb = dict(cfg.model.backbone)
    bb['out_branch'] = None
    with DefaultScope.overwrite_default_scope('mmvssl'):
        torch.manual_seed(seed)
        random_net = MODELS.build(bb)
        random_net.init_weights()
        net = MODELS.build(bb)
        net.init_weights()
    load_backbone_checkpoint(net, ckpt, strict=True)
    pre = cfg.model.data_preprocessor
    mean = torch.tensor(pre['mean']).view(1, 3, 1, 1, 1)
    std = torch.tensor(pre['std']).view(1, 3, 1, 1, 1)
    return net.eval(), random_net.eval(), mean, std


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--ckpt', required=True, help='ConST-CL checkpoint')
    p.add_argument('--data-root', required=True)
    p.add_argument('--out', required=True)
    p.add_argument('--config', default=CONFIG)
    p.add_argument('--clip-len', type=int, default=4)
    p.add_argument('--starts', type=int, nargs='+',
                   default=[0, 10, 20, 30, 40, 50, 60, 70])
    p.add_argument('--num-sequences', type=int, default=None)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--dilate', action='store_true',
                   help="the tracker's geometry: res4 / res5 at stride 1, "
                   'dilated 2 / 4 (SiamFC configs, dilations=...)')
    args = p.parse_args(argv)

    import torch
    from tqdm import tqdm
    if not osp.isfile(args.ckpt):
        raise SystemExit(f'--ckpt: no checkpoint {args.ckpt}')
    otb = osp.join(args.data_root, 'otb')
    if not osp.isdir(otb):
        raise SystemExit(f'{otb}: no synthetic OTB split (generate the '
                         'benchmark first)')
    seqs = sorted(d for d in os.listdir(otb)
                  if osp.isdir(osp.join(otb, d, 'img')))
    if args.num_sequences:
        idx = np.linspace(0, len(seqs) - 1, args.num_sequences).round()
        seqs = [seqs[int(i)] for i in idx]
    net, random_net, mean, std = build_backbones(args.config, args.ckpt,
                                                 args.seed)
    if args.dilate:
        from mmvssl.models.trackers.dilation import dilate_backbone
        for m in (net, random_net):
            dilate_backbone(m, DILATIONS)
    nets = {'': net, 'random-': random_net}
    per_seq = {k: {} for k in INITS}
    for seq in tqdm(seqs, desc='sequences'):
        frames, boxes = read_sequence(osp.join(otb, seq))
        starts = [s for s in args.starts
                  if s + args.clip_len <= len(frames)]
        if len(starts) < 2:
            raise SystemExit(f'{seq}: too short for the start frames '
                             f'{args.starts}')
        clips = np.stack([frames[s:s + args.clip_len] for s in starts])
        x = torch.from_numpy(clips).float().permute(0, 4, 1, 2, 3)
        x = (x - mean) / std
        img_hw = frames.shape[1:3]
        for prefix, model in nets.items():
            with torch.no_grad():
                outs = model(x)
            for branch in ('local', 'global'):
                fmaps = outs[branch].mean(dim=2).numpy()  # (S, C, h, w)
                map_hw = fmaps.shape[2:]
                mid = args.clip_len // 2
                masks = [box_mask(boxes[s + mid], img_hw, map_hw)
                         for s in starts]
                template = fmaps[0][:, masks[0]].mean(axis=1)
                scores = [clip_scores(fmaps[i], template, masks[i])
                          for i in range(1, len(starts))]
                per_seq[prefix + branch][seq] = {
                    k: float(np.mean([s[k] for s in scores]))
                    for k in scores[0]}
    results = dict(
        checkpoint=osp.abspath(args.ckpt), config=args.config,
        clip_len=args.clip_len, starts=args.starts, dilate=args.dilate,
        num_sequences=len(seqs),
        summary={k: summarise(v) for k, v in per_seq.items()},
        per_sequence=per_seq)
    os.makedirs(args.out, exist_ok=True)
    with open(osp.join(args.out, 'results.json'), 'w') as f:
        json.dump(results, f, indent=1)
    geometry = ("dilated res4 / res5 (the tracker's geometry)"
                if args.dilate else 'pretraining geometry')
    lines = [
        '# Target localisation by frozen res5 features (synthetic OTB)', '',
        f'checkpoint: {args.ckpt}; {len(seqs)} sequences; '
        f'{geometry}; '
        '95% bootstrap CI over sequences', '',
        '| branch | hit % (chance) | margin | spatial variance share |',
        '|---|---|---|---|']
    for k in INITS:
        s = results['summary'][k]
        lines.append(
            f"| {k} | {100 * s['hit'][0]:.1f} [{100 * s['hit'][1]:.1f}, "
            f"{100 * s['hit'][2]:.1f}] ({100 * s['chance'][0]:.1f}) | "
            f"{s['margin'][0]:.3f} [{s['margin'][1]:.3f}, "
            f"{s['margin'][2]:.3f}] | {s['spatial_var'][0]:.3f} "
            f"[{s['spatial_var'][1]:.3f}, {s['spatial_var'][2]:.3f}] |")
    text = '\n'.join(lines) + '\n'
    with open(osp.join(args.out, 'results.md'), 'w') as f:
        f.write(text)
    print(text)
    return results


if __name__ == '__main__':
    sys.exit(0 if main() else 1)
