"""Locally connected layers: LocallyConnected1D, LocallyConnected2D.

They work like ``Conv1D`` / ``Conv2D`` with ``'valid'`` padding, except that
the weights are not shared: every output position has its own filters. The
weights use Keras 2's layout (its ``implementation=1``), so files move
between backends and Keras 2:

* ``LocallyConnected1D``: ``kernel`` ``(output_length, kernel_size *
  channels, filters)``, ``bias`` ``(output_length, filters)``;
* ``LocallyConnected2D``: ``kernel`` ``(output_rows * output_cols, kh * kw *
  channels, filters)``, ``bias`` ``(output_rows, output_cols, filters)``.

A kernel row holds one window's values flattened in the input's layout
(steps/rows/cols first, channels last for channels_last; channels first for
channels_first), as ``K.local_conv1d`` / ``K.local_conv2d`` read them; the
bias is added with ``K.bias_add``. The input's spatial size must be known
when the layer is built, since it fixes the number of kernels.
"""
from polykeras import activations, constraints, initializers, regularizers
from polykeras import backend as K
from polykeras.engine.base_layer import InputSpec, Layer
from polykeras.layers.conv_base import conv1d_input_dim, kernel_dims
from polykeras.utils.conv_utils import (
    keras1_arguments,
    normalize_padding,
    normalize_tuple,
    spatial_output_shape,
)

__all__ = ["LocallyConnected1D", "LocallyConnected2D"]

_KERAS1_ARGS = {
    "nb_filter": "filters",
    "border_mode": "padding",
    "dim_ordering": "data_format",
    "init": "kernel_initializer",
    "W_regularizer": "kernel_regularizer",
    "b_regularizer": "bias_regularizer",
    "W_constraint": "kernel_constraint",
    "b_constraint": "bias_constraint",
    "bias": "use_bias",
}


class _LocallyConnected(Layer):
    """Base of the locally connected layers (``rank`` spatial axes).

    Args:
        rank: 1 or 2.
        filters: number of output channels.
        kernel_size, strides: int or tuple of ``rank`` ints.
        padding: only ``'valid'``.
        data_format: ``'channels_last'`` or ``'channels_first'`` (``None``:
            ``K.image_data_format()``).
        activation, use_bias, kernel_initializer, bias_initializer,
        kernel_regularizer, bias_regularizer, activity_regularizer,
        kernel_constraint, bias_constraint: as for ``Conv2D``.
        implementation: only 1 (Keras 2's default weight layout).
        **kwargs: base layer arguments.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 implementation=1, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        try:
            if isinstance(filters, bool) or not isinstance(filters, int) or filters < 1:
                raise ValueError(f"`filters` must be a positive int. Received: filters={filters!r}")
            if implementation != 1:
                raise ValueError(
                    "only `implementation=1` (Keras 2's default weight layout) is supported. "
                    f"Received: implementation={implementation!r}")
            self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
            self.strides = normalize_tuple(strides, rank, "strides")
            self.padding = normalize_padding(padding, ("valid",))
            self.data_format = K.normalize_data_format(data_format)
        except ValueError as error:
            raise ValueError(f"{type(self).__name__} layer {self.name!r}: {error}") from None
        self.filters = filters
        self.implementation = implementation
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)
        self.kernel = None
        self.bias = None
        self.output_lengths = None

    def _channel_axis(self):
        return 1 if self.data_format == "channels_first" else -1

    def _spatial_axes(self):
        start = 2 if self.data_format == "channels_first" else 1
        return list(range(start, start + self.rank))

    def _output_lengths(self, input_shape):
        return spatial_output_shape(self, input_shape, self._spatial_axes(), self.kernel_size,
                                    self.strides, (1,) * self.rank)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"Layer {self.name!r} ({type(self).__name__}) expects inputs of "
                             f"rank {self.rank + 2}. Received: input_shape={input_shape}")
        axes = [self._channel_axis()] + self._spatial_axes()
        if any(input_shape[axis] is None for axis in axes):
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) needs inputs whose channels and "
                f"spatial sizes are known (every output position has its own kernel), "
                f"data_format={self.data_format!r}. Received: input_shape={input_shape}")
        input_dim = input_shape[self._channel_axis()]
        self.output_lengths = tuple(self._output_lengths(input_shape))
        positions = 1
        window = 1
        for length, size in zip(self.output_lengths, self.kernel_size):
            positions *= length
            window *= size
        self.kernel = self.add_weight(name="kernel",
                                      shape=(positions, window * input_dim, self.filters),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=self.output_lengths + (self.filters,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={
            axis: input_shape[axis] for axis in axes})
        super().build(input_shape)

    def call(self, inputs):
        if self.rank == 2:
            outputs = K.local_conv2d(inputs, self.kernel, self.kernel_size, self.strides,
                                     self.output_lengths, data_format=self.data_format)
        elif self.data_format == "channels_last":
            outputs = K.local_conv1d(inputs, self.kernel, self.kernel_size, self.strides)
        else:
            # Steps as rows of a one-column image: the same window layout, channels first.
            outputs = K.local_conv2d(K.expand_dims(inputs, 3), self.kernel,
                                     self.kernel_size + (1,), self.strides + (1,),
                                     self.output_lengths + (1,), data_format="channels_first")
            outputs = K.squeeze(outputs, 3)
        if self.use_bias:
            outputs = K.bias_add(outputs, self.bias, data_format=self.data_format)
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        lengths = tuple(self._output_lengths(input_shape))
        if self.data_format == "channels_first":
            return (input_shape[0], self.filters) + lengths
        return (input_shape[0],) + lengths + (self.filters,)

    def get_config(self):
        config = {
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "implementation": self.implementation,
        }
        return {**super().get_config(), **config}


class LocallyConnected1D(_LocallyConnected):
    """1D convolution with unshared weights: each output step has its own filters.

    Input ``(batch, steps, channels)`` (``(batch, channels, steps)`` for
    channels_first) with known ``steps``; output ``(batch, new_steps,
    filters)``. Weights: ``kernel`` ``(new_steps, kernel_size * channels,
    filters)``, ``bias`` ``(new_steps, filters)``.

    Args:
        filters: number of output channels.
        kernel_size: int (or tuple of one int), the window length.
        strides: int stride.
        padding: only ``'valid'``.
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``
            means ``K.image_data_format()``.
        activation, use_bias, kernel_initializer, bias_initializer,
        kernel_regularizer, bias_regularizer, activity_regularizer,
        kernel_constraint, bias_constraint: as for ``Conv1D``.
        implementation: only 1, Keras 2's default weight layout.
        **kwargs: base layer arguments; Keras 1 names (``nb_filter``,
            ``filter_length``, ``subsample_length``, ``input_dim``...) are
            accepted with a ``DeprecationWarning``.

    Example:
        >>> LocallyConnected1D(4, 3)(Input(shape=(10, 2)))._keras_shape
        (None, 8, 4)
    """

    @keras1_arguments({**_KERAS1_ARGS, "filter_length": "kernel_size",
                       "subsample_length": "strides"}, convert=conv1d_input_dim)
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 implementation=1, **kwargs):
        super().__init__(1, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         implementation=implementation, **kwargs)


class LocallyConnected2D(_LocallyConnected):
    """2D convolution with unshared weights: each output pixel has its own filters.

    Input ``(batch, rows, cols, channels)`` (``(batch, channels, rows, cols)``
    for channels_first) with known rows and cols. Weights: ``kernel``
    ``(new_rows * new_cols, kh * kw * channels, filters)``, ``bias``
    ``(new_rows, new_cols, filters)``.

    Args:
        filters: number of output channels.
        kernel_size, strides: int or pair of ints.
        padding: only ``'valid'``.
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``
            means ``K.image_data_format()``.
        activation, use_bias, kernel_initializer, bias_initializer,
        kernel_regularizer, bias_regularizer, activity_regularizer,
        kernel_constraint, bias_constraint: as for ``Conv2D``.
        implementation: only 1, Keras 2's default weight layout.
        **kwargs: base layer arguments; Keras 1's ``LocallyConnected2D(nb_filter,
            nb_row, nb_col, subsample=..., ...)`` is accepted with a
            ``DeprecationWarning``.

    Example:
        >>> layer = LocallyConnected2D(64, 3, data_format='channels_first')
        >>> layer(Input(shape=(3, 32, 32)))._keras_shape
        (None, 64, 30, 30)
    """

    @keras1_arguments({**_KERAS1_ARGS, "subsample": "strides"},
                      convert=kernel_dims(("nb_row", "nb_col")))
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 implementation=1, **kwargs):
        super().__init__(2, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         implementation=implementation, **kwargs)
