"""Check every video of an annotation file, optionally re-encode them.

For each video listed in ``ANN_FILE`` (mmaction2's video list format:
``path [label ...]`` per line, paths relative to ``--data-prefix``):

* **unreadable**: missing, empty, or cannot be opened / decoded at all;
* **wrong frame count**: the frames decodable from the start differ from the
  count the container header gives, or from the count the seeking backend
  (``--backend``, default decord: what ``MultiViewVideoDataset`` uses)
  reports (the dataset samples indices from the latter);
* **inaccurate seeking**: for ``--num-checks`` random indices, the frame a
  seeking read returns differs from the frame sequential decoding gives
  (AVI files with B-frames and no timestamps, e.g. DivX-encoded UCF101 /
  HMDB51); the report gives the position the returned frame came from;
* **long GOP**: key frames further apart than ``--long-gop`` frames (every
  seek decodes from the key frame before it: GOP 12 costs about half of GOP
  250 per two-clip sample).

A progress bar runs while ``--workers`` processes check the videos; the
report (JSON: one entry per video, plus the lists per problem) goes to
``--report`` and a summary is printed. With ``--reencode OUT_DIR`` every
decodable video is written to ``OUT_DIR`` as H.264 mp4 (``--gop`` frames
between key frames, default 12, ``--crf`` quality) from its sequentially
decoded frames, and ``OUT_DIR/<ANN_FILE's name>`` lists them with the
original labels (use it with ``data_prefix=dict(video=OUT_DIR)`` and
``video_backend='decord'``). Unreadable videos are left out of it.

Example::

    python tools/data/check_videos.py \\
        data/ucf101/ucf101_train_split_1_videos.txt \\
        --data-prefix data/ucf101/videos --workers 8 \\
        --reencode data/ucf101/videos_h264
"""
import argparse
import json
import os
import os.path as osp
import sys
import zlib
from fractions import Fraction
from multiprocessing import Pool

import numpy as np

PROBLEMS = ('unreadable', 'wrong_frame_count', 'inaccurate_seeking',
            'long_gop')
THUMB = (32, 24)  # (w, h) of the thumbnails used to locate a wrong frame


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n\n', 1)[1])
    p.add_argument('ann_file', help='annotation file (path [label ...])')
    p.add_argument(
        '--data-prefix', default='', help='folder the paths are relative to')
    p.add_argument(
        '--workers', type=int, default=1, help='processes (default 1)')
    p.add_argument(
        '--backend',
        default='decord',
        help="seeking backend to check (default 'decord')")
    p.add_argument(
        '--num-checks',
        type=int,
        default=4,
        help='random indices compared per video (default 4)')
    p.add_argument(
        '--long-gop',
        type=int,
        default=64,
        help='report key frames further apart than this (default 64)')
    p.add_argument(
        '--tolerance',
        type=float,
        default=2.0,
        help='mean absolute difference (grey levels) above which a '
        'seeking read is a different frame (default 2.0)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument(
        '--report',
        help='JSON report (default: work_dirs/check_videos/'
        '<annotation name>.json)')
    p.add_argument(
        '--reencode',
        metavar='OUT_DIR',
        help='write H.264 mp4 copies and a new annotation file here')
    p.add_argument(
        '--gop',
        type=int,
        default=12,
        help='key frame interval of re-encoded videos (default 12)')
    p.add_argument(
        '--crf',
        type=int,
        default=18,
        help='x264 quality of re-encoded videos (default 18)')
    return p.parse_args(argv)


def read_annotation(path):
    """``[(relative video path, rest of the line)]`` (blank lines
    skipped)."""
    if not osp.isfile(path):
        sys.exit(f'annotation file {path} does not exist')
    entries = []
    with open(path) as f:
        for line in f:
            parts = line.strip().split(maxsplit=1)
            if parts:
                entries.append((parts[0], parts[1] if len(parts) > 1 else ''))
    if not entries:
        sys.exit(f'annotation file {path} lists no videos')
    return entries


def _thumb(img):
    import cv2
    small = cv2.resize(img, THUMB, interpolation=cv2.INTER_AREA)
    return small.astype(np.float32)


def _out_path(rel):
    """``a/b.mp4`` stays, ``a/b.avi`` becomes ``a/b.avi.mp4`` (no clash
    with a ``b.mp4`` beside it)."""
    return rel if rel.lower().endswith('.mp4') else rel + '.mp4'


class _Encoder:
    """H.264 writer of sequentially decoded frames (PyAV)."""

    def __init__(self, path, first, fps, gop, crf):
        import av
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        self.path = path
        self.container = av.open(path, 'w', format='mp4')
        rate = Fraction(fps).limit_denominator(1001)
        self.time_base = 1 / rate
        self.stream = self.container.add_stream(
            'libx264',
            rate=rate,
            options=dict(
                crf=str(crf),
                preset='veryfast',
                g=str(gop),
                keyint_min=str(gop),
                sc_threshold='0'))
        self.stream.width, self.stream.height = first.width, first.height
        even = first.width % 2 == 0 and first.height % 2 == 0
        self.stream.pix_fmt = 'yuv420p' if even else 'yuv444p'
        self.count = 0

    def add(self, frame):
        out = frame.reformat(format=self.stream.pix_fmt)
        out.pts = self.count  # the source's timestamps may be missing
        out.time_base = self.time_base
        self.count += 1
        for packet in self.stream.encode(out):
            self.container.mux(packet)

    def close(self):
        for packet in self.stream.encode():
            self.container.mux(packet)
        self.container.close()


def _sequential(path, check_inds, encoder_args=None):
    """Decode ``path`` from the start with PyAV: frame count, header count,
    key frame positions, full frames at ``check_inds``, thumbnails of all
    frames, the error that stopped decoding (if any), and the number of
    frames re-encoded."""
    import av
    out = dict(frames=0, header=0, keys=[], error=None, fps=None)
    kept, thumbs = {}, []
    encoder = None
    container = av.open(path)
    try:
        if not container.streams.video:
            raise ValueError('no video stream')
        stream = container.streams.video[0]
        stream.thread_type = 'NONE'
        out['header'] = int(stream.frames or 0)
        rate = stream.average_rate or stream.guessed_rate
        out['fps'] = float(rate) if rate else 30.0
        wanted = set(int(i) for i in check_inds)
        try:
            for frame in container.decode(stream):
                i = out['frames']
                if frame.key_frame:
                    out['keys'].append(i)
                img = frame.to_ndarray(format='rgb24')
                if i in wanted:
                    kept[i] = img
                thumbs.append(_thumb(img))
                if encoder_args is not None:
                    if encoder is None:
                        encoder = _Encoder(encoder_args[0], frame, out['fps'],
                                           *encoder_args[1:])
                    encoder.add(frame)
                out['frames'] += 1
        except Exception as e:  # noqa: BLE001 - av.error.*
            out['error'] = f'{type(e).__name__}: {str(e).splitlines()[0]}'
    finally:
        container.close()
        if encoder is not None:
            encoder.close()
    out['reencoded'] = 0 if encoder is None else encoder.count
    return out, kept, thumbs


def check_video(job):
    """Check one video; returns its report entry."""
    rel, path, args = job
    from mmvssl.datasets.video_readers import (VideoReadError,
                                               build_video_reader)
    entry = dict(video=rel, path=path, problems=[])

    def unreadable(reason):
        entry['problems'].append('unreadable')
        entry['reason'] = reason
        return entry

    if not osp.isfile(path):
        return unreadable('file not found')
    if osp.getsize(path) == 0:
        return unreadable('empty file (0 bytes)')
    try:
        video = build_video_reader(args.backend).open(dict(filename=path))
    except VideoReadError as e:
        return unreadable(f'{args.backend}: {e.reason}')
    try:
        backend_frames = int(video.total_frames)
        rng = np.random.RandomState(
            (zlib.crc32(rel.encode()) + args.seed) % 2**32)
        checks = np.sort(
            rng.choice(
                backend_frames,
                min(args.num_checks, backend_frames),
                replace=False))
        enc = None
        if args.reencode:
            enc = (osp.join(args.reencode, _out_path(rel)), args.gop, args.crf)
        try:
            seq, kept, thumbs = _sequential(path, checks, enc)
        except Exception as e:  # noqa: BLE001 - cannot open with PyAV
            return unreadable(f'PyAV: {type(e).__name__}: '
                              f'{str(e).splitlines()[0] if str(e) else ""}')
        entry.update(
            backend_frames=backend_frames,
            header_frames=seq['header'],
            decodable_frames=seq['frames'],
            fps=seq['fps'])
        if seq['error'] is not None:
            entry['decode_error'] = seq['error']
        if seq['frames'] == 0:
            return unreadable('no frame can be decoded' +
                              (f' ({seq["error"]})' if seq['error'] else ''))
        if seq['frames'] != backend_frames or (seq['header'] and seq['header']
                                               != seq['frames']):
            entry['problems'].append('wrong_frame_count')
        # seeking reads, one index at a time (as random access does)
        wrong = []
        for i in checks:
            i = int(i)
            if i not in kept:
                continue  # past the decodable frames: counted above
            try:
                img = video.get_frames(np.array([i]))[0]
            except VideoReadError as e:
                wrong.append(dict(index=i, error=e.reason))
                continue
            if img.shape != kept[i].shape:
                wrong.append(dict(index=i, error=f'shape {img.shape}'))
                continue
            diff = float(np.abs(img.astype(np.float32) - kept[i]).mean())
            if diff > args.tolerance:
                t = _thumb(img)
                err = [float(np.abs(t - s).mean()) for s in thumbs]
                wrong.append(
                    dict(
                        index=i,
                        mean_abs_diff=round(diff, 2),
                        looks_like=int(np.argmin(err))))
        entry['seek_checks'] = [int(i) for i in checks if int(i) in kept]
        if wrong:
            entry['problems'].append('inaccurate_seeking')
            entry['wrong_seeks'] = wrong
        keys = seq['keys'] or [0]
        gaps = np.diff(keys + [seq['frames']])
        entry['max_gop'] = int(gaps.max()) if len(gaps) else seq['frames']
        entry['key_frames'] = len(seq['keys'])
        if entry['max_gop'] > args.long_gop:
            entry['problems'].append('long_gop')
        if args.reencode:
            entry['reencoded'] = _out_path(rel)
            entry['reencoded_frames'] = seq['reencoded']
    finally:
        video.close()
    return entry


def _progress(iterable, total):
    try:
        from tqdm import tqdm
        return tqdm(iterable, total=total, unit='video', file=sys.stderr)
    except ImportError:  # pragma: no cover
        return iterable


def main(argv=None):
    args = parse_args(argv)
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    from mmvssl.datasets.video_readers import check_video_backend
    check_video_backend(args.backend)
    check_video_backend('pyav')
    entries = read_annotation(args.ann_file)
    jobs = [(rel, osp.join(args.data_prefix, rel), args) for rel, _ in entries]
    if args.workers > 1:
        with Pool(args.workers) as pool:
            results = list(_progress(pool.imap(check_video, jobs), len(jobs)))
    else:
        results = [check_video(j) for j in _progress(jobs, len(jobs))]

    summary = {
        p: [r['video'] for r in results if p in r['problems']]
        for p in PROBLEMS
    }
    report = dict(
        ann_file=args.ann_file,
        data_prefix=args.data_prefix,
        backend=args.backend,
        videos=len(results),
        ok=sum(not r['problems'] for r in results),
        problems=summary,
        results=results)
    if args.reencode:
        out_ann = osp.join(args.reencode, osp.basename(args.ann_file))
        os.makedirs(args.reencode, exist_ok=True)
        lines = []
        for (rel, rest), r in zip(entries, results):
            if 'unreadable' in r['problems'] or not r.get('reencoded_frames'):
                continue
            lines.append(f'{_out_path(rel)} {rest}'.rstrip())
        with open(out_ann, 'w') as f:
            f.write(''.join(line + '\n' for line in lines))
        report['reencoded_ann_file'] = out_ann
    path = args.report or osp.join(
        'work_dirs', 'check_videos',
        osp.splitext(osp.basename(args.ann_file))[0] + '.json')
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(report, f, indent=1)

    print(f'{len(results)} videos checked with {args.backend!r}: '
          f'{report["ok"]} without problems')
    for p in PROBLEMS:
        print(f'  {p.replace("_", " ")}: {len(summary[p])}')
        for r in results:
            if p not in r['problems']:
                continue
            detail = {
                'unreadable':
                lambda r: r.get('reason'),
                'wrong_frame_count':
                lambda r: (f'header {r["header_frames"]}, {args.backend} '
                           f'{r["backend_frames"]}, decodable '
                           f'{r["decodable_frames"]}'),
                'inaccurate_seeking':
                lambda r: ', '.join(
                    f'{w["index"]} -> {w.get("looks_like", "?")}'
                    for w in r['wrong_seeks']),
                'long_gop':
                lambda r: f'max GOP {r["max_gop"]} frames',
            }[p](
                r)
            print(f'    {r["video"]}: {detail}')
    if args.reencode:
        print(f're-encoded (H.264, GOP {args.gop}) to {args.reencode}; '
              f'annotation: {report["reencoded_ann_file"]}')
    print(f'report: {path}')
    return report


if __name__ == '__main__':
    main()
