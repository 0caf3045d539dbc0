"""Build AVA / AVA-Kinetics annotation files for mmaction2's AVA datasets.

Two commands:

``gt-proposals CSV OUT.pkl``
    Proposal file of the ground-truth person boxes of an AVA-format CSV:
    ``{'video_id,TTTT': float32 (N, 5)}`` (``x1, y1, x2, y2`` normalised,
    score 1). Training on ground-truth boxes and testing "with ground-truth
    boxes" both read it as ``proposal_file``.

``kinetics --ava-dir --ava-kinetics-dir --kinetics-clips ... --out-dir``
    AVA-Kinetics: the AVA v2.2 CSVs plus the Kinetics part of the
    AVA-Kinetics v1.0 release, in the format mmaction2's
    ``AVAKineticsDataset`` reads. For each split (``train``, ``val``) it
    writes, under ``--out-dir``:

    * ``ava_kinetics_{split}_v1.0.csv``: the AVA rows unchanged, then the
      Kinetics rows with the video id of the Kinetics clip that holds the
      keyframe, ``<youtube_id>_<start:06d>_<end:06d>`` (the clip's frames
      are ``rawframes/<that id>/img_%05d.jpg`` at 30 fps, ``img_00001`` at
      ``start`` seconds), the keyframe time in whole seconds of the YouTube
      video, and a person id (0, 1, ... per keyframe, by box, when the
      release has none);
    * ``ava_kinetics_{split}_excluded_timestamps_v1.0.csv``: AVA's excluded
      timestamps (the Kinetics part has none);
    * ``ava_kinetics_gt_proposals_{split}_v1.0.pkl``: ground-truth boxes
      of both parts as proposals;
    * ``ava_kinetics_dense_proposals_{split}_v1.0.pkl`` when detections are
      given (``--ava-proposals-{split}``, ``--kinetics-proposals-{split}``):
      their union (keys ``video_id,TTTT``, the Kinetics part keyed by its
      YouTube id as ``AVAKineticsDataset`` looks them up);
    * ``kinetics_clips_{split}.txt``: ``clip_id youtube_id start end``, one
      line per Kinetics clip used: the clips to cut / extract frames of;
    * a copy of the label map.

Input formats (as released):

* AVA v2.2 ``ava_{train,val}_v2.2.csv``: ``video_id, timestamp, x1, y1, x2,
  y2, action_id, person_id`` (boxes normalised to [0, 1]);
  ``ava_{split}_excluded_timestamps_v2.2.csv``: ``video_id, timestamp``;
  ``ava_action_list_v2.2_for_activitynet_2019.pbtxt``.
* AVA-Kinetics v1.0 ``kinetics_{train,val}_v1.0.csv``: ``youtube_id,
  timestamp, x1, y1, x2, y2, action_id`` (7 columns; an 8th, a person id, is
  kept if present); ``timestamp`` is in seconds of the YouTube video.
* Kinetics-700 clip lists (``--kinetics-clips``, several allowed): the
  official CSVs ``label,youtube_id,time_start,time_end,split`` (with a
  header), or mmaction2 video lists whose file names end in
  ``<youtube_id>_<start:06d>_<end:06d>.<ext>``.

A Kinetics row whose keyframe falls in no listed clip is dropped (counted
in the summary): such videos are missing from the local Kinetics copy.
"""
import argparse
import csv
import os
import os.path as osp
import pickle
import shutil
import sys
from collections import OrderedDict, defaultdict

import numpy as np

SPLITS = ('train', 'val')


def read_rows(path):
    """Rows of a CSV without blank lines."""
    with open(path, newline='') as f:
        return [row for row in csv.reader(f) if row and any(row)]


def gt_proposals(rows, key_video=None):
    """``{'video,TTTT': (N, 5) float32}``: the distinct boxes of each
    keyframe (score 1), in order of appearance.

    Args:
        rows: AVA-format rows (``video_id, timestamp, x1, y1, x2, y2,
            ...``).
        key_video (callable, optional): maps a video id to the id used in
            the key (for AVA-Kinetics clips: their YouTube id).
    """
    boxes = OrderedDict()
    for row in rows:
        video = key_video(row[0]) if key_video else row[0]
        key = f'{video},{int(row[1]):04d}'
        box = tuple(round(float(v), 3) for v in row[2:6])
        boxes.setdefault(key, OrderedDict())[box] = None
    return {
        k: np.array([list(b) + [1.0] for b in v], dtype=np.float32)
        for k, v in boxes.items()
    }


def dump_pickle(obj, path):
    with open(path, 'wb') as f:
        pickle.dump(obj, f)


def load_pickle(path):
    with open(path, 'rb') as f:
        return pickle.load(f)


def clip_id(youtube_id, start, end):
    return f'{youtube_id}_{int(start):06d}_{int(end):06d}'


def youtube_id_of(video_id):
    """The YouTube id of an AVA-Kinetics clip id (an AVA id is its own)."""
    if len(video_id) == 11:  # an AVA / YouTube id (may contain '_')
        return video_id
    parts = video_id.split('_')
    if len(parts) >= 3 and parts[-1].isdigit() and parts[-2].isdigit():
        return '_'.join(parts[:-2])
    return video_id


def read_kinetics_clips(paths):
    """``{youtube_id: [(start, end), ...]}`` from Kinetics CSVs or mmaction2
    video lists."""
    clips = defaultdict(set)
    for path in paths:
        with open(path, newline='') as f:
            lines = [ln.strip() for ln in f if ln.strip()]
        if lines and 'youtube_id' in lines[0]:
            reader = csv.DictReader(lines)
            for rec in reader:
                clips[rec['youtube_id']].add(
                    (int(float(rec['time_start'])),
                     int(float(rec['time_end']))))
            continue
        for ln in lines:
            name = osp.splitext(osp.basename(ln.split()[0]))[0]
            parts = name.split('_')
            if len(parts) < 3 or not (parts[-1].isdigit()
                                      and parts[-2].isdigit()):
                raise ValueError(f'{path}: cannot read a clip from {ln!r} '
                                 '(expected <youtube_id>_<start>_<end>.ext)')
            clips['_'.join(parts[:-2])].add((int(parts[-2]), int(parts[-1])))
    return {k: sorted(v) for k, v in clips.items()}


def convert_kinetics_rows(rows, clips):
    """AVA-format rows of the Kinetics part.

    Returns:
        tuple: ``(rows, used_clips, stats)``; ``used_clips`` maps a clip id
        to ``(youtube_id, start, end)``.
    """
    out, used = [], OrderedDict()
    stats = dict(rows=len(rows), missing_clip=0, fractional_timestamp=0)
    person = defaultdict(dict)
    for row in rows:
        if len(row) not in (7, 8):
            raise ValueError(f'a Kinetics row has {len(row)} columns, '
                             f'expected 7 or 8: {row}')
        ytid, ts = row[0], float(row[1])
        sec = int(round(ts))
        if abs(ts - sec) > 1e-3:
            stats['fractional_timestamp'] += 1
        found = [(s, e) for s, e in clips.get(ytid, ()) if s <= sec <= e]
        if not found:
            stats['missing_clip'] += 1
            continue
        start, end = found[0]
        vid = clip_id(ytid, start, end)
        used[vid] = (ytid, start, end)
        box = [f'{float(v):.3f}' for v in row[2:6]]
        if len(row) == 8 and row[7].strip() != '':
            pid = int(float(row[7]))
        else:  # one id per distinct box of the keyframe
            ids = person[(vid, sec)]
            pid = ids.setdefault(tuple(box), len(ids))
        out.append([vid, f'{sec:04d}'] + box +
                   [str(int(float(row[6]))), str(pid)])
    stats['kept'] = len(out)
    return out, used, stats


def write_csv(rows, path):
    with open(path, 'w', newline='') as f:
        csv.writer(f, lineterminator='\n').writerows(rows)


def build_kinetics(args):
    os.makedirs(args.out_dir, exist_ok=True)
    clips = read_kinetics_clips(args.kinetics_clips)
    summary = {}
    label_map = osp.join(args.ava_dir, args.label_file)
    if osp.exists(label_map):
        shutil.copy(label_map, osp.join(args.out_dir, args.label_file))
    for split in SPLITS:
        ava_csv = osp.join(args.ava_dir, f'ava_{split}_v2.2.csv')
        kin_csv = osp.join(args.ava_kinetics_dir, f'kinetics_{split}_v1.0.csv')
        if not (osp.exists(ava_csv) and osp.exists(kin_csv)):
            print(f'[{split}] skipped: {ava_csv} or {kin_csv} not found')
            continue
        ava_rows = read_rows(ava_csv)
        kin_rows, used, stats = convert_kinetics_rows(read_rows(kin_csv),
                                                      clips)
        tag = f'ava_kinetics_{split}'
        write_csv(ava_rows + kin_rows, osp.join(args.out_dir,
                                                f'{tag}_v1.0.csv'))
        exc = osp.join(args.ava_dir,
                       f'ava_{split}_excluded_timestamps_v2.2.csv')
        write_csv(
            read_rows(exc) if osp.exists(exc) else [],
            osp.join(args.out_dir, f'{tag}_excluded_timestamps_v1.0.csv'))
        props = gt_proposals(ava_rows)
        props.update(gt_proposals(kin_rows, key_video=youtube_id_of))
        dump_pickle(props,
                    osp.join(args.out_dir,
                             f'ava_kinetics_gt_proposals_{split}_v1.0.pkl'))
        dets = [
            getattr(args, f'ava_proposals_{split}'),
            getattr(args, f'kinetics_proposals_{split}')
        ]
        if any(dets):
            merged = {}
            for path in dets:
                if path:
                    merged.update(load_pickle(path))
            dump_pickle(
                merged,
                osp.join(args.out_dir,
                         f'ava_kinetics_dense_proposals_{split}_v1.0.pkl'))
        with open(osp.join(args.out_dir, f'kinetics_clips_{split}.txt'),
                  'w') as f:
            for vid, (ytid, start, end) in used.items():
                f.write(f'{vid} {ytid} {start} {end}\n')
        stats.update(ava_rows=len(ava_rows), clips=len(used))
        summary[split] = stats
        print(f'[{split}] AVA rows {len(ava_rows)}, Kinetics rows '
              f'{stats["kept"]} of {stats["rows"]} kept '
              f'({stats["missing_clip"]} without a local clip, '
              f'{stats["fractional_timestamp"]} timestamps rounded), '
              f'{len(used)} clips')
    return summary


def build_gt_proposals(args):
    rows = read_rows(args.csv)
    props = gt_proposals(rows, key_video=youtube_id_of
                         if args.youtube_keys else None)
    dump_pickle(props, args.out)
    print(f'{len(props)} keyframes, '
          f'{sum(len(v) for v in props.values())} boxes -> {args.out}')
    return props


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest='command', required=True)
    g = sub.add_parser('gt-proposals',
                       help='proposal file of the ground-truth boxes')
    g.add_argument('csv', help='AVA-format annotation CSV')
    g.add_argument('out', help='output .pkl')
    g.add_argument('--youtube-keys', action='store_true',
                   help='key AVA-Kinetics clips by their YouTube id (as '
                   'AVAKineticsDataset looks proposals up); AVA ids are '
                   'unchanged')
    k = sub.add_parser('kinetics', help='AVA-Kinetics annotation files')
    k.add_argument('--ava-dir', required=True,
                   help='AVA v2.2 annotations (ava_{train,val}_v2.2.csv, '
                   'excluded timestamps, label map)')
    k.add_argument('--ava-kinetics-dir', required=True,
                   help='the AVA-Kinetics release (kinetics_{train,val}_'
                   'v1.0.csv)')
    k.add_argument('--kinetics-clips', nargs='+', required=True,
                   help='Kinetics-700 CSVs or mmaction2 video lists')
    k.add_argument('--out-dir', required=True)
    k.add_argument('--label-file',
                   default='ava_action_list_v2.2_for_activitynet_2019.pbtxt')
    for split in SPLITS:
        k.add_argument(f'--ava-proposals-{split}',
                       help=f'AVA person detections ({split}), .pkl')
        k.add_argument(f'--kinetics-proposals-{split}',
                       help=f'Kinetics person detections ({split}), .pkl '
                       'keyed youtube_id,TTTT')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.command == 'gt-proposals':
        return build_gt_proposals(args)
    return build_kinetics(args)


if __name__ == '__main__':
    main(sys.argv[1:])
