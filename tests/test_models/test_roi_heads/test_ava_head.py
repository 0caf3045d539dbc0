"""ActionTransformerHead: shapes, gradients, per-clip memory, and its place
as the shared head of mmaction2's AVARoIHead."""
import pytest
import torch

import mmvssl.models.roi_heads  # noqa: F401  (registers the head)
from mmvssl.models.roi_heads import ActionTransformerHead


def _inputs(k=5, n=2, c=16, t=1, hw=(6, 8), roi=4):
    torch.manual_seed(0)
    x = torch.randn(k, c, t, roi, roi, requires_grad=True)
    feat = torch.randn(n, c, t, *hw, requires_grad=True)
    boxes = torch.tensor([[10., 12., 40., 60.]]).repeat(k, 1)
    boxes[:, 0] += torch.arange(k) * 5.
    inds = (torch.arange(k) % n).float()[:, None]
    return x, feat, torch.cat([inds, boxes], dim=1)


@pytest.mark.parametrize('t', [1, 3])
@pytest.mark.parametrize('with_roi_feat', [False, True])
def test_shapes_and_gradients(t, with_roi_feat):
    head = ActionTransformerHead(in_channels=16, embed_dims=8, num_heads=2,
                                 num_layers=2, query_size=2,
                                 with_roi_feat=with_roi_feat, dropout=0.0)
    head.init_weights()
    x, feat, rois = _inputs(t=t)
    out = head(x, feat=feat, rois=rois,
               img_metas=[dict(img_shape=(96, 128))] * 2)
    assert head.out_channels == 8 + (16 if with_roi_feat else 0)
    assert out.shape == (5, head.out_channels, 1, 1, 1)
    out.square().sum().backward()
    assert x.grad.abs().sum() > 0 and feat.grad.abs().sum() > 0
    for name, p in head.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_each_box_attends_to_its_own_clip():
    head = ActionTransformerHead(in_channels=16, embed_dims=8, num_heads=2,
                                 num_layers=2, dropout=0.0).eval()
    x, feat, rois = _inputs()
    out = head(x, feat, rois)
    feat2 = feat.detach().clone()
    feat2[1] += 3.0  # change clip 1 only
    out2 = head(x, feat2, rois)
    clip0 = rois[:, 0] == 0
    torch.testing.assert_close(out[clip0], out2[clip0])
    assert not torch.allclose(out[~clip0], out2[~clip0])
    # the memory matters: the output is not a function of the RoI alone
    assert not torch.allclose(out, head(x, torch.zeros_like(feat), rois))


def test_bad_heads():
    with pytest.raises(ValueError):
        ActionTransformerHead(in_channels=16, embed_dims=10, num_heads=3)


def test_in_ava_roi_head():
    """AVARoIHead passes the clip feature map and the RoIs to the shared
    head; BBoxHeadAVA classifies its output."""
    from mmaction.utils import register_all_modules
    from mmdet.registry import MODELS
    from mmengine.config import ConfigDict
    from mmengine.registry import DefaultScope
    register_all_modules(init_default_scope=False)
    # build in mmdet's scope whatever default scope earlier tests left
    with DefaultScope.overwrite_default_scope('mmdet'):
        roi_head = _build_roi_head(MODELS, ConfigDict)
    _check_roi_head(roi_head)


def _build_roi_head(MODELS, ConfigDict):
    return MODELS.build(ConfigDict(
        type='AVARoIHead',
        bbox_roi_extractor=dict(type='SingleRoIExtractor3D',
                                featmap_stride=16, output_size=4),
        shared_head=dict(type='ActionTransformerHead', in_channels=16,
                         embed_dims=8, num_heads=2, num_layers=1),
        bbox_head=dict(type='BBoxHeadAVA', background_class=True,
                       in_channels=8, num_classes=4, topk=(1, 2)),
        train_cfg=dict(
            assigner=dict(type='MaxIoUAssignerAVA', pos_iou_thr=0.9,
                          neg_iou_thr=0.9, min_pos_iou=0.9),
            sampler=dict(type='RandomSampler', num=32, pos_fraction=1,
                         neg_pos_ub=-1, add_gt_as_proposals=True),
            pos_weight=1.0),
        test_cfg=dict(rcnn=None)))


def _check_roi_head(roi_head):
    from mmaction.structures import ActionDataSample
    from mmengine.structures import InstanceData
    roi_head.init_weights()
    feat = torch.randn(2, 16, 2, 6, 8, requires_grad=True)
    samples, proposals = [], []
    for i in range(2):
        s = ActionDataSample()
        boxes = torch.tensor([[8., 8., 60., 80.], [70., 10., 120., 90.]])
        labels = torch.zeros(2, 4)
        labels[0, 1] = labels[1, 2 + i] = 1
        s.gt_instances = InstanceData(bboxes=boxes, labels=labels)
        s.set_metainfo(dict(img_shape=(96, 128)))
        samples.append(s)
        proposals.append(InstanceData(bboxes=boxes.clone()))
    losses = roi_head.loss(feat, proposals, samples)
    losses['loss_action_cls'].backward()
    assert torch.isfinite(losses['loss_action_cls'])
    assert feat.grad.abs().sum() > 0
    roi_head.eval()
    props = [InstanceData(bboxes=samples[0].gt_instances.bboxes)]
    res = roi_head.predict(feat[:1].detach(), props, samples[:1])
    assert res[0].scores.shape == (2, 4)
