# Table 5, SLIC boxes: bounding boxes of 16 SLIC superpixels of the frame.
# Boxes are needed on the centre frame only (centre temporal sampling).
_base_ = ['../r3d50_k400_100k.py']

slic_boxes = dict(type='SLICRegionBoxes', num_boxes=16, frames='center')
train_dataloader = dict(
    dataset=dict(views=[
        dict(
            name='view0',
            pipeline=_base_.spatial_aug + [slic_boxes] +
            _base_.color_aug + _base_.view0_aug),
        dict(
            name='view1',
            pipeline=_base_.spatial_aug + [slic_boxes] +
            _base_.color_aug + _base_.view1_aug),
    ]))
