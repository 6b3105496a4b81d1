"""Core layers: Dense, Activation, Dropout (and its spatial forms), Flatten, Reshape,
Permute, RepeatVector, ActivityRegularization, Masking and Lambda.

A ``Lambda`` saved as Python bytecode is rebuilt only when the caller opts in
(``safe_mode=False`` or :class:`~polykeras.utils.generic_utils.SafeModeScope`);
the bytecode helpers are in :mod:`polykeras.utils.generic_utils`, as in Keras 2.
"""
import inspect
import types

import numpy as np

from polykeras import activations, constraints, initializers, regularizers
from polykeras import backend as K
from polykeras.engine.base_layer import InputSpec, Layer
from polykeras.utils.generic_utils import (
    SafeModeScope, func_dump, func_load, in_safe_mode, is_named_function)
from polykeras.utils.legacy import legacy_arguments
from polykeras.utils.serialization import resolve_name

__all__ = ["Dense", "Activation", "Dropout", "SpatialDropout1D", "SpatialDropout2D",
           "SpatialDropout3D", "Flatten", "Reshape", "Permute", "RepeatVector",
           "ActivityRegularization", "Masking", "Lambda", "SafeModeScope", "in_safe_mode"]

#: Keras 1 names of Dense arguments (``interfaces.legacy_dense_support`` in Keras 2).
DENSE_LEGACY_ARGS = {"output_dim": "units", "init": "kernel_initializer",
                     "W_regularizer": "kernel_regularizer", "b_regularizer": "bias_regularizer",
                     "W_constraint": "kernel_constraint", "b_constraint": "bias_constraint",
                     "bias": "use_bias"}


def positive_int(value, arg, where):
    """``value`` as an int if it is a positive integer (or an integral float), else an error."""
    integral = isinstance(value, (int, np.integer)) or (
        isinstance(value, (float, np.floating)) and float(value).is_integer())
    if isinstance(value, bool) or not integral or value <= 0:
        raise ValueError(f"{where} expects `{arg}` to be a positive integer. "
                         f"Received: {arg}={value!r}")
    return int(value)


class Dense(Layer):
    """A densely connected layer: ``activation(dot(inputs, kernel) + bias)``.

    On inputs of rank > 2 the product is taken over the last axis, so
    ``(batch, d0, ..., input_dim)`` becomes ``(batch, d0, ..., units)``.

    Args:
        units: size of the output's last axis (Keras 1: ``output_dim``).
        activation: activation function or its name; ``None`` is linear.
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers of the weights
            (Keras 1: ``init``).
        kernel_regularizer, bias_regularizer, activity_regularizer:
            regularizers (Keras 1: ``W_regularizer``, ``b_regularizer``).
        kernel_constraint, bias_constraint: constraints applied after each
            optimizer update (Keras 1: ``W_constraint``, ``b_constraint``).
        **kwargs: the Layer arguments (``name``, ``input_dim``, ``input_shape``...).

    Example:
        >>> model = Sequential([Dense(32, input_dim=16, activation="relu"), Dense(1)])
        >>> model.output_shape
        (None, 1)
    """

    @legacy_arguments(DENSE_LEGACY_ARGS, where="Dense")
    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.units = positive_int(units, "units", f"Dense {self.name!r}")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"Dense {self.name!r} needs the last axis of its input to be "
                             f"known. Received: input_shape={input_shape}")
        self.kernel = self.add_weight("kernel", (input_dim, self.units),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", (self.units,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True

    def call(self, inputs):
        output = K.dot(inputs, self.kernel)
        if self.use_bias:
            output = K.bias_add(output, self.bias, data_format="channels_last")
        return self.activation(output)

    def compute_output_shape(self, input_shape):
        if not input_shape or len(input_shape) < 2:
            raise ValueError(f"Dense {self.name!r} expects an input of rank >= 2. "
                             f"Received: input_shape={input_shape}")
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
        return {**super().get_config(), **config}


class Activation(Layer):
    """Applies an activation function to its input; keeps the input's mask.

    Args:
        activation: an activation function or its name (``"relu"``, ``"softmax"``...).
        **kwargs: the Layer arguments.

    Example:
        >>> y = Activation("tanh")(Input(shape=(3,)))
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Dropout(Layer):
    """Sets a fraction ``rate`` of the inputs to 0 at training time, scaling the rest.

    The kept entries are multiplied by ``1 / (1 - rate)`` so the expected sum
    is unchanged; outside training (``predict``, ``evaluate``, learning phase
    0) the layer is the identity.

    Args:
        rate: fraction of the inputs to drop, in ``[0, 1)`` (Keras 1: ``p``).
        noise_shape: shape of the binary keep mask, broadcast against the
            input; ``None`` entries take the input's size, e.g.
            ``(None, 1, features)`` drops the same features at every timestep.
        seed: seed of the random masks.
        **kwargs: the Layer arguments.

    Example:
        >>> model = Sequential([Dense(64, input_dim=20), Dropout(0.5), Dense(1)])
    """

    @legacy_arguments({"p": "rate"}, where="Dropout")
    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float, np.number)) \
                or not 0. <= float(rate) <= 1.:
            raise ValueError(f"{type(self).__name__} {self.name!r} expects `rate` to be a number "
                             f"in [0, 1]. Received: rate={rate!r}")
        self.rate = min(1., max(0., float(rate)))
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.supports_masking = True

    def _get_noise_shape(self, inputs):
        """The keep mask's shape for ``inputs`` (``None`` entries: the input's size)."""
        if self.noise_shape is not None and len(self.noise_shape) != K.ndim(inputs):
            raise ValueError(f"Dropout {self.name!r}: noise_shape needs one entry per axis of "
                             f"the input {K.int_shape(inputs)}. Received: "
                             f"noise_shape={self.noise_shape}")
        return self.noise_shape

    def call(self, inputs, training=None):
        if not 0. < self.rate < 1.:
            return inputs
        noise_shape = self._get_noise_shape(inputs)

        def dropped_inputs():
            return K.dropout(inputs, self.rate, noise_shape, seed=self.seed)
        return K.in_train_phase(dropped_inputs, inputs, training=training)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate,
                "noise_shape": None if self.noise_shape is None else list(self.noise_shape),
                "seed": self.seed}


class Flatten(Layer):
    """Flattens every axis but the batch axis: ``(batch, 3, 4)`` becomes ``(batch, 12)``.

    Args:
        data_format: ``"channels_last"`` or ``"channels_first"`` (default:
            ``K.image_data_format()``). For ``channels_first`` inputs the
            channel axis is moved last before flattening, so the order of
            the values matches a ``channels_last`` model (weights of a
            following Dense layer move between the two formats unchanged).
        **kwargs: the Layer arguments.

    Example:
        >>> model = Sequential([Reshape((4, 5), input_shape=(20,)), Flatten()])
        >>> model.output_shape
        (None, 20)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = InputSpec(min_ndim=1)
        self.data_format = K.normalize_data_format(data_format)

    def compute_output_shape(self, input_shape):
        if len(input_shape) == 1:
            return (input_shape[0], 1)
        if any(d is None for d in input_shape[1:]):
            raise ValueError(
                f"The shape of the input to Flatten {self.name!r} is not fully defined: "
                f"expected every axis but the batch axis to be known. Received: "
                f"input_shape={tuple(input_shape)}. Make sure to pass a complete "
                "`input_shape` or `batch_input_shape` argument to the first layer in your "
                "model.")
        return (input_shape[0], int(np.prod(input_shape[1:], dtype=np.int64)))

    def call(self, inputs):
        rank = K.ndim(inputs)
        if rank == 1:
            return K.expand_dims(inputs, -1)
        if self.data_format == "channels_first" and rank > 2:
            inputs = K.permute_dimensions(inputs, [0] + list(range(2, rank)) + [1])
        return K.batch_flatten(inputs)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshapes each sample to ``target_shape``; the batch axis is kept.

    Args:
        target_shape: the shape of a sample (without the batch axis); one
            entry may be ``-1``, inferred from the input's size.
        **kwargs: the Layer arguments.

    Raises:
        ValueError: the target holds more than one ``-1``, a size that is not
            a positive int, or a number of values per sample different from the
            input's (the message gives both shapes).

    Example:
        >>> model = Sequential([Reshape((3, 4), input_shape=(12,)), Reshape((-1, 2))])
        >>> model.output_shape
        (None, 6, 2)
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        try:
            target = tuple(int(d) for d in target_shape)
        except (TypeError, ValueError):
            raise ValueError(f"Reshape {self.name!r} expects `target_shape` to be a tuple of "
                             f"ints. Received: target_shape={target_shape!r}") from None
        if sum(d == -1 for d in target) > 1 or any(d < -1 or d == 0 for d in target):
            raise ValueError(f"Reshape {self.name!r} expects `target_shape` to hold positive "
                             "sizes and at most one -1 (an inferred size). Received: "
                             f"target_shape={tuple(target_shape)}")
        self.target_shape = target

    def _fix_unknown_dimension(self, input_shape):
        """The target shape with its ``-1`` resolved for a known sample shape."""
        original = int(np.prod(input_shape, dtype=np.int64))
        known = int(np.prod([d for d in self.target_shape if d != -1], dtype=np.int64))
        unknown = -1 in self.target_shape
        if (unknown and original % known) or (not unknown and original != known):
            raise ValueError(
                f"Reshape {self.name!r}: total size of the new array must be unchanged. Cannot "
                f"reshape an input of shape {tuple(input_shape)} ({original} values per "
                f"sample) to target_shape={self.target_shape}"
                + ("" if unknown else f" ({known} values per sample)") + ".")
        return tuple(original // known if d == -1 else d for d in self.target_shape)

    def compute_output_shape(self, input_shape):
        if any(d is None for d in input_shape[1:]):
            return (input_shape[0],) + tuple(None if d == -1 else d for d in self.target_shape)
        return (input_shape[0],) + self._fix_unknown_dimension(input_shape[1:])

    def call(self, inputs):
        shape = K.int_shape(inputs)
        if shape is not None and all(d is not None for d in shape[1:]):
            target = self._fix_unknown_dimension(shape[1:])
        else:
            target = self.target_shape
        return K.reshape(inputs, (K.shape(inputs)[0],) + target)

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}


class _SpatialDropout(Dropout):
    """Dropout of whole channels: one keep/drop draw per sample and channel."""

    _rank = None  # the rank of the inputs, batch axis included

    def __init__(self, rate, data_format=None, noise_shape=None, seed=None, **kwargs):
        if noise_shape is not None:
            raise ValueError(f"{type(self).__name__} drops whole channels and sets its own "
                             f"noise shape; it takes no `noise_shape`. Received: "
                             f"noise_shape={noise_shape!r}")
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = K.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self._rank)

    def _get_noise_shape(self, inputs):
        spatial = [1] * (self._rank - 2)
        if self.data_format == "channels_first":
            return tuple([None, None] + spatial)
        return tuple([None] + spatial + [None])

    def get_config(self):
        config = super().get_config()
        del config["noise_shape"]
        return {**config, "data_format": self.data_format}


class SpatialDropout1D(_SpatialDropout):
    """Dropout of entire feature maps of ``(batch, steps, channels)`` sequences.

    Where neighbouring time steps are strongly correlated, plain Dropout does
    not regularize; this layer drops a channel at every step at once (kept
    channels are scaled by ``1 / (1 - rate)``). Active only in training.

    Args:
        rate: fraction of the channels to drop, in ``[0, 1]``.
        seed: seed of the random masks.
        **kwargs: the Layer arguments.

    Example:
        >>> model = Sequential([Embedding(100, 8, input_length=10), SpatialDropout1D(0.2)])
    """

    _rank = 3

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(rate, data_format="channels_last", noise_shape=noise_shape, seed=seed,
                         **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]
        return config


class SpatialDropout2D(_SpatialDropout):
    """Dropout of entire 2D feature maps (one draw per sample and channel).

    Args:
        rate: fraction of the channels to drop, in ``[0, 1]``.
        data_format: ``"channels_last"`` (inputs ``(batch, rows, cols,
            channels)``) or ``"channels_first"`` (``(batch, channels, rows,
            cols)``); default ``K.image_data_format()``.
        seed: seed of the random masks.
        **kwargs: the Layer arguments.

    Example:
        >>> y = SpatialDropout2D(0.3, data_format="channels_first")(Input(shape=(3, 8, 8)))
    """

    _rank = 4


class SpatialDropout3D(_SpatialDropout):
    """Dropout of entire 3D feature maps (one draw per sample and channel).

    Args:
        rate: fraction of the channels to drop, in ``[0, 1]``.
        data_format: ``"channels_last"`` (inputs ``(batch, d1, d2, d3,
            channels)``) or ``"channels_first"`` (``(batch, channels, d1, d2,
            d3)``); default ``K.image_data_format()``.
        seed: seed of the random masks.
        **kwargs: the Layer arguments.

    Example:
        >>> y = SpatialDropout3D(0.3)(Input(shape=(4, 4, 4, 2)))
    """

    _rank = 5


def _is_permutation(dims):
    """Whether ``dims`` is a sequence holding each of ``1..len(dims)`` once."""
    if not isinstance(dims, (list, tuple)) or not dims or any(
            isinstance(d, bool) or not isinstance(d, (int, np.integer)) for d in dims):
        return False
    return sorted(int(d) for d in dims) == list(range(1, len(dims) + 1))


class Permute(Layer):
    """Permutes the axes of each sample; the batch axis stays first.

    Args:
        dims: a permutation of ``1..rank-1`` (axes are numbered from 1, the
            batch axis being 0): ``(2, 1)`` swaps the two axes of a sequence.
        **kwargs: the Layer arguments.

    Raises:
        ValueError: ``dims`` is not a permutation of ``1..len(dims)``.

    Example:
        >>> model = Sequential([Permute((2, 1), input_shape=(10, 64))])
        >>> model.output_shape
        (None, 64, 10)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        if not _is_permutation(dims):
            raise ValueError(f"Permute {self.name!r} expects `dims` to be a permutation of "
                             "1..n, the axes of a sample (the batch axis 0 is not included). "
                             f"Received: dims={dims!r}")
        self.dims = tuple(int(d) for d in dims)
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != len(self.dims) + 1:
            raise ValueError(f"Permute {self.name!r} with dims={self.dims} expects an input of "
                             f"rank {len(self.dims) + 1}. Received: input_shape={input_shape}")
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def call(self, inputs):
        return K.permute_dimensions(inputs, (0,) + self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}


class RepeatVector(Layer):
    """Repeats a ``(batch, features)`` input ``n`` times: ``(batch, n, features)``.

    Args:
        n: the number of repetitions, a positive int.
        **kwargs: the Layer arguments.

    Example:
        >>> model = Sequential([Dense(32, input_dim=32), RepeatVector(3)])
        >>> model.output_shape
        (None, 3, 32)
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = positive_int(n, "n", f"RepeatVector {self.name!r}")
        self.input_spec = InputSpec(ndim=2)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def call(self, inputs):
        return K.repeat(inputs, self.n)

    def get_config(self):
        return {**super().get_config(), "n": self.n}


def _non_negative(value, arg, where):
    """``value`` as a float if it is a real number >= 0, else a ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) \
            or not float(value) >= 0.:
        raise ValueError(f"{where} expects `{arg}` to be a number >= 0. "
                         f"Received: {arg}={value!r}")
    return float(value)


class ActivityRegularization(Layer):
    """The identity, adding ``l1 * sum(|x|) + l2 * sum(x**2)`` of its input to the loss.

    Args:
        l1: L1 regularization factor (>= 0).
        l2: L2 regularization factor (>= 0).
        **kwargs: the Layer arguments.

    Example:
        >>> model = Sequential([Dense(8, input_dim=4), ActivityRegularization(l2=1e-3)])
        >>> len(model.losses)
        1
    """

    def __init__(self, l1=0., l2=0., **kwargs):
        super().__init__(**kwargs)
        where = f"ActivityRegularization {self.name!r}"
        self.supports_masking = True
        self.l1 = _non_negative(l1, "l1", where)
        self.l2 = _non_negative(l2, "l2", where)
        self.activity_regularizer = regularizers.L1L2(l1=self.l1, l2=self.l2)

    def get_config(self):
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}


class Masking(Layer):
    """Masks time steps whose features all equal ``mask_value``.

    For an input ``(batch, steps, features)``, a step is masked (skipped by
    the layers that support masking, e.g. LSTM) when every feature equals
    ``mask_value``; its output is zeros. The output mask is
    ``any(inputs != mask_value, axis=-1)``.

    Args:
        mask_value: the value marking padding.
        **kwargs: the Layer arguments.

    Example:
        >>> model = Sequential([Masking(0., input_shape=(5, 3)), LSTM(8)])
    """

    def __init__(self, mask_value=0., **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, bool) or not isinstance(mask_value, (int, float, np.number)):
            raise ValueError(f"Masking {self.name!r} expects `mask_value` to be a number. "
                             f"Received: mask_value={mask_value!r}")
        self.supports_masking = True
        self.mask_value = float(mask_value)

    def compute_mask(self, inputs, mask=None):
        return K.any(K.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = K.any(K.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return inputs * K.cast(keep, K.dtype(inputs))

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}


# --- function serialization for Lambda --------------------------------------------------

def _backend_functions():
    return {name: getattr(K, name) for name in dir(K)
            if not name.startswith("_") and callable(getattr(K, name))}


def _serialize_function(fn, what, layer_name):
    if is_named_function(fn):
        return fn.__name__, "function"
    if isinstance(fn, types.FunctionType):
        return func_dump(fn), "lambda"
    raise TypeError(f"Lambda {layer_name!r} cannot serialize its `{what}`: expected a Python "
                    f"function or lambda. Received: {fn!r}")


def _deserialize_function(value, kind, what, custom_objects, safe_mode, layer_name):
    where = f"Lambda {layer_name!r}"
    if kind == "function":
        return resolve_name(value, _backend_functions(), custom_objects,
                            kind=f"function (the `{what}` of {where})")
    if kind != "lambda":
        raise ValueError(f"{where}: unknown {what}_type {kind!r}; expected 'function', "
                         "'lambda' or 'raw'.")
    if safe_mode is None:
        safe_mode = in_safe_mode()
    if safe_mode:
        raise ValueError(
            f"{where}: the config holds its `{what}` as Python bytecode (a lambda or a "
            "nested function). Rebuilding it would run code taken from the config or file, "
            "which could execute arbitrary code, so it is refused by default. If you trust "
            "the source, pass `safe_mode=False` (to Lambda.from_config, "
            "polykeras.layers.deserialize or the loading function), or load inside "
            "`polykeras.layers.SafeModeScope(False)`.")
    globs = dict(globals())
    globs.update(custom_objects or {})
    return func_load(value, globs=globs, where=where)


def _encode_arguments(arguments):
    return {key: {"type": "ndarray", "value": value.tolist()}
            if isinstance(value, np.ndarray) else value for key, value in arguments.items()}


def _decode_arguments(arguments):
    return {key: np.array(value["value"]) if isinstance(value, dict)
            and value.get("type") == "ndarray" else value
            for key, value in (arguments or {}).items()}


class Lambda(Layer):
    """Wraps an expression of K ops as a layer: ``Lambda(lambda x: x ** 2)``.

    Args:
        function: called as ``function(inputs, **arguments)``; receives
            ``mask=`` too when it has a ``mask`` parameter.
        output_shape: the output shape, without the batch axis (a tuple), or a
            function from the input shape (with batch axis) to the output
            shape. When ``None`` it is inferred from the tensor ``function``
            returns.
        mask: the output mask: a tensor, or a function ``(inputs, mask) ->
            mask``. Without it the output has no mask.
        arguments: extra keyword arguments for ``function``.
        **kwargs: the Layer arguments.

    Saving: a module-level function is saved by name (load it with
    ``custom_objects={name: fn}``; K functions such as ``K.square`` resolve
    on their own); a lambda or nested function is saved as Python bytecode
    (the Keras 2 format), which only loads with ``safe_mode=False``.

    Example:
        >>> x = Input(shape=(4,))
        >>> y = Lambda(lambda t: K.concatenate([t, -t]), output_shape=(8,))(x)
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda {self.name!r} expects a callable `function`. "
                            f"Received: {function!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        self.supports_masking = mask is not None
        self.mask = mask
        if output_shape is None or callable(output_shape):
            self._output_shape = output_shape
        elif isinstance(output_shape, (tuple, list)):
            self._output_shape = tuple(output_shape)
        else:
            raise TypeError(f"Lambda {self.name!r}: `output_shape` must be a tuple, a list or a "
                            f"function. Received: {output_shape!r}")
        self._inferred_shapes = {}

    def call(self, inputs, mask=None):
        arguments = dict(self.arguments)
        if _has_parameter(self.function, "mask"):
            arguments["mask"] = mask
        outputs = self.function(inputs, **arguments)
        key = _shape_key(inputs)
        if key is not None:
            self._inferred_shapes[key] = [K.int_shape(o) for o in outputs] \
                if isinstance(outputs, (list, tuple)) else K.int_shape(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            key = _hashable(input_shape)
            if key not in self._inferred_shapes:
                if isinstance(input_shape, list):
                    self.call([K.placeholder(shape=s) for s in input_shape])
                else:
                    self.call(K.placeholder(shape=input_shape))
            return self._inferred_shapes.get(key, input_shape)
        if isinstance(self._output_shape, tuple):
            batch = input_shape[0][0] if isinstance(input_shape, list) else \
                (input_shape[0] if input_shape else None)
            return (batch,) + self._output_shape
        shape = self._output_shape(input_shape)
        if not isinstance(shape, (list, tuple)):
            raise ValueError(f"Lambda {self.name!r}: the `output_shape` function must return a "
                             f"tuple or a list of tuples. Received: {shape!r}")
        if isinstance(shape, list) and (not shape or shape[0] is None
                                        or isinstance(shape[0], (int, np.integer))):
            shape = tuple(shape)
        return shape

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def get_config(self):
        function, function_type = _serialize_function(self.function, "function", self.name)
        if callable(self._output_shape):
            output_shape, output_shape_type = _serialize_function(
                self._output_shape, "output_shape", self.name)
        else:
            output_shape = None if self._output_shape is None else list(self._output_shape)
            output_shape_type = "raw"
        return {**super().get_config(), "function": function, "function_type": function_type,
                "output_shape": output_shape, "output_shape_type": output_shape_type,
                "arguments": _encode_arguments(self.arguments)}

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """Rebuild a Lambda; bytecode functions need ``safe_mode=False``.

        Args:
            config: :meth:`get_config`'s output (or a Keras 2 Lambda config).
            custom_objects: name -> function, for functions saved by name
                (and globals visible to bytecode functions).
            safe_mode: ``False`` allows rebuilding functions saved as bytecode;
                ``None`` follows the enclosing :class:`SafeModeScope` (refuse
                by default).

        Raises:
            ValueError: the config holds bytecode and safe mode is on, or a
                function name cannot be resolved.
        """
        config = dict(config)
        name = config.get("name")
        function = _deserialize_function(config.pop("function"),
                                         config.pop("function_type", "function"), "function",
                                         custom_objects, safe_mode, name)
        output_shape = config.pop("output_shape", None)
        output_shape_type = config.pop("output_shape_type", "raw")
        if output_shape_type != "raw" and output_shape is not None:
            output_shape = _deserialize_function(output_shape, output_shape_type,
                                                 "output_shape", custom_objects, safe_mode, name)
        config["arguments"] = _decode_arguments(config.get("arguments"))
        return cls(function, output_shape=output_shape, **config)


def _has_parameter(fn, name):
    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _hashable(shape):
    if isinstance(shape, list):
        return tuple(_hashable(s) for s in shape)
    return None if shape is None else tuple(shape)


def _shape_key(inputs):
    if isinstance(inputs, (list, tuple)):
        return tuple(_hashable(getattr(x, "_keras_shape", None) or K.int_shape(x))
                     for x in inputs)
    if not K.is_tensor(inputs):
        return None
    return _hashable(getattr(inputs, "_keras_shape", None) or K.int_shape(inputs))

