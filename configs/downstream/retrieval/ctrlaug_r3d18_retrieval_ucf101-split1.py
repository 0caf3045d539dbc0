# Video retrieval on UCF101 split 1 (queries: test list, gallery: train list).
_base_ = ['./_base_/ctrlaug_r3d18_retrieval.py']

split = 1
data_root = 'data/ucf101/videos'
ann_file_gallery = f'data/ucf101/ucf101_train_split_{split}_videos.txt'
ann_file_query = f'data/ucf101/ucf101_val_split_{split}_videos.txt'
test_dataloader = dict(
    dataset=dict(ann_file=ann_file_query, data_prefix=dict(video=data_root)))
custom_hooks = [dict(type='RetrievalGalleryHook', ann_file=ann_file_gallery)]
