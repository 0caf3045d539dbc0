from .resnet3d_y import ResNet3dY

__all__ = ['ResNet3dY']
