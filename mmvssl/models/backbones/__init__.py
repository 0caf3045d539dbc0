from .c3d import C3DFeatures
from .r2plus1d import ResNet2Plus1dSSL
from .resnet3d_y import ResNet3dY
from .s3d import S3D
from .stride_switch import StrideSwitchResNet3d

__all__ = [
    'ResNet3dY', 'StrideSwitchResNet3d', 'C3DFeatures', 'ResNet2Plus1dSSL',
    'S3D'
]
