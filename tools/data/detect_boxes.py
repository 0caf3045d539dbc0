"""Detect boxes in videos with an mmdet detector: region boxes for
ConST-CL pretraining (DetectorRegionBoxes), or the person proposals of the
AVA / AVA-Kinetics datasets (``--ava-keyframes``).

Without ``--ava-keyframes`` it writes a region box file (``.pkl`` or
``.json``)::

    {video_key: {'frame_shape': [H, W],
                 'boxes': {frame_index: [[x1, y1, x2, y2, score], ...]}}}

``video_key`` is the video path relative to ``--data-prefix``; boxes are in
the pixel coordinates of the decoded source frames (``frame_shape``);
``frame_index`` is the 0-based decoded frame index. Detect every
``--frame-interval``-th frame and read them with
``DetectorRegionBoxes(max_frame_gap=interval // 2)``, or every frame with
interval 1.

Example (person boxes, COCO class 0)::

    python tools/data/detect_boxes.py \\
        mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py faster_rcnn.pth \\
        --ann-file data/kinetics400/kinetics400_train_list_videos.txt \\
        --data-prefix data/kinetics400/videos_train \\
        --out data/kinetics400/person_boxes_train.pkl \\
        --frame-interval 4 --classes 0 --score-thr 0.5

With ``--ava-keyframes CSV`` (an AVA-format annotation file, e.g. the
``ava_kinetics_val_v1.0.csv`` of ``tools/data/ava_kinetics/
build_annotations.py``) only the keyframes of the listed videos are
detected, and the output is the proposal file mmaction2's ``AVADataset`` /
``AVAKineticsDataset`` (and mmvssl's ``CheckedAVAKineticsDataset``) read::

    {'<youtube_id>,<TTTT>': float32 (N, 5) [x1, y1, x2, y2, score]}

boxes normalised to [0, 1], ``TTTT`` the keyframe second. A video's id is
its file name without extension: a Kinetics clip
``<youtube_id>_<start:06d>_<end:06d>`` (its keyframe ``t`` is frame
``(t - start) * fps`` of the clip, keyed by the YouTube id as
``AVAKineticsDataset`` looks it up) or an AVA id (11 characters; trimmed
videos start at ``--ava-timestamp-start``, 900 s). Example (Kinetics part
of AVA-Kinetics val, COCO person class 0)::

    python tools/data/detect_boxes.py \\
        mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py faster_rcnn.pth \\
        --ann-file data/kinetics700/kinetics700_val_list_videos.txt \\
        --data-prefix data/kinetics700/videos_val \\
        --ava-keyframes \\
        data/ava_kinetics/annotations/ava_kinetics_val_v1.0.csv \\
        --out kinetics_person_detections_val.pkl --classes 0 --score-thr 0.5
"""
import argparse
import csv
import json
import os
import os.path as osp
import pickle
import sys
from typing import Dict, Iterable, List, Optional, Sequence

import numpy as np


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Detect region boxes for ConST-CL (DetectorRegionBoxes)')
    parser.add_argument('config', help='mmdet config file (or mmdet::...)')
    parser.add_argument('checkpoint', help='detector checkpoint')
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument('--ann-file', help='mmaction2 video list; the first '
                     'token of each line is a video path')
    src.add_argument('--videos', nargs='+', help='video paths')
    parser.add_argument('--data-prefix', default='',
                        help='root of the video paths (keys are relative)')
    parser.add_argument('--out', required=True, help='.pkl or .json')
    parser.add_argument('--frame-interval', type=int, default=1)
    parser.add_argument('--score-thr', type=float, default=0.3)
    parser.add_argument('--classes', type=int, nargs='*', default=None,
                        help='keep only these label ids (default: all)')
    parser.add_argument('--max-boxes', type=int, default=32,
                        help='highest-scoring boxes kept per frame')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument(
        '--ava-keyframes',
        help='AVA-format CSV: detect its keyframes only and write AVA '
        'proposals ({"<youtube_id>,<TTTT>": (N, 5) normalised})')
    parser.add_argument(
        '--ava-timestamp-start', type=int, default=900,
        help='second of the first frame of an AVA (11-character id) video')
    parser.add_argument('--device', default='cuda:0')
    return parser.parse_args(argv)


def read_video_list(ann_file: str) -> List[str]:
    """Video paths of an mmaction2 list file (first token of each line)."""
    with open(ann_file) as f:
        return [ln.split()[0] for ln in f if ln.strip()]


def detections_to_rows(pred_instances, score_thr: float,
                       classes: Optional[Sequence[int]],
                       max_boxes: int) -> List[List[float]]:
    """``[[x1, y1, x2, y2, score], ...]`` of one frame, best first."""
    bboxes = pred_instances.bboxes.detach().cpu().numpy().reshape(-1, 4)
    scores = pred_instances.scores.detach().cpu().numpy().reshape(-1)
    labels = pred_instances.labels.detach().cpu().numpy().reshape(-1)
    keep = scores >= score_thr
    if classes is not None:
        keep &= np.isin(labels, np.asarray(classes))
    order = np.argsort(-scores[keep], kind='stable')[:max_boxes]
    rows = np.concatenate([bboxes[keep], scores[keep, None]], axis=1)[order]
    return rows.astype(np.float32).round(2).tolist()


def detect_frames(model,
                  frames: Iterable[np.ndarray],
                  score_thr: float = 0.3,
                  classes: Optional[Sequence[int]] = None,
                  max_boxes: int = 32,
                  batch_size: int = 8) -> List[List[List[float]]]:
    """Run ``mmdet.apis.inference_detector`` on RGB uint8 frames (batched);
    one row list per frame."""
    from mmdet.apis import inference_detector
    frames = list(frames)
    out = []
    for i in range(0, len(frames), batch_size):
        batch = [np.ascontiguousarray(f[..., ::-1]) for f in
                 frames[i:i + batch_size]]  # mmdet expects BGR arrays
        results = inference_detector(model, batch)
        out += [
            detections_to_rows(r.pred_instances, score_thr, classes,
                               max_boxes) for r in results
        ]
    return out


def detect_video(model, path: str, frame_interval: int = 1,
                 **kwargs) -> Dict:
    """Detect every ``frame_interval``-th frame of a video (decord)."""
    import decord
    reader = decord.VideoReader(path, num_threads=1)
    inds = list(range(0, len(reader), frame_interval))
    frames = reader.get_batch(inds).asnumpy()
    rows = detect_frames(model, frames, **kwargs)
    return dict(
        frame_shape=[int(frames.shape[1]), int(frames.shape[2])],
        boxes={int(t): r for t, r in zip(inds, rows)})


def write_box_file(table: Dict, path: str) -> None:
    """Write the table as ``.pkl`` or ``.json`` (read by
    ``mmvssl.datasets.transforms.regions.load_region_box_file``)."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    if path.endswith('.json'):
        def _jsonable(entry):
            return dict(entry, boxes={str(k): v for k, v in
                                      entry['boxes'].items()})
        with open(path, 'w') as f:
            json.dump({k: _jsonable(v) for k, v in table.items()}, f)
    elif path.endswith(('.pkl', '.pickle')):
        with open(path, 'wb') as f:
            pickle.dump(table, f, protocol=pickle.HIGHEST_PROTOCOL)
    else:
        raise ValueError(f'--out {path!r}: use a .pkl or .json file name')


def read_keyframes(csv_path: str) -> Dict[str, List[int]]:
    """``{video_id: sorted keyframe seconds}`` of an AVA-format CSV
    (``video_id, timestamp, ...``)."""
    frames: Dict[str, set] = {}
    with open(csv_path, newline='') as f:
        for row in csv.reader(f):
            if not row or not any(row):
                continue
            frames.setdefault(row[0], set()).add(int(round(float(row[1]))))
    return {k: sorted(v) for k, v in frames.items()}


def clip_origin(video_id: str, ava_timestamp_start: int = 900):
    """``(youtube_id, second of the video's first frame)``: a Kinetics clip
    ``<youtube_id>_<start>_<end>`` starts at ``start``; an AVA video (an
    11-character YouTube id) at ``ava_timestamp_start``."""
    parts = video_id.split('_')
    if len(video_id) != 11 and len(parts) >= 3 and parts[-1].isdigit() \
            and parts[-2].isdigit():
        return '_'.join(parts[:-2]), int(parts[-2])
    return video_id, ava_timestamp_start


def rows_to_proposals(rows: Sequence[Sequence[float]],
                      frame_shape: Sequence[int]) -> np.ndarray:
    """Pixel ``[[x1, y1, x2, y2, score], ...]`` -> float32 ``(N, 5)`` with
    the box normalised by the frame's width / height (clipped to [0, 1])."""
    h, w = float(frame_shape[0]), float(frame_shape[1])
    arr = np.asarray(rows, dtype=np.float64).reshape(-1, 5)
    out = arr.copy()
    out[:, [0, 2]] = np.clip(arr[:, [0, 2]] / w, 0, 1)
    out[:, [1, 3]] = np.clip(arr[:, [1, 3]] / h, 0, 1)
    return out.astype(np.float32)


def detect_keyframes(model, path: str, video_id: str,
                     seconds: Sequence[int], ava_timestamp_start: int = 900,
                     **kwargs) -> Dict[str, np.ndarray]:
    """AVA proposals of the keyframes ``seconds`` of one video:
    ``{'<youtube_id>,<TTTT>': (N, 5)}``."""
    import decord
    reader = decord.VideoReader(path, num_threads=1)
    fps = float(reader.get_avg_fps())
    youtube_id, start = clip_origin(video_id, ava_timestamp_start)
    inds = [min(len(reader) - 1, max(0, int(round((t - start) * fps))))
            for t in seconds]
    frames = reader.get_batch(inds).asnumpy()
    rows = detect_frames(model, frames, **kwargs)
    return {
        f'{youtube_id},{int(t):04d}': rows_to_proposals(r, frames.shape[1:3])
        for t, r in zip(seconds, rows)
    }


def write_proposal_file(proposals: Dict[str, np.ndarray], path: str) -> None:
    """Pickle AVA proposals (``.pkl``, what mmaction2's AVA datasets
    load)."""
    if not path.endswith(('.pkl', '.pickle')):
        raise ValueError(f'--out {path!r}: AVA proposal files are .pkl')
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'wb') as f:
        pickle.dump(proposals, f, protocol=pickle.HIGHEST_PROTOCOL)


def main_ava(args, model, videos: List[str]) -> Dict[str, np.ndarray]:
    keyframes = read_keyframes(args.ava_keyframes)
    proposals, found = {}, set()
    for i, rel in enumerate(videos):
        path = osp.join(args.data_prefix, rel) if args.data_prefix else rel
        vid = osp.splitext(osp.basename(rel))[0]
        if vid not in keyframes:
            continue
        found.add(vid)
        proposals.update(detect_keyframes(
            model, path, vid, keyframes[vid],
            ava_timestamp_start=args.ava_timestamp_start,
            score_thr=args.score_thr, classes=args.classes,
            max_boxes=args.max_boxes, batch_size=args.batch_size))
        print(f'[{i + 1}/{len(videos)}] {vid}: {len(keyframes[vid])} '
              'keyframes', file=sys.stderr)
    missing = sorted(set(keyframes) - found)
    if missing:
        print(f'{len(missing)} videos of {args.ava_keyframes} are not in the '
              f'video list (first: {missing[:3]}); their keyframes have no '
              'proposals', file=sys.stderr)
    write_proposal_file(proposals, args.out)
    return proposals


def main(argv=None):
    args = parse_args(argv)
    from mmdet.apis import init_detector
    from mmdet.utils import register_all_modules
    register_all_modules()
    model = init_detector(args.config, args.checkpoint, device=args.device)
    videos = args.videos or read_video_list(args.ann_file)
    if args.ava_keyframes:
        return main_ava(args, model, videos)
    table = {}
    for i, rel in enumerate(videos):
        path = osp.join(args.data_prefix, rel) if args.data_prefix else rel
        key = osp.relpath(path, args.data_prefix).replace(os.sep, '/') \
            if args.data_prefix else rel
        table[key] = detect_video(
            model, path, args.frame_interval, score_thr=args.score_thr,
            classes=args.classes, max_boxes=args.max_boxes,
            batch_size=args.batch_size)
        print(f'[{i + 1}/{len(videos)}] {key}: '
              f"{sum(len(v) for v in table[key]['boxes'].values())} boxes",
              file=sys.stderr)
    write_box_file(table, args.out)


if __name__ == '__main__':
    main()
