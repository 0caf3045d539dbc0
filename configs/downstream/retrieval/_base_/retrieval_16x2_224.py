# The retrieval protocol of retrieval_16x112.py for the 224-px ConST-CL /
# CVRL backbones: 16-frame clips with the pretraining stride (2), short
# side 256, centre crop 224.
_base_ = ['./retrieval_16x112.py']

clip_len, frame_interval, short_side, crop_size = 16, 2, 256, 224
test_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=clip_len,
         frame_interval=frame_interval, num_clips=10, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, short_side)),
    dict(type='CenterCrop', crop_size=crop_size),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
