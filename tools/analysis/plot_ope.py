"""Success and precision plots (OTB style) of one or more trackers.

Reads the ``ope_results.json`` files written by ``OPEMetric(out_dir=...)``
(e.g. ``tools/test.py CONFIG CKPT --cfg-options
test_evaluator.out_dir=work_dirs/x/ope test_evaluator.tracker_name=ConST-CL``)
and draws all trackers in one success plot and one precision plot, legends
sorted by AUC / precision@20 px.

    python tools/analysis/plot_ope.py work_dirs/a/ope/ope_results.json \
        work_dirs/b/ope/ope_results.json --out-dir work_dirs/ope_plots \
        --title OTB2015
"""
import argparse
import json

import numpy as np

from mmvssl.evaluation.functional.ope import plot_ope_curves


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('results', nargs='+', help='ope_results.json files')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--title', default='OPE')
    args = parser.parse_args()
    merged = {}
    for path in args.results:
        with open(path) as f:
            for name, r in json.load(f).items():
                r = {
                    k: np.asarray(v) if isinstance(v, list) else v
                    for k, v in r.items() if k != 'videos'
                }
                merged[name] = r
    for p in plot_ope_curves(merged, args.out_dir, title=args.title):
        print(p)
    for name in sorted(merged, key=lambda n: -merged[n]['success']):
        print(f"{name}: success (AUC) {merged[name]['success']:.1f}, "
              f"precision@20 {merged[name]['precision']:.1f}")


if __name__ == '__main__':
    main()
