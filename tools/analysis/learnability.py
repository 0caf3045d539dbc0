"""Control experiment: is a failed pretraining the pipeline's fault or the data's?

Trains small models **outside** mmvssl's training pipeline (no runner, no
dataset classes, no data preprocessor, no hooks: videos decoded once with
decord into memory, a plain PyTorch loop, an independent linear probe) on
a synthetic benchmark folder, and reports each one's linear-probe accuracy
on the val split next to its random-init twin. Runs:

``crop-supervised``  a 3-layer 2D CNN trained on the factor's labels from
                     frames cropped to the actor's box (from
                     ``annotations/objects_*.json``): is the factor visible
                     and learnable at all once the actor is localised?
``frame-supervised`` the same 2D CNN on whole frames: what localisation costs.
``frame-simclr``     the same 2D CNN, SimCLR (NT-Xent) on two frames of a
                     video at least ``--min-gap`` frames apart.
``clip-supervised``  the backbone of ``--config`` (the pipeline's own
                     architecture, built from the registry) trained on the
                     labels from clips.
``clip-simclr``      the same backbone, SimCLR on two clips of a video.

If ``clip-simclr`` here fails where the pipeline fails, the hand-over between
mmvssl's parts is not the cause; the supervised rows then say whether the
data (the factor is not learnable from this many videos and steps) or the
backbone (learnable by a 2D CNN but not by this backbone in the budget) is::

    python tools/analysis/learnability.py --data-root data/synthetic_easy \\
        --runs crop-supervised frame-supervised clip-supervised clip-simclr \\
        --minutes 4

Results go to ``--out`` (``learnability.json``, one line per run printed).
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
import torch.nn as nn
import torch.nn.functional as F

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RUNS = ('crop-supervised', 'frame-supervised', 'frame-simclr',
        'clip-supervised', 'clip-simclr')
FACTORS = ('action', 'appearance', 'motion', 'scene')
MEAN, STD = 0.45 * 255, 0.225 * 255  # the synthetic configs' normalisation


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--data-root', default='data/synthetic_easy')
    p.add_argument('--runs', nargs='+', default=list(RUNS), choices=RUNS)
    p.add_argument('--factor', default='appearance', choices=FACTORS,
                   help='labels of the supervised runs')
    p.add_argument('--config', default='configs/cvrl/r3d18_synthetic.py',
                   help='config whose model.backbone the clip runs train')
    p.add_argument('--steps', type=int, default=None,
                   help='training steps per run (default: --minutes)')
    p.add_argument('--minutes', type=float, default=4.0,
                   help='training time per run when --steps is not given')
    p.add_argument('--batch-size', type=int, default=32)
    p.add_argument('--lr', type=float, default=1e-3, help='Adam')
    p.add_argument('--clip-len', type=int, default=4)
    p.add_argument('--frame-interval', type=int, default=8)
    p.add_argument('--size', type=int, default=64, help='crop size (px)')
    p.add_argument('--scale', type=float, default=0.5,
                   help='videos are decoded at this fraction of their size')
    p.add_argument('--min-gap', type=int, default=16,
                   help='frames between the two views of the SimCLR runs')
    p.add_argument('--temperature', type=float, default=0.1)
    p.add_argument('--init', default='torch', choices=('torch', 'config'),
                   help="clip runs' initialisation: PyTorch's layer defaults, "
                   "or the backbone's own init_weights() (what mmengine's "
                   "runner calls; mmaction2's ResNet3d zero-inits the last "
                   'BN of every residual branch unless '
                   'zero_init_residual=False)')
    p.add_argument('--projector', default='mlp', choices=('mlp', 'config'),
                   help="SimCLR runs' projector: a 2-layer MLP to 64-d, or "
                   "the --config's model.neck (e.g. CVRL's 3-hidden-layer "
                   'BN MLP)')
    p.add_argument('--gray-prob', type=float, default=0.5)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--threads', type=int, default=None)
    p.add_argument('--out', default='work_dirs/learnability')
    return p.parse_args(argv)


# --------------------------------------------------------------- the data
def _list(root, split, factor):
    suffix = '' if factor == 'action' else f'_{factor}'
    path = osp.join(root, 'kinetics', f'{split}_list{suffix}.txt')
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path}: not a synthetic benchmark folder with {factor!r} labels '
            '(python tools/data/synthetic/generate.py --out DIR)')
    with open(path) as f:
        return [line.split() for line in f if line.strip()]


def load(root, scale=0.5):
    """Decoded videos ``(N, T, H, W, 3)`` uint8, labels per factor and the
    actor boxes (in decoded pixels) of the train and val splits."""
    import decord
    data = {}
    for split in ('train', 'val'):
        rows = _list(root, split, 'action')
        with open(osp.join(root, 'annotations',
                           f'objects_{split}.json')) as f:
            objects = json.load(f)
        frames, boxes = [], []
        for path, _ in rows:
            full = osp.join(root, 'videos', path)
            try:
                probe = decord.VideoReader(full)
                h, w = probe[0].shape[:2]
                vr = decord.VideoReader(full, width=int(w * scale),
                                        height=int(h * scale))
                frames.append(vr.get_batch(list(range(len(vr)))).asnumpy())
            except Exception as e:  # name the file, keep the cause
                raise RuntimeError(f'cannot decode {full}: {e}') from e
            actor = objects[path]['objects'][0]
            boxes.append(np.asarray(actor['boxes'], np.float32) * scale)
        data[split] = dict(
            frames=np.stack(frames), boxes=np.stack(boxes),
            labels={
                f: np.array([int(r[1]) for r in _list(root, split, f)])
                for f in FACTORS
                if osp.isfile(osp.join(root, 'kinetics', f'{split}_list'
                                       f'{"" if f == "action" else "_" + f}'
                                       '.txt'))
            })
    return data


def _crop_resize(x, box, size):
    """``x`` (C, ..., H, W) float, ``box`` x1 y1 x2 y2 -> (C, ..., s, s)."""
    H, W = x.shape[-2:]
    x1, y1, x2, y2 = box
    x1, y1 = max(0, int(np.floor(x1))), max(0, int(np.floor(y1)))
    x2, y2 = min(W, int(np.ceil(x2)) + 1), min(H, int(np.ceil(y2)) + 1)
    x = x[..., y1:y2, x1:x2]
    lead = x.shape[:-2]
    x = F.interpolate(x.reshape(1, -1, *x.shape[-2:]), size=(size, size),
                      mode='bilinear', align_corners=False)
    return x.reshape(*lead, size, size)


def augment(x, rng, size, gray_prob):
    """Random resized crop (area 0.5-1) of ``x`` (C, ..., H, W) float in
    [0, 255], then :func:`photometric`."""
    H, W = x.shape[-2:]
    area = rng.uniform(0.5, 1.0) * H * W
    ratio = np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3)))
    h = int(min(H, round(np.sqrt(area / ratio))))
    w = int(min(W, round(np.sqrt(area * ratio))))
    y, x0 = rng.integers(0, H - h + 1), rng.integers(0, W - w + 1)
    x = _crop_resize(x, (x0, y, x0 + w - 1, y + h - 1), size)
    return photometric(x, rng, gray_prob)


def photometric(x, rng, gray_prob):
    """Flip, colour jitter (p 0.8), grayscale (p ``gray_prob``)."""
    if rng.random() < 0.5:
        x = x.flip(-1)
    if rng.random() < 0.8:
        x = x * rng.uniform(0.6, 1.4)
        m = x.mean()
        x = (x - m) * rng.uniform(0.6, 1.4) + m
        g = x.mean(0, keepdim=True)
        x = (x - g) * rng.uniform(0.6, 1.4) + g
    if rng.random() < gray_prob:
        x = x.mean(0, keepdim=True).expand_as(x)
    return x.clamp(0, 255)


def _centre(x, size):
    H, W = x.shape[-2:]
    s = min(H, W)
    y0, x0 = (H - s) // 2, (W - s) // 2
    return _crop_resize(x, (x0, y0, x0 + s - 1, y0 + s - 1), size)


class Views:
    """Inputs of one run: what a sample is (a frame, an actor crop, a clip)."""

    def __init__(self, kind, args):
        self.kind, self.a = kind, args
        self.span = (args.clip_len - 1) * args.frame_interval + 1 \
            if kind == 'clip' else 1

    def take(self, video, boxes, t):
        """(C, [T,] H, W) float of the sample starting at frame ``t``."""
        if self.kind == 'clip':
            idx = slice(t, t + self.span, self.a.frame_interval)
            return torch.from_numpy(video[idx]).permute(3, 0, 1, 2).float()
        x = torch.from_numpy(video[t]).permute(2, 0, 1).float()
        if self.kind == 'crop':
            x = _crop_resize(x, boxes[t], self.a.size)
        return x

    def train(self, video, boxes, t, rng):
        x = self.take(video, boxes, t)
        if self.kind == 'crop':  # keep the whole actor: no spatial crop
            return photometric(x, rng, self.a.gray_prob)
        return augment(x, rng, self.a.size, self.a.gray_prob)

    def test(self, video, boxes, t):
        x = self.take(video, boxes, t)
        return x if self.kind == 'crop' else _centre(x, self.a.size)


# --------------------------------------------------------------- the models
def frame_cnn():
    """3-layer 2D CNN (32-64-128, max pools, global average pool)."""
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.ReLU(True),
        nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, 1, 1), nn.BatchNorm2d(64),
        nn.ReLU(True), nn.MaxPool2d(2), nn.Conv2d(64, 128, 3, 1, 1),
        nn.BatchNorm2d(128), nn.ReLU(True), nn.AdaptiveAvgPool2d(1),
        nn.Flatten()), 128


class PooledBackbone(nn.Module):
    """A registry backbone followed by global average pooling."""

    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone

    def forward(self, x):
        out = self.backbone(x)
        out = out[-1] if isinstance(out, (list, tuple)) else out
        return out.mean(dim=tuple(range(2, out.dim())))


def _model_config(config):
    """``config`` read after registering mmvssl, and the MODELS registry."""
    from mmengine.config import Config

    from mmvssl.registry import MODELS
    from mmvssl.utils import register_all_modules
    register_all_modules()
    return Config.fromfile(config), MODELS


def config_backbone(config, init='torch'):
    """The ``model.backbone`` of ``config``, built from the registry, and
    its feature width (measured). ``init='config'`` applies the backbone's
    ``init_weights()`` as the training runner does; ``'torch'`` keeps
    PyTorch's layer defaults."""
    cfg, MODELS = _model_config(config)
    net = PooledBackbone(MODELS.build(cfg.model.backbone))
    if init == 'config':
        net.backbone.init_weights()
    net.eval()
    with torch.no_grad():
        dim = net(torch.zeros(1, 3, 4, 32, 32)).shape[1]
    return net, dim


# --------------------------------------------------------------- probe
def probe(train_feats, train_labels, val_feats, val_labels, l2=1e-3):
    """Val top-1 (%) of a multinomial logistic regression (L-BFGS) on
    standardised features."""
    mu, sd = train_feats.mean(0), train_feats.std(0) + 1e-6
    xtr = torch.as_tensor((train_feats - mu) / sd, dtype=torch.float32)
    xva = torch.as_tensor((val_feats - mu) / sd, dtype=torch.float32)
    ytr = torch.as_tensor(train_labels)
    yva = torch.as_tensor(val_labels)
    lin = nn.Linear(xtr.shape[1], int(max(ytr.max(), yva.max())) + 1)
    opt = torch.optim.LBFGS(lin.parameters(), max_iter=500,
                            line_search_fn='strong_wolfe')

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(lin(xtr), ytr) + l2 * lin.weight.pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        return 100.0 * (lin(xva).argmax(1) == yva).float().mean().item()


@torch.no_grad()
def features(net, views, split, num=4):
    """(N, D) features, mean over ``num`` evenly spaced samples per video."""
    net.eval()
    frames, boxes = split['frames'], split['boxes']
    last = frames.shape[1] - views.span
    starts = np.linspace(0, last, num).round().astype(int)
    out = []
    for i in range(len(frames)):
        x = torch.stack([views.test(frames[i], boxes[i], t) for t in starts])
        out.append(net((x - MEAN) / STD).mean(0))
    return torch.stack(out).numpy()


def evaluate(net, views, data):
    ftr = features(net, views, data['train'])
    fva = features(net, views, data['val'])
    return {
        f: round(probe(ftr, data['train']['labels'][f], fva,
                       data['val']['labels'][f]), 1)
        for f in data['val']['labels']
    }


# --------------------------------------------------------------- training
def nt_xent(z, temperature):
    z = F.normalize(z, dim=1)
    n = z.shape[0] // 2
    sim = z @ z.t() / temperature
    sim = sim.masked_fill(torch.eye(2 * n, dtype=torch.bool), float('-inf'))
    target = torch.cat([torch.arange(n) + n, torch.arange(n)])
    return F.cross_entropy(sim, target)


def config_neck(config):
    """The ``model.neck`` of ``config`` (the pipeline's projector)."""
    cfg, MODELS = _model_config(config)
    if cfg.model.get('neck') is None:
        raise SystemExit(f'--projector config: {config} has no model.neck')
    return MODELS.build(cfg.model.neck)


def train_run(run, args, data, log=print):
    """Train one run; its random-init and trained probes and its losses."""
    kind, objective = run.split('-')
    config = args.config if osp.isabs(args.config) else osp.join(
        ROOT, args.config)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    if kind == 'clip':
        net, dim = config_backbone(config, init=args.init)
    else:
        net, dim = frame_cnn()
    views = Views(kind, args)
    train = data['train']
    num_classes = int(train['labels'][args.factor].max()) + 1
    if objective == 'supervised':
        head = nn.Linear(dim, num_classes)
    elif args.projector == 'config':
        head = config_neck(config)
    else:
        head = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(True),
                             nn.Linear(dim, 64))
    twin = copy.deepcopy(net)
    result = dict(run=run, random=evaluate(twin, views, data))
    opt = torch.optim.Adam(list(net.parameters()) + list(head.parameters()),
                           lr=args.lr, weight_decay=1e-6)
    frames, boxes = train['frames'], train['boxes']
    n, total = len(frames), frames.shape[1]
    last = total - views.span
    losses, step, t0 = [], 0, time.time()
    try:
        from tqdm import tqdm
        bar = tqdm(total=args.steps, desc=run, leave=False,
                   disable=not sys.stderr.isatty())
    except ImportError:  # pragma: no cover
        bar = None
    while (step < args.steps) if args.steps else \
            (time.time() - t0 < args.minutes * 60):
        net.train()
        head.train()
        idx = rng.choice(n, min(args.batch_size, n), replace=False)
        if objective == 'supervised':
            xs = [views.train(frames[i], boxes[i],
                              int(rng.integers(0, last + 1)), rng)
                  for i in idx]
            x = (torch.stack(xs) - MEAN) / STD
            y = torch.as_tensor(train['labels'][args.factor][idx])
            loss = F.cross_entropy(head(net(x)), y)
        else:
            a, b = [], []
            for i in idx:
                t1 = int(rng.integers(0, last + 1))
                far = [t for t in range(last + 1)
                       if abs(t - t1) >= args.min_gap] or [t1]
                t2 = int(rng.choice(far))
                a.append(views.train(frames[i], boxes[i], t1, rng))
                b.append(views.train(frames[i], boxes[i], t2, rng))
            x = (torch.stack(a + b) - MEAN) / STD
            loss = nt_xent(head(net(x)), args.temperature)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
        step += 1
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    seconds = time.time() - t0
    result.update(
        trained=evaluate(net, views, data), steps=step,
        train_seconds=round(seconds, 1),
        loss_first=round(float(np.mean(losses[:10])), 4),
        loss_last=round(float(np.mean(losses[-10:])), 4),
        objective=objective, sample=kind,
        factor=args.factor if objective == 'supervised' else None)
    log(format_result(result))
    return result


def format_result(r):
    probes = ', '.join(
        f'{f} {r["trained"][f]:.1f} (random {r["random"][f]:.1f})'
        for f in r['trained'])
    return (f'[learnability] {r["run"]}: {r["steps"]} steps in '
            f'{r["train_seconds"]:.0f} s, loss {r["loss_first"]:.3f} -> '
            f'{r["loss_last"]:.3f}; val probe {probes}')


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    root = args.data_root if osp.isabs(args.data_root) else osp.join(
        ROOT, args.data_root)
    t0 = time.time()
    data = load(root, args.scale)
    print(f'[learnability] decoded {len(data["train"]["frames"])} train / '
          f'{len(data["val"]["frames"])} val videos of {root} in '
          f'{time.time() - t0:.0f} s', flush=True)
    results = [train_run(run, args, data) for run in args.runs]
    os.makedirs(args.out, exist_ok=True)
    out = osp.join(args.out, 'learnability.json')
    with open(out, 'w') as f:
        json.dump(dict(data_root=root, args=vars(args), results=results), f,
                  indent=1)
    print(f'[learnability] wrote {out}')
    return results


if __name__ == '__main__':
    main()
