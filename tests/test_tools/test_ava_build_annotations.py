"""tools/data/ava_kinetics/build_annotations.py on tiny fabricated CSVs in
the released formats; mmaction2's AVAKineticsDataset reads the result."""
import os.path as osp
import pickle
import sys

import numpy as np
import pytest

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
sys.path.insert(0, osp.join(ROOT, 'tools', 'data', 'ava_kinetics'))
import build_annotations as ba  # noqa: E402

AVA_ID = 'abcdefghijk'  # 11 characters, as YouTube ids
KIN_ID = 'Ab-cd_EfGhI'  # a YouTube id with '_'
PBTXT = ('item {\n  name: "bend/bow (at the waist)"\n  id: 1\n}\n'
         'item {\n  name: "crawl"\n  id: 2\n}\n'
         'item {\n  name: "dance"\n  id: 3\n}\n')


def _write(path, text):
    with open(path, 'w') as f:
        f.write(text)
    return str(path)


@pytest.fixture
def release(tmp_path):
    ava = tmp_path / 'ava'
    kin = tmp_path / 'ava_kinetics_v1_0'
    ava.mkdir()
    kin.mkdir()
    for split in ('train', 'val'):
        _write(ava / f'ava_{split}_v2.2.csv',
               f'{AVA_ID},0902,0.100,0.200,0.300,0.400,1,0\n'
               f'{AVA_ID},0902,0.100,0.200,0.300,0.400,3,0\n'
               f'{AVA_ID},0903,0.500,0.200,0.700,0.900,2,1\n')
        _write(ava / f'ava_{split}_excluded_timestamps_v2.2.csv',
               f'{AVA_ID},0905\n')
    _write(ava / 'ava_action_list_v2.2_for_activitynet_2019.pbtxt', PBTXT)
    # 7 columns (no person id); keyframe time in YouTube seconds
    _write(kin / 'kinetics_train_v1.0.csv',
           f'{KIN_ID},17,0.1,0.1,0.5,0.9,3\n'
           f'{KIN_ID},17,0.1,0.1,0.5,0.9,1\n'
           f'{KIN_ID},17,0.6,0.2,0.9,0.8,2\n'
           f'{KIN_ID},18.4,0.6,0.2,0.9,0.8,2\n'
           f'missingvid1,40,0.1,0.1,0.5,0.9,1\n')
    _write(kin / 'kinetics_val_v1.0.csv',
           'zz_yy-xx_ww,33,0.2,0.2,0.4,0.4,2\n')
    clips = _write(tmp_path / 'k700_train.csv',
                   'label,youtube_id,time_start,time_end,split\n'
                   f'dancing,{KIN_ID},12,22,train\n'
                   f'dancing,{KIN_ID},100,110,train\n')
    vlist = _write(tmp_path / 'k700_val_list_videos.txt',
                   'class3/zz_yy-xx_ww_000030_000040.mp4 3\n')
    dets = tmp_path / 'dets.pkl'
    with open(dets, 'wb') as f:
        pickle.dump({f'{KIN_ID},0017': np.array([[0.1, 0.1, 0.5, 0.9, 0.95]],
                                                dtype=np.float32)}, f)
    return dict(ava=str(ava), kin=str(kin), clips=[clips, vlist],
                dets=str(dets), out=str(tmp_path / 'out'))


def test_kinetics(release):
    summary = ba.main([
        'kinetics', '--ava-dir', release['ava'], '--ava-kinetics-dir',
        release['kin'], '--kinetics-clips', *release['clips'], '--out-dir',
        release['out'], '--kinetics-proposals-train', release['dets']
    ])
    out = release['out']
    assert summary['train']['kept'] == 4
    assert summary['train']['missing_clip'] == 1
    assert summary['train']['fractional_timestamp'] == 1
    assert summary['val']['kept'] == 1
    rows = ba.read_rows(osp.join(out, 'ava_kinetics_train_v1.0.csv'))
    assert len(rows) == 3 + 4
    clip = f'{KIN_ID}_000012_000022'
    kin = [r for r in rows if r[0] == clip]
    assert [r[1] for r in kin] == ['0017', '0017', '0017', '0018']
    assert [r[6] for r in kin] == ['3', '1', '2', '2']
    assert [r[7] for r in kin] == ['0', '0', '1', '0']  # one id per box
    assert kin[0][2:6] == ['0.100', '0.100', '0.500', '0.900']
    assert ba.read_rows(osp.join(out, 'kinetics_clips_train.txt'))[0] == \
        [f'{clip} {KIN_ID} 12 22']
    val = ba.read_rows(osp.join(out, 'ava_kinetics_val_v1.0.csv'))
    assert val[-1][0] == 'zz_yy-xx_ww_000030_000040'
    assert ba.read_rows(osp.join(
        out, 'ava_kinetics_train_excluded_timestamps_v1.0.csv')) == \
        [[AVA_ID, '0905']]
    gt = ba.load_pickle(osp.join(out, 'ava_kinetics_gt_proposals_train_'
                                 'v1.0.pkl'))
    assert gt[f'{AVA_ID},0902'].shape == (1, 5)  # two labels, one box
    np.testing.assert_allclose(gt[f'{KIN_ID},0017'][:, :4],
                               [[0.1, 0.1, 0.5, 0.9], [0.6, 0.2, 0.9, 0.8]])
    assert (gt[f'{KIN_ID},0017'][:, 4] == 1).all()
    dets = ba.load_pickle(osp.join(out, 'ava_kinetics_dense_proposals_train_'
                                   'v1.0.pkl'))
    assert set(dets) == {f'{KIN_ID},0017'}

    # mmaction2's AVAKineticsDataset reads the files as written
    from mmaction.datasets import AVAKineticsDataset
    ds = AVAKineticsDataset(
        ann_file=osp.join(out, 'ava_kinetics_train_v1.0.csv'),
        exclude_file=osp.join(
            out, 'ava_kinetics_train_excluded_timestamps_v1.0.csv'),
        label_file=osp.join(
            out, 'ava_action_list_v2.2_for_activitynet_2019.pbtxt'),
        proposal_file=osp.join(
            out, 'ava_kinetics_gt_proposals_train_v1.0.pkl'),
        pipeline=[], num_classes=4, data_prefix=dict(img='frames'))
    infos = {ds.get_data_info(i)['img_key']: ds.get_data_info(i)
             for i in range(len(ds))}
    info = infos[f'{clip},0017']
    assert (info['timestamp_start'], info['timestamp_end']) == (12, 22)
    assert info['frame_dir'] == osp.join('frames', clip)
    np.testing.assert_allclose(info['proposals'], info['gt_bboxes'])
    np.testing.assert_allclose(info['gt_labels'][0], [0, 1, 0, 1])
    assert infos[f'{AVA_ID},0902']['timestamp_start'] == 900


def test_gt_proposals(release, tmp_path):
    csv = osp.join(release['ava'], 'ava_val_v2.2.csv')
    props = ba.main(['gt-proposals', csv, str(tmp_path / 'gt.pkl')])
    assert set(props) == {f'{AVA_ID},0902', f'{AVA_ID},0903'}
    assert ba.load_pickle(str(tmp_path / 'gt.pkl'))[
        f'{AVA_ID},0903'].dtype == np.float32
    assert ba.youtube_id_of(f'{KIN_ID}_000012_000022') == KIN_ID
    assert ba.youtube_id_of('ab_12_34cdef') == 'ab_12_34cdef'  # an AVA id
