# Table 5, person-detector boxes, read from a box file written beforehand by
# tools/data/detect_boxes.py (docs/constcl.md has the command: a CenterNet
# detector keeping COCO class 0, every 4th frame).
# Boxes are needed on the centre frame only (centre temporal sampling).
_base_ = ['../r3d50_k400_100k.py']

person_boxes = dict(
    type='DetectorRegionBoxes',
    box_file='data/kinetics400/person_boxes_train.pkl',
    data_prefix=_base_.data_root,
    num_boxes=16,
    max_frame_gap=2,  # boxes detected every 4th frame
    frames='center')
# only the region source changes: it fills the views' 'region_source' slot
train_dataloader = dict(
    dataset=dict(region_source=dict(_delete_=True, **person_boxes)))
