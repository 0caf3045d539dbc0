"""The demo's leaderboard: every method's probes next to its random twin.

``tools/demo.py`` writes one ``results.json`` per method
(``<work_dir>/<method>/results.json``); :func:`write_leaderboard` gathers
them into ``leaderboard.md``, ``leaderboard.json`` and ``leaderboard.png``
(probe and retrieval bars with 95% intervals, pretrained next to random,
and the kNN-monitor curve of every pretraining), and the tracking table of
``<work_dir>/tracking/results.json`` when ``tools/analysis/
tracking_claim.py`` has written it.

A method *passes* on a factor when its pretrained backbone beats its own
random-init twin by more than the sum of the two 95% half-widths (the
acceptance rule of the demo); the factors a method is built to learn are
its ``targets`` (``tools/demo.py``'s ``METHODS``).
"""
import glob
import json
import os.path as osp
from typing import Dict, List, Sequence

PROBES = ('action', 'appearance', 'motion', 'scene')
RECALLS = ('R@1', 'R@5', 'R@10', 'R@20', 'R@50')


def load_results(work_dir: str) -> List[Dict]:
    """Every ``<work_dir>/<method>/results.json`` (not ``tracking/``),
    sorted by method name."""
    out = []
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'results.json'))):
        if osp.basename(osp.dirname(path)) == 'tracking':
            continue  # load_tracking's
        with open(path) as f:
            res = json.load(f)
        for key in ('method', 'rows', 'ci95'):
            if key not in res:
                raise ValueError(f'{path}: not a demo result (no {key!r})')
        res['path'] = path
        out.append(res)
    return out


def gain(res: Dict, column: str) -> Dict:
    """Pretrained minus random on ``column`` with the decision rule."""
    rows, ci = res['rows'], res['ci95']
    if column not in rows['pretrained']:
        return dict(delta=None, margin=None, passed=None)
    delta = rows['pretrained'][column] - rows['random'][column]
    margin = ci['pretrained'][column] + ci['random'][column]
    return dict(delta=delta, margin=margin, passed=bool(delta > margin))


def summarise(results: Sequence[Dict]) -> Dict:
    """Machine-readable leaderboard (what ``leaderboard.json`` holds)."""
    columns = [f'probe {p}' for p in PROBES] + [
        f'retrieval {r}' for r in RECALLS]
    entries = []
    for res in results:
        present = [c for c in columns if c in res['rows']['pretrained']]
        targets = list(res.get('targets', []))
        checks = {t: gain(res, f'probe {t}') for t in targets}
        knn = res.get('knn') or []
        entries.append(
            dict(method=res['method'],
                 config=res.get('config'),
                 preset=res.get('preset'),
                 seed=res.get('seed'),
                 num_val=res.get('num_val'),
                 columns=present,
                 pretrained={c: res['rows']['pretrained'][c]
                             for c in present},
                 random={c: res['rows']['random'][c] for c in present},
                 ci95={init: {c: res['ci95'][init][c] for c in present}
                       for init in ('pretrained', 'random')},
                 targets=targets,
                 checks=checks,
                 passed=bool(checks) and all(
                     c['passed'] for c in checks.values()),
                 knn=knn,
                 knn_factor=res.get('knn_factor', 'action') if knn else None,
                 knn_rises=(len(knn) >= 2 and knn[-1][1] > knn[0][1])
                 if knn else None,
                 timing=res.get('timing', {})))
    presets = sorted({str(e['preset']) for e in entries})
    seeds = sorted({str(e['seed']) for e in entries})
    chance = results[0].get('chance', {}) if results else {}
    return dict(entries=entries, presets=presets, seeds=seeds,
                chance=chance)


def _fmt(v, ci):
    return f'{v:.1f} +- {ci:.1f}'


def render_markdown(board: Dict) -> str:
    entries = board['entries']
    cols = []
    for e in entries:
        cols += [c for c in e['columns'] if c not in cols]
    lines = [
        '# mmvssl demo leaderboard', '',
        f"Synthetic benchmark preset {', '.join(board['presets'])}, seed "
        f"{', '.join(board['seeds'])}. Linear probes (top-1 %) on frozen "
        'features of the val split and retrieval R@k (%), each method\'s '
        'pretrained backbone over its own random-init twin; +- is the 95% '
        'interval. "target" lists the factors the method is built to learn '
        'and whether the pretrained backbone beats its twin on them by more '
        'than the sum of the two half-widths (gain, margin).', '',
        '| method | init | ' + ' | '.join(cols) + ' |',
        '|---|---|' + '---|' * len(cols)
    ]
    for e in entries:
        for init in ('pretrained', 'random'):
            cells = ' | '.join(
                _fmt(e[init][c], e['ci95'][init][c]) if c in e[init] else '-'
                for c in cols)
            lines.append(f"| {e['method'] if init == 'pretrained' else ''} "
                         f'| {init} | {cells} |')
    chance = board.get('chance', {})
    lines.append('| chance | | ' + ' | '.join(
        f'{chance[c]:.1f}' if c in chance else '-' for c in cols) + ' |')
    lines += ['', '| method | target: gain (margin) | passes | kNN top-1 '
              'first -> last (labels) | pretrain (s) | features (s) |',
              '|---|---|---|---|---|---|']
    for e in entries:
        checks = ', '.join(
            f"{t}: {c['delta']:+.1f} ({c['margin']:.1f})"
            if c['delta'] is not None else f'{t}: -'
            for t, c in e['checks'].items()) or '-'
        knn = e['knn']
        knn_s = (f"{knn[0][1]:.1f} -> {knn[-1][1]:.1f} ({e['knn_factor']})"
                 if knn else '-')
        t = e.get('timing', {})
        lines.append(
            f"| {e['method']} | {checks} | "
            f"{'yes' if e['passed'] else 'no'} | {knn_s} | "
            f"{t.get('pretrain_s', '-')} | {t.get('features_s', '-')} |")
    return '\n'.join(lines) + '\n'


def plot_leaderboard(board: Dict, path: str) -> None:
    """Bars of every probe / recall (pretrained solid, random hatched,
    95% intervals) and the kNN curves, one PNG."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np
    entries = board['entries']
    cols = []
    for e in entries:
        cols += [c for c in e['columns'] if c not in cols]
    n = max(len(entries), 1)
    fig, (ax, ax2) = plt.subplots(
        2, 1, figsize=(max(10, 1.4 * len(cols) * max(1, n / 4)), 9),
        gridspec_kw=dict(height_ratios=[2, 1]))
    x = np.arange(len(cols))
    width = 0.8 / n
    cmap = plt.get_cmap('tab20')
    for i, e in enumerate(entries):
        colour = cmap(i % 20)
        for init, off, hatch in (('pretrained', 0.0, None),
                                 ('random', 0.5, '//')):
            vals = [e[init].get(c, np.nan) for c in cols]
            err = [e['ci95'][init].get(c, 0.) for c in cols]
            ax.bar(x - 0.4 + (i + off * 0.5) * width + width / 4, vals,
                   width / 2, yerr=err, capsize=1, color=colour,
                   hatch=hatch, alpha=1.0 if init == 'pretrained' else 0.45,
                   label=e['method'] if init == 'pretrained' else None,
                   edgecolor='k', linewidth=0.3)
    chance = board.get('chance', {})
    for j, c in enumerate(cols):
        if c in chance:
            ax.hlines(chance[c], j - 0.45, j + 0.45, colors='k',
                      linestyles='dotted')
    ax.set_xticks(x)
    ax.set_xticklabels(cols, rotation=20, ha='right')
    ax.set_ylabel('% (solid: pretrained, hatched: random twin)')
    ax.set_ylim(0, 100)
    ax.legend(ncol=min(n, 6), fontsize=7)
    ax.set_title('mmvssl demo leaderboard (dotted: chance)')
    for i, e in enumerate(entries):
        if e['knn']:
            k = np.asarray(e['knn'])
            ax2.plot(k[:, 0], k[:, 1], marker='o', ms=3,
                     color=cmap(i % 20),
                     label=f"{e['method']} ({e['knn_factor']})")
    ax2.set_xlabel('pretraining step (epoch)')
    ax2.set_ylabel('kNN top-1 (%)')
    ax2.set_title('kNN monitor during pretraining')
    if any(e['knn'] for e in entries):
        ax2.legend(ncol=min(n, 6), fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def load_tracking(work_dir: str):
    """``<work_dir>/tracking/results.json`` (``tools/analysis/
    tracking_claim.py``: SiamFC from each initialisation, OPE on the
    synthetic OTB split) or None."""
    path = osp.join(work_dir, 'tracking', 'results.json')
    if not osp.isfile(path):
        return None
    with open(path) as f:
        res = json.load(f)
    for key in ('entries', ):
        if key not in res:
            raise ValueError(f'{path}: not a tracking result (no {key!r})')
    for e in res['entries']:
        for key in ('init', 'success_auc', 'success_ci95', 'precision',
                    'precision_ci95'):
            if key not in e:
                raise ValueError(f'{path}: entry {e.get("init")!r} has no '
                                 f'{key!r}')
    return res


def render_tracking(res: Dict) -> str:
    lines = ['', '## Tracking (SiamFC from each initialisation, OPE on the '
             'synthetic OTB split)', '']
    if res.get('protocol'):
        lines += [res['protocol'], '']
    lines += ['| init | success AUC (95% CI) | precision@20px (95% CI) | '
              'sequences |', '|---|---|---|---|']
    for e in res['entries']:
        lo, hi = e['success_ci95']
        plo, phi = e['precision_ci95']
        lines.append(f"| {e['init']} | {e['success_auc']:.1f} "
                     f'[{lo:.1f}, {hi:.1f}] | {e["precision"]:.1f} '
                     f'[{plo:.1f}, {phi:.1f}] | '
                     f"{e.get('num_sequences', '-')} |")
    return '\n'.join(lines) + '\n'


def write_leaderboard(work_dir: str) -> List[str]:
    """Write ``leaderboard.{md,json,png}`` in ``work_dir``; returns their
    paths. Raises ``FileNotFoundError`` when no method has finished."""
    results = load_results(work_dir)
    if not results:
        raise FileNotFoundError(
            f'{work_dir}: no <method>/results.json to rank (run '
            '`tools/demo.py --method ...` first)')
    board = summarise(results)
    tracking = load_tracking(work_dir)
    if tracking is not None:
        board['tracking'] = tracking
    paths = [osp.join(work_dir, f'leaderboard.{ext}')
             for ext in ('md', 'json', 'png')]
    with open(paths[0], 'w') as f:
        f.write(render_markdown(board))
        if tracking is not None:
            f.write(render_tracking(tracking))
    with open(paths[1], 'w') as f:
        json.dump(board, f, indent=2)
    plot_leaderboard(board, paths[2])
    return paths
