"""Write the backbone of a (self-supervised) checkpoint as a downstream
checkpoint.

    python tools/convert/extract_backbone.py CKPT OUT [--branch global|local]

The output holds ``state_dict`` (keys ``backbone.*``, SSL necks / heads
dropped) and ``meta``. With ``--branch`` the chosen res5 branch of a ConST-CL
Y-backbone (``layer4`` = global, ``layer4_r`` = local) becomes the plain res5
``backbone.layer4`` and the other branch is dropped, so the file loads into
an mmaction2 ``Recognizer3D`` with ``ResNet3d`` or ``ResNet3dY(out_branch=
'global')``:

    load_from = 'OUT'                                          # or
    model = dict(init_cfg=dict(type='Pretrained', checkpoint='OUT'))

Without ``--branch`` every backbone key is kept as it is.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description='extract the backbone of a checkpoint')
    p.add_argument('checkpoint', help='input checkpoint (path or URL)')
    p.add_argument('out', help='output file')
    p.add_argument('--branch', choices=['global', 'local'], default=None,
                   help='res5 branch of a Y-backbone to keep (renamed to '
                   'layer4); default: keep all backbone keys unchanged')
    p.add_argument('--prefix', default='backbone.',
                   help="backbone key prefix in the input (default "
                   "'backbone.')")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    import mmvssl  # noqa: F401  (safe checkpoint loading)
    from mmvssl.apis import extract_backbone_checkpoint
    out = extract_backbone_checkpoint(args.checkpoint, args.out,
                                      branch=args.branch, prefix=args.prefix)
    print(f'wrote {args.out}: {len(out["state_dict"])} backbone tensors'
          + (f' (branch {args.branch!r} as layer4)' if args.branch else ''))
    return args.out


if __name__ == '__main__':
    main()
