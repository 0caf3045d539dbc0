"""Benchmark the two-view data pipeline against two mmaction2 passes.

Measures, on the same videos and in one run, the throughput (clips/s) of

* **ours**: ``MultiViewVideoDataset`` with CVRL's ``TemporalIntervalSampler``
  (two ``clip_len``-frame clips at ``frame_interval``, start gap <=
  ``max_interval`` so they overlap): the union of their frames is decoded
  once, then each view is cut with ``ClipRandomResizedCrop`` + ``ClipFlip``
  and packed as a uint8 ``(C, T, H, W)`` tensor;
* **mmaction2 x2**: what a user would otherwise write: mmaction2's
  ``DecordInit -> SampleFrames -> DecordDecode -> RandomResizedCrop ->
  Resize(keep_ratio=False) -> Flip -> FormatShape('NCTHW') ->
  PackActionInputs`` run twice per video (two independent passes, one clip
  each), i.e. the same crop / resize / flip work per clip.

Both use one decoding thread and one OpenCV thread. Each measurement runs
over all videos; ``--repeats`` measurements alternate between the two
pipelines and the medians are reported. The last line printed is the speed
ratio. ``--backend`` chooses the video backend of *ours* (``decord``,
``torchcodec``, ``pyav``; mmaction2 always uses decord); a backend that
cannot be used here is skipped with the reason.

``--photometric`` measures instead, on the K400 recipe's two 224x224 views
(``configs/_base_/datasets/k400_ssl.py``: crop, flip, colour jitter,
grayscale, blur, solarize), the worker's CPU time per two-view sample with
the photometric transforms applied in the worker and with ``deferred=True``
(drawn and recorded only), alternating sample by sample, and the CPU cost
of ``MultiViewDataPreprocessor`` applying the recorded operations to a
batch of ``--batch-size`` samples (against normalising only).

Example::

    python tools/analysis/benchmark_data.py            # generates videos
    python tools/analysis/benchmark_data.py --videos data/kinetics400/val
    python tools/analysis/benchmark_data.py --backend pyav
    python tools/analysis/benchmark_data.py --photometric
"""
import argparse
import glob
import os
import os.path as osp
import platform
import statistics
import sys
import tempfile
import time

import cv2
import numpy as np
import torch


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument(
        '--videos',
        help='folder of videos (default: generate '
        'test videos in a temporary folder)')
    p.add_argument(
        '--num-videos',
        type=int,
        default=16,
        help='videos to generate / use (default 16)')
    p.add_argument(
        '--num-frames',
        type=int,
        default=300,
        help='frames of each generated video (default 300: 10 s '
        'at 30 fps, a Kinetics clip)')
    p.add_argument(
        '--frame-size',
        default='340x256',
        help='WxH of generated videos (default 340x256)')
    p.add_argument('--clip-len', type=int, default=16)
    p.add_argument('--frame-interval', type=int, default=2)
    p.add_argument(
        '--max-interval',
        type=int,
        default=16,
        help='largest gap between the two clip starts, frames '
        '(default 16: the clips overlap)')
    p.add_argument('--crop-size', type=int, default=112)
    p.add_argument('--repeats', type=int, default=5)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument(
        '--backend',
        default='decord',
        help="video backend of ours: decord (default), torchcodec, pyav")
    p.add_argument(
        '--gop',
        type=int,
        help='key frame interval of generated videos, written with PyAV '
        "(default: OpenCV's writer, 12)")
    p.add_argument(
        '--photometric',
        action='store_true',
        help='measure the photometric augmentation in the workers vs '
        'deferred to the data preprocessor (K400 recipe, 224x224)')
    p.add_argument(
        '--batch-size',
        type=int,
        default=8,
        help='batch of the --photometric preprocessor measurement')
    return p.parse_args()


class _AVWriter:
    """MPEG-4 part 2 (mp4v) in mp4 with a fixed key frame interval, written
    with PyAV (OpenCV's writer ignores ``VIDEOWRITER_PROP_KEY_INTERVAL``
    for mp4v and always uses 12)."""

    def __init__(self, path, size, gop):
        import av
        self.container = av.open(path, 'w', format='mp4')
        self.stream = self.container.add_stream('mpeg4', rate=30)
        self.stream.width, self.stream.height = size
        self.stream.pix_fmt = 'yuv420p'
        self.stream.bit_rate = 2_000_000
        self.stream.codec_context.gop_size = int(gop)
        self.stream.codec_context.max_b_frames = 0

    def write(self, bgr):
        import av
        frame = av.VideoFrame.from_ndarray(bgr, format='bgr24')
        for packet in self.stream.encode(frame):
            self.container.mux(packet)

    def release(self):
        for packet in self.stream.encode():
            self.container.mux(packet)
        self.container.close()


def generate_videos(folder, num, num_frames, size, seed=0, gop=None):
    """Textured, moving test videos (mp4v, 30 fps). ``gop=None``: OpenCV's
    writer (a key frame every 12 frames, the historical default); an int:
    PyAV's encoder with a key frame every ``gop`` frames."""
    w, h = size
    rng = np.random.RandomState(seed)
    paths = []
    for i in range(num):
        noise = rng.randint(0, 256, (h // 8 + 2, w // 8 + 2, 3), np.uint8)
        texture = cv2.resize(
            noise, (w + 16 * 8, h + 16 * 8), interpolation=cv2.INTER_CUBIC)
        path = osp.join(folder, f'bench_{i:03d}.mp4')
        if gop is None:
            writer = cv2.VideoWriter(path, cv2.CAP_FFMPEG,
                                     cv2.VideoWriter_fourcc(*'mp4v'), 30,
                                     (w, h))
        else:
            writer = _AVWriter(path, (w, h), gop)
        for t in range(num_frames):
            dx, dy = (3 * t) % 128, (2 * t) % 128
            frame = texture[dy:dy + h, dx:dx + w].copy()
            cx = int(w / 2 + w / 3 * np.sin(t / 10 + i))
            cy = int(h / 2 + h / 4 * np.cos(t / 13 + i))
            cv2.circle(frame, (cx, cy), h // 6, (255, 64, 32), -1)
            writer.write(frame)
        writer.release()
        paths.append(path)
    return paths


def build_ours(ann, args):
    from mmvssl.registry import DATASETS
    view = [
        dict(type='ClipRandomResizedCrop', scale=args.crop_size),
        dict(type='ClipFlip', flip_ratio=0.5)
    ]
    return DATASETS.build(
        dict(
            type='MultiViewVideoDataset',
            ann_file=ann,
            data_prefix=dict(video=''),
            video_backend=getattr(args, 'backend', 'decord'),
            clip_sampler=dict(
                type='TemporalIntervalSampler',
                clip_len=args.clip_len,
                frame_interval=args.frame_interval,
                num_clips=2,
                max_interval=args.max_interval),
            views=[
                dict(name='clip0', pipeline=view),
                dict(name='clip1', pipeline=view)
            ]))


def build_mmaction(args):
    import mmaction.datasets  # noqa: F401 - registers the transforms
    from mmaction.registry import TRANSFORMS
    from mmengine.dataset import Compose
    cfg = [
        dict(type='DecordInit', num_threads=1),
        dict(
            type='SampleFrames',
            clip_len=args.clip_len,
            frame_interval=args.frame_interval,
            num_clips=1),
        dict(type='DecordDecode'),
        dict(type='RandomResizedCrop'),
        dict(
            type='Resize',
            scale=(args.crop_size, args.crop_size),
            keep_ratio=False),
        dict(type='Flip', flip_ratio=0.5),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs'),
    ]
    return Compose([TRANSFORMS.build(c) for c in cfg])


def _clock():
    return time.perf_counter(), time.process_time()


def measure(ours, baseline, paths):
    """One measurement over all videos, alternating the two pipelines video
    by video (so load from other processes hits both alike). Returns
    ``{name: (wall clips/s, cpu clips/s)}``."""
    spent = dict(ours=[0., 0.], mmaction=[0., 0.])
    clips = dict(ours=0, mmaction=0)
    for i, path in enumerate(paths):
        w0, c0 = _clock()
        out = ours[i]
        w1, c1 = _clock()
        for _ in range(2):  # two independent passes, one clip each
            res = baseline(dict(filename=path, start_index=0, modality='RGB'))
            assert res['inputs'].shape[0] == 1
        w2, c2 = _clock()
        clips['ours'] += len(out['inputs'])
        clips['mmaction'] += 2
        spent['ours'][0] += w1 - w0
        spent['ours'][1] += c1 - c0
        spent['mmaction'][0] += w2 - w1
        spent['mmaction'][1] += c2 - c1
    return {k: (clips[k] / spent[k][0], clips[k] / spent[k][1]) for k in spent}


PHOTOMETRIC_TYPES = ('ClipColorJitter', 'ClipGrayscale', 'ClipGaussianBlur',
                     'ClipSolarize')


def build_k400(ann, deferred):
    """The K400 recipe's dataset (two 224x224 views) on ``ann``."""
    import copy

    from mmengine.config import Config

    from mmvssl.registry import DATASETS
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    cfg = Config.fromfile(
        osp.join(root, 'configs', '_base_', 'datasets', 'k400_ssl.py'))
    ds = copy.deepcopy(cfg.train_dataloader['dataset'])
    ds.update(ann_file=ann, data_prefix=dict(video=''))
    if deferred:
        for view in ds['views']:
            for t in view['pipeline']:  # (a str is a dataset slot)
                if isinstance(t, dict) and t['type'] in PHOTOMETRIC_TYPES:
                    t['deferred'] = True
    return DATASETS.build(ds)


def run_photometric(args, paths, ann, source):
    """Worker CPU time per two-view sample, photometric in the worker vs
    deferred, and the preprocessor's CPU cost per batch."""
    from mmengine.dataset import pseudo_collate

    from mmvssl.models.data_preprocessors import MultiViewDataPreprocessor
    worker, deferred = build_k400(ann, False), build_k400(ann, True)
    n = len(paths)
    for ds in (worker, deferred):
        ds[0]  # warm up
    cpu = dict(worker=[], deferred=[])
    for r in range(args.repeats):
        spent = dict(worker=0., deferred=0.)
        for i in range(n):
            for name, ds in (('worker', worker), ('deferred', deferred)):
                np.random.seed(args.seed + r * n + i)  # same draws
                c0 = time.process_time()
                ds[i]
                spent[name] += time.process_time() - c0
        for k in spent:
            cpu[k].append(1000 * spent[k] / n)
    pre = MultiViewDataPreprocessor(
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])
    batch_cost = dict(normalise=[], photometric=[])
    for r in range(args.repeats):
        np.random.seed(args.seed + 1000 + r)
        batch = pseudo_collate([
            deferred[(r * args.batch_size + j) % n]
            for j in range(args.batch_size)
        ])
        plain = dict(inputs=batch['inputs'], data_samples=None)
        for name, data in (('normalise', plain), ('photometric', batch)):
            c0 = time.process_time()
            pre(data)
            batch_cost[name].append(1000 * (time.process_time() - c0))
    med = {k: statistics.median(v) for k, v in {**cpu, **batch_cost}.items()}
    print(f'videos: {source}')
    print('recipe: configs/_base_/datasets/k400_ssl.py (2 views x 16 frames '
          'at stride 2, random resized crop -> 224^2, flip, colour jitter '
          'p=0.8, grayscale p=0.2, blur p=1.0 / 0.1, solarize p=0 / 0.2)')
    print(f'machine: {cpu_name()}, {os.cpu_count()} CPUs, torch '
          f'{torch.__version__}, 1 OpenCV / torch thread')
    print(f'repeats: {args.repeats} (each over {n} videos, the two '
          'pipelines alternating per sample, same random draws); worker '
          'CPU ms per two-view sample:')
    print('  photometric in the worker: ' + ' '.join(f'{v:.1f}'
                                                     for v in cpu['worker']))
    print('  deferred (drawn only):     ' + ' '.join(f'{v:.1f}'
                                                     for v in cpu['deferred']))
    saved = med['worker'] - med['deferred']
    print(f'median worker CPU ms per sample: in the worker '
          f'{med["worker"]:.1f}, deferred {med["deferred"]:.1f} (ratio '
          f'{med["worker"] / med["deferred"]:.2f}x, {saved:.1f} ms saved)')
    extra = med['photometric'] - med['normalise']
    print(f'preprocessor CPU ms per batch of {args.batch_size} (median of '
          f'{args.repeats}): normalise only {med["normalise"]:.0f}, with '
          f'the photometric records {med["photometric"]:.0f} (+{extra:.0f} '
          f'ms, {extra / args.batch_size:.1f} ms per sample on one CPU '
          'thread)')
    print(f'worker CPU time ratio (in the worker / deferred, median): '
          f'{med["worker"] / med["deferred"]:.2f}x')


def cpu_name():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main():
    args = parse_args()
    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    np.random.seed(args.seed)
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    import mmvssl  # noqa: F401 - compat shim
    import mmvssl.datasets  # noqa: F401
    import mmvssl.models  # noqa: F401
    from mmvssl.datasets.video_readers import video_backend_error
    if not args.photometric:
        err = video_backend_error(args.backend)
        if err is not None:
            print(f'skipped: {err}')
            return

    tmp = tempfile.TemporaryDirectory(prefix='mmvssl_bench_')
    if args.videos:
        paths = sorted(
            p for ext in ('mp4', 'avi', 'mkv', 'webm', 'mov')
            for p in glob.glob(osp.join(args.videos, f'*.{ext}')))
        paths = paths[:args.num_videos]
        if not paths:
            sys.exit(f'no videos found in {args.videos}')
        source = args.videos
    else:
        w, h = (int(v) for v in args.frame_size.lower().split('x'))
        t0 = time.perf_counter()
        paths = generate_videos(tmp.name, args.num_videos, args.num_frames,
                                (w, h), args.seed, args.gop)
        writer = 'OpenCV' if args.gop is None else 'PyAV'
        source = (f'{len(paths)} generated mp4v videos ({writer}), {w}x{h},'
                  f' {args.num_frames} frames at 30 fps, GOP '
                  f'{args.gop or 12} ({time.perf_counter() - t0:.1f}s to '
                  'write)')
    ann = osp.join(tmp.name, 'ann.txt')
    with open(ann, 'w') as f:
        f.write(''.join(f'{p} 0\n' for p in paths))
    if args.photometric:
        run_photometric(args, paths, ann, source)
        tmp.cleanup()
        return

    ours = build_ours(ann, args)
    baseline = build_mmaction(args)
    measure(ours, baseline, paths[:2])  # warm up

    runs = [measure(ours, baseline, paths) for _ in range(args.repeats)]

    def med(name, k):
        return statistics.median(r[name][k] for r in runs)

    print(f'videos: {source}')
    print(f'views: 2 x {args.clip_len} frames at stride '
          f'{args.frame_interval}, start gap <= {args.max_interval} '
          f'(overlapping), random resized crop -> {args.crop_size}^2, flip')
    import decord
    print(f'machine: {cpu_name()}, '
          f'{os.cpu_count()} CPUs, Python {platform.python_version()}, '
          f'torch {torch.__version__}, decord {decord.__version__}, '
          f'ours with video_backend={args.backend!r}, 1 decoding / OpenCV '
          'thread')
    print(f'repeats: {args.repeats} (each over {len(paths)} videos, the two '
          'pipelines alternating per video); wall-clock clips/s:')
    print('  ours (decode once):  ' + ' '.join(f'{r["ours"][0]:.1f}'
                                               for r in runs))
    print('  mmaction2 x2 passes: ' + ' '.join(f'{r["mmaction"][0]:.1f}'
                                               for r in runs))
    print(f'median clips/s per CPU-second: ours {med("ours", 1):.1f}, '
          f'mmaction2 x2 {med("mmaction", 1):.1f} '
          f'(ratio {med("ours", 1) / med("mmaction", 1):.2f}x)')
    print(f'median wall-clock clips/s: ours {med("ours", 0):.1f}, '
          f'mmaction2 x2 {med("mmaction", 0):.1f}')
    paired = [r['ours'][0] / r['mmaction'][0] for r in runs]
    print('per-repeat wall-clock ratios (each repeat interleaves the two '
          'pipelines video by video): ' + ' '.join(f'{v:.2f}'
                                                   for v in paired) +
          f' (median {statistics.median(paired):.2f}x)')
    tmp.cleanup()
    print(f'speed ratio (ours / mmaction2 two passes, median wall-clock '
          f'clips/s): {med("ours", 0) / med("mmaction", 0):.2f}x')


if __name__ == '__main__':
    main()
