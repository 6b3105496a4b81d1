"""The TensorFlow backend class, assembled from one mixin per op family.

Programs run as one ``tf.function`` each (see :mod:`polykeras_tensorflow.core`).
GPU memory settings from ``polykeras.json`` are applied once, when the
backend is constructed (see :mod:`polykeras_tensorflow.gpu`); TensorFlow
places ops on a GPU whenever it sees one.
"""
import os

from polykeras.backend import Backend, selection
from polykeras_tensorflow import gpu
from polykeras_tensorflow.common import tf
from polykeras_tensorflow.control import ControlOps
from polykeras_tensorflow.conv import ConvOps
from polykeras_tensorflow.core import CoreOps
from polykeras_tensorflow.ctc import CtcOps
from polykeras_tensorflow.manipulation import ManipulationOps
from polykeras_tensorflow.math import MathOps
from polykeras_tensorflow.nn import NNOps
from polykeras_tensorflow.random import RandomOps


class TensorflowBackend(CoreOps, MathOps, ManipulationOps, NNOps, ConvOps, ControlOps,
                        RandomOps, CtcOps, Backend):
    """Runs programs with ``tf.function`` on CPU or GPU."""

    name = "tensorflow"

    def __init__(self):
        self.memory_plan = gpu.configure(tf, selection.settings(), os.environ)
        # GPU kernels take channels-first data natively; CPU kernels do not.
        self._native_channels_first = bool(tf.config.list_logical_devices("GPU"))

    def info(self):
        """TensorFlow's version, the visible devices and the GPU memory plan."""
        lines = [f"tensorflow {tf.__version__}"]
        for device in tf.config.list_logical_devices():
            lines.append(f"device {device.name} ({device.device_type})")
        for kind, index, limit in self.memory_plan:
            lines.append(f"GPU:{index} memory growth" if kind == "growth"
                         else f"GPU:{index} memory limit {limit} MiB")
        return lines
