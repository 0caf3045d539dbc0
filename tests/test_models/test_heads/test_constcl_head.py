"""ConST-CL transformer head and the MLP projection / region heads."""
import pytest
import torch
from mmengine.registry import DefaultScope

import mmvssl  # noqa: F401

pytest.importorskip('mmcv')
from mmvssl.models.heads import (ConSTCLHead, MultiHeadCrossAttention,  # noqa
                                 RegionMLPHead)
from mmvssl.models.necks import MLPProjectionNeck  # noqa: E402
from mmvssl.registry import MODELS  # noqa: E402


def build(cfg):
    with DefaultScope.overwrite_default_scope('mmvssl'):
        return MODELS.build(cfg)


def n_params(m):
    return sum(p.numel() for p in m.parameters())


def test_default_head_matches_table7():
    head = build(dict(type='ConSTCLHead'))
    assert head.query_proj.in_features == 2048
    assert head.query_proj.out_features == 128
    assert head.key_proj.out_features == head.value_proj.out_features == 128
    assert len(head.layers) == 3
    attn = head.layers[0].attn
    assert attn.num_heads == 3 and attn.head_dims == 128
    assert attn.q_proj.out_features == 3 * 128
    assert attn.out_proj.out_features == 128
    assert head.out_proj.out_features == 2048
    assert isinstance(head.layers[0].ffn[1], torch.nn.ReLU)
    assert head.context_length == 5
    q = torch.randn(2, 16, 2048)
    ctx = torch.randn(2, 5 * 49, 2048)
    out = head(q, torch.zeros(2, 16, 3), ctx, torch.zeros(2, 5 * 49, 3))
    assert out.shape == (2, 16, 2048)
    # 3 input projections + out projection + 3 x (4 attention projections,
    # FFN 128-128-128, 2 LayerNorms) + the (t, y, x) embedding MLP
    per_layer = 3 * (128 * 384 + 384) + (384 * 128 + 128) + \
        2 * (128 * 128 + 128) + 2 * 256
    expect = 3 * (2048 * 128 + 128) + (128 * 2048 + 2048) + \
        3 * per_layer + (3 * 32 + 32) + (32 * 128 + 128)
    assert n_params(head) == expect


def test_attention_against_manual_heads():
    torch.manual_seed(0)
    attn = MultiHeadCrossAttention(embed_dims=4, num_heads=3, head_dims=2)
    q, k = torch.randn(1, 2, 4), torch.randn(1, 5, 4)
    v = torch.randn(1, 5, 4)
    heads = []
    Q, K, V = attn.q_proj(q), attn.k_proj(k), attn.v_proj(v)
    for h in range(3):
        sl = slice(2 * h, 2 * h + 2)
        w = (Q[..., sl] @ K[..., sl].transpose(1, 2) / 2**0.5).softmax(-1)
        heads.append(w @ V[..., sl])
    expected = attn.out_proj(torch.cat(heads, dim=-1))
    torch.testing.assert_close(attn(q, k, v), expected)
    assert attn.attention_weights(q, k).shape == (1, 3, 2, 5)


def small_head(**kw):
    cfg = dict(in_channels=16, embed_dims=8, num_heads=3, head_dims=8,
               num_layers=2, ffn_channels=8, context_length=3)
    cfg.update(kw)
    return ConSTCLHead(**cfg).eval()


def test_queries_are_decoded_independently():
    head = small_head()
    q, qp = torch.randn(2, 4, 16), torch.randn(2, 4, 3)
    c, cp = torch.randn(2, 6, 16), torch.randn(2, 6, 3)
    full = head(q, qp, c, cp)
    one = head(q[:, 1:2], qp[:, 1:2], c, cp)
    torch.testing.assert_close(full[:, 1:2], one)


def test_position_embedding_is_used():
    head = small_head()
    q, qp = torch.randn(1, 2, 16), torch.zeros(1, 2, 3)
    c, cp = torch.randn(1, 6, 16), torch.rand(1, 6, 3)
    perm = torch.randperm(6)
    # keys are a set: permuting tokens AND positions changes nothing
    torch.testing.assert_close(head(q, qp, c, cp),
                               head(q, qp, c[:, perm], cp[:, perm]))
    # ... but moving the positions does
    assert not torch.allclose(head(q, qp, c, cp), head(q, qp, c, cp + 1))
    with pytest.raises(ValueError, match='query_pos'):
        head(q, None, c, cp)
    nopos = small_head(with_pos_embed=False)
    assert nopos.pos_embed is None
    nopos(q, None, c, None)


def test_gradients_reach_queries_and_context():
    head = small_head().train()
    q = torch.randn(2, 4, 16, requires_grad=True)
    c = torch.randn(2, 6, 16, requires_grad=True)
    head(q, torch.zeros(2, 4, 3), c, torch.zeros(2, 6, 3)).sum().backward()
    assert q.grad.abs().sum() > 0 and c.grad.abs().sum() > 0


def test_context_length_zero_needs_region_mlp_head():
    with pytest.raises(ValueError, match='RegionMLPHead'):
        ConSTCLHead(context_length=0)
    head = RegionMLPHead(in_channels=16, hid_channels=32, out_channels=8)
    assert head.context_length == 0
    x = torch.randn(2, 4, 16)
    torch.testing.assert_close(head(x, None, None, None),
                               head.project_target(x))
    assert head(x).shape == (2, 4, 8)


def test_mlp_projection_neck():
    neck = build(dict(type='MLPProjectionNeck', in_channels=2048))
    linears = [m for m in neck.mlp if isinstance(m, torch.nn.Linear)]
    bns = [m for m in neck.mlp if isinstance(m, torch.nn.BatchNorm1d)]
    assert [(m.in_features, m.out_features) for m in linears] == \
        [(2048, 2048)] * 3 + [(2048, 128)]
    assert len(bns) == 3
    small = MLPProjectionNeck(8, 16, 4, num_hidden_layers=2)
    assert small(torch.randn(3, 8, 2, 2, 2)).shape == (3, 4)  # pooled
    assert small(torch.randn(3, 5, 8)).shape == (3, 5, 4)  # tokens
    # inputs are L2-normalised: scale-invariant
    small.eval()
    x = torch.randn(3, 8)
    torch.testing.assert_close(small(x), small(7 * x))
    with pytest.raises(ValueError, match='in_channels=8'):
        small(torch.randn(3, 9))


def test_mlp_projection_neck_output_norm():
    """SimSiam's projector ends in a BN without affine: in training each
    output dimension of the batch has zero mean and unit variance, and the
    norm has no parameters; without ``out_norm_cfg`` the output is free."""
    torch.manual_seed(0)
    neck = MLPProjectionNeck(8, 16, 4, num_hidden_layers=1,
                             normalize_inputs=False,
                             out_norm_cfg=dict(type='BN1d', affine=False))
    assert isinstance(neck.mlp[-1], torch.nn.BatchNorm1d)
    assert n_params(neck.mlp[-1]) == 0
    out = neck(3 + 5 * torch.randn(64, 8))
    torch.testing.assert_close(out.mean(0), torch.zeros(4), atol=1e-5,
                               rtol=0)
    torch.testing.assert_close(out.var(0, unbiased=False), torch.ones(4),
                               atol=1e-3, rtol=0)
    plain = MLPProjectionNeck(8, 16, 4, num_hidden_layers=1,
                              normalize_inputs=False)
    assert isinstance(plain.mlp[-1], torch.nn.Linear)
    assert plain(3 + 5 * torch.randn(64, 8)).mean(0).abs().max() > 1e-2
