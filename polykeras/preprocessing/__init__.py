"""Data preprocessing: sequence, text and image utilities (the Keras 2 ``keras.preprocessing``).

``polykeras.preprocessing.sequence``, ``.text`` and ``.image`` are the Keras 2
module paths; image reading and writing need Pillow, and the geometric image
transforms need SciPy.
"""
from polykeras.preprocessing import image, sequence, text

__all__ = ["image", "sequence", "text"]
