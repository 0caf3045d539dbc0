# Table 5, FH boxes: bounding boxes of Felzenszwalb-Huttenlocher segments at
# scale = min size in {500, 1000}, kept when their width and height are
# within [0.05, 0.7] of the frame, at most 16.
# Boxes are needed on the centre frame only (centre temporal sampling).
_base_ = ['../r3d50_k400_100k.py']

fh_boxes = dict(
    type='FelzenszwalbRegionBoxes',
    num_boxes=16,
    scales=(500, 1000),
    size_range=(0.05, 0.7),
    frames='center')
train_dataloader = dict(
    dataset=dict(views=[
        dict(
            name='view0',
            pipeline=_base_.spatial_aug + [fh_boxes] +
            _base_.color_aug + _base_.view0_aug),
        dict(
            name='view1',
            pipeline=_base_.spatial_aug + [fh_boxes] +
            _base_.color_aug + _base_.view1_aug),
    ]))
