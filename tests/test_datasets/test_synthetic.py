"""Synthetic benchmark generator: videos, labels, boxes and every on-disk
format (Kinetics / UCF101 lists, AVA, OTB, GOT-10k) it writes.

The ``tiny`` preset is generated through the CLI: once with 2 workers (the
fixture shared by all tests), once more with the same seed in-process
(determinism, independence from the worker count) and once with another
seed.
"""
import filecmp
import json
import os
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np
import pytest

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CLI = osp.join(ROOT, 'tools', 'data', 'synthetic', 'generate.py')
MEDIA = ('.mp4', '.jpg')


def _generate(out, seed=0, workers=2):
    subprocess.run(
        [sys.executable, CLI, '--out', str(out), '--preset', 'tiny',
         '--seed', str(seed), '--workers', str(workers), '--no-progress'],
        check=True, cwd=ROOT, capture_output=True)
    return str(out)


@pytest.fixture(scope='module')
def bench(tmp_path_factory):
    return _generate(tmp_path_factory.mktemp('syn') / 'tiny', seed=0)


@pytest.fixture(scope='module')
def meta(bench):
    with open(osp.join(bench, 'meta.json')) as f:
        return json.load(f)


def _lines(path):
    with open(path) as f:
        return [ln.rstrip('\n') for ln in f if ln.strip()]


def _list(path):
    return [(p, int(lab)) for p, lab in (ln.split() for ln in _lines(path))]


def _files(root):
    out = []
    for d, _, names in os.walk(root):
        out += [osp.relpath(osp.join(d, n), root) for n in names]
    return sorted(out)


def _first_frames(root):
    import decord
    out = {}
    for p, _ in _list(osp.join(root, 'kinetics', 'train_list.txt')):
        vr = decord.VideoReader(osp.join(root, 'videos', p), num_threads=1)
        out[p] = vr[0].asnumpy()
    return out


# ------------------------------------------------------------- light import
def test_package_import_is_light():
    code = ('import sys; sys.path.insert(0, "mmvssl/datasets"); '
            'import synthetic; '
            'from synthetic import generator, render, encode, writers; '
            'bad = [m for m in ("torch", "mmaction", "mmengine") '
            'if m in sys.modules]; assert not bad, bad')
    subprocess.run([sys.executable, '-c', code], check=True, cwd=ROOT)


# ------------------------------------------------------------------ videos
def test_videos_decode(bench, meta):
    import decord
    vid = meta['video']
    items = _list(osp.join(bench, 'kinetics', 'train_list.txt')) + _list(
        osp.join(bench, 'kinetics', 'val_list.txt'))
    assert len(items) == meta['counts']['train'] + meta['counts']['val']
    assert len(_files(osp.join(bench, 'videos'))) == len(items)
    for p, _ in items:
        vr = decord.VideoReader(osp.join(bench, 'videos', p), num_threads=1)
        assert len(vr) == vid['num_frames']
        assert vr.get_avg_fps() == pytest.approx(vid['fps'])
        frames = vr.get_batch([0, len(vr) - 1]).asnumpy()
        assert frames.shape == (2, vid['height'], vid['width'], 3)
        assert frames.std() > 10  # real content, not a blank frame


# ------------------------------------------------------------- determinism
def test_deterministic(bench, tmp_path):
    again = _generate(tmp_path / 'same', seed=0, workers=0)
    files = _files(bench)
    assert files == _files(again)
    annotations = [f for f in files if not f.endswith(MEDIA)]
    assert len(annotations) > 20
    _, mismatch, errors = filecmp.cmpfiles(
        bench, again, annotations, shallow=False)
    assert not mismatch and not errors
    a, b = _first_frames(bench), _first_frames(again)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    # with the same PyAV build the media files are byte-identical too
    media = [f for f in files if f.endswith(MEDIA)]
    _, mismatch, errors = filecmp.cmpfiles(bench, again, media, shallow=False)
    assert not mismatch and not errors

    other = _generate(tmp_path / 'other', seed=1, workers=2)
    c = _first_frames(other)
    assert sum(np.array_equal(a[k], c[k]) for k in a) == 0
    for f in ('annotations/objects_train.json',
              'ava/annotations/ava_train.csv',
              'otb/BrickDiscSlideRight_g01_c01/groundtruth_rect.txt'):
        assert not filecmp.cmp(
            osp.join(bench, f), osp.join(other, f), shallow=False)
    # same class structure and file names for every seed
    assert filecmp.cmp(
        osp.join(bench, 'kinetics', 'train_list.txt'),
        osp.join(other, 'kinetics', 'train_list.txt'), shallow=False)


# ------------------------------------------------------------------ labels
def test_labels_consistent(bench, meta):
    classes = meta['classes']
    n_a, n_m = meta['counts']['appearances'], meta['counts']['motions']
    assert len(classes) == n_a * n_m == meta['counts']['actions']
    pair = {c['id']: (c['appearance_id'], c['motion_id']) for c in classes}
    assert len(set(pair.values())) == len(classes)  # one action per pair
    for c in classes:
        assert meta['appearances'][c['appearance_id']]['name'] == \
            c['appearance']
        assert meta['motions'][c['motion_id']]['name'] == c['motion']
    kin = osp.join(bench, 'kinetics')
    assert _lines(osp.join(kin, 'classes.txt')) == [
        c['name'] for c in classes]
    seen = {}
    for split in ('train', 'val'):
        acts = dict(_list(osp.join(kin, f'{split}_list.txt')))
        apps = dict(_list(osp.join(kin, f'{split}_list_appearance.txt')))
        mots = dict(_list(osp.join(kin, f'{split}_list_motion.txt')))
        assert list(acts) == list(apps) == list(mots)
        for p, a in acts.items():
            assert pair[a] == (apps[p], mots[p])
            assert p.split('/')[0] == classes[a]['name']
        assert set(acts.values()) == set(pair)  # every action in each split
        seen[split] = acts
    assert not set(seen['train']) & set(seen['val'])
    ucf = osp.join(bench, 'ucf101')
    ind = [ln.split() for ln in _lines(osp.join(ucf, 'classInd.txt'))]
    assert [(int(i), n) for i, n in ind] == [
        (c['id'] + 1, c['name']) for c in classes]
    assert [(p, a - 1) for p, a in _list(osp.join(
        ucf, 'trainlist01.txt'))] == list(seen['train'].items())
    assert _lines(osp.join(ucf, 'testlist01.txt')) == list(seen['val'])


# ------------------------------------------------------------------- boxes
def _objects(bench, split='train'):
    with open(osp.join(bench, 'annotations', f'objects_{split}.json')) as f:
        return json.load(f)


def test_boxes_inside_frame(bench, meta):
    w, h = meta['video']['width'], meta['video']['height']
    for split in ('train', 'val'):
        for rec in _objects(bench, split).values():
            roles = [o['role'] for o in rec['objects']]
            assert roles.count('actor') == 1
            for o in rec['objects']:
                if o['role'] == 'distractor':  # v2: they enter and leave
                    on = [bx is not None for bx in o['boxes']]
                    o['boxes'] = [bx for bx in o['boxes'] if bx is not None]
                    if not o['boxes']:
                        continue
                    o['visible'] = [v for v, k in zip(o['visible'], on)
                                    if k]
                b = np.array(o['boxes'], float)
                if o['role'] != 'distractor':
                    assert b.shape == (meta['video']['num_frames'], 4)
                assert (b[:, :2] >= 0).all() and (b[:, 2] <= w).all()
                assert (b[:, 3] <= h).all() and (b[:, 2:] > b[:, :2]).all()
                vis = np.array(o['visible'])
                assert ((vis >= 0) & (vis <= 1)).all()


def test_boxes_follow_actor(bench, meta):
    from mmvssl.datasets.synthetic import generator, scene
    from mmvssl.datasets.synthetic.presets import get_preset
    cfg = get_preset('tiny')
    _, videos, _ = generator.plan(cfg)
    objs = {**_objects(bench, 'train'), **_objects(bench, 'val')}
    t = scene.frame_times(cfg['num_frames'], cfg['fps'])
    for job in videos:
        sc = generator.clip_scene(job, cfg, meta['seed'])
        s, c = scene.camera_at(sc['camera'], t, cfg['width'], cfg['height'])
        centre = scene.world_to_screen(
            scene.object_centres(sc['objects'][0], t), s, c, cfg['width'],
            cfg['height'])
        b = np.array(objs[job['rel_path']]['objects'][0]['boxes'], float)
        box_c = (b[:, :2] + b[:, 2:]) / 2
        # the box moves with the rendered actor (to rounding and zoom)
        err = (box_c - box_c[0]) - (centre - centre[0])
        assert np.abs(err).max() < 2.5, job['rel_path']
        dx = box_c[-1, 0] - box_c[0, 0]
        if job['motion'] == 'slide_right':
            assert dx > 40
        elif job['motion'] == 'oscillate_h':
            assert np.ptp(box_c[:, 0]) > 10 and abs(dx) < 40


# ---------------------------------------------------------------- mmaction
@pytest.fixture(scope='module')
def mmaction_datasets():
    # mmvssl first: its compat shim makes mmaction importable
    import mmvssl  # noqa: F401 isort:skip
    from mmaction.datasets import AVADataset, VideoDataset
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    return VideoDataset, AVADataset


def test_video_dataset(bench, meta, mmaction_datasets):
    VideoDataset, _ = mmaction_datasets
    pipeline = [
        dict(type='DecordInit'),
        dict(type='SampleFrames', clip_len=16, frame_interval=2,
             num_clips=1),
        dict(type='DecordDecode'),
    ]
    for name in ('train_list.txt', 'val_list_motion.txt',
                 'train_list_appearance.txt'):
        ann = osp.join(bench, 'kinetics', name)
        ds = VideoDataset(ann, pipeline,
                          data_prefix=dict(video=osp.join(bench, 'videos')))
        assert len(ds) == len(_lines(ann))
    out = ds[0]
    assert len(out['imgs']) == 16
    assert out['imgs'][0].shape == (meta['video']['height'],
                                    meta['video']['width'], 3)
    assert out['label'] == _list(ann)[0][1]


def test_ava_dataset(bench, meta, mmaction_datasets):
    _, AVADataset = mmaction_datasets
    a = meta['ava']
    ann = osp.join(bench, 'ava', 'annotations')
    for split in ('train', 'val'):
        csv = osp.join(ann, f'ava_{split}.csv')
        rows = [ln.split(',') for ln in _lines(csv)]
        assert all(len(r) == 8 for r in rows)
        boxes = np.array([r[2:6] for r in rows], float)
        assert (boxes >= 0).all() and (boxes <= 1).all()
        assert {int(r[1]) - a['timestamp_start'] for r in rows} == set(
            a['keyframe_offsets'])
        labels = {int(r[6]) for r in rows}
        assert labels <= {x['id'] for x in a['label_map']}
        keys = {(r[0], int(r[1])) for r in rows}
        excl_file = osp.join(ann, f'ava_{split}_excluded_timestamps.csv')
        excl = {(v, int(t)) for v, t in (
            ln.split(',') for ln in _lines(excl_file))}
        assert excl <= keys
        with open(osp.join(ann, f'ava_dense_proposals_{split}.pkl'),
                  'rb') as f:
            props = pickle.load(f)
        assert set(props) == {f'{v},{t:04d}' for v, t in keys}
        assert all(p.ndim == 2 and p.shape[1] == 5 for p in props.values())
        ds = AVADataset(
            ann_file=csv,
            exclude_file=excl_file,
            label_file=osp.join(ann, 'label_map.txt'),
            proposal_file=osp.join(ann, f'ava_dense_proposals_{split}.pkl'),
            pipeline=[
                dict(type='SampleAVAFrames', clip_len=32, frame_interval=2),
                dict(type='RawFrameDecode'),
            ],
            data_prefix=dict(img=osp.join(bench, 'ava', 'rawframes')),
            num_classes=a['num_classes'],
            timestamp_start=a['timestamp_start'],
            timestamp_end=a['timestamp_end'],
            fps=a['fps'])
        assert len(ds) == len(keys) - len(excl)
    out = ds[len(ds) - 1]  # the last keyframe: clips clamped to the video
    assert len(out['imgs']) == 32
    assert out['imgs'][0].shape == (a['height'], a['width'], 3)
    n_actor = len({r[7] for r in rows if (r[0], int(r[1])) == (
        out['video_id'], out['timestamp'])})
    assert out['gt_bboxes'].shape == (n_actor, 4)
    # every actor carries one motion and one appearance label
    n_mot = meta['counts']['motions']
    assert (out['gt_labels'][:, 1:n_mot + 1].sum(1) == 1).all()
    assert (out['gt_labels'][:, n_mot + 1:].sum(1) == 1).all()
    frames = os.listdir(osp.join(bench, 'ava', 'rawframes', out['video_id']))
    assert len(frames) == a['num_frames']


# ---------------------------------------------------------------- tracking
def test_otb_files(bench, meta):
    import cv2
    otb = osp.join(bench, 'otb')
    infos = _lines(osp.join(otb, 'annotations', 'otb_infos.txt'))
    assert infos[0].startswith('The format of each line')
    assert len(infos) - 1 == meta['counts']['otb'] > 0
    objs = _objects(bench, 'val')
    for line in infos[1:]:
        img_dir, gt_file, start, end = line.split(',')
        seq = img_dir.split('/')[0]
        gt = np.loadtxt(osp.join(otb, gt_file), delimiter=',', ndmin=2)
        imgs = sorted(os.listdir(osp.join(otb, img_dir)))
        assert imgs[0] == '0001.jpg' and len(imgs) == len(gt) == int(end)
        assert int(start) == 1
        img = cv2.imread(osp.join(otb, img_dir, imgs[-1]))
        assert img.shape[:2] == (meta['video']['height'],
                                 meta['video']['width'])
        # 1-based x, y; same boxes as the video's actor
        action = seq.rsplit('_g', 1)[0]
        rec = objs[f'{action}/v_{seq}.mp4']['objects'][0]
        b = np.array(rec['boxes'], float)
        assert np.array_equal(gt[:, :2] - 1, b[:, :2])
        assert np.array_equal(gt[:, 2:], b[:, 2:] - b[:, :2])


def test_got10k_files(bench, meta):
    got = osp.join(bench, 'got10k')
    for split, n in (('train', meta['counts']['got10k_train']),
                     ('val', meta['counts']['got10k_val'])):
        seqs = _lines(osp.join(got, split, 'list.txt'))
        assert len(seqs) == n > 0
        infos = _lines(osp.join(got, 'annotations',
                                f'got10k_{split}_infos.txt'))
        assert len(infos) == n + 1
        for seq in seqs:
            d = osp.join(got, split, seq)
            gt = np.loadtxt(osp.join(d, 'groundtruth.txt'), delimiter=',')
            absence = np.loadtxt(osp.join(d, 'absence.label'), dtype=int)
            cover = np.loadtxt(osp.join(d, 'cover.label'), dtype=int)
            imgs = sorted(f for f in os.listdir(d) if f.endswith('.jpg'))
            assert imgs[0] == '00000001.jpg'
            assert len(imgs) == len(gt) == len(absence) == len(cover)
            assert (gt[:, 2:] > 0).all()
            assert ((cover >= 0) & (cover <= 8)).all()
            assert ((absence == 1) == (cover == 0)).all()
            assert osp.exists(osp.join(d, 'meta_info.ini'))


def test_cover_levels():
    from mmvssl.datasets.synthetic.writers import cover_level
    assert [cover_level(v) for v in
            (0, 0.1, 0.15, 0.2, 0.5, 0.9, 0.95, 0.9999, 1)] == [
                0, 1, 1, 2, 4, 6, 7, 8, 8]


def test_orbit_direction():
    from mmvssl.datasets.synthetic.motion import displacement, sample_motion
    rng = np.random.default_rng(0)
    t = np.linspace(0, 0.6, 16)
    for name, sign in (('orbit_cw', 1), ('orbit_ccw', -1)):
        v = np.diff(displacement(sample_motion(name, rng), t), axis=0)
        cross = v[:-1, 0] * v[1:, 1] - v[:-1, 1] * v[1:, 0]
        # image y axis points down: clockwise on screen = positive cross
        assert (np.sign(cross) == sign).all()


# ------------------------------------------------------ benchmark v2 design
def _plan_scenes(preset, seed=0, **overrides):
    from mmvssl.datasets.synthetic import generator
    from mmvssl.datasets.synthetic.presets import get_preset
    cfg = get_preset(preset, **overrides)
    _, videos, _ = generator.plan(cfg)
    return cfg, videos, [generator.clip_scene(j, cfg, seed) for j in videos]


def _window_overlap(a, b):
    """Intersection over area of ``a`` of two (x0, y0, x1, y1) windows."""
    w = max(0., min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0., min(a[3], b[3]) - max(a[1], b[1]))
    return w * h / ((a[2] - a[0]) * (a[3] - a[1]))


def test_v2_background_changes_over_time():
    """Two clips 2 s apart share little backdrop (v2), everything (v1)."""
    from mmvssl.datasets.synthetic import assets, scene
    for preset, lo, hi in (('tiny', 0., 0.4), ('v1-tiny', 0.75, 1.)):
        cfg, videos, scenes = _plan_scenes(preset)
        t = scene.frame_times(cfg['num_frames'], cfg['fps'])
        k = int(2 * cfg['fps'])
        for job, sc in zip(videos, scenes):
            s, c = scene.camera_at(sc['camera'], t, cfg['width'],
                                   cfg['height'])
            win = scene.background_window(sc['background'], t, s, c,
                                          cfg['width'], cfg['height'])
            ov = max(_window_overlap(win[i], win[i + k])
                     for i in range(len(t) - k))
            assert lo <= ov <= hi, (preset, job['rel_path'], ov)
            if preset.startswith('v1'):
                continue
            # the travelling window never leaves the photograph
            ph, pw = assets.photo(sc['background']['photo']).shape[:2]
            assert win[:, :2].min() >= -1e-6
            assert (win[:, 2] <= pw + 1e-6).all()
            assert (win[:, 3] <= ph + 1e-6).all()


def test_v2_light_and_colours_drift():
    from mmvssl.datasets.synthetic import scene
    from mmvssl.datasets.synthetic.render import actor_colours
    cfg, _, scenes = _plan_scenes('tiny')
    t = scene.frame_times(cfg['num_frames'], cfg['fps'])
    for sc in scenes:
        light = scene.light_at(sc['light'], t)
        assert light.shape == (len(t), 3)
        # the frame gain alone (white balance off) moves by > 10%: with
        # amplitude >= 0.1 and period <= 5 s, 3.2 s span >= 1.4 amplitudes
        gain = scene.light_at(dict(sc['light'], wb_amp=[0., 0., 0.]), t)
        assert np.ptp(gain[:, 0]) > 0.1
        assert np.ptp(light, axis=0).min() > 0.02  # every channel drifts
        look = sc['objects'][0]['look']
        c0, c1 = actor_colours(look, 0.), actor_colours(look, 1.)
        assert np.abs(np.concatenate(c0) - np.concatenate(c1)).max() > 5
        assert np.array_equal(np.concatenate(c0),
                              np.asarray(look['colours'], np.float32).ravel())
    _, _, v1 = _plan_scenes('v1-tiny')
    assert all('light' not in sc and 'colours_end' not in
               sc['objects'][0]['look'] for sc in v1)


def test_v2_actor_outline():
    """v2 actors carry a near-black silhouette edge; v1 actors none."""
    from mmvssl.datasets.synthetic.render import make_sprite
    for preset, outlined in (('tiny', True), ('v1-tiny', False)):
        _, _, scenes = _plan_scenes(preset)
        look = scenes[0]['objects'][0]['look']
        sprite, _ = make_sprite(look, 128)
        alpha = sprite[..., 3]
        rgb = sprite[..., :3] / np.maximum(alpha[..., None], 1e-6)
        rim = (alpha > 0.9) & (rgb.max(-1) < 25)
        assert (rim.mean() > 0.02) == outlined, (preset, rim.mean())


def test_v2_rendered_frames_drift(bench):
    """The rendered pixels change: the mean colour of whole frames drifts
    (light) and the background far from the actor changes."""
    import decord
    p, _ = _list(osp.join(bench, 'kinetics', 'train_list.txt'))[0]
    vr = decord.VideoReader(osp.join(bench, 'videos', p), num_threads=1)
    fr = vr.get_batch(list(range(len(vr)))).asnumpy().astype(np.float32)
    assert np.ptp(fr.mean(axis=(1, 2, 3))) > 5
    assert np.abs(fr[0] - fr[50]).mean() > 15


def test_v2_distractors_enter_and_leave(bench):
    n_changes = 0
    for split in ('train', 'val'):
        for rec in _objects(bench, split).values():
            for o in rec['objects']:
                if o['role'] != 'distractor':
                    continue
                on = np.array([b is not None for b in o['boxes']])
                n_changes += int(on.any() and not on.all())
    assert n_changes > 0


def test_scene_labels(bench, meta):
    kin = osp.join(bench, 'kinetics')
    scenes = _lines(osp.join(kin, 'scene_classes.txt'))
    assert scenes == [s['name'] for s in meta['scenes']]
    for split in ('train', 'val'):
        acts = _list(osp.join(kin, f'{split}_list.txt'))
        sc = _list(osp.join(kin, f'{split}_list_scene.txt'))
        assert [p for p, _ in acts] == [p for p, _ in sc]
        assert all(0 <= lab < len(scenes) for _, lab in sc)
    # the label is the backdrop's photograph, as rendered
    from mmvssl.datasets.synthetic import generator
    from mmvssl.datasets.synthetic.presets import get_preset
    cfg = get_preset('tiny')
    _, videos, _ = generator.plan(cfg)
    labels = dict(_list(osp.join(kin, 'train_list_scene.txt')) +
                  _list(osp.join(kin, 'val_list_scene.txt')))
    for job in videos:
        sc = generator.clip_scene(job, cfg, meta['seed'])
        assert labels[job['rel_path']] == sc['background']['scene_id']
    # the default preset: every photograph in both splits (a shared label
    # vocabulary), val groups drawn apart from train groups
    _, videos, scs = _plan_scenes('default')
    by_split = {s: {sc['background']['photo'] for j, sc in zip(videos, scs)
                    if j['split'] == s} for s in ('train', 'val')}
    assert by_split['train'] == by_split['val'] == set(
        s['name'] for s in meta['scenes'])


@pytest.mark.parametrize('bias,lo,hi', [(0., 0., 0.25), (0.5, 0.4, 0.75),
                                        (1., 1., 1.)])
def test_scene_bias(bias, lo, hi):
    """scene_bias = P(an action's group uses the action's own photograph);
    at 0 the scene is independent of the labels."""
    from mmvssl.datasets.synthetic import assets
    cfg, videos, scenes = _plan_scenes('default', scene_bias=bias)
    n = len(assets.COLOUR_PHOTOS)
    own = [sc['background']['scene_id'] == j['action'] % n
           for j, sc in zip(videos, scenes)]
    assert lo <= np.mean(own) <= hi
    if bias == 0:
        # balanced: within each split every action sees every photograph
        # equally often, to one video
        for split in ('train', 'val'):
            for a in {j['action'] for j in videos}:
                ids = [sc['background']['scene_id']
                       for j, sc in zip(videos, scenes)
                       if j['action'] == a and j['split'] == split]
                counts = np.bincount(ids, minlength=n)
                if len(ids) >= n:
                    assert counts.max() - counts.min() <= 1, (a, counts)
                else:
                    assert counts.max() == 1, (a, counts)
        # independence of scene and appearance / motion: no appearance or
        # motion takes more than twice its share of any photograph
        for key in ('appearance_id', 'motion_id'):
            k = max(j[key] for j in videos) + 1
            for s in range(n):
                sel = [j[key] for j, sc in zip(videos, scenes)
                       if sc['background']['scene_id'] == s]
                if len(sel) >= 16:
                    share = np.bincount(sel, minlength=k) / len(sel)
                    assert share.max() < 2.5 / k, (key, s, share)


def test_v1_preset_unchanged():
    """The v1 design stays available: no v2 nuisance is on."""
    from mmvssl.datasets.synthetic.presets import get_preset
    v1 = get_preset('v1')
    assert v1['version'] == 1 and v1['background_travel'] == (0., 0.)
    assert v1['actor_size'] == (30., 40.) and not v1['distractor_transit']
    assert get_preset('default')['version'] == 2


def test_default_has_three_val_groups_and_the_same_train_split():
    """Round 7: the default's val split grew from one UCF-style group (144
    videos) to three (432), to narrow the probes' intervals; the train
    split keeps its 432 videos (3 groups of 4 per action) and the Rounds 4-6
    default stays available as 'default-1val'."""
    from mmvssl.datasets.synthetic import generator
    from mmvssl.datasets.synthetic.presets import get_preset
    default, old = get_preset('default'), get_preset('default-1val')
    changed = {k for k in default if default[k] != old[k]} - {'name'}
    assert changed == {'groups', 'val_groups'}
    counts = {}
    for name, cfg in (('default', default), ('default-1val', old)):
        _, videos, _ = generator.plan(cfg)
        counts[name] = {s: sum(v['split'] == s for v in videos)
                        for s in ('train', 'val')}
    assert counts == {'default': dict(train=432, val=432),
                      'default-1val': dict(train=432, val=144)}


def test_default_backdrop_softer_than_sharp():
    """The Round 4 default: the same scenes as the 'sharp' preset (the Round
    3 default, kept for its numbers) with the backdrop blurred and its
    contrast reduced, and a larger actor; every other key is unchanged."""
    import cv2
    from mmvssl.datasets.synthetic.presets import get_preset
    from mmvssl.datasets.synthetic.render import background_image
    default, sharp = get_preset('default'), get_preset('sharp')
    changed = {k for k in default if default[k] != sharp[k]} - {'name'}
    # (and, since Round 7, two more val groups: see the next test)
    assert changed == {'actor_size', 'num_distractors', 'occluder_prob',
                       'background_blur', 'background_contrast', 'groups',
                       'val_groups'}
    assert sharp['actor_size'] == (40., 52.)
    assert sharp['background_contrast'] == (1., 1.)
    assert default['actor_size'][0] > sharp['actor_size'][1] - 5
    # rendered: the backdrop's fine detail (high-pass energy) and its
    # contrast both drop, on every one of the first videos
    _, _, soft = _plan_scenes('default')
    _, _, hard = _plan_scenes('sharp')
    for a, b in list(zip(soft, hard))[:6]:
        ia, ib = (background_image(s['background']) for s in (a, b))
        assert a['background']['photo'] == b['background']['photo']
        hp = [np.abs(i - cv2.GaussianBlur(i, (0, 0), 2.)).mean()
              for i in (ia, ib)]
        assert hp[0] < 0.6 * hp[1], hp
        assert ia.std() < 0.8 * ib.std()
