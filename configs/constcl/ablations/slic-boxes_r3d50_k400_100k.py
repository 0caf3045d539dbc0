# Table 5, SLIC boxes: bounding boxes of 16 SLIC superpixels of the frame.
# Boxes are needed on the centre frame only (centre temporal sampling).
_base_ = ['../r3d50_k400_100k.py']

slic_boxes = dict(type='SLICRegionBoxes', num_boxes=16, frames='center')
# only the region source changes: it fills the views' 'region_source' slot
train_dataloader = dict(
    dataset=dict(region_source=dict(_delete_=True, **slic_boxes)))
