"""Annotation writers: the same videos in the on-disk formats of Kinetics
(mmaction2 ``VideoDataset`` lists), UCF101, AVA, OTB and GOT-10k.

Every writer is a pure function of the planned videos and the per-video
results returned by the rendering workers, and prints numbers with a fixed
format, so a seed gives byte-identical files.
"""
import json
import os
import os.path as osp
import pickle

import numpy as np

# factor labels written beside the action lists (``{split}_list_{f}.txt``)
FACTORS = ('appearance', 'motion', 'scene')

INFOS_HEADER = ('The format of each line in this txt is '
                '(video_path,annotation_path,start_frame_id,end_frame_id)')


def _write_lines(path, lines):
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w', newline='\n') as f:
        f.write(''.join(line + '\n' for line in lines))


def _write_json(path, obj):
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w', newline='\n') as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write('\n')


def _box_list(boxes):
    """(T, 4) float boxes -> list of int lists (None where NaN)."""
    return [None if not np.isfinite(b).all() else [int(v) for v in b]
            for b in boxes]


# --------------------------------------------------------------------------
# recognition: Kinetics-style lists, UCF101-style splits, factor lists
# --------------------------------------------------------------------------
def write_recognition(root, cfg, actions, videos):
    kin = osp.join(root, 'kinetics')
    ucf = osp.join(root, 'ucf101')
    _write_lines(osp.join(kin, 'classes.txt'), [a['name'] for a in actions])
    _write_lines(osp.join(kin, 'appearance_classes.txt'), cfg['appearances'])
    _write_lines(osp.join(kin, 'motion_classes.txt'), cfg['motions'])
    from .assets import COLOUR_PHOTOS
    _write_lines(osp.join(kin, 'scene_classes.txt'), list(COLOUR_PHOTOS))
    for split in ('train', 'val'):
        vids = [v for v in videos if v['split'] == split]
        _write_lines(osp.join(kin, f'{split}_list.txt'),
                     [f"{v['rel_path']} {v['action']}" for v in vids])
        for factor in FACTORS:
            _write_lines(
                osp.join(kin, f'{split}_list_{factor}.txt'),
                [f"{v['rel_path']} {v[factor + '_id']}" for v in vids])
    _write_lines(osp.join(ucf, 'classInd.txt'),
                 [f"{a['id'] + 1} {a['name']}" for a in actions])
    _write_lines(osp.join(ucf, 'trainlist01.txt'), [
        f"{v['rel_path']} {v['action'] + 1}" for v in videos
        if v['split'] == 'train'
    ])
    _write_lines(osp.join(ucf, 'testlist01.txt'),
                 [v['rel_path'] for v in videos if v['split'] == 'val'])


def _objects_record(scene_objs, res):
    out = []
    for i, obj in enumerate(scene_objs):
        rec = dict(
            role=obj['role'],
            boxes=_box_list(res['boxes'][:, i]),
            visible=[round(float(x), 3) for x in res['visible'][:, i]])
        if obj['role'] == 'actor':
            rec['appearance'] = obj['appearance']
            rec['motions'] = [[round(t0, 3), p['name']]
                              for t0, p in obj['segments']]
        out.append(rec)
    return out


def write_clip_objects(root, cfg, videos, results):
    """Per-frame boxes of every object of every recognition video."""
    for split in ('train', 'val'):
        data = {}
        for v in videos:
            if v['split'] != split:
                continue
            res = results[v['key']]
            data[v['rel_path']] = dict(
                num_frames=cfg['num_frames'],
                fps=cfg['fps'],
                width=cfg['width'],
                height=cfg['height'],
                objects=_objects_record(res['objects'], res))
        _write_json(osp.join(root, 'annotations', f'objects_{split}.json'),
                    data)


# --------------------------------------------------------------------------
# AVA
# --------------------------------------------------------------------------
def ava_keyframes(cfg):
    """Keyframe offsets (s) from the video start: every integer second whose
    +-1 s window stays inside one motion segment (so a keyframe's motion
    label holds for the whole default 32x2 clip around it)."""
    seg = cfg['ava_segment_seconds']
    return [k * seg + j for k in range(cfg['ava_num_segments'])
            for j in range(1, seg)]


def ava_label_map(cfg):
    """[(id, name)]: motions first (1..M), then appearances (M+1..M+A)."""
    items = [f'motion/{m}' for m in cfg['motions']]
    items += [f'appearance/{a}' for a in cfg['appearances']]
    return [(i + 1, n) for i, n in enumerate(items)]


def write_ava(root, cfg, ava_videos, results, rng):
    ann = osp.join(root, 'ava', 'annotations')
    fps = cfg['ava_fps']
    width, height = cfg['ava_width'], cfg['ava_height']
    ts0 = cfg['ava_timestamp_start']
    n_mot = len(cfg['motions'])
    label_map = ava_label_map(cfg)
    lines = []
    for i, name in label_map:
        lines += ['item {', f'  name: "{name}"', f'  id: {i}', '}']
    _write_lines(osp.join(ann, 'label_map.txt'), lines)
    keyframes = ava_keyframes(cfg)
    scale = np.array([width, height, width, height], np.float64)
    for split in ('train', 'val'):
        rows, excluded, proposals, objects = [], [], {}, {}
        for v in ava_videos:
            if v['split'] != split:
                continue
            res = results[v['key']]
            objs = res['objects']
            actors = [i for i, o in enumerate(objs) if o['role'] == 'actor']
            others = [i for i, o in enumerate(objs)
                      if o['role'] == 'distractor']
            objects[v['video_id']] = dict(
                num_frames=int(res['boxes'].shape[0]), fps=fps, width=width,
                height=height, objects=_objects_record(objs, res))
            for tau in keyframes:
                ts = ts0 + tau
                f = tau * fps  # frame index, 0-based: img_{f + 1:05d}.jpg
                boxes = res['boxes'][f]
                vis = res['visible'][f]
                if min(vis[i] for i in actors) < 0.5:
                    excluded.append(f"{v['video_id']},{ts:04d}")
                dets = []
                for pid, i in enumerate(actors):
                    obj = objs[i]
                    seg = int(tau // cfg['ava_segment_seconds'])
                    mot = cfg['motions'].index(obj['segments'][seg][1]['name'])
                    app = cfg['appearances'].index(obj['appearance'])
                    nb = np.clip(boxes[i] / scale, 0, 1)
                    box = ','.join(f'{x:.3f}' for x in nb)
                    rows.append(f"{v['video_id']},{ts:04d},{box},"
                                f'{mot + 1},{pid}')
                    rows.append(f"{v['video_id']},{ts:04d},{box},"
                                f'{n_mot + app + 1},{pid}')
                    # a good detection of every actor
                    wh = np.tile(nb[2:] - nb[:2], 2)
                    det = nb + rng.normal(0, 0.04, 4) * wh
                    dets.append(list(det) + [rng.uniform(0.9, 1.0)])
                # low-score detections on distractors (filtered by the
                # default person_det_score_thr=0.9)
                for i in others:
                    if rng.uniform() < 0.5 and np.isfinite(boxes[i]).all():
                        nb = np.clip(boxes[i] / scale, 0, 1)
                        dets.append(list(nb) + [rng.uniform(0.05, 0.6)])
                dets = np.array(dets, np.float64)
                dets[:, :4] = np.clip(dets[:, :4], 0, 1)
                dets = dets[np.argsort(-dets[:, 4], kind='stable')]
                proposals[f"{v['video_id']},{ts:04d}"] = np.round(
                    dets, 3).astype(np.float32)
        _write_lines(osp.join(ann, f'ava_{split}.csv'), rows)
        _write_lines(
            osp.join(ann, f'ava_{split}_excluded_timestamps.csv'), excluded)
        with open(osp.join(ann, f'ava_dense_proposals_{split}.pkl'),
                  'wb') as f:
            pickle.dump(proposals, f, protocol=4)
        _write_json(osp.join(ann, f'objects_{split}.json'), objects)


# --------------------------------------------------------------------------
# single-object tracking: OTB and GOT-10k
# --------------------------------------------------------------------------
def cover_level(v):
    """GOT-10k cover label: 0 = fully occluded ... 8 = fully visible; levels
    1-7 are visible ratios in (0, 15%], (15, 30%], ..., (90, 100%)."""
    v = round(float(v), 3)
    if v <= 0:
        return 0
    if v >= 1:
        return 8
    return min(7, int(np.ceil(v / 0.15 - 1e-9)))


def _actor_track(res):
    i = [k for k, o in enumerate(res['objects']) if o['role'] == 'actor'][0]
    return res['boxes'][:, i], res['visible'][:, i]


def write_otb(root, cfg, videos, results):
    otb = osp.join(root, 'otb')
    infos = []
    for v in sorted((v for v in videos if v.get('otb')),
                    key=lambda v: v['otb']):
        seq = v['otb']
        boxes, _ = _actor_track(results[v['key']])
        lines = []
        for b in boxes:  # OTB: x,y,w,h with 1-based x, y (MATLAB)
            x1, y1, x2, y2 = (int(t) for t in b)
            lines.append(f'{x1 + 1},{y1 + 1},{x2 - x1},{y2 - y1}')
        _write_lines(osp.join(otb, seq, 'groundtruth_rect.txt'), lines)
        infos.append(
            f'{seq}/img,{seq}/groundtruth_rect.txt,1,{len(boxes)}')
    os.makedirs(osp.join(otb, 'annotations'), exist_ok=True)
    with open(osp.join(otb, 'annotations', 'otb_infos.txt'), 'w',
              newline='\n') as f:
        f.write(INFOS_HEADER + ''.join('\n' + x for x in infos))


def write_got10k(root, cfg, videos, results):
    got = osp.join(root, 'got10k')
    for split in ('train', 'val'):
        seqs, infos = [], []
        for v in sorted((v for v in videos if v.get('got10k_split') == split),
                        key=lambda v: v['got10k']):
            seq = v['got10k']
            res = results[v['key']]
            boxes, vis = _actor_track(res)
            d = osp.join(got, split, seq)
            _write_lines(
                osp.join(d, 'groundtruth.txt'),
                [','.join(f'{t:.4f}' for t in (b[0], b[1], b[2] - b[0],
                                               b[3] - b[1]))
                 for b in boxes])
            _write_lines(osp.join(d, 'absence.label'),
                         [str(int(x <= 0)) for x in vis])
            _write_lines(osp.join(d, 'cover.label'),
                         [str(cover_level(x)) for x in vis])
            _write_lines(osp.join(d, 'cut_by_image.label'),
                         ['0'] * len(vis))
            obj = [o for o in res['objects'] if o['role'] == 'actor'][0]
            _write_lines(osp.join(d, 'meta_info.ini'), [
                '[METAINFO]',
                f"url: synthetic://{v['rel_path']}",
                f"anno_fps: {cfg['fps']}Hz",
                f"object_class: {obj['appearance']}",
                f"motion_class: {obj['segments'][0][1]['name']}",
                'major_class: synthetic object',
                'root_class: object',
                f"resolution: ({cfg['width']}, {cfg['height']})",
            ])
            seqs.append(seq)
            infos.append(f'{split}/{seq},{split}/{seq}/groundtruth.txt,1,'
                         f'{len(boxes)}')
        _write_lines(osp.join(got, split, 'list.txt'), seqs)
        os.makedirs(osp.join(got, 'annotations'), exist_ok=True)
        with open(osp.join(got, 'annotations', f'got10k_{split}_infos.txt'),
                  'w', newline='\n') as f:
            f.write(INFOS_HEADER + ''.join('\n' + x for x in infos))
