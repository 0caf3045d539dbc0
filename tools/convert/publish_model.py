"""Prepare a checkpoint for release (OpenMMLab's publish_model).

    python tools/convert/publish_model.py IN OUT

Keeps ``state_dict`` and ``meta`` (drops the optimizer state, message hub,
parameter-scheduler state and EMA copies) and writes ``OUT-<hash8>.pth``,
``<hash8>`` being the first 8 hex digits of the file's sha256 (a trailing
``.pth`` of OUT is not repeated).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='publish a checkpoint')
    p.add_argument('in_file', help='input checkpoint')
    p.add_argument('out_file', help='output name (the hash is appended)')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    import mmvssl  # noqa: F401  (safe checkpoint loading)
    from mmvssl.apis import publish_checkpoint
    final = publish_checkpoint(args.in_file, args.out_file)
    print(final)
    return final


if __name__ == '__main__':
    main()
