"""The demo's leaderboard writer and its decision rule, on hand-made
results (the real pipeline: test_demo.py's ``METHOD=all`` on tiny)."""
import json
import os.path as osp

import pytest

from mmvssl.apis.leaderboard import (gain, load_results, render_markdown,
                                     summarise, write_leaderboard)

COLS = ('probe action', 'probe appearance', 'probe motion', 'probe scene',
        'retrieval R@1', 'retrieval R@5')


def _result(method, pre, rnd, ci, targets, knn=((0, 5.0), (10, 9.0))):
    rows = {'pretrained': dict(zip(COLS, pre)),
            'random': dict(zip(COLS, rnd))}
    cis = {init: dict(zip(COLS, ci)) for init in rows}
    return dict(method=method, rows=rows, ci95=cis, targets=list(targets),
                preset='tiny', seed=0, num_val=144, knn=[list(k) for k in knn],
                chance={'probe action': 2.8, 'probe appearance': 16.7},
                timing=dict(pretrain_s=12.5, features_s=3.0))


def _write(tmp_path, res):
    d = tmp_path / res['method']
    d.mkdir()
    (d / 'results.json').write_text(json.dumps(res))


def test_gain_rule():
    # 30 - 20 = 10 > 4 + 5: passes; 30 - 22 = 8 < 9: does not
    res = _result('a', [30] * 6, [20] * 6, [4] * 6, ['appearance'])
    res['ci95']['random']['probe appearance'] = 5.0
    g = gain(res, 'probe appearance')
    assert g == dict(delta=10.0, margin=9.0, passed=True)
    res['rows']['random']['probe appearance'] = 22.0
    assert gain(res, 'probe appearance')['passed'] is False
    # a factor the benchmark has no labels for
    del res['rows']['pretrained']['probe scene']
    assert gain(res, 'probe scene') == dict(delta=None, margin=None,
                                            passed=None)


def test_leaderboard_files(tmp_path):
    _write(tmp_path, _result('cvrl', [40, 60, 30, 50, 10, 20],
                             [10, 20, 25, 45, 5, 15], [5] * 6,
                             ['appearance', 'action']))
    cstp = _result('cstp', [10, 20, 28, 50, 10, 20],
                   [10, 20, 25, 45, 5, 15], [5] * 6, ['motion'],
                   knn=((0, 9.0), (3, 8.0)))
    cstp['knn_factor'] = 'motion'  # a monitor on the motion labels
    _write(tmp_path, cstp)
    md, js, png = write_leaderboard(str(tmp_path))
    board = json.loads(open(js).read())
    by = {e['method']: e for e in board['entries']}
    assert sorted(by) == ['cstp', 'cvrl']
    assert by['cvrl']['passed'] is True
    assert by['cvrl']['checks']['appearance']['delta'] == pytest.approx(40)
    assert by['cstp']['passed'] is False  # 28 - 25 < 5 + 5
    assert by['cvrl']['knn_rises'] is True and by['cstp']['knn_rises'] is \
        False
    text = open(md).read()
    assert '| cvrl | pretrained | 40.0 +- 5.0 | 60.0 +- 5.0 |' in text
    assert '|  | random | 10.0 +- 5.0 |' in text
    assert 'appearance: +40.0 (10.0), action: +30.0 (10.0) | yes' in text
    # the monitor's labels: 'action' for results written before the field
    assert by['cvrl']['knn_factor'] == 'action'
    assert by['cstp']['knn_factor'] == 'motion'
    assert '| yes | 5.0 -> 9.0 (action) |' in text
    assert '| cstp | motion: +3.0 (10.0) | no | 9.0 -> 8.0 (motion) | 12.5 |' \
        in text
    assert osp.getsize(png) > 10000


def test_leaderboard_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='no <method>/results.json'):
        write_leaderboard(str(tmp_path))
    d = tmp_path / 'broken'
    d.mkdir()
    (d / 'results.json').write_text(json.dumps(dict(method='x')))
    with pytest.raises(ValueError, match="broken/results.json: not a demo "
                       "result \\(no 'rows'\\)"):
        load_results(str(tmp_path))


def test_markdown_columns_union():
    """Methods evaluated on different factor sets share one table."""
    a = _result('a', [1] * 6, [1] * 6, [1] * 6, ['motion'])
    b = _result('b', [1] * 6, [1] * 6, [1] * 6, ['motion'])
    for init in ('pretrained', 'random'):
        del b['rows'][init]['probe scene']
        del b['ci95'][init]['probe scene']
    text = render_markdown(summarise([a, b]))
    assert '| b | pretrained | 1.0 +- 1.0 | 1.0 +- 1.0 | 1.0 +- 1.0 | - |' \
        in text


def test_leaderboard_tracking_section(tmp_path):
    _write(tmp_path, _result('cvrl', [1] * 6, [1] * 6, [1] * 6, ['action']))
    (tmp_path / 'tracking').mkdir()
    track = dict(protocol='SiamFC, 2 epochs', entries=[
        dict(init='constcl-local', success_auc=41.25, success_ci95=[35, 47.5],
             precision=60.0, precision_ci95=[50, 70], num_sequences=20)])
    (tmp_path / 'tracking' / 'results.json').write_text(json.dumps(track))
    md, js, _ = write_leaderboard(str(tmp_path))
    text = open(md).read()
    assert '| constcl-local | 41.2 [35.0, 47.5] | 60.0 [50.0, 70.0] | 20 |' \
        in text
    assert json.loads(open(js).read())['tracking']['entries'][0][
        'init'] == 'constcl-local'
    del track['entries'][0]['precision']
    (tmp_path / 'tracking' / 'results.json').write_text(json.dumps(track))
    with pytest.raises(ValueError, match="'constcl-local' has no "
                       "'precision'"):
        write_leaderboard(str(tmp_path))
