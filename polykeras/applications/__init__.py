"""Keras 2 reference architectures (VGG16, VGG19, ResNet50, InceptionV3, MobileNet, Xception)."""
