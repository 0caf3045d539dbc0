"""Generate the mmvssl synthetic video benchmark.

Example::

    python tools/data/synthetic/generate.py --out data/synthetic \
        --preset default --seed 0
"""
import argparse
import os.path as osp
import sys
import time

# load only the generator (not the whole mmvssl / torch stack)
_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
sys.path.insert(0, osp.join(_ROOT, 'mmvssl', 'datasets'))
from synthetic.presets import PRESETS as PRESET_NAMES  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(
        description='Generate the synthetic video benchmark (real H.264 '
        'videos + Kinetics / UCF101 / AVA / OTB / GOT-10k annotations)')
    parser.add_argument('--out', required=True, help='output directory')
    parser.add_argument(
        '--preset', default='default', choices=sorted(PRESET_NAMES))
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--workers', type=int, default=None,
        help='processes (default: all available cores; 0 = in-process)')
    parser.add_argument(
        '--overwrite', action='store_true',
        help='replace a benchmark already present in --out')
    parser.add_argument(
        '--no-progress', action='store_true', help='hide the progress bar')
    return parser.parse_args()


def main():
    args = parse_args()
    from synthetic import generate
    start = time.time()
    meta = generate(
        args.out, preset=args.preset, seed=args.seed, workers=args.workers,
        progress=not args.no_progress, overwrite=args.overwrite)
    c = meta['counts']
    print(f"{args.out}: {c['actions']} actions, {c['train']} train / "
          f"{c['val']} val videos, {c['ava_train'] + c['ava_val']} AVA "
          f"videos, {c['otb']} OTB + "
          f"{c['got10k_train'] + c['got10k_val']} GOT-10k sequences in "
          f'{time.time() - start:.1f} s')


if __name__ == '__main__':
    main()
