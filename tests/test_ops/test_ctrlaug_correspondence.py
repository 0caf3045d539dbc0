"""Soft spatio-temporal correspondence S_k of controllable augmentations."""
import numpy as np
import pytest
import torch

import mmvssl  # noqa: F401
from mmvssl.ops.tube_correspondence import (cell_membership,
                                            correspondence_factors,
                                            tube_correspondence)
from mmvssl.structures import (crop_geometry, flip_geometry, new_geometry,
                               resize_geometry, view_to_source_boxes)

SRC = (120, 160)  # (H, W)


def record(name, inds, total, box, out_hw, flip, spans=None, rate=1):
    g = new_geometry(name, SRC, total, 25.0, inds, rate)
    crop_geometry(g, box)
    resize_geometry(g, out_hw)
    if flip:
        flip_geometry(g)
    if spans is not None:
        g['frame_spans'] = spans
    return g


def brute_force(q, k, qgrid, kgrid):
    """S by explicit loops over cells and frames, in source coordinates:
    cell boxes from view_to_source_boxes, frame spans recomputed here."""

    def spans(r):
        if r.get('frame_spans') is not None:
            s = np.asarray(r['frame_spans'], float)
        else:
            f = np.asarray(r['frame_inds'], float)
            s = np.stack([f, f + r['playback_rate']], -1)
        return np.clip(s, 0, r['total_frames'])

    def cells(r, grid):
        t, gh, gw = grid
        h, w = r['img_shape']
        n = len(r['frame_inds'])
        assert n % t == 0
        sp = spans(r)
        out = []
        for ti in range(t):
            for yi in range(gh):
                for xi in range(gw):
                    vbox = np.array([xi * w / gw, yi * h / gh,
                                     (xi + 1) * w / gw, (yi + 1) * h / gh])
                    sbox = view_to_source_boxes(vbox, r)
                    frames = sp[ti * n // t:(ti + 1) * n // t]
                    out.append((frames, sbox))
        return out

    def inter1d(a0, a1, b0, b1):
        return max(min(a1, b1) - max(a0, b0), 0.0)

    qc, kc = cells(q, qgrid), cells(k, kgrid)
    S = np.zeros((len(qc), len(kc)))
    for i, (qf, qb) in enumerate(qc):
        area_q = (qb[2] - qb[0]) * (qb[3] - qb[1])
        vol = sum(f[1] - f[0] for f in qf) * area_q
        for j, (kf, kb) in enumerate(kc):
            t = sum(inter1d(a[0], a[1], b[0], b[1]) for a in qf for b in kf)
            area = inter1d(qb[0], qb[2], kb[0], kb[2]) * inter1d(
                qb[1], qb[3], kb[1], kb[3])
            S[i, j] = t * area / vol if vol > 0 else 0.0
    return S


def random_box(rng, lo=0.3, hi=0.9):
    w = int(SRC[1] * rng.uniform(lo, hi))
    h = int(SRC[0] * rng.uniform(lo, hi))
    x = rng.randint(0, SRC[1] - w + 1)
    y = rng.randint(0, SRC[0] - h + 1)
    return (x, y, x + w, y + h)


def test_matches_brute_force_with_flips_and_partial_overlaps():
    rng = np.random.RandomState(0)
    B, K = 3, 2
    qgrid, kgrid = (2, 3, 3), (4, 2, 3)
    qs, ks = [], []
    for b in range(B):
        total = int(rng.randint(40, 90))
        if b == 0:  # per-frame spans only: clips partly outside in time
            ginds = np.sort(rng.choice(total, 8, replace=False))
            g = record('global', ginds, total, random_box(rng), (24, 30),
                       rng.rand() < .5)
        else:  # segment spans (LocalGlobalSampler)
            step = total / 8
            spans = np.stack([np.arange(8) * step, np.arange(1, 9) * step], 1)
            g = record('global', np.floor(spans[:, 0]).astype(int), total,
                       random_box(rng), (24, 30), rng.rand() < .5, spans)
        clips = []
        for k in range(K):
            rate = int(rng.randint(1, 3))
            start = int(rng.randint(0, total - 6 * rate))
            # random crops anywhere: partial spatial overlaps and misses
            clips.append(
                record(f'local{k}', start + np.arange(6) * rate, total,
                       random_box(rng, 0.2, 0.6), (18, 18), k % 2 == b % 2,
                       rate=rate))
        qs.append(clips)
        ks.append(g)
    S = tube_correspondence(qs, ks, qgrid, kgrid, dtype=torch.float64)
    assert S.shape == (B, K, 18, 24)
    for b in range(B):
        for k in range(K):
            ref = brute_force(qs[b][k], ks[b], qgrid, kgrid)
            np.testing.assert_allclose(S[b, k].numpy(), ref, atol=1e-10)
    rows = S.sum(-1)
    assert (rows <= 1 + 1e-9).all() and (rows < 1 - 1e-3).any()


def test_looped_clip_matches_frame_level_brute_force():
    """A clip longer than the video wraps around (the dataset's 'loop'):
    the frame-level temporal accumulation stays exact."""
    total = 10
    step = total / 8
    spans = np.stack([np.arange(8) * step, np.arange(1, 9) * step], 1)
    g = record('global', np.floor(spans[:, 0]).astype(int), total,
               (0, 0, 160, 120), (16, 16), False, spans)
    inds = np.mod(np.arange(4, 16), total)  # 4..9, 0..5
    c = record('local0', inds, total, (20, 10, 100, 90), (16, 16), True)
    S = tube_correspondence([[c]], [g], (3, 2, 2), (4, 2, 2),
                            dtype=torch.float64)[0, 0]
    np.testing.assert_allclose(
        S.numpy(), brute_force(c, g, (3, 2, 2), (4, 2, 2)), atol=1e-10)
    np.testing.assert_allclose(S.sum(-1).numpy(), 1.0, atol=1e-10)


def test_hand_computed_temporal_and_flipped_spatial_factors():
    # video of 48 frames; global: 16 frames, 8 cells of 6 source frames
    step = 3.0
    spans = np.stack([np.arange(16) * step, np.arange(1, 17) * step], 1)
    g = record('global', np.arange(16) * 3, 48, (0, 0, 160, 120), (8, 8),
               False, spans)
    # clip: frames 8..23, 2 cells [8, 16) and [16, 24); the left half of
    # the frame, flipped: its left feature column shows source x in
    # [40, 80), its right one [0, 40)
    c = record('local0', np.arange(8, 24), 48, (0, 0, 80, 120), (8, 8),
               True)
    r_t, r_y, r_x = correspondence_factors([[c]], [g], (2, 1, 2), (8, 1, 4))
    expect_t = np.zeros((2, 8))
    expect_t[0, 1], expect_t[0, 2] = 4 / 8, 4 / 8  # [8,16) vs [6,12),[12,18)
    expect_t[1, 2], expect_t[1, 3] = 2 / 8, 6 / 8  # [16,24) vs [12,18),[18,24)
    np.testing.assert_allclose(r_t[0, 0].numpy(), expect_t)
    np.testing.assert_allclose(r_y[0, 0].numpy(), [[1.0]])
    # global columns: [0, 40), [40, 80), [80, 120), [120, 160)
    np.testing.assert_allclose(r_x[0, 0].numpy(),
                               [[0, 1, 0, 0], [1, 0, 0, 0]])
    S = tube_correspondence([[c]], [g], (2, 1, 2), (8, 1, 4))[0, 0]
    # clip cell (t=0, x=0) -> global cells (t=1, x=1) and (t=2, x=1)
    assert S[0, 1 * 4 + 1] == pytest.approx(0.5)
    assert S[0, 2 * 4 + 1] == pytest.approx(0.5)


def test_membership_and_errors():
    m = cell_membership(16, 2)
    assert m.shape == (16, 2) and m[:8, 0].sum() == 8 and m[8:, 0].sum() == 0
    m = cell_membership(5, 2)  # fractional: frame 2 is split
    np.testing.assert_allclose(m[2], [0.5, 0.5])
    np.testing.assert_allclose(m.sum(0), [2.5, 2.5])
    g = record('global', np.arange(8), 20, (0, 0, 160, 120), (8, 8), False)
    c = record('local0', np.arange(8), 20, (0, 0, 160, 120), (8, 8), False)
    c['rotation'] = 1
    with pytest.raises(ValueError, match='rotated'):
        tube_correspondence([[c]], [g], (2, 2, 2), (2, 2, 2))
