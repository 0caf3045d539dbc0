# Kinetics-400 pretraining data of ConST-CL: the CVRL views of
# `k400_ssl.py` plus region boxes on every view (Sec. 3.3).
#
# The region source fills the views' 'region_source' slot (k400_ssl.py):
# after the spatial transforms (boxes live in the view's output pixels) and
# before the photometric ones (SLIC / FH then see the un-jittered pixels).
# Ablations replace only the source (configs/constcl/ablations/*-boxes_*:
# `region_source=dict(_delete_=True, type=...)`).
# Video backend (decord) and checking the videos first
# (tools/data/check_videos.py): see k400_ssl.py.
_base_ = ['./k400_ssl.py']

# 16 random boxes per frame, size [0.1, 0.5] of the image, aspect [0.5, 2]
random_boxes = dict(
    type='RandomRegionBoxes',
    num_boxes=16,
    size_range=(0.1, 0.5),
    aspect_range=(0.5, 2.0))

train_dataloader = dict(dataset=dict(region_source=random_boxes))
