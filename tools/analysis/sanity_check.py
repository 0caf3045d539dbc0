"""Sanity check of the whole self-supervised pipeline (issue: "sanity first").

A plain clip-level contrastive run on the benchmark's ``easy`` preset
(v2 nuisances that change over time, a large actor, at most one
distractor) must beat its random-init twin by at least ``--min-gain``
points on the appearance probe. If it does not, something between the
parts is broken (pretraining, checkpoint hand-over, feature extraction,
normalisation, BN mode), not the method: fix that before tuning anything.

It runs ``tools/demo.py`` (generation, pretraining, features, probes) in
its own work dir and reads the result::

    python tools/analysis/sanity_check.py     # CVRL, 48-px crops, ~6 min
    python tools/analysis/sanity_check.py --config \\
        configs/cvrl/r3d18_synthetic.py             # the demo's 64-px recipe
    python tools/analysis/sanity_check.py --method simclr   # its demo config

Exit status 0 when the check passes, 1 when it fails.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# the check's own recipe per method (48-px crops, 560 steps on `easy`: the
# config's comment says why; BYOL / SimSiam: CVRL's with their head, the
# control of docs/synthetic_benchmark.md "Round 11"); other methods use
# their demo config
SANITY_CONFIGS = dict(
    cvrl='configs/cvrl/r3d18_synthetic_sanity.py',
    byol='configs/cstp/byol_r3d18_synthetic_sanity.py',
    simsiam='configs/cstp/simsiam_r3d18_synthetic_sanity.py')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--method', default='cvrl',
                   help='a clip-level contrastive method of tools/demo.py')
    p.add_argument('--preset', default='easy')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--data-root', default=None)
    p.add_argument('--config', default=None,
                   help="pretraining config (default: the check's recipe "
                   f'of the method, {SANITY_CONFIGS}, else the demo\'s; '
                   "'' = the method's demo config)")
    p.add_argument('--work-dir', default='work_dirs/sanity')
    p.add_argument('--min-gain', type=float, default=20.0,
                   help='appearance-probe points over the random twin')
    p.add_argument('--factor', default='appearance')
    p.add_argument('--cfg-options', nargs='+', default=[])
    p.add_argument('--force', nargs='*', default=None)
    return p.parse_args(argv)


def check(results, factor='appearance', min_gain=20.0):
    """(passed, message) of a demo ``results.json`` dict."""
    key = f'probe {factor}'
    pre = results['rows']['pretrained'][key]
    rnd = results['rows']['random'][key]
    gain = pre - rnd
    ok = gain >= min_gain
    msg = (f'{results["method"]} on {results["preset"]} (seed '
           f'{results["seed"]}): {key} pretrained {pre:.1f} vs random '
           f'{rnd:.1f}: gain {gain:+.1f} points '
           f'({"PASS" if ok else "FAIL"}, needs >= {min_gain:.0f})')
    return ok, msg


def demo_command(args):
    """The ``tools/demo.py`` command line of the check."""
    cmd = [sys.executable, osp.join(ROOT, 'tools', 'demo.py'), '--method',
           args.method, '--preset', args.preset, '--seed', str(args.seed),
           '--work-dir', args.work_dir]
    if args.data_root:
        cmd += ['--data-root', args.data_root]
    config = SANITY_CONFIGS.get(args.method) if args.config is None \
        else args.config
    if config:
        cmd += ['--config', config]
    if args.force is not None:
        cmd += ['--force'] + args.force
    if args.cfg_options:
        cmd += ['--cfg-options'] + args.cfg_options
    return cmd


def main(argv=None):
    args = parse_args(argv)
    cmd = demo_command(args)
    t0 = time.time()
    subprocess.run(cmd, check=True, cwd=ROOT, env=dict(os.environ))
    path = osp.join(ROOT, args.work_dir, args.method, 'results.json') \
        if not osp.isabs(args.work_dir) else osp.join(
            args.work_dir, args.method, 'results.json')
    with open(path) as f:
        results = json.load(f)
    ok, msg = check(results, args.factor, args.min_gain)
    print(f'[sanity] {msg}; {(time.time() - t0) / 60:.1f} min in all')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
