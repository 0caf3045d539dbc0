"""RoIAlign3D: one batched mmcv roi_align call == per-frame reference."""
import pytest
import torch

import mmvssl  # noqa: F401

mmcv_ops = pytest.importorskip('mmcv.ops')
from mmvssl.ops import RoIAlign3D, roi_align_3d  # noqa: E402


def reference(feats, rois, output_size, spatial_scale, sampling_ratio,
              aligned):
    """Loop over boxes; each pooled on its own frame with mmcv roi_align."""
    outs = []
    for r in rois:
        b, t = int(r[0]), int(r[1])
        frame = feats[b:b + 1, :, t].contiguous()  # (1, C, H, W)
        roi = torch.cat([r.new_zeros(1), r[2:]])[None]
        outs.append(
            mmcv_ops.roi_align(frame, roi, output_size, spatial_scale,
                               sampling_ratio, 'avg', aligned))
    return torch.cat(outs)


def random_rois(k, B, T, H, W, scale, dtype=torch.float32, seed=0):
    g = torch.Generator().manual_seed(seed)
    b = torch.randint(B, (k, ), generator=g)
    t = torch.randint(T, (k, ), generator=g)
    xy = torch.rand(k, 2, generator=g) * torch.tensor([W, H]) / scale * 0.7
    wh = (torch.rand(k, 2, generator=g) * 0.5 + 0.1) * torch.tensor(
        [W, H]) / scale
    return torch.cat([b[:, None], t[:, None], xy, xy + wh],
                     dim=1).to(dtype)


@pytest.mark.parametrize('aligned', [True, False])
@pytest.mark.parametrize('sampling_ratio', [0, 2])
def test_matches_per_frame_reference(aligned, sampling_ratio):
    B, C, T, H, W = 3, 5, 4, 7, 9
    scale = 1 / 8
    feats = torch.randn(B, C, T, H, W)
    rois = random_rois(20, B, T, H, W, scale)
    m = RoIAlign3D((3, 2), spatial_scale=scale, sampling_ratio=sampling_ratio,
                   aligned=aligned)
    out = m(feats, rois)
    assert out.shape == (20, C, 3, 2)
    ref = reference(feats, rois, (3, 2), scale, sampling_ratio, aligned)
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-6)


def test_gradients_match_reference():
    B, C, T, H, W = 2, 3, 3, 6, 6
    feats = torch.randn(B, C, T, H, W, requires_grad=True)
    feats_ref = feats.detach().clone().requires_grad_(True)
    rois = random_rois(12, B, T, H, W, 1.0, seed=1)
    w = torch.randn(12, C, 2, 2)
    (RoIAlign3D(2)(feats, rois) * w).sum().backward()
    (reference(feats_ref, rois, 2, 1.0, 0, True) * w).sum().backward()
    torch.testing.assert_close(feats.grad, feats_ref.grad)
    assert feats.grad.abs().sum() > 0


def test_gradcheck_double():
    B, C, T, H, W = 2, 2, 3, 5, 5
    feats = torch.randn(B, C, T, H, W, dtype=torch.double,
                        requires_grad=True)
    rois = torch.tensor([[0, 1, 0.6, 1.1, 3.3, 4.2],
                         [1, 2, 1.7, 0.4, 4.6, 3.9],
                         [1, 0, 0.2, 0.3, 2.1, 2.2]], dtype=torch.double)
    assert torch.autograd.gradcheck(
        lambda x: roi_align_3d(x, rois, 2, 1.0, 2, True), (feats, ),
        eps=1e-6, atol=1e-5)


def test_frame_index_is_b_times_T_plus_t():
    # every frame holds a constant: pooled value identifies the frame
    B, T = 2, 3
    feats = torch.arange(B * T, dtype=torch.float32).view(B, 1, T, 1, 1)
    feats = feats.expand(B, 1, T, 4, 4).contiguous()
    rois = torch.tensor([[b, t, 0., 0., 4., 4.] for b in range(B)
                         for t in range(T)])
    out = RoIAlign3D(1)(feats, rois).flatten()
    torch.testing.assert_close(out, torch.arange(B * T, dtype=torch.float32))


def test_bad_inputs_raise():
    m = RoIAlign3D(2)
    with pytest.raises(ValueError, match='feats'):
        m(torch.zeros(1, 2, 3, 4), torch.zeros(1, 6))
    with pytest.raises(ValueError, match='rois'):
        m(torch.zeros(1, 2, 3, 4, 4), torch.zeros(1, 5))
    with pytest.raises(IndexError, match='t out of'):
        m(torch.zeros(1, 2, 3, 4, 4), torch.tensor([[0, 3, 0., 0, 1, 1]]))
    with pytest.raises(IndexError, match='batch_index'):
        m(torch.zeros(1, 2, 3, 4, 4), torch.tensor([[1, 0, 0., 0, 1, 1]]))
