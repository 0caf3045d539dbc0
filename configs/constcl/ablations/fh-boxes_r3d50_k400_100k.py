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
# only the region source changes: it fills the views' 'region_source' slot
train_dataloader = dict(
    dataset=dict(region_source=dict(_delete_=True, **fh_boxes)))
