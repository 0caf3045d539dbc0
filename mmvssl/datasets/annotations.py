"""Annotation files in mmaction2's list formats (parsing only).

* ``data_type='video'`` (``VideoDataset``): ``path [label ...]`` per line;
  no label gives -1.
* ``data_type='rawframes'`` (``RawframeDataset``): ``frame_dir total_frames
  [label ...]``.

Blank lines are skipped; a malformed line raises ``ValueError`` naming the
file and the line number.
"""
import os.path as osp
from typing import List, Optional, Union

from mmengine import fileio

__all__ = ['parse_annotation_line', 'load_video_list']

#: the key of the video's path in a data info, by ``data_type``
NAME_KEYS = dict(video='filename', rawframes='frame_dir')


def _labels(tokens: List[str], multi_class: bool,
            num_classes: Optional[int]) -> Union[int, List[int]]:
    try:
        labels = [int(t) for t in tokens]
    except ValueError:
        raise ValueError(f'labels must be integers, got {tokens}')
    if multi_class:
        if num_classes is None:
            raise ValueError('multi_class=True needs num_classes')
        bad = [lb for lb in labels if not 0 <= lb < num_classes]
        if bad:
            raise ValueError(f'labels {bad} outside [0, {num_classes})')
        return labels
    if len(labels) > 1:
        raise ValueError(f'expected one label, got {len(labels)} '
                         '(set multi_class=True for several)')
    return labels[0] if labels else -1


def parse_annotation_line(tokens: List[str],
                          data_type: str = 'video',
                          multi_class: bool = False,
                          num_classes: Optional[int] = None) -> dict:
    """The data info of one line split into ``tokens``; ``ValueError`` (the
    caller adds file and line) when it is malformed."""
    if data_type == 'video':
        if not tokens:
            raise ValueError('expected `path [label]`')
        return dict(
            filename=tokens[0],
            label=_labels(tokens[1:], multi_class, num_classes))
    if len(tokens) < 2:
        raise ValueError('expected `frame_dir total_frames [label]`')
    try:
        total = int(tokens[1])
    except ValueError:
        raise ValueError(f'total_frames must be an integer, got '
                         f'{tokens[1]!r}')
    if total < 0:
        raise ValueError(f'total_frames must be >= 0, got {total}')
    return dict(
        frame_dir=tokens[0],
        total_frames=total,
        label=_labels(tokens[2:], multi_class, num_classes))


def load_video_list(ann_file: str,
                    data_type: str = 'video',
                    prefix: str = '',
                    delimiter: str = ' ',
                    multi_class: bool = False,
                    num_classes: Optional[int] = None,
                    backend_args: Optional[dict] = None) -> List[dict]:
    """Parse ``ann_file`` into data infos; paths are joined to ``prefix``.

    Runs of ``delimiter`` count as one. Errors name the file and the line.
    """
    if not fileio.exists(ann_file, backend_args=backend_args):
        raise FileNotFoundError(f'annotation file {ann_file} does not exist')
    text = fileio.get_text(ann_file, backend_args=backend_args)
    key = NAME_KEYS[data_type]
    data_list = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        tokens = [t for t in line.strip().split(delimiter) if t]
        try:
            info = parse_annotation_line(tokens, data_type, multi_class,
                                         num_classes)
        except ValueError as e:
            raise ValueError(f'{ann_file}, line {lineno}: {e} '
                             f'(line: {line.strip()!r})') from None
        info[key] = osp.join(prefix, info[key]) if prefix else info[key]
        data_list.append(info)
    if not data_list:
        raise ValueError(f'annotation file {ann_file} lists no videos')
    return data_list
