"""Keras 2 reference architectures (VGG16, VGG19, ResNet50, InceptionV3, MobileNet, Xception).

Each builder takes the Keras 2 arguments (``include_top``, ``weights``,
``input_tensor``, ``input_shape``, ``pooling``, ``classes``) and returns a
:class:`~polykeras.Model` whose layer names match Keras 2, so the published
Keras 2 ImageNet weight files load into it (``weights='imagenet'`` downloads
them into ``$POLYKERAS_HOME/models`` through ``get_file``). Each module also
has the ``preprocess_input`` of its model and ``decode_predictions``.

Example:
    >>> from polykeras.applications import ResNet50
    >>> model = ResNet50(weights=None, include_top=False, input_shape=(64, 64, 3),
    ...                  pooling='avg')
    >>> model.output_shape
    (None, 2048)
"""
from polykeras.applications import (imagenet_utils, inception_v3, mobilenet, resnet50, vgg16,
                                    vgg19, xception)
from polykeras.applications.inception_v3 import InceptionV3
from polykeras.applications.mobilenet import MobileNet
from polykeras.applications.resnet50 import ResNet50
from polykeras.applications.vgg16 import VGG16
from polykeras.applications.vgg19 import VGG19
from polykeras.applications.xception import Xception

__all__ = ["VGG16", "VGG19", "ResNet50", "InceptionV3", "MobileNet", "Xception",
           "imagenet_utils", "inception_v3", "mobilenet", "resnet50", "vgg16", "vgg19",
           "xception"]
