"""Batch iterators of ``ImageDataGenerator``: over arrays (``flow``) and over image folders.

Each is a :class:`polykeras.utils.Sequence` (so ``fit_generator`` can read it
with worker threads or processes) and also a plain iterator that cycles
forever, as in Keras 2. Decision: with a ``seed``, batch ``i`` of epoch ``e``
is drawn from its own random stream seeded by ``(seed, e, i)``, so the same
batches come back whatever order workers read them in, and the global NumPy
random state is left alone; without a seed the global state is used.
"""
import os
import threading
import warnings

import numpy as np

from polykeras import backend as K
from polykeras.preprocessing.image_io import array_to_img, img_to_array, load_img
from polykeras.utils.data_utils import Sequence

__all__ = ["DirectoryIterator", "Iterator", "NumpyArrayIterator"]

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".tif", ".tiff", ".gif")
CLASS_MODES = ("categorical", "binary", "sparse", "input", None)
SUBSETS = ("training", "validation", None)


class Iterator(Sequence):
    """Batches of indices ``0..n-1``, shuffled each epoch; subclasses turn indices into data.

    Args:
        n: number of samples.
        batch_size: samples per batch (the last batch may be smaller).
        shuffle: a new random order every epoch.
        seed: seed of the order and of the random transforms, or ``None``.
    """

    def __init__(self, n, batch_size, shuffle, seed):
        if int(batch_size) != batch_size or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer. "
                             f"Received: batch_size={batch_size!r}")
        self.n = n
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array = None

    def _rng(self, *key):
        if self.seed is None:
            return np.random
        return np.random.RandomState([int(self.seed), *key])

    def _set_index_array(self):
        if self.shuffle:
            self.index_array = self._rng(self.epoch).permutation(self.n)
        else:
            self.index_array = np.arange(self.n)

    def __len__(self):
        return -(-self.n // self.batch_size)

    def __getitem__(self, idx):
        if not 0 <= idx < len(self):
            raise IndexError(f"Asked for batch {idx}, but the iterator has {len(self)} batches.")
        if self.index_array is None:
            self._set_index_array()
        chosen = self.index_array[self.batch_size * idx:self.batch_size * (idx + 1)]
        return self._get_batches_of_transformed_samples(chosen, self._rng(self.epoch, idx))

    def on_epoch_end(self):
        self.epoch += 1
        self._set_index_array()

    def reset(self):
        """Start again from the first batch of the current order."""
        self.batch_index = 0

    def __iter__(self):
        return self

    def _next_indices(self):
        with self.lock:
            if self.n == 0:
                raise StopIteration("The iterator has no samples.")
            if self.index_array is None:
                self._set_index_array()
            idx = self.batch_index
            chosen = self.index_array[self.batch_size * idx:self.batch_size * (idx + 1)]
            rng = self._rng(self.epoch, idx)
            self.batch_index += 1
            self.total_batches_seen += 1
            if self.batch_index >= len(self):
                self.batch_index = 0
                self.on_epoch_end()
            return chosen, rng

    def __next__(self):
        """The next batch; after the last batch of an epoch the next epoch starts."""
        return self._get_batches_of_transformed_samples(*self._next_indices())

    next = __next__

    def _get_batches_of_transformed_samples(self, index_array, rng):
        raise NotImplementedError


def _split(n, validation_split, subset):
    """The slice of ``range(n)`` a subset uses: validation first, training after."""
    if subset not in SUBSETS:
        raise ValueError(f'subset must be "training", "validation" or None. '
                         f"Received: subset={subset!r}")
    if subset is None or not validation_split:
        return slice(0, n)
    cut = int(n * validation_split)
    return slice(0, cut) if subset == "validation" else slice(cut, n)


class _Saver:
    def __init__(self, directory, prefix, file_format):
        self.directory, self.prefix, self.file_format = directory, prefix, file_format

    def save(self, images, indices, data_format, rng):
        if self.directory is None:
            return
        tags = rng.randint(10000, size=len(images))
        for image, index, tag in zip(images, indices, tags):
            name = f"{self.prefix}_{index}_{tag}.{self.file_format}"
            array_to_img(image, data_format, scale=True).save(os.path.join(self.directory, name))


class NumpyArrayIterator(Iterator):
    """Augmented batches from arrays; see ``ImageDataGenerator.flow``.

    Args:
        x: a rank-4 image array, or a list whose first item is that array and
            whose other items are arrays passed through unchanged (as extra inputs).
        y: targets (or ``None``: batches are inputs only).
        image_data_generator: the ``ImageDataGenerator`` doing the transforms.
        batch_size, shuffle, seed: as in :class:`Iterator`.
        sample_weight: per-sample weights, yielded as a third item.
        data_format: image data format of ``x``.
        save_to_dir: folder where each augmented image is also saved as a file.
        save_prefix, save_format: file name prefix and format of saved images.
        subset: ``"training"`` or ``"validation"`` part given by the
            generator's ``validation_split``.
        dtype: dtype of the image batches.

    Raises:
        ValueError: ``x`` is not rank 4, or ``x``, ``y`` and ``sample_weight``
            differ in length.
    """

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False,
                 sample_weight=None, seed=None, data_format=None, save_to_dir=None,
                 save_prefix="", save_format="png", subset=None, dtype=None):
        extra = []
        if isinstance(x, (list, tuple)):
            x, extra = x[0], [np.asarray(item) for item in x[1:]]
        x = np.asarray(x, dtype=dtype or K.floatx())
        if x.ndim != 4:
            raise ValueError(f"flow expected images as a rank-4 array (samples, rows, cols, "
                             f"channels or channels first). Received: shape {x.shape}")
        for name, other in [("y", y), ("sample_weight", sample_weight)] + [
                (f"x[{i + 1}]", item) for i, item in enumerate(extra)]:
            if other is not None and len(other) != len(x):
                raise ValueError(f"flow: x and {name} must have the same length. Received: "
                                 f"len(x)={len(x)}, len({name})={len(other)}")
        self.data_format = image_data_generator.data_format if data_format is None \
            else data_format
        channel_axis = 3 if self.data_format == "channels_last" else 1
        if x.shape[channel_axis] not in (1, 3, 4):
            warnings.warn(f"flow: images with {x.shape[channel_axis]} channels on axis "
                          f"{channel_axis} ({self.data_format}); expected 1, 3 or 4.",
                          stacklevel=2)
        part = _split(len(x), image_data_generator.validation_split, subset)
        self.x = x[part]
        self.x_misc = [item[part] for item in extra]
        self.y = None if y is None else np.asarray(y)[part]
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)[part]
        self.image_data_generator = image_data_generator
        self.saver = _Saver(save_to_dir, save_prefix, save_format)
        self.dtype = dtype or K.floatx()
        super().__init__(len(self.x), batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array, rng):
        generator = self.image_data_generator
        batch = generator.transform_batch(self.x[index_array].astype(self.dtype), rng)
        batch = generator.standardize_batch(batch)
        self.saver.save(batch, index_array, self.data_format, rng)
        inputs = [batch] + [item[index_array] for item in self.x_misc] if self.x_misc else batch
        if self.y is None:
            return inputs
        out = (inputs, self.y[index_array])
        if self.sample_weight is not None:
            out += (self.sample_weight[index_array],)
        return out

def _list_images(directory, class_folder, follow_links):
    found = []
    root = os.path.join(directory, class_folder)
    for folder, subfolders, files in os.walk(root, followlinks=follow_links):
        subfolders.sort()
        found.extend(os.path.relpath(os.path.join(folder, name), directory)
                     for name in sorted(files) if name.lower().endswith(IMAGE_EXTENSIONS))
    return found


class DirectoryIterator(Iterator):
    """Augmented batches from image files, one sub-folder per class.

    See ``ImageDataGenerator.flow_from_directory`` for the arguments.

    Attributes:
        filenames: paths of the images relative to ``directory``.
        classes: int32 class index of each image.
        class_indices: dict class name -> index.
        samples: number of images.
    """

    def __init__(self, directory, image_data_generator, target_size=(256, 256),
                 color_mode="rgb", classes=None, class_mode="categorical", batch_size=32,
                 shuffle=True, seed=None, data_format=None, save_to_dir=None, save_prefix="",
                 save_format="png", follow_links=False, subset=None, interpolation="nearest",
                 dtype=None):
        if class_mode not in CLASS_MODES:
            raise ValueError(f'class_mode must be "categorical", "binary", "sparse", "input" '
                             f"or None. Received: class_mode={class_mode!r}")
        channels = {"grayscale": 1, "rgb": 3, "rgba": 4}.get(color_mode)
        if channels is None:
            raise ValueError(f'color_mode must be "grayscale", "rgb" or "rgba". '
                             f"Received: color_mode={color_mode!r}")
        if not os.path.isdir(directory):
            raise ValueError(f"flow_from_directory: {directory!r} is not a folder.")
        self.directory = directory
        self.target_size = tuple(int(v) for v in target_size)
        self.color_mode = color_mode
        self.class_mode = class_mode
        self.interpolation = interpolation
        self.data_format = image_data_generator.data_format if data_format is None \
            else data_format
        self.image_shape = (self.target_size + (channels,) if self.data_format == "channels_last"
                            else (channels,) + self.target_size)
        if classes is None:
            classes = sorted(entry for entry in os.listdir(directory)
                             if os.path.isdir(os.path.join(directory, entry)))
        self.class_indices = {name: i for i, name in enumerate(classes)}
        self.num_classes = len(classes)
        self.filenames, labels = [], []
        for name in classes:
            files = _list_images(directory, name, follow_links)
            files = files[_split(len(files), image_data_generator.validation_split, subset)]
            self.filenames += files
            labels += [self.class_indices[name]] * len(files)
        self.classes = np.asarray(labels, dtype=np.int32)
        self.samples = len(self.filenames)
        self.image_data_generator = image_data_generator
        self.saver = _Saver(save_to_dir, save_prefix, save_format)
        self.dtype = dtype or K.floatx()
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def filepaths(self):
        """Absolute-or-given paths of the images."""
        return [os.path.join(self.directory, name) for name in self.filenames]

    def _get_batches_of_transformed_samples(self, index_array, rng):
        generator = self.image_data_generator
        batch = np.empty((len(index_array),) + self.image_shape, dtype=self.dtype)
        for row, i in enumerate(index_array):
            img = load_img(os.path.join(self.directory, self.filenames[i]),
                           color_mode=self.color_mode, target_size=self.target_size,
                           interpolation=self.interpolation)
            batch[row] = img_to_array(img, self.data_format, self.dtype)
            if hasattr(img, "close"):
                img.close()
        batch = generator.standardize_batch(generator.transform_batch(batch, rng))
        self.saver.save(batch, index_array, self.data_format, rng)
        labels = self.classes[index_array]
        if self.class_mode is None:
            return batch
        if self.class_mode == "input":
            return batch, batch.copy()
        if self.class_mode == "sparse":
            return batch, labels
        if self.class_mode == "binary":
            return batch, labels.astype(self.dtype)
        onehot = np.zeros((len(labels), self.num_classes), dtype=self.dtype)
        onehot[np.arange(len(labels)), labels] = 1
        return batch, onehot
