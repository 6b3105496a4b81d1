"""Merge layers: combine a list of tensors into one.

Elementwise merges (:class:`Add`, :class:`Subtract`, :class:`Multiply`,
:class:`Average`, :class:`Maximum`, :class:`Minimum`) broadcast like Keras 2:
the shapes without the batch axis are aligned on their trailing axes, a size
of 1 (or an unknown size) stretches, and an input of lower rank gets new axes
of size 1 after the batch axis. The output mask is the logical AND of the
input masks. :class:`Concatenate` joins along an axis and :class:`Dot` takes
per-sample dot products; each has a functional form (``add(...)``,
``concatenate(...)``...).
"""
from polykeras import backend as K
from polykeras.engine.base_layer import Layer

__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
           "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot"]


def _check_list(layer, input_shape, exactly=None):
    if not isinstance(input_shape, list):
        raise ValueError(f"A merge layer ({type(layer).__name__} {layer.name!r}) should be called "
                         "on a list of at least 2 inputs. Received a single input of shape "
                         f"{input_shape}")
    count = len(input_shape)
    if exactly is not None and count != exactly:
        raise ValueError(f"A {type(layer).__name__} layer ({layer.name!r}) should be called on "
                         f"exactly {exactly} inputs. Received: {count} inputs with shapes "
                         f"{input_shape}")
    if count < 2:
        raise ValueError(f"A merge layer ({type(layer).__name__} {layer.name!r}) should be called "
                         f"on a list of at least 2 inputs. Received: {count} input(s)")


def _and_masks(masks):
    """Logical AND of boolean masks, broadcasting like the inputs they belong to."""
    masks = [m for m in masks if m is not None]
    if not masks:
        return None
    rank = max(K.ndim(m) for m in masks)
    combined = None
    for mask in masks:
        for _ in range(rank - K.ndim(mask)):
            mask = K.expand_dims(mask, 1)
        mask = K.cast(mask, "int32")
        combined = mask if combined is None else combined * mask
    return K.cast(combined, "bool")


class _Merge(Layer):
    """Base class of the elementwise merges; subclasses define :meth:`_merge_function`."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _merge_function(self, inputs):
        raise NotImplementedError

    def _elementwise_shape(self, shape1, shape2, all_shapes):
        """The broadcast of two sample shapes (without the batch axis), or an error."""
        if shape1 is None or shape2 is None:
            return None
        if len(shape1) < len(shape2):
            shape1, shape2 = shape2, shape1
        if not shape2:
            return tuple(shape1)
        output = list(shape1[:len(shape1) - len(shape2)])
        for i, j in zip(shape1[len(shape1) - len(shape2):], shape2):
            if i is None or j is None:
                output.append(None)
            elif i == 1 or j == 1 or i == j:
                output.append(j if i == 1 else i)
            else:
                raise ValueError(f"{type(self).__name__} layer {self.name!r}: operands could not "
                                 f"be broadcast together. Received input shapes: {all_shapes}")
        return tuple(output)

    def _sample_shape(self, input_shape):
        output = None if input_shape[0] is None else tuple(input_shape[0][1:])
        for shape in input_shape[1:]:
            output = self._elementwise_shape(output, None if shape is None else shape[1:],
                                             input_shape)
        return output

    def _batch_size(self, input_shape):
        sizes = {s[0] for s in input_shape if s is not None} - {None}
        if len(sizes) > 1:
            raise ValueError(f"{type(self).__name__} layer {self.name!r} cannot merge tensors "
                             f"with different batch sizes. Received input shapes: {input_shape}")
        return sizes.pop() if sizes else None

    def build(self, input_shape):
        _check_list(self, input_shape)
        self._batch_size(input_shape)
        self._sample_shape(input_shape)
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"A merge layer ({type(self).__name__} {self.name!r}) should be "
                             f"called on a list of inputs. Received: {inputs!r}")
        inputs = list(inputs)
        ranks = [K.ndim(x) for x in inputs]
        if None in ranks:
            raise ValueError(f"{type(self).__name__} layer {self.name!r} needs inputs of known "
                             f"rank. Received: {inputs}")
        if len(set(ranks)) > 1:
            top = max(ranks)
            expanded = []
            for x, rank in zip(inputs, ranks):
                for _ in range(top - rank):
                    x = K.expand_dims(x, 1)
                expanded.append(x)
            inputs = expanded
        return self._merge_function(inputs)

    def compute_output_shape(self, input_shape):
        _check_list(self, input_shape)
        sample = self._sample_shape(input_shape)
        return None if sample is None else (self._batch_size(input_shape),) + sample

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)) or len(mask) != len(inputs):
            raise ValueError(f"{type(self).__name__} layer {self.name!r} expects one mask (or "
                             f"None) per input. Received: mask={mask!r}")
        return _and_masks(mask)


class Add(_Merge):
    """Adds a list of tensors elementwise (shapes broadcast as described in this module).

    Args:
        **kwargs: the Layer arguments.

    Example:
        >>> a, b = Input(shape=(16,)), Input(shape=(16,))
        >>> total = Add()([a, b])          # or add([a, b])
    """

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output


class Subtract(_Merge):
    """Subtracts the second of exactly two tensors from the first.

    Args:
        **kwargs: the Layer arguments.

    Example:
        >>> a, b = Input(shape=(16,)), Input(shape=(16,))
        >>> difference = Subtract()([a, b])   # a - b
    """

    def build(self, input_shape):
        _check_list(self, input_shape, exactly=2)
        super().build(input_shape)

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"A Subtract layer ({self.name!r}) should be called on exactly 2 "
                             f"inputs. Received: {len(inputs)} inputs")
        return inputs[0] - inputs[1]


class Multiply(_Merge):
    """Multiplies a list of tensors elementwise.

    Args:
        **kwargs: the Layer arguments.

    Example:
        >>> gated = Multiply()([Input(shape=(8,)), Input(shape=(8,))])
    """

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output * x
        return output


class Average(_Merge):
    """The elementwise mean of a list of tensors.

    Args:
        **kwargs: the Layer arguments.

    Example:
        >>> mean = Average()([Input(shape=(8,)), Input(shape=(8,)), Input(shape=(8,))])
    """

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output / float(len(inputs))


class Maximum(_Merge):
    """The elementwise maximum of a list of tensors.

    Args:
        **kwargs: the Layer arguments.

    Example:
        >>> top = Maximum()([Input(shape=(8,)), Input(shape=(8,))])
    """

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = K.maximum(output, x)
        return output


class Minimum(_Merge):
    """The elementwise minimum of a list of tensors.

    Args:
        **kwargs: the Layer arguments.

    Example:
        >>> low = Minimum()([Input(shape=(8,)), Input(shape=(8,))])
    """

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = K.minimum(output, x)
        return output


class Concatenate(Layer):
    """Joins a list of tensors along ``axis``; the other axes must match.

    Args:
        axis: the joining axis (default: the last one).
        **kwargs: the Layer arguments.

    Masks: when any input is masked, the output mask is ``True`` where every
    input's mask is (unmasked inputs count as ``True``), joined along ``axis``
    for a time axis and reduced over the last axis.

    Example:
        >>> a, b = Input(shape=(4, 3)), Input(shape=(4, 5))
        >>> Concatenate()([a, b])._keras_shape
        (None, 4, 8)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)
        self.supports_masking = True

    def _check_shapes(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) < 2:
            raise ValueError(f"A Concatenate layer ({self.name!r}) should be called on a list of "
                             f"at least 2 inputs. Received: input_shape={input_shape}")
        shapes = [s for s in input_shape if s is not None]
        if not shapes:
            return None
        ranks = {len(s) for s in shapes}
        rank = ranks.pop()
        if ranks or not -rank <= self.axis < rank:
            raise ValueError(f"A Concatenate layer ({self.name!r}) requires inputs of one rank "
                             f"with axis={self.axis} among their axes. Received input shapes: "
                             f"{input_shape}")
        axis = self.axis % rank
        for i in range(rank):
            sizes = {s[i] for s in shapes} - {None}
            if i != axis and len(sizes) > 1:
                raise ValueError(
                    f"A Concatenate layer ({self.name!r}) requires inputs with matching shapes "
                    f"except for the concatenation axis {self.axis}. Received input shapes: "
                    f"{input_shape}")
        return axis

    def build(self, input_shape):
        self._check_shapes(input_shape)
        self.built = True

    def call(self, inputs):
        return K.concatenate(list(inputs), axis=self.axis)

    def compute_output_shape(self, input_shape):
        axis = self._check_shapes(input_shape)
        if axis is None or any(s is None for s in input_shape):
            return None
        output = []
        for i in range(len(input_shape[0])):
            sizes = [s[i] for s in input_shape]
            if i == axis:
                output.append(None if None in sizes else sum(sizes))
            else:
                output.append(next((d for d in sizes if d is not None), None))
        return tuple(output)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)) or len(mask) != len(inputs):
            raise ValueError(f"Concatenate layer {self.name!r} expects one mask (or None) per "
                             f"input. Received: mask={mask!r}")
        if all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask):
            rank = K.ndim(x)
            if m is None:
                m = K.ones_like(x[(slice(None),) * (rank - 1) + (slice(0, 1),)], dtype="bool")
            elif K.ndim(m) < rank:
                m = K.expand_dims(K.cast(m, "bool"), -1)
            else:
                m = K.all(K.cast(m, "bool"), axis=-1, keepdims=True)
            masks.append(m)
        return K.all(K.concatenate(masks, axis=self.axis), axis=-1, keepdims=False)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dot(Layer):
    """Per-sample dot product of two tensors along ``axes`` (``K.batch_dot`` semantics).

    Args:
        axes: an int (the same axis of both inputs) or a pair of ints, one per
            input; axis 0 is the batch axis and cannot be used.
        normalize: L2-normalize both inputs along ``axes`` first, which makes
            the result the cosine similarity.
        **kwargs: the Layer arguments.

    Example:
        >>> a, b = Input(shape=(8,)), Input(shape=(8,))
        >>> Dot(axes=1)([a, b])._keras_shape
        (None, 1)
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, (list, tuple)):
            if len(axes) != 2 or not all(isinstance(a, int) for a in axes):
                raise ValueError(f"Dot layer {self.name!r} expects `axes` to be an int or a pair "
                                 f"of ints. Received: axes={axes!r}")
            axes = tuple(axes)
        elif not isinstance(axes, int):
            raise TypeError(f"Dot layer {self.name!r} expects `axes` to be an int or a pair of "
                            f"ints. Received: axes={axes!r}")
        self.axes = axes
        self.normalize = bool(normalize)
        self.supports_masking = True

    def _resolve_axes(self, shape1, shape2):
        axes = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        resolved = []
        for axis, shape in zip(axes, (shape1, shape2)):
            if not -len(shape) <= axis < len(shape) or axis % len(shape) == 0:
                raise ValueError(f"Dot layer {self.name!r}: axes={self.axes} must name non-batch "
                                 f"axes of inputs of shapes {shape1} and {shape2}.")
            resolved.append(axis % len(shape))
        return resolved

    def _check(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) != 2:
            raise ValueError(f"A Dot layer ({self.name!r}) should be called on a list of exactly "
                             f"2 inputs. Received: input_shape={input_shape}")
        shape1, shape2 = input_shape
        axes = self._resolve_axes(shape1, shape2)
        size1, size2 = shape1[axes[0]], shape2[axes[1]]
        if size1 is not None and size2 is not None and size1 != size2:
            raise ValueError(f"Dot layer {self.name!r}: dimension incompatibility {size1} != "
                             f"{size2} along axes {tuple(axes)}. Received input shapes: "
                             f"{shape1}, {shape2}")
        return axes

    def build(self, input_shape):
        self._check(input_shape)
        self.built = True

    def call(self, inputs):
        x1, x2 = inputs
        axes = self._resolve_axes(K.int_shape(x1), K.int_shape(x2))
        if self.normalize:
            x1 = K.l2_normalize(x1, axis=axes[0])
            x2 = K.l2_normalize(x2, axis=axes[1])
        return K.batch_dot(x1, x2, axes)

    def compute_output_shape(self, input_shape):
        axes = self._check(input_shape)
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        shape1.pop(axes[0])
        shape2.pop(axes[1])
        shape2.pop(0)
        output = shape1 + shape2
        if len(output) == 1:
            output.append(1)
        return tuple(output)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        axes = list(self.axes) if isinstance(self.axes, tuple) else self.axes
        return {**super().get_config(), "axes": axes, "normalize": self.normalize}


# --- functional forms --------------------------------------------------------------------

def add(inputs, **kwargs):
    """``Add(**kwargs)(inputs)``: the elementwise sum of a list of tensors.

    Example:
        >>> total = add([Input(shape=(4,)), Input(shape=(4,))])
    """
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """``Subtract(**kwargs)(inputs)``: ``inputs[0] - inputs[1]``.

    Example:
        >>> difference = subtract([Input(shape=(4,)), Input(shape=(4,))])
    """
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """``Multiply(**kwargs)(inputs)``: the elementwise product of a list of tensors.

    Example:
        >>> product = multiply([Input(shape=(4,)), Input(shape=(4,))])
    """
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """``Average(**kwargs)(inputs)``: the elementwise mean of a list of tensors.

    Example:
        >>> mean = average([Input(shape=(4,)), Input(shape=(4,))])
    """
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """``Maximum(**kwargs)(inputs)``: the elementwise maximum of a list of tensors.

    Example:
        >>> top = maximum([Input(shape=(4,)), Input(shape=(4,))])
    """
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """``Minimum(**kwargs)(inputs)``: the elementwise minimum of a list of tensors.

    Example:
        >>> low = minimum([Input(shape=(4,)), Input(shape=(4,))])
    """
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """``Concatenate(axis, **kwargs)(inputs)``: join a list of tensors along ``axis``.

    Example:
        >>> joined = concatenate([Input(shape=(4,)), Input(shape=(2,))])
    """
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    """``Dot(axes, normalize, **kwargs)(inputs)``: per-sample dot product of two tensors.

    Example:
        >>> similarity = dot([Input(shape=(4,)), Input(shape=(4,))], axes=1, normalize=True)
    """
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
