"""AVA-Kinetics with a proposal file that is checked, not silently ignored.

mmaction2's ``AVAKineticsDataset`` looks the proposals of a keyframe up as
``'<youtube_id>,<TTTT>'`` (AVA ids as they are, Kinetics clip ids
``<youtube_id>_<start>_<end>`` by their YouTube id) and gives every keyframe
it does not find the whole frame ``[0, 0, 1, 1]`` as its only proposal. A
file in another format, or keyed by clip id, therefore evaluates whole-frame
boxes without any error. :class:`CheckedAVAKineticsDataset` reads the file
itself and refuses what it cannot use.
"""
import re
from typing import Dict, List, Optional

import numpy as np
from mmaction.datasets import AVAKineticsDataset
from mmengine.fileio import load
from mmengine.logging import print_log

from mmvssl.registry import DATASETS

#: the proposal format of mmaction2's AVA datasets, for error messages
PROPOSAL_FORMAT = (
    "a pickled dict {'<video_id>,<TTTT>': float array (N, 4) or (N, 5) "
    '[x1, y1, x2, y2(, score)] normalised to [0, 1]}, keyed by the YouTube '
    'id for Kinetics clips (written by tools/data/detect_boxes.py '
    '--ava-keyframes and tools/data/ava_kinetics/build_annotations.py)')
_KEY = re.compile(r'.+,\d{4}')


def load_ava_proposals(path: str) -> Dict[str, np.ndarray]:
    """Read and check an AVA proposal file.

    Raises:
        ValueError: the file cannot be read or is not in
            :data:`PROPOSAL_FORMAT`; the message names the file, the
            offending key and the expected format.
    """
    try:
        table = load(path, file_format='pkl')
    except Exception as e:  # noqa: BLE001 - any reader error
        raise ValueError(f'{path}: cannot read the proposal file '
                         f'({type(e).__name__}: {e}); expected '
                         f'{PROPOSAL_FORMAT}') from None
    if not isinstance(table, dict):
        raise ValueError(f'{path}: the proposal file holds a '
                         f'{type(table).__name__}; expected {PROPOSAL_FORMAT}')
    out = {}
    for key, value in table.items():
        if isinstance(value, dict) and 'boxes' in value:
            raise ValueError(
                f'{path}: a region-box table of tools/data/detect_boxes.py '
                f'(entry {key!r}: per-video frames with pixel boxes), not '
                'AVA proposals; run the tool with --ava-keyframes '
                f'ANNOTATION.csv. Expected {PROPOSAL_FORMAT}')
        if not (isinstance(key, str) and _KEY.fullmatch(key)):
            raise ValueError(f'{path}: key {key!r} is not '
                             f"'<video_id>,<TTTT>'; expected "
                             f'{PROPOSAL_FORMAT}')
        try:
            arr = np.asarray(value, dtype=np.float32)
        except (TypeError, ValueError):
            arr = None
        if arr is None or arr.ndim != 2 or arr.shape[1] not in (4, 5):
            raise ValueError(
                f'{path}: entry {key!r} is not an (N, 4) or (N, 5) array '
                f'(got {getattr(value, "shape", type(value).__name__)}); '
                f'expected {PROPOSAL_FORMAT}')
        boxes = arr[:, :4]
        if len(arr) and (not np.isfinite(arr).all() or boxes.min() < -1e-3
                         or boxes.max() > 1 + 1e-3):
            raise ValueError(
                f'{path}: entry {key!r} has boxes outside [0, 1] (min '
                f'{boxes.min():.3g}, max {boxes.max():.3g}: pixel '
                f'coordinates?); expected {PROPOSAL_FORMAT}')
        out[key] = arr
    return out


def proposal_key(img_key: str) -> str:
    """The key mmaction2's ``AVAKineticsDataset`` looks proposals up by."""
    if len(img_key) == 16:  # an AVA keyframe: 11-character id + ',TTTT'
        return img_key
    video_id, timestamp = img_key.split(',')
    return f"{'_'.join(video_id.split('_')[:-2])},{int(timestamp):04d}"


@DATASETS.register_module()
class CheckedAVAKineticsDataset(AVAKineticsDataset):
    """mmaction2's :class:`AVAKineticsDataset` whose proposal file is
    checked (:func:`load_ava_proposals`).

    After loading the annotations, every keyframe's proposal key is looked
    up: if **no** keyframe of the AVA part, or **no** keyframe of the
    Kinetics part, has proposals, the file does not belong to this
    annotation file (wrong split, keyed by clip id, ...) and that is an
    error; keyframes missing here and there (a detector that found nobody)
    are counted in a warning and keep mmaction2's whole-frame fallback.

    Args: as :class:`AVAKineticsDataset`.
    """

    def __init__(self, *args, proposal_file: Optional[str] = None,
                 **kwargs) -> None:
        self._img_keys: List[str] = []
        super().__init__(*args, proposal_file=None, **kwargs)
        self.proposal_file = proposal_file
        self.proposals = None
        if proposal_file is not None:
            self.proposals = load_ava_proposals(proposal_file)
            if self._fully_initialized:
                self._check_coverage()

    def filter_data(self) -> List[dict]:
        data_list = super().filter_data()
        self._img_keys = [d['img_key'] for d in data_list]
        return data_list

    def _check_coverage(self) -> None:
        parts = dict(AVA=[0, 0], Kinetics=[0, 0])  # found, missing
        first_missing = {}
        for img_key in self._img_keys:
            part = 'AVA' if len(img_key) == 16 else 'Kinetics'
            found = proposal_key(img_key) in self.proposals
            parts[part][0 if found else 1] += 1
            if not found:
                first_missing.setdefault(part, img_key)
        for part, (found, missing) in parts.items():
            if missing and not found:
                key = first_missing[part]
                raise ValueError(
                    f'{self.proposal_file}: none of the {missing} '
                    f'{part} keyframes of {self.ann_file} has proposals '
                    f'(keyframe {key!r} is looked up as '
                    f'{proposal_key(key)!r}; the file has keys like '
                    f'{list(self.proposals)[:3]}); expected '
                    f'{PROPOSAL_FORMAT}')
            if missing:
                print_log(
                    f'{self.proposal_file}: {missing} of {found + missing} '
                    f'{part} keyframes have no proposal and get the whole '
                    'frame [0, 0, 1, 1] (mmaction2\'s fallback)',
                    logger='current', level=30)
