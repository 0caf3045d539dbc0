# ConST-CL data on the synthetic benchmark: the views of synthetic_ssl.py
# plus 16 random boxes per frame in their 'region_source' slot (after the
# spatial transforms, before the photometric ones), as k400_ssl_regions.py
# does for Kinetics.
_base_ = ['./synthetic_ssl.py']

random_boxes = dict(
    type='RandomRegionBoxes',
    num_boxes=16,
    size_range=(0.1, 0.5),
    aspect_range=(0.5, 2.0))

train_dataloader = dict(dataset=dict(region_source=random_boxes))
