"""Plan, render (in parallel) and write a synthetic benchmark.

Every video draws its randomness from its own generator, seeded by
``(seed, stream, index)`` through :class:`numpy.random.SeedSequence`, so the
output does not depend on the number of workers or on the order in which
they finish. Annotation files are written by the main process after all
videos are rendered.
"""
import multiprocessing as mp
import os
import os.path as osp
import shutil
import sys

import numpy as np

from . import writers
from .encode import X264_PARAMS
from .assets import COLOUR_PHOTOS
from .presets import (APPEARANCES, FRAME_CACHE_DIR, MOTIONS, action_table,
                      get_preset)
from .writers import FACTORS

FORMAT_VERSION = 1
OUTPUTS = ('videos', 'kinetics', 'ucf101', 'annotations', 'ava', 'otb',
           'got10k', 'meta.json', 'README.md', FRAME_CACHE_DIR)

# random streams
_CLIP, _GROUP, _AVA, _PROPOSALS, _SCENE = 0, 1, 2, 3, 4
_SPLIT_ID = {'train': 0, 'val': 1}


def _rng(seed, *key):
    return np.random.default_rng(
        np.random.SeedSequence(entropy=seed, spawn_key=tuple(key)))


def plan(cfg):
    """Lists of recognition videos and AVA videos (dicts) of a preset."""
    actions = action_table(cfg)
    videos = []
    for act in actions:
        for g in range(1, cfg['groups'] + 1):
            split = 'val' if g <= cfg['val_groups'] else 'train'
            for k in range(1, cfg['clips_per_group'] + 1):
                name = act['name']
                videos.append(
                    dict(
                        kind='clip',
                        key=f'clip{len(videos)}',
                        index=len(videos),
                        split=split,
                        action=act['id'],
                        appearance=act['appearance'],
                        motion=act['motion'],
                        appearance_id=act['appearance_id'],
                        motion_id=act['motion_id'],
                        group=g,
                        clip=k,
                        rel_path=f'{name}/v_{name}_g{g:02d}_c{k:02d}.mp4'))

    # tracking sequences: round-robin over actions (one clip per action
    # before a second one of any action)
    def round_robin(split):
        return sorted((v for v in videos if v['split'] == split),
                      key=lambda v: (v['group'], v['clip'], v['action']))

    train, val = round_robin('train'), round_robin('val')
    for v in val[:cfg['otb_sequences']]:
        v['otb'] = osp.splitext(osp.basename(v['rel_path']))[0][2:]
    n_got_train, n_got_val = cfg['got10k_sequences']
    for n, v in enumerate(train[:n_got_train]):
        v['got10k'] = f'GOT-10k_Train_{n + 1:06d}'
        v['got10k_split'] = 'train'
    # from the other end of the val ordering: overlaps OTB only if needed
    for n, v in enumerate(val[::-1][:n_got_val]):
        v['got10k'] = f'GOT-10k_Val_{n + 1:06d}'
        v['got10k_split'] = 'val'
    ava = []
    for split, n in zip(('train', 'val'), cfg['ava_videos']):
        for i in range(n):
            ava.append(
                dict(kind='ava', key=f'ava_{split}_{i}', split=split,
                     index=i, video_id=f'ava_{split}_{i:04d}'))
    return actions, videos, ava


# --------------------------------------------------------------------------
# worker side
# --------------------------------------------------------------------------
def _init_worker():
    import cv2
    cv2.setNumThreads(1)


def _jpeg(path, frame, quality):
    import cv2
    ok = cv2.imwrite(path, frame[..., ::-1],
                     [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover
        raise IOError(f'cannot write {path}')


def scene_photo(job, cfg, seed):
    """Photograph index of recognition video ``job`` under
    ``scene_assignment='balanced'`` (v2): the videos of an action, in
    (group, clip) order, cycle through a random permutation of all
    photographs, so within each split every action is seen over (nearly)
    every photograph equally often and the scene says nothing about the
    action. ``None`` under ``'group'`` (v1: each UCF-style group draws its
    photograph, which makes the scene and the action of train videos
    dependent at the group level)."""
    if cfg.get('scene_assignment', 'group') != 'balanced':
        return None
    from .assets import COLOUR_PHOTOS
    n = len(COLOUR_PHOTOS)
    perm = _rng(seed, _SCENE, job['action']).permutation(n)
    k = (job['group'] - 1) * cfg['clips_per_group'] + job['clip'] - 1
    return int(perm[k % n])


def clip_scene(job, cfg, seed):
    """Scene of recognition video ``job`` (clips of a group share their
    backdrop's scale, flip, gain and blur, and in v1 its photograph and
    crop)."""
    from . import scene as scn
    bg = scn.sample_background(
        cfg, _rng(seed, _GROUP, job['action'], job['group']), cfg['width'],
        cfg['height'], preferred=job['action'],
        travel=scn.v2_enabled(cfg, 'background_travel'),
        photo=scene_photo(job, cfg, seed))
    return scn.sample_clip_scene(
        cfg, _rng(seed, _CLIP, job['index']), job['appearance'],
        job['motion'], background=bg)


def ava_scene(job, cfg, seed):
    """Scene of AVA-style video ``job``."""
    from . import scene as scn
    return scn.sample_ava_scene(
        cfg, _rng(seed, _AVA, _SPLIT_ID[job['split']], job['index']))


def run_job(args):
    """Render one video and write its pixels (mp4 / jpg); return the
    per-frame boxes and visibilities for the annotation writers."""
    job, cfg, seed, root = args
    from .encode import H264Writer
    from .render import render
    q = cfg['jpeg_quality']
    sinks = []
    if job['kind'] == 'clip':
        scene = clip_scene(job, cfg, seed)
        writer = H264Writer(
            osp.join(root, 'videos', job['rel_path']), cfg['fps'],
            cfg['width'], cfg['height'], crf=cfg['crf'],
            preset=cfg['x264_preset'])
        if job.get('otb'):
            d = osp.join(root, 'otb', job['otb'], 'img')
            os.makedirs(d, exist_ok=True)
            sinks.append(lambda k, fr, d=d: _jpeg(
                osp.join(d, f'{k + 1:04d}.jpg'), fr, q))
        if job.get('got10k'):
            d = osp.join(root, 'got10k', job['got10k_split'], job['got10k'])
            os.makedirs(d, exist_ok=True)
            sinks.append(lambda k, fr, d=d: _jpeg(
                osp.join(d, f'{k + 1:08d}.jpg'), fr, q))
    else:
        scene = ava_scene(job, cfg, seed)
        writer = None
        d = osp.join(root, 'ava', 'rawframes', job['video_id'])
        os.makedirs(d, exist_ok=True)
        sinks.append(lambda k, fr, d=d: _jpeg(
            osp.join(d, f'img_{k + 1:05d}.jpg'), fr, q))
    boxes, visible = [], []
    try:
        for k, (frame, b, v) in enumerate(render(scene)):
            if writer is not None:
                writer.write(frame)
            for sink in sinks:
                sink(k, frame)
            boxes.append(b)
            visible.append(v)
    finally:
        if writer is not None:
            writer.close()
    return job['key'], dict(
        objects=scene['objects'],
        background=scene['background']['photo'],
        scene_id=scene['background']['scene_id'],
        boxes=np.stack(boxes),
        visible=np.stack(visible))


# --------------------------------------------------------------------------
# main side
# --------------------------------------------------------------------------
def default_workers():
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _prepare(root, overwrite):
    if osp.isdir(root) and os.listdir(root):
        present = [n for n in OUTPUTS if osp.exists(osp.join(root, n))]
        if present and not overwrite:
            raise FileExistsError(
                f'{root} already holds a benchmark ({present}); pass '
                'overwrite=True (--overwrite) to replace it')
        for n in present:
            p = osp.join(root, n)
            shutil.rmtree(p) if osp.isdir(p) else os.remove(p)
    os.makedirs(root, exist_ok=True)


def _run_all(jobs, workers, progress):
    from tqdm import tqdm
    bar = tqdm(total=len(jobs), desc='rendering videos', unit='video',
               disable=not progress, file=sys.stderr)
    results = {}
    try:
        if workers <= 1:
            _init_worker()
            for args in jobs:
                key, res = run_job(args)
                results[key] = res
                bar.update()
        else:
            method = 'fork' if 'fork' in mp.get_all_start_methods() \
                else 'spawn'
            with mp.get_context(method).Pool(
                    workers, initializer=_init_worker) as pool:
                for key, res in pool.imap_unordered(run_job, jobs):
                    results[key] = res
                    bar.update()
    finally:
        bar.close()
    return results


def _versions():
    import av
    import cv2
    import skimage
    return dict(av=av.__version__, opencv=cv2.__version__,
                numpy=np.__version__, scikit_image=skimage.__version__)


def generate(out, preset='tiny', seed=0, workers=None, progress=True,
             overwrite=False, **overrides):
    """Generate the benchmark under ``out``; returns the meta dict.

    Args:
        out (str): output directory.
        preset (str): 'tiny', 'small' or 'default'.
        seed (int): random seed; the same seed gives the same files.
        workers (int, optional): processes; default all available cores,
            ``0`` or ``1`` renders in this process.
        progress (bool): show a tqdm progress bar.
        overwrite (bool): replace a benchmark already in ``out``.
        **overrides: preset keys to change (e.g. ``num_frames=32``).
    """
    cfg = get_preset(preset, **overrides)
    seed = int(seed)
    workers = default_workers() if workers is None else int(workers)
    root = osp.abspath(out)
    _prepare(root, overwrite)

    actions, videos, ava = plan(cfg)
    # AVA videos are the longest: start them first to balance the workers
    jobs = [(j, cfg, seed, root) for j in ava + videos]
    results = _run_all(jobs, workers, progress)
    for v in videos:  # the scene factor: which photograph is the backdrop
        v['scene_id'] = int(results[v['key']]['scene_id'])

    writers.write_recognition(root, cfg, actions, videos)
    writers.write_clip_objects(root, cfg, videos, results)
    writers.write_ava(root, cfg, ava, results, _rng(seed, _PROPOSALS))
    writers.write_otb(root, cfg, videos, results)
    writers.write_got10k(root, cfg, videos, results)
    meta = build_meta(cfg, seed, actions, videos, ava, results)
    writers._write_json(osp.join(root, 'meta.json'), meta)
    write_readme(root, meta)
    return meta


def build_meta(cfg, seed, actions, videos, ava, results):
    from . import assets
    n_frames_ava = cfg['ava_segment_seconds'] * cfg['ava_num_segments']
    ts0 = cfg['ava_timestamp_start']
    kf = writers.ava_keyframes(cfg)
    return dict(
        name='mmvssl-synthetic',
        format_version=FORMAT_VERSION,
        preset=cfg['name'],
        seed=seed,
        config={k: v for k, v in cfg.items() if k != 'name'},
        software=_versions(),
        video=dict(
            container='mp4', codec='h264 (libx264 via PyAV)',
            x264=dict(crf=cfg['crf'], preset=cfg['x264_preset'],
                      params=X264_PARAMS, threads=1),
            pix_fmt='yuv420p', width=cfg['width'], height=cfg['height'],
            fps=cfg['fps'], num_frames=cfg['num_frames'],
            root='videos'),
        classes=actions,
        appearances=[
            dict(id=i, name=n, shape=APPEARANCES[n][0],
                 texture=APPEARANCES[n][1])
            for i, n in enumerate(cfg['appearances'])
        ],
        motions=[
            dict(MOTIONS[n], id=i, name=n)
            for i, n in enumerate(cfg['motions'])
        ],
        scenes=[dict(id=i, name=n) for i, n in enumerate(COLOUR_PHOTOS)],
        counts=dict(
            actions=len(actions),
            appearances=len(cfg['appearances']),
            motions=len(cfg['motions']),
            scenes=len(COLOUR_PHOTOS),
            train=sum(v['split'] == 'train' for v in videos),
            val=sum(v['split'] == 'val' for v in videos),
            ava_train=sum(v['split'] == 'train' for v in ava),
            ava_val=sum(v['split'] == 'val' for v in ava),
            otb=sum(bool(v.get('otb')) for v in videos),
            got10k_train=sum(v.get('got10k_split') == 'train'
                             for v in videos),
            got10k_val=sum(v.get('got10k_split') == 'val' for v in videos)),
        ava=dict(
            width=cfg['ava_width'], height=cfg['ava_height'],
            fps=cfg['ava_fps'], num_frames=n_frames_ava * cfg['ava_fps'],
            timestamp_start=ts0, timestamp_end=ts0 + n_frames_ava,
            keyframe_offsets=kf,
            segment_seconds=cfg['ava_segment_seconds'],
            num_classes=len(writers.ava_label_map(cfg)) + 1,
            label_map=[dict(id=i, name=n)
                       for i, n in writers.ava_label_map(cfg)],
            filename_tmpl='img_{:05}.jpg', start_index=1),
        photos=dict(
            backgrounds_and_distractors=list(assets.COLOUR_PHOTOS),
            actor_textures=list(assets.TEXTURE_PHOTOS),
            source='scikit-image package data (skimage.data)'),
        files=dict(
            videos='videos/<Action>/v_<Action>_gGG_cCC.mp4',
            kinetics=['kinetics/train_list.txt', 'kinetics/val_list.txt'],
            factor_lists=[
                f'kinetics/{s}_list_{f}.txt' for s in ('train', 'val')
                for f in FACTORS
            ],
            ucf101=['ucf101/classInd.txt', 'ucf101/trainlist01.txt',
                    'ucf101/testlist01.txt'],
            objects=['annotations/objects_train.json',
                     'annotations/objects_val.json'],
            ava='ava/annotations', ava_frames='ava/rawframes',
            otb='otb', got10k='got10k'))


def write_readme(root, meta):
    c = meta['counts']
    a = meta['ava']
    text = f"""# mmvssl synthetic video benchmark

Preset `{meta['preset']}` (design v{meta['config']['version']}), seed {meta['seed']}; generated by
`tools/data/synthetic/generate.py` (see `docs/synthetic_benchmark.md` in
mmvssl). All photographs come from scikit-image's bundled sample data.

- {c['actions']} actions = {c['appearances']} appearances x {c['motions']} \
motions; {c['train']} train / {c['val']} val videos
  ({meta['video']['width']}x{meta['video']['height']}, \
{meta['video']['fps']} fps, {meta['video']['num_frames']} frames, H.264 mp4)
  under `videos/`.
- `kinetics/`: mmaction2 `VideoDataset` lists (`path label`, 0-based) for
  actions and for each factor (`*_list_appearance.txt`,
  `*_list_motion.txt`, `*_list_scene.txt`: the backdrop's photograph);
  class names in `classes.txt`, `appearance_classes.txt`,
  `motion_classes.txt`, `scene_classes.txt`.
- `ucf101/`: `classInd.txt`, `trainlist01.txt`, `testlist01.txt`.
- `annotations/objects_{{train,val}}.json`: per-frame boxes (xyxy pixels,
  x2/y2 exclusive) and visible fractions of every object.
- `ava/`: {c['ava_train']} train / {c['ava_val']} val videos as
  `rawframes/<id>/img_%05d.jpg` ({a['fps']} fps, {a['width']}x{a['height']});
  AVADataset settings: `timestamp_start={a['timestamp_start']}`,
  `timestamp_end={a['timestamp_end']}`, `fps={a['fps']}`,
  `num_classes={a['num_classes']}`.
- `otb/` ({c['otb']} sequences) and `got10k/` ({c['got10k_train']} train /
  {c['got10k_val']} val): the actor as the tracking target.
- `meta.json`: everything above, machine-readable.
"""
    with open(osp.join(root, 'README.md'), 'w', newline='\n') as f:
        f.write(text)
