"""Every algorithm's loss on a fixed seeded batch equals the value recorded
before the head / loss / view-record refactor of issue 16 (items 1-3).

The values in ``GOLDEN`` were printed by the code before the refactor
(``python tests/test_models/test_algorithms/test_algorithm_golden.py``
prints the current ones); a
change of any of them means a refactor changed the numbers.
"""
import math

import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.registry import DefaultScope

import mmvssl  # noqa: F401
from mmvssl.registry import MODELS

pytest.importorskip('mmcv.ops')

# --------------------------------------------------------------- ConST-CL
T_IN, SIZE, N = 8, 64, 6
CONSTCL_HEADS = dict(
    transformer=dict(type='ConSTCLHead', in_channels=64, embed_dims=16,
                     num_heads=3, head_dims=16, ffn_channels=16,
                     context_length=3),
    mlp=dict(type='RegionMLPHead', in_channels=64, hid_channels=32,
             out_channels=16),
    released=dict(type='InstanceReconstructorHead', in_channels=64,
                  num_channels=16, num_heads=2, num_layers=2,
                  context_length=3))


def constcl_cfg(head, **kw):
    cfg = dict(
        type='ConSTCL',
        backbone=dict(type='ResNet3dY', depth=18, base_channels=8),
        neck=dict(type='MLPProjectionNeck', in_channels=64, hid_channels=32,
                  out_channels=16),
        head=CONSTCL_HEADS[head],
        roi_output_size=2)
    cfg.update(kw)
    return cfg


def cvrl_cfg():
    return dict(
        type='CVRL',
        backbone=dict(type='ResNet3dY', depth=18, base_channels=8,
                      out_branch='global'),
        neck=dict(type='MLPProjectionNeck', in_channels=64, hid_channels=32,
                  out_channels=16))


def _boxes(rng, t0):
    xy = rng.uniform(0, SIZE * 0.6, size=(T_IN, N, 2))
    wh = rng.uniform(SIZE * 0.15, SIZE * 0.4, size=(T_IN, N, 2))
    boxes = np.concatenate([xy, np.minimum(xy + wh, SIZE)], -1)
    valid = np.ones((T_IN, N), bool)
    valid[:, -1] = False
    inds = np.arange(t0, t0 + T_IN)
    return dict(name='v', boxes=boxes.astype(np.float32), box_valid=valid,
                frame_inds=inds, timestamps=inds / 25., rotation=0)


def region_batch(B=4, seed=0):
    rng = np.random.RandomState(seed)
    g = torch.Generator().manual_seed(seed)
    inputs = [torch.randn(B, 3, T_IN, SIZE, SIZE, generator=g)
              for _ in range(2)]
    samples = []
    for _ in range(B):
        ds = ActionDataSample()
        ds.set_metainfo(dict(geometry=[
            _boxes(rng, rng.randint(0, 20)),
            _boxes(rng, rng.randint(0, 20))
        ]))
        samples.append(ds)
    return inputs, samples


# ------------------------------------------------- CSTP and its baselines
FEAT = 16
R3D = dict(type='ResNet3d', depth=18, base_channels=2, pretrained2d=False,
           with_pool1=False, with_pool2=False, temporal_strides=(1, 2, 2, 2),
           inflate=(1, 1, 1, 1), zero_init_residual=False)


def _mlp(cin, cout):
    return dict(type='MLPProjectionNeck', in_channels=cin, hid_channels=32,
                out_channels=cout, num_hidden_layers=1,
                normalize_inputs=False)


FRAMEWORKS = dict(
    SimCLR=dict(projector=_mlp(FEAT, 8), temperature=0.5),
    MoCo=dict(projector=_mlp(FEAT, 8), queue_len=10, feat_dim=8,
              temperature=0.5, momentum=0.9),
    BYOL=dict(projector=_mlp(FEAT, 8), predictor=_mlp(8, 8), momentum=0.9),
    SimSiam=dict(projector=_mlp(FEAT, 8), predictor=_mlp(8, 8)))


def cstp_cfg():
    return dict(
        type='CSTP',
        backbone=R3D,
        contrastive_head=dict(type='BYOLHead', **FRAMEWORKS['BYOL']),
        pretext_heads=dict(
            pcls=dict(type='PlaybackRateHead', in_channels=FEAT),
            rcls=dict(type='RotationHead', in_channels=FEAT),
            ocls=dict(type='STORHead', in_channels=FEAT, hid_channels=8)))


def pretext_batch(B=6, seed=0):
    rng = np.random.RandomState(seed)
    g = torch.Generator().manual_seed(seed)
    inputs = [torch.randn(B, 3, 4, 16, 16, generator=g) for _ in range(2)]
    samples = []
    for _ in range(B):
        pb = int(rng.randint(4))
        geometry = [dict(name=n, playback_label=pb,
                         rotation=int(rng.randint(4)))
                    for n in ('clip1', 'clip2')]
        pretext = dict(spatial_overlap=int(rng.randint(-1, 5)),
                       temporal_overlap=int(rng.randint(5)))
        ds = ActionDataSample()
        ds.set_metainfo(dict(geometry=geometry, pretext=pretext))
        ds.set_gt_label(int(rng.randint(3)))
        samples.append(ds)
    return inputs, samples


def supervised_cfg():
    return dict(
        type='SupervisedBaseline',
        backbone=R3D,
        head=dict(type='I3DHead', num_classes=3, in_channels=FEAT))


# ------------------------------------------------- controllable augmentations
K, C_SIZE, T_CLIP, T_GLOBAL, TOTAL = 4, 32, 8, 16, 96
CTRLAUG_OBJECTIVES = dict(
    rc=dict(type='SoftRegionContrastHead', gather_distributed=False),
    mi=dict(type='LowLevelMIHead', gather_distributed=False,
            estimator=dict(type='MINEEstimator', in_channels=64,
                           hid_channels=32)),
    td=dict(type='TemporalDependencyHead',
            head=dict(type='GRUOrderHead', in_channels=64)),
    nce=dict(type='LocalGlobalNCEHead', gather_distributed=False,
             projector=dict(type='MLPProjectionNeck', in_channels=64,
                            hid_channels=32, out_channels=16)),
    vcop=dict(type='ClipOrderHead',
              head=dict(type='VCOPHead', in_channels=64, hid_channels=16)),
    td_mlp=dict(type='TemporalDependencyHead', num_orders=6,
                head=dict(type='MLPOrderHead', in_channels=64,
                          hid_channels=16)))


def ctrlaug_cfg(*names):
    return dict(
        type='CtrlAug',
        backbone=dict(type='StrideSwitchResNet3d', depth=18,
                      base_channels=8),
        objectives={n: CTRLAUG_OBJECTIVES[n] for n in names})


def _record(name, frame_inds, crop, flip, levels, spans=None):
    rec = dict(name=name, src_shape=(64, 64), total_frames=TOTAL, fps=25.,
               frame_inds=np.asarray(frame_inds), playback_rate=1,
               crop_box=np.asarray(crop, dtype=np.float64), flip=flip,
               img_shape=(C_SIZE, C_SIZE), rotation=0, levels=levels)
    if spans is not None:
        rec['frame_spans'] = spans
    return rec


def local_global_batch(B=4, seed=0):
    rng = np.random.RandomState(seed)
    g = torch.Generator().manual_seed(seed)
    names = ['global'] + [f'local{k}' for k in range(K)]
    inputs = [torch.randn(B, 3, T_GLOBAL if n == 'global' else T_CLIP,
                          C_SIZE, C_SIZE, generator=g) for n in names]
    samples = []
    seg = TOTAL // T_GLOBAL
    for b in range(B):
        levels = dict(color_jitter=b % 2, blur=0)
        g_crop = [rng.randint(0, 8), rng.randint(0, 8), 0, 0]
        g_crop[2:] = [g_crop[0] + 56, g_crop[1] + 56]
        inds = np.arange(T_GLOBAL) * seg
        spans = np.stack([inds, inds + seg], -1).astype(np.float64)
        recs = [_record('global', inds, g_crop, bool(b % 2), levels, spans)]
        for k in range(K):
            x0, y0 = g_crop[0] + rng.randint(0, 20), g_crop[1] + rng.randint(
                0, 20)
            t0 = k * (TOTAL // K) + rng.randint(0, TOTAL // K - T_CLIP)
            recs.append(_record(names[k + 1], np.arange(t0, t0 + T_CLIP),
                                [x0, y0, x0 + 32, y0 + 32],
                                bool(rng.randint(2)), levels))
        ds = ActionDataSample()
        ds.set_metainfo(dict(view_names=names, geometry=recs))
        samples.append(ds)
    return inputs, samples


# ------------------------------------------------------------------ cases
CASES = {
    'ConSTCL': (lambda: constcl_cfg('transformer'), region_batch),
    'ConSTCL-nearest': (lambda: constcl_cfg('transformer',
                                            temporal_sampling='nearest'),
                        region_batch),
    'ConSTCL-mlp': (lambda: constcl_cfg('mlp'), region_batch),
    'ConSTCL-released': (lambda: constcl_cfg('released'), region_batch),
    'CVRL': (cvrl_cfg, region_batch),
    'CSTP': (cstp_cfg, pretext_batch),
    'SupervisedBaseline': (supervised_cfg, pretext_batch),
    'CtrlAug': (lambda: ctrlaug_cfg('rc', 'mi', 'td'), local_global_batch),
    'CtrlAug-nce-vcop': (lambda: ctrlaug_cfg('nce', 'vcop', 'td_mlp'),
                         local_global_batch),
}
for _name, _head in FRAMEWORKS.items():
    CASES[_name] = (lambda h=_head, n=_name: dict(
        type=n, backbone=R3D, head=dict(h)), pretext_batch)


def losses_of(case: str):
    """Every loss / logging value of a freshly built model on its batch
    (two calls: the second sees the updated momentum targets / queue)."""
    cfg_fn, batch_fn = CASES[case]
    torch.manual_seed(0)
    np.random.seed(0)
    with DefaultScope.overwrite_default_scope('mmvssl'):
        model = MODELS.build(cfg_fn())
    model.train()
    inputs, samples = batch_fn()
    out = {}
    for step in range(2):
        torch.manual_seed(step)
        losses = model(inputs, samples, mode='loss')
        for k, v in losses.items():
            out[f'{k}@{step}'] = float(torch.as_tensor(v).float().mean())
    return out


GOLDEN = {
    'BYOL': {
        'cos_ctr@0': -0.029382865875959396,
        'cos_ctr@1': -0.029383305460214615,
        'loss_ctr@0': 4.1175312995910645,
        'loss_ctr@1': 4.117533206939697,
        'z_std_ctr@0': 0.2705307602882385,
        'z_std_ctr@1': 0.2705307602882385,
    },
    'CSTP': {
        'acc_pcls@0': 0.3333333432674408,
        'acc_pcls@1': 0.3333333432674408,
        'acc_rcls@0': 0.25,
        'acc_rcls@1': 0.25,
        'acc_spatial_ocls@0': 0.0,
        'acc_spatial_ocls@1': 0.0,
        'acc_temporal_ocls@0': 0.1666666716337204,
        'acc_temporal_ocls@1': 0.1666666716337204,
        'cos_ctr@0': -0.029382865875959396,
        'cos_ctr@1': -0.029383305460214615,
        'loss_ctr@0': 0.4117531478404999,
        'loss_ctr@1': 0.4117533266544342,
        'loss_ocls@0': 3.5188217163085938,
        'loss_ocls@1': 3.5188217163085938,
        'loss_pcls@0': 1.7175970077514648,
        'loss_pcls@1': 1.7175970077514648,
        'loss_rcls@0': 1.4093910455703735,
        'loss_rcls@1': 1.4093910455703735,
        'z_std_ctr@0': 0.2705307602882385,
        'z_std_ctr@1': 0.2705307602882385,
    },
    'CVRL': {
        'acc_global@0': 0.25,
        'acc_global@1': 0.25,
        'loss_global@0': 5.254544734954834,
        'loss_global@1': 5.254544734954834,
    },
    'ConSTCL': {
        'acc_global@0': 0.0,
        'acc_global@1': 0.0,
        'acc_local@0': 0.0,
        'acc_local@1': 0.0,
        'loss_global@0': 7.306656837463379,
        'loss_global@1': 7.306656837463379,
        'loss_local@0': 0.0029506937135010958,
        'loss_local@1': 0.0029506937135010958,
        'regions_local@0': 5.0,
        'regions_local@1': 5.0,
    },
    'ConSTCL-mlp': {
        'acc_global@0': 0.0,
        'acc_global@1': 0.0,
        'acc_local@0': 0.125,
        'acc_local@1': 0.125,
        'loss_global@0': 7.306656837463379,
        'loss_global@1': 7.306656837463379,
        'loss_local@0': 0.003092220751568675,
        'loss_local@1': 0.003092220751568675,
        'regions_local@0': 5.0,
        'regions_local@1': 5.0,
    },
    'ConSTCL-nearest': {
        'acc_global@0': 0.0,
        'acc_global@1': 0.0,
        'acc_local@0': 0.02500000037252903,
        'acc_local@1': 0.20000000298023224,
        'loss_global@0': 7.306656837463379,
        'loss_global@1': 7.306656837463379,
        'loss_local@0': 0.0028438528534024954,
        'loss_local@1': 0.002838910324499011,
        'regions_local@0': 5.0,
        'regions_local@1': 5.0,
    },
    'ConSTCL-released': {
        'acc_global@0': 0.0,
        'acc_global@1': 0.0,
        'acc_local@0': 0.125,
        'acc_local@1': 0.125,
        'loss_global@0': 7.306656837463379,
        'loss_global@1': 7.306656837463379,
        'loss_local@0': 0.0027311283629387617,
        'loss_local@1': 0.0027311283629387617,
        'regions_local@0': 5.0,
        'regions_local@1': 5.0,
    },
    'CtrlAug': {
        'loss_mi_adv@0': 7.686764001846313e-05,
        'loss_mi_adv@1': 7.686764001846313e-05,
        'loss_mi_lg@0': 0.0,
        'loss_mi_lg@1': 0.0,
        'loss_rc@0': 3.931260347366333,
        'loss_rc@1': 3.931260347366333,
        'loss_td@0': 0.16157805919647217,
        'loss_td@1': 0.16157805919647217,
        'mi_joint_pairs@0': 4.0,
        'mi_joint_pairs@1': 4.0,
        'mi_levels@0': -7.686764001846313e-05,
        'mi_levels@1': -7.686764001846313e-05,
        'mi_local_global@0': -0.0011595189571380615,
        'mi_local_global@1': -0.0011595189571380615,
        'rc_acc@0': 0.0625,
        'rc_acc@1': 0.0625,
        'rc_coverage@0': 1.0,
        'rc_coverage@1': 1.0,
        'td_acc@0': 0.0,
        'td_acc@1': 0.0,
        'td_mi@0': -0.16157805919647217,
        'td_mi@1': -0.16157805919647217,
    },
    'CtrlAug-nce-vcop': {
        'loss_nce@0': 7.892858505249023,
        'loss_nce@1': 7.892858505249023,
        'loss_td_mlp@0': 0.005447819828987122,
        'loss_td_mlp@1': 0.0049230605363845825,
        'loss_vcop@0': 3.1614208221435547,
        'loss_vcop@1': 3.1993672847747803,
        'nce_acc@0': 0.0,
        'nce_acc@1': 0.0,
        'td_mlp_acc@0': 0.25,
        'td_mlp_acc@1': 0.25,
        'td_mlp_mi@0': -0.005447819828987122,
        'td_mlp_mi@1': -0.0049230605363845825,
        'vcop_acc@0': 0.25,
        'vcop_acc@1': 0.0,
    },
    'MoCo': {
        'acc_ctr@0': 0.25,
        'acc_ctr@1': 0.0833333358168602,
        'loss_ctr@0': 3.999783992767334,
        'loss_ctr@1': 5.38002347946167,
    },
    'SimCLR': {
        'acc_ctr@0': 0.1666666716337204,
        'acc_ctr@1': 0.1666666716337204,
        'loss_ctr@0': 4.932243347167969,
        'loss_ctr@1': 4.932243347167969,
    },
    'SimSiam': {
        'loss_ctr@0': 0.024325385689735413,
        'loss_ctr@1': 0.024325385689735413,
        'z_std_ctr@0': 0.2705307602882385,
        'z_std_ctr@1': 0.2705307602882385,
    },
    'SupervisedBaseline': {
        'loss_cls@0': 1.1965101957321167,
        'loss_cls@1': 1.2692562341690063,
        'top1_acc@0': 0.3333333432674408,
        'top1_acc@1': 0.3333333432674408,
        'top5_acc@0': 1.0,
        'top5_acc@1': 1.0,
    },
}


@pytest.mark.parametrize('case', sorted(CASES))
def test_loss_equals_the_value_before_the_refactor(case):
    got = losses_of(case)
    want = GOLDEN[case]
    assert set(got) == set(want)
    for k in want:
        assert math.isclose(got[k], want[k], rel_tol=1e-5, abs_tol=1e-6), (
            k, got[k], want[k])


if __name__ == '__main__':
    import sys
    names = sys.argv[1:] or sorted(CASES)
    print('GOLDEN = {')
    for case in names:
        vals = losses_of(case)
        print(f'    {case!r}: {{')
        for k in sorted(vals):
            print(f'        {k!r}: {vals[k]!r},')
        print('    },')
    print('}')
