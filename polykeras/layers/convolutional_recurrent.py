"""Convolutional recurrent layers: ConvLSTM2D and its cell.

:class:`ConvLSTM2DCell` is an LSTM whose input and recurrent products are
2D convolutions (Shi et al., 2015); :class:`ConvLSTM2D` runs it over
``(batch, time, rows, cols, channels)`` (or ``(batch, time, channels, rows,
cols)`` with ``data_format="channels_first"``) through the generic
:class:`~polykeras.layers.RNN`, so masking, ``go_backwards``, ``stateful``,
``initial_state`` and dropout work as for LSTM. The input convolution of all
timesteps runs once before the loop (the cell ``hoists_projection``); only
the recurrent convolution runs inside it.
Kernels have the Keras 2 layout ``kernel_size + (channels, 4 * filters)``,
gates in the order i, f, c, o.
"""
import numpy as np

from polykeras import activations
from polykeras import backend as K
from polykeras.engine.base_layer import InputSpec
from polykeras.layers.recurrent import RECURRENT_LEGACY_ARGS, _CellLayer
from polykeras.layers.recurrent_cells import RecurrentCell, _apply_masks, _as_array
from polykeras.utils.conv_utils import (normalize_padding, normalize_tuple,
                                        spatial_output_shape)
from polykeras.utils.legacy import legacy_arguments

__all__ = ["ConvLSTM2DCell", "ConvLSTM2D"]


def _split(tensor, size, count, axis):
    """``count`` blocks of ``size`` channels along ``axis`` (1 or -1)."""
    if axis == 1:
        return [tensor[:, k * size:(k + 1) * size] for k in range(count)]
    return [tensor[..., k * size:(k + 1) * size] for k in range(count)]


def _kernel_gates(kernel, filters):
    """The 4 gate kernels of ``kernel``, reshaped to their static shape (backends whose
    convolutions need a static kernel shape lose it through a slice)."""
    shape = K.int_shape(kernel)[:-1] + (filters,)
    return [K.reshape(k, shape) for k in _split(kernel, filters, 4, -1)]


def _dims(x, start):
    """The dimensions of ``x`` from ``start`` on: static where known, symbolic otherwise."""
    shape = K.int_shape(x)
    return tuple(d if d is not None else K.shape(x)[start + i]
                 for i, d in enumerate(shape[start:]))


class ConvLSTM2DCell(RecurrentCell):
    """One timestep of a convolutional LSTM.

    Args:
        filters: channels of the output and of each state.
        kernel_size: int or pair, the input convolution's window (the
            recurrent convolution uses the same window, stride 1, ``same``
            padding).
        strides, padding, dilation_rate: of the input convolution.
        data_format: ``"channels_last"`` (default from the config) or
            ``"channels_first"``.
        activation, recurrent_activation, use_bias, kernel_initializer,
        recurrent_initializer, bias_initializer, unit_forget_bias,
        kernel_regularizer, recurrent_regularizer, bias_regularizer,
        kernel_constraint, recurrent_constraint, bias_constraint, dropout,
        recurrent_dropout: as for :class:`~polykeras.layers.LSTMCell` (one
            dropout mask per gate).
        **kwargs: the Layer arguments.

    Example:
        >>> cell = ConvLSTM2DCell(4, (3, 3), padding="same")
    """

    gate_count = 4

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0., recurrent_dropout=0., **kwargs):
        super().__init__(filters, dropout=dropout, recurrent_dropout=recurrent_dropout,
                         **kwargs)
        where = f"{type(self).__name__} {self.name!r}"
        self.filters = self.units
        self.kernel_size = normalize_tuple(kernel_size, 2, "kernel_size")
        self.strides = normalize_tuple(strides, 2, "strides")
        self.padding = normalize_padding(padding)
        self.data_format = K.normalize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, 2, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{where}: strides > 1 cannot be combined with dilation_rate > 1. "
                             f"Received: strides={self.strides}, "
                             f"dilation_rate={self.dilation_rate}")
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.unit_forget_bias = bool(unit_forget_bias)
        self._set_weight_args(kernel_initializer, recurrent_initializer, bias_initializer,
                              kernel_regularizer, recurrent_regularizer, bias_regularizer,
                              kernel_constraint, recurrent_constraint, bias_constraint)
        self.state_size = (self.filters, self.filters)
        self._channel_axis = 1 if self.data_format == "channels_first" else -1

    def build(self, input_shape):
        channels = input_shape[1 if self.data_format == "channels_first" else -1]
        if channels is None:
            raise ValueError(f"{type(self).__name__} {self.name!r} needs the channel axis of "
                             f"its input to be known. Received: input_shape={input_shape}")
        width = 4 * self.filters
        self.kernel_shape = self.kernel_size + (channels, width)
        self.kernel = self.add_weight("kernel", self.kernel_shape,
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", self.kernel_size + (self.filters, width),
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        initializer = None
        if self.unit_forget_bias:
            filters = self.filters

            def initializer(_, dtype=None):
                return np.concatenate([
                    _as_array(self.bias_initializer((filters,), dtype=dtype)),
                    np.ones((filters,), dtype=dtype or K.floatx()),
                    _as_array(self.bias_initializer((2 * filters,), dtype=dtype))])
        self._add_bias((width,), initializer)
        self.built = True

    def input_conv(self, x, kernel):
        """The input convolution (strides, padding, dilation of the cell)."""
        return K.conv2d(x, kernel, strides=self.strides, padding=self.padding,
                        data_format=self.data_format, dilation_rate=self.dilation_rate)

    def recurrent_conv(self, h, kernel):
        """The recurrent convolution: stride 1, ``same`` padding."""
        return K.conv2d(h, kernel, strides=(1, 1), padding="same", data_format=self.data_format)

    def project_inputs(self, inputs):
        """Input convolutions and bias, for one step ``(batch, ...)`` or a whole sequence
        ``(batch, time, ...)`` (convolved as ``(batch * time, ...)``)."""
        sequence = K.ndim(inputs) == 5
        masks = self._dropout_mask
        parts = _apply_masks(inputs, masks, sequence) if masks else [inputs]
        if sequence:
            step_dims = _dims(inputs, 2)
            parts = [K.reshape(x, (-1,) + step_dims) for x in parts]
        if len(parts) == 1:
            projected = self.input_conv(parts[0], self.kernel)
        else:
            kernels = _kernel_gates(self.kernel, self.filters)
            projected = K.concatenate([self.input_conv(x, w) for x, w in zip(parts, kernels)],
                                      axis=self._channel_axis)
        if self.use_bias:
            projected = K.bias_add(projected, self.bias, data_format=self.data_format)
        if sequence:
            projected = K.reshape(projected, (-1, _dims(inputs, 1)[0]) + _dims(projected, 1))
        return projected

    def step(self, projected, states):
        h_tm1, c_tm1 = states[0], states[1]
        masks = self._recurrent_dropout_mask
        if masks:
            kernels = _kernel_gates(self.recurrent_kernel, self.filters)
            recurrent = K.concatenate([self.recurrent_conv(h_tm1 * m, w)
                                       for m, w in zip(masks, kernels)], axis=self._channel_axis)
        else:
            recurrent = self.recurrent_conv(h_tm1, self.recurrent_kernel)
        z_i, z_f, z_c, z_o = _split(projected + recurrent, self.filters, 4, self._channel_axis)
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        c = f * c_tm1 + i * self.activation(z_c)
        o = self.recurrent_activation(z_o)
        h = o * self.activation(c)
        return self._mark(h), [h, c]

    def get_config(self):
        config = {
            "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias, **self._weights_config(),
            "unit_forget_bias": self.unit_forget_bias,
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout}
        return {**super().get_config(), **config}


class ConvLSTM2D(_CellLayer):
    """Convolutional LSTM over a sequence of images: ``RNN(ConvLSTM2DCell(...))`` for 5D inputs.

    Input ``(batch, time, rows, cols, channels)`` (``channels_last``) or
    ``(batch, time, channels, rows, cols)`` (``channels_first``); output
    ``(batch, [time,] new_rows, new_cols, filters)`` (or channels first), the
    sizes those of the input convolution.

    Args:
        filters, kernel_size, strides, padding, data_format, dilation_rate,
        activation, recurrent_activation, use_bias, kernel_initializer,
        recurrent_initializer, bias_initializer, unit_forget_bias,
        kernel_regularizer, recurrent_regularizer, bias_regularizer,
        kernel_constraint, recurrent_constraint, bias_constraint, dropout,
        recurrent_dropout: as for :class:`ConvLSTM2DCell`, readable as
            attributes of the layer.
        activity_regularizer: regularizer of the layer's output.
        return_sequences, return_state, go_backwards, stateful: as for
            :class:`~polykeras.layers.RNN` (``unroll`` is not supported).
        **kwargs: the Layer arguments.

    Raises:
        ValueError: ``unroll=True``, a bad ``data_format`` / ``padding``, an
            input that is not 5D, or a ``valid`` window larger than the input.

    Example:
        >>> y = ConvLSTM2D(8, (3, 3), padding="same")(Input(shape=(None, 16, 16, 3)))
        >>> y._keras_shape
        (None, 16, 16, 8)
    """

    cell_class = ConvLSTM2DCell
    cell_args = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
                 "activation", "recurrent_activation", "use_bias", "kernel_initializer",
                 "recurrent_initializer", "bias_initializer", "unit_forget_bias",
                 "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                 "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
                 "recurrent_dropout")

    @legacy_arguments(RECURRENT_LEGACY_ARGS, where="ConvLSTM2D")
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, dropout=0.,
                 recurrent_dropout=0., unroll=False, **kwargs):
        if unroll:
            raise ValueError("ConvLSTM2D cannot unroll its loop (unrolling is not possible "
                             "with convolutional RNNs). Received: unroll=True")
        cell_kwargs = dict(
            filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout)
        rnn_kwargs = dict(return_sequences=return_sequences, return_state=return_state,
                          go_backwards=go_backwards, stateful=stateful)
        super().__init__(cell_kwargs, activity_regularizer, rnn_kwargs, kwargs)
        self.input_spec = [InputSpec(ndim=5)]

    def _spatial_axes(self):
        return (3, 4) if self.cell.data_format == "channels_first" else (2, 3)

    def _state_shape(self, input_shape):
        """``(batch, rows, cols, filters)`` (or channels first) for a 5D ``input_shape``."""
        cell = self.cell
        rows, cols = spatial_output_shape(self, input_shape, self._spatial_axes(),
                                          cell.kernel_size, cell.strides, cell.dilation_rate)
        if cell.data_format == "channels_first":
            return (input_shape[0], cell.filters, rows, cols)
        return (input_shape[0], rows, cols, cell.filters)

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        state_shape = self._state_shape(tuple(input_shape))
        if self.return_sequences:
            output_shape = state_shape[:1] + (input_shape[1],) + state_shape[1:]
        else:
            output_shape = state_shape
        if self.return_state:
            return [output_shape, state_shape, state_shape]
        return output_shape

    def build(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        input_shape = tuple(input_shape)
        self._state_shape(input_shape)  # a window too large for the input fails here
        batch_size = input_shape[0] if self.stateful else None
        self.input_spec[0] = InputSpec(shape=(batch_size, None) + input_shape[2:])
        if not self.cell.built:
            self.cell.build((input_shape[0],) + input_shape[2:])
        channel_axis = self.cell._channel_axis
        if self.state_spec is not None:
            received = [spec.shape[channel_axis] for spec in self.state_spec]
            if received != [self.cell.filters] * 2:
                raise ValueError(
                    f"Layer {self.name!r}: an `initial_state` was passed whose channel sizes "
                    f"{received} do not match filters={self.cell.filters}.")
        else:
            self.state_spec = [InputSpec(ndim=4), InputSpec(ndim=4)]
        if self.stateful:
            self.reset_states()
        self.built = True

    def get_initial_state(self, inputs):
        """All-zero states shaped like the input convolution's output."""
        zeros = K.zeros_like(inputs[:, 0])
        shape = self.cell.kernel_shape[:-1] + (self.cell.filters,)
        zero_kernel = K.constant(np.zeros(shape), dtype=K.dtype(self.cell.kernel))
        state = self.cell.input_conv(zeros, zero_kernel)
        return [state, state]

    def _state_shapes(self, batch_size):
        shape = self._state_shape(self.input_spec[0].shape)
        return [(batch_size,) + shape[1:]] * 2
