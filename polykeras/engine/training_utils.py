"""Helpers of the training engine: checking user arrays, batching, weighted losses."""
import numpy as np

from polykeras import backend as K


def standardize_input_data(data, names, shapes=None, check_batch_axis=True,
                           exception_prefix=""):
    """User data (array, list or dict keyed by name) as a list of arrays, one per name.

    Args:
        data: ``None``, an array, a list of arrays or a dict name -> array.
        names: the model's input (or output) names, in order.
        shapes: expected shapes (batch axis first, ``None`` = any), or ``None``.
        check_batch_axis: whether a fixed batch size is enforced.
        exception_prefix: ``"input"`` or ``"target"``, for error messages.

    Raises:
        ValueError: wrong number of arrays, unknown dict keys, wrong ranks or sizes.
    """
    if not names:
        if data is not None and (not hasattr(data, "__len__") or len(data)):
            raise ValueError(f"Error when checking model {exception_prefix}: expected no data, "
                             f"but got: {data}")
        return []
    if data is None:
        return [None] * len(names)
    if isinstance(data, dict):
        unknown = sorted(set(data) - set(names))
        if unknown:
            raise ValueError(f"Error when checking model {exception_prefix}: no data provided "
                             f"for names {unknown} that match no model {exception_prefix} "
                             f"name. Expected names: {names}")
        missing = [name for name in names if name not in data]
        if missing:
            raise ValueError(f"Error when checking model {exception_prefix}: no data provided "
                             f"for {missing}. Need data for each key in: {names}")
        arrays = [data[name] for name in names]
    elif isinstance(data, (list, tuple)):
        if data and not hasattr(data[0], "shape") and len(names) == 1:
            arrays = [np.asarray(data)]
        else:
            arrays = list(data)
        if len(arrays) != len(names):
            shapes_seen = [getattr(a, "shape", type(a).__name__) for a in arrays]
            raise ValueError(
                f"Error when checking model {exception_prefix}: the list of Numpy arrays that "
                f"you are passing to your model is not the size the model expected. Expected "
                f"to see {len(names)} array(s), but instead got the following list of "
                f"{len(arrays)} arrays: {shapes_seen}")
    else:
        if len(names) > 1:
            raise ValueError(
                f"Error when checking model {exception_prefix}: the model expects "
                f"{len(names)} arrays ({names}), but received a single array of shape "
                f"{getattr(data, 'shape', None)}.")
        arrays = [data]
    arrays = [np.asarray(a) for a in arrays]
    arrays = [np.expand_dims(a, 1) if a.ndim == 1 else a for a in arrays]
    if shapes is None:
        return arrays
    for name, array, shape in zip(names, arrays, shapes):
        if shape is None:
            continue
        if array.ndim != len(shape):
            raise ValueError(
                f"Error when checking {exception_prefix}: expected {name} to have "
                f"{len(shape)} dimensions, but got array with shape {array.shape}")
        for axis, (expected, received) in enumerate(zip(shape, array.shape)):
            if axis == 0 and not check_batch_axis:
                continue
            if expected is not None and expected != received:
                raise ValueError(
                    f"Error when checking {exception_prefix}: expected {name} to have shape "
                    f"{tuple(shape)} but got array with shape {array.shape}")
    return arrays


def per_output(value, output_names, what, default=None):
    """A per-output argument (single value, list or dict by output name) as a list."""
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(output_names))
        if unknown:
            raise ValueError(f"Unknown entries in {what} dictionary: {unknown}. Only expected "
                             f"the following keys: {output_names}")
        return [value.get(name, default) for name in output_names]
    if isinstance(value, (list, tuple)):
        if len(value) != len(output_names):
            raise ValueError(f"When passing a list as {what}, it should have one entry per "
                             f"model output. The model has {len(output_names)} output(s), "
                             f"but you passed {what}={value}")
        return list(value)
    return [value if value is not None else default for _ in output_names]


def check_array_lengths(inputs, targets, weights=None):
    """Raise when the arrays do not all have the same number of samples."""
    def sizes(arrays):
        return {len(a) for a in arrays if a is not None}
    for what, arrays in (("input arrays (x)", inputs), ("target arrays (y)", targets),
                         ("sample_weight arrays", weights or [])):
        if len(sizes(arrays)) > 1:
            raise ValueError(f"All {what} should have the same number of samples. Got array "
                             f"shapes: {[a.shape for a in arrays if a is not None]}")
    x_sizes, y_sizes = sizes(inputs), sizes(targets)
    if x_sizes and y_sizes and x_sizes != y_sizes:
        raise ValueError(f"Input arrays should have the same number of samples as target "
                         f"arrays. Found {x_sizes.pop()} input samples and {y_sizes.pop()} "
                         "target samples.")


def standardize_weights(y, sample_weight=None, class_weight=None, sample_weight_mode=None):
    """The per-sample (or per-timestep) weight array for targets ``y``."""
    if sample_weight_mode == "temporal":
        if sample_weight is not None and np.ndim(sample_weight) != 2:
            raise ValueError(f'Found a sample_weight array with shape '
                             f'{np.shape(sample_weight)}. In order to use timestep-wise '
                             'sample weighting, you should pass a 2D sample_weight array.')
    elif sample_weight is not None and np.ndim(sample_weight) != 1:
        raise ValueError(f"Found a sample_weight array with shape {np.shape(sample_weight)}. "
                         "In order to use timestep-wise sample weighting, you should pass a "
                         "2D sample_weight array and compile with sample_weight_mode='temporal'.")
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=K.floatx())
        if sample_weight.shape != y.shape[:sample_weight.ndim]:
            raise ValueError(f"Found a sample_weight with shape {sample_weight.shape}. "
                             f"Expected a shape compatible with the targets' {y.shape}.")
        return sample_weight
    if isinstance(class_weight, dict):
        if y.ndim > 2:
            raise ValueError("class_weight not supported for 3+ dimensional targets.")
        classes = y.argmax(axis=1) if y.shape[1] > 1 else y[:, 0].astype(np.int64)
        missing = sorted(set(np.unique(classes).tolist()) - set(class_weight))
        if missing:
            raise ValueError(f"class_weight must contain all classes in the data. The classes "
                             f"{missing} exist in the data but not in class_weight.")
        lookup = np.zeros(int(classes.max()) + 1, dtype=K.floatx())
        for cls, weight in class_weight.items():
            if cls < len(lookup):
                lookup[cls] = weight
        return lookup[classes]
    shape = y.shape[:2] if sample_weight_mode == "temporal" else y.shape[:1]
    return np.ones(shape, dtype=K.floatx())


def weighted_masked_objective(fn):
    """``fn(y_true, y_pred)`` turned into a scalar that honours sample weights and masks.

    Masked entries do not count; the mean is taken over the unmasked ones and
    over samples with non-zero weight.
    """
    def weighted(y_true, y_pred, weights, mask=None):
        scores = fn(y_true, y_pred)
        if mask is not None:
            mask = K.cast(mask, K.floatx())
            scores = scores * mask
            scores = scores / (K.mean(mask) + K.epsilon())
        if weights is not None:
            extra_axes = list(range(K.ndim(weights), K.ndim(scores)))
            if extra_axes:
                scores = K.mean(scores, axis=extra_axes)
            scores = scores * weights
            nonzero = K.mean(K.cast(K.not_equal(weights, 0), K.floatx()))
            scores = scores / (nonzero + K.epsilon())
        return K.mean(scores)
    weighted.__name__ = getattr(fn, "__name__", "objective")
    return weighted


def make_batches(size, batch_size):
    """``(start, end)`` pairs covering ``range(size)`` in batches."""
    return [(start, min(size, start + batch_size)) for start in range(0, size, batch_size)]


def batch_shuffle(index_array, batch_size):
    """Shuffle ``index_array`` by whole batches (keeps each batch contiguous, for HDF5)."""
    full = len(index_array) // batch_size * batch_size
    head = index_array[:full].reshape(-1, batch_size)
    np.random.shuffle(head)
    return np.concatenate([head.ravel(), index_array[full:]])


def slice_arrays(arrays, indices):
    """Each array indexed by ``indices`` (an index array or a slice); ``None`` stays ``None``."""
    return [None if a is None else a[indices] for a in arrays]
