# Video retrieval (VCOP / CoCLR protocol, as used by CSTP and controllable
# augmentations): test-split videos query the train split; 10 uniformly
# sampled 16-frame clips per video (frame stride 1, short side 128, centre
# crop 112: the 112-px protocols), each globally average pooled and
# L2-normalised, averaged (VideoFeatureExtractor); cosine similarity,
# R@1/5/10/20/50.
#
# Everything but the backbone: <method>_<backbone>_retrieval.py puts the
# pretrained backbone of configs/_base_/models/ into `extractor`. No
# training: run
#   python tools/test.py CONFIG PRETRAIN.pth
# with a pre-training checkpoint or an `extract_backbone.py` output (loaded
# strictly by PretrainedBackboneHook). Centring by the gallery mean:
#   --cfg-options test_evaluator.mean_center=True
_base_ = ['../../../_base_/default_runtime.py']
custom_imports = dict(
    imports=['mmvssl', 'mmvssl.models.recognizers'],
    allow_failed_imports=False)

extractor = dict(
    type='VideoFeatureExtractor',
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'))

dataset_type = 'VideoDataset'
data_root = 'data/ucf101/videos'
ann_file_gallery = 'data/ucf101/ucf101_train_split_1_videos.txt'
ann_file_query = 'data/ucf101/ucf101_val_split_1_videos.txt'
clip_len, frame_interval, short_side, crop_size = 16, 1, 128, 112
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
# the queries; the gallery is the same loader with the gallery annotation
# file (RetrievalGalleryHook, run before the test loop)
test_dataloader = dict(
    batch_size=4,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_query,
        data_prefix=dict(video=data_root),
        pipeline=test_pipeline,
        test_mode=True))
test_evaluator = dict(
    type='RetrievalMetric', topk=(1, 5, 10, 20, 50), mean_center=False)
test_cfg = dict(type='TestLoop')
custom_hooks = [dict(type='RetrievalGalleryHook', ann_file=ann_file_gallery)]
default_hooks = dict(pretrained=dict(type='PretrainedBackboneHook'))
