# Video retrieval on HMDB51 split 1 (queries: test list, gallery: train list).
_base_ = ['./_base_/cstp_c3d_retrieval.py']

split = 1
data_root = 'data/hmdb51/videos'
ann_file_gallery = f'data/hmdb51/hmdb51_train_split_{split}_videos.txt'
ann_file_query = f'data/hmdb51/hmdb51_val_split_{split}_videos.txt'
test_dataloader = dict(
    dataset=dict(ann_file=ann_file_query, data_prefix=dict(video=data_root)))
custom_hooks = [dict(type='RetrievalGalleryHook', ann_file=ann_file_gallery)]
