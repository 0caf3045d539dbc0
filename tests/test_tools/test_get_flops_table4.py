"""tools/analysis/get_flops.py --table4: the table's rows parse, the
tolerances are applied, and the released head's FLOPs grow with the context
length as Table 4's do (the full-size table is recorded in docs/constcl.md;
measuring it takes minutes, so the slow test is opt-in)."""
import importlib.util
import os
import os.path as osp
import re

import pytest
import torch

import mmvssl  # noqa: F401

pytest.importorskip('mmcv.ops')

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
SYN_CONSTCL = 'configs/constcl/r3d18_synthetic.py'
TINY = {
    'model.backbone.base_channels': 8,
    'model.neck.in_channels': 64,
    'model.neck.hid_channels': 32,
    'model.head.in_channels': 64,
}
ROW = re.compile(
    r'^\| (?P<row>[^|]+?) \| (?P<pp>[\d.]+) \| (?P<p>[\d.]+) \| '
    r'(?P<pd>[+-][\d.]+)% \| (?P<pf>[\d.]+) \| (?P<f>[\d.]+) \| '
    r'(?P<fd>[+-][\d.]+)% \| (?P<okp>yes|NO) / (?P<okf>yes|NO) \|$')


def load_tool():
    spec = importlib.util.spec_from_file_location(
        'get_flops', osp.join(ROOT, 'tools/analysis/get_flops.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def parse(out):
    return [m.groupdict() for m in map(ROW.match, out.splitlines()) if m]


def test_table4_output_parses_and_flags_tolerances(capsys, monkeypatch):
    tool = load_tool()
    rows = tool.table4([('tiny', SYN_CONSTCL, 1.0, 1.0)], (8, 64, 64),
                       cfg_options=TINY)
    params, gmacs = rows[0]['params'], rows[0]['gmacs']
    assert params > 0 and gmacs > 0
    # paper figures 0.5% / 3% off (within) and 2% / 10% off (outside)
    monkeypatch.setattr(tool, 'TABLE4', [
        ('within', SYN_CONSTCL, params * 1.005, gmacs * 1.03),
        ('outside', SYN_CONSTCL, params * 1.02, gmacs * 0.9),
    ])
    args = ['--table4', '--shape', '8', '64', '64', '--cfg-options'] + \
        [f'{k}={v}' for k, v in TINY.items()]
    out_rows = tool.main(args)
    out = capsys.readouterr().out
    assert 'ConST-CL Table 4' in out and '| model |' in out
    parsed = parse(out)
    assert [r['row'] for r in parsed] == ['within', 'outside']
    within, outside = parsed
    assert (within['okp'], within['okf']) == ('yes', 'yes')
    assert (outside['okp'], outside['okf']) == ('NO', 'NO')
    assert float(within['p']) == pytest.approx(params, abs=0.005)
    assert float(within['f']) == pytest.approx(gmacs, abs=0.005)
    assert float(within['pd']) == pytest.approx(-0.5, abs=0.01)
    assert float(outside['fd']) == pytest.approx(100 / 0.9 - 100, abs=0.01)
    assert out_rows[0]['gmacs'] == pytest.approx(gmacs)
    with pytest.raises(SystemExit):
        tool.main(args + ['--backward'])


def test_released_head_flops_grow_as_table4():
    """Per clip (one direction, 16 queries), the released head's keys and
    values re-projected from the 2064-d memory in each of 3 layers x 3 units
    cost 9 x 2 x 2064 x 128 multiply-adds per token: 0.233 G per 7x7
    context frame, so contexts 1 -> 3 -> 5 add 0.47 and 0.47 G (Table 4:
    55.6 -> 56.1 -> 56.5)."""
    from torch.utils.flop_counter import FlopCounterMode

    from mmvssl.models.heads import InstanceReconstructorHead
    macs = {}
    with torch.no_grad():
        for c in (1, 3, 5):
            head = InstanceReconstructorHead(context_length=c)
            q, ctx = torch.randn(1, 16, 2048), torch.randn(1, c * 49, 2048)
            counter = FlopCounterMode(display=False)
            with counter:
                head(q, None, ctx, None)
            macs[c] = counter.get_total_flops() / 2e9
    per_frame = 9 * 2 * 2064 * 128 * 49 / 1e9
    assert macs[3] - macs[1] == pytest.approx(2 * per_frame, rel=0.02)
    assert macs[5] - macs[3] == pytest.approx(2 * per_frame, rel=0.02)
    assert macs[1] == pytest.approx(0.27, abs=0.01)


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get('MMVSSL_FULL_TABLE4'),
                    reason='minutes of CPU: set MMVSSL_FULL_TABLE4=1')
def test_full_size_table4_within_tolerance():
    tool = load_tool()
    rows = tool.table4()
    for r in rows:
        assert abs(r['params_diff']) <= tool.PARAM_TOL, r
        assert abs(r['flops_diff']) <= tool.FLOP_TOL, r
