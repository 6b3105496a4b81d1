"""The built-in recurrent cells: SimpleRNNCell, GRUCell, LSTMCell and StackedRNNCells.

A cell computes one timestep: ``call(inputs, states, training=None) ->
(output, new_states)``. The built-in cells split that step in two:

* :meth:`RecurrentCell.project_inputs` is the input half (``x . kernel +
  bias``, input dropout included). It works on one step ``(batch, input_dim)``
  or on a whole sequence ``(batch, time, input_dim)``.
* :meth:`RecurrentCell.step` is the recurrent half, run inside the loop on a
  projected step.

A cell whose ``hoists_projection`` is true has its input half computed by the
:class:`~polykeras.layers.RNN` for all timesteps with one product before the
loop (what Keras 1 called ``preprocess_input``): the convolutional cells do.
The dense cells here project inside the loop, as Keras 2 does: measured on
``LSTM(128)`` over 100 steps (batch 64), hoisting made a TensorFlow training
step 13% slower (the gradient of the whole projected sequence is materialized,
transposed and reduced, where per-step products accumulate small gradients)
and a NumPy one no faster.

Dropout masks are drawn once per batch by :meth:`RecurrentCell.prepare_sequence`
(the RNN calls it before the loop) and shared by all timesteps, as in Keras 2.
Weights have the Keras 2 layouts, so they move to and from Keras 2 HDF5 files
unchanged.

:class:`StackedRNNCells` makes one cell of several (any cells, built-in or
not): it passes the preparation, the step and the first cell's projection on
to its cells. It is importable from :mod:`polykeras.layers.recurrent` too,
where Keras 2 had it.
"""
import inspect

import numpy as np

from polykeras import activations, constraints, initializers, regularizers
from polykeras import backend as K
from polykeras.engine.base_layer import Layer, to_list
from polykeras.layers.core import positive_int

__all__ = ["SimpleRNNCell", "GRUCell", "LSTMCell", "StackedRNNCells"]

#: Built-in activations that act on each element alone: a cell applies one of them to
#: all its gates in one operation (fewer operations per step, the same values).
_ELEMENTWISE_ACTIVATIONS = (
    activations.elu, activations.exponential, activations.hard_sigmoid, activations.linear,
    activations.relu, activations.selu, activations.sigmoid, activations.softplus,
    activations.softsign, activations.tanh)


def generate_dropout_masks(ones, rate, training=None, count=1):
    """``count`` dropout masks shaped like ``ones``: dropped in training, all ones otherwise.

    Args:
        ones: a tensor of ones of the mask's shape.
        rate: fraction dropped.
        training: ``None`` (the learning phase), a bool or a scalar tensor.
        count: how many independent masks.

    Returns:
        a list of ``count`` tensors.
    """
    def dropped_inputs():
        return K.dropout(ones, rate)
    return [K.in_train_phase(dropped_inputs, ones, training=training) for _ in range(count)]


def _as_array(value):
    return K.eval(value) if K.is_tensor(value) else np.asarray(value)


def _gates(tensor, units, count):
    """Split the last axis of ``tensor`` into ``count`` blocks of ``units``."""
    return [_block(tensor, units, k) for k in range(count)]


def _block(tensor, units, index):
    """Block ``index`` of ``units`` along the last axis of ``tensor``."""
    return tensor[..., index * units:(index + 1) * units]


def _apply_masks(x, masks, sequence):
    """``x`` times each mask (masks ``(batch, dim)`` broadcast over time for a sequence)."""
    if sequence:
        masks = [K.expand_dims(m, 1) for m in masks]
    return [x * m for m in masks]


def _has_arg(fn, name):
    """Whether ``fn`` (a cell's or layer's ``call``) takes an argument ``name``."""
    return name in inspect.signature(fn).parameters


def _state_sizes(cell):
    """A cell's ``state_size`` as a list, one int per state."""
    size = cell.state_size
    return list(size) if hasattr(size, "__len__") else [size]


def _output_size(cell):
    """A cell's ``output_size``, by default the size of its first state."""
    return getattr(cell, "output_size", None) or _state_sizes(cell)[0]


class RecurrentCell(Layer):
    """Base of the built-in cells: dropout masks and the input/recurrent split of a step.

    Subclasses set ``gate_count`` (blocks of ``units`` in the kernel) and
    ``hoists_projection`` (whether the RNN computes :meth:`project_inputs` for
    the whole sequence before the loop, rather than one step inside it), and
    implement :meth:`build`, :meth:`project_inputs` and :meth:`step`.

    Args:
        units: size of the output and of each state.
        dropout: fraction of the inputs dropped (drawn once per batch).
        recurrent_dropout: fraction of the recurrent state dropped.
        **kwargs: the Layer arguments.
    """

    gate_count = 1
    hoists_projection = True

    def __init__(self, units, dropout=0., recurrent_dropout=0., **kwargs):
        super().__init__(**kwargs)
        self.units = positive_int(units, "units", f"{type(self).__name__} {self.name!r}")
        self.dropout = min(1., max(0., float(dropout)))
        self.recurrent_dropout = min(1., max(0., float(recurrent_dropout)))
        self.output_size = self.units
        self._dropout_mask = None
        self._recurrent_dropout_mask = None
        self._prepared = False
        self._learning_phase_dependent = False

    def _check_input_dim(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"{type(self).__name__} {self.name!r} needs the feature axis of its "
                             f"input to be known. Received: input_shape={input_shape}")
        return input_dim

    def _mask_count(self):
        return self.gate_count if getattr(self, "implementation", 1) == 1 else 1

    # --- the per-batch preparation ------------------------------------------------------

    def prepare_sequence(self, step_inputs, states, training=None):
        """Draw this batch's dropout masks; the RNN calls this once before the loop.

        Args:
            step_inputs: one timestep of the input ``(batch, input_dim)``.
            states: the initial states.
            training: ``None`` (learning phase), a bool or a scalar tensor.
        """
        count = self._mask_count()
        self._dropout_mask = generate_dropout_masks(
            K.ones_like(step_inputs), self.dropout, training, count) \
            if 0. < self.dropout < 1. else None
        self._recurrent_dropout_mask = generate_dropout_masks(
            K.ones_like(states[0]), self.recurrent_dropout, training, count) \
            if 0. < self.recurrent_dropout < 1. else None
        self._learning_phase_dependent = training is None and \
            0. < self.dropout + self.recurrent_dropout
        self._prepared = True

    def finish_sequence(self):
        """Forget the masks, so the next batch (or graph) draws new ones."""
        self._dropout_mask = None
        self._recurrent_dropout_mask = None
        self._prepared = False

    # --- the step -----------------------------------------------------------------------

    def project_inputs(self, inputs):
        """The input half of a step, for one step or a whole sequence.

        Args:
            inputs: ``(batch, input_dim)`` or ``(batch, time, input_dim)``.

        Returns:
            ``(..., gate_count * units)``: input dropout, ``kernel`` and input bias applied.
        """
        sequence = K.ndim(inputs) == 3
        masks = self._dropout_mask
        if not masks:
            projected = K.dot(inputs, self.kernel)
        elif len(masks) == 1:
            projected = K.dot(_apply_masks(inputs, masks, sequence)[0], self.kernel)
        else:
            parts = _apply_masks(inputs, masks, sequence)
            projected = K.concatenate([K.dot(x, w) for x, w in zip(
                parts, _gates(self.kernel, self.units, self.gate_count))], axis=-1)
        bias = self._input_bias()
        return projected if bias is None else K.bias_add(projected, bias)

    def _input_bias(self):
        return self.bias

    def _recurrent_parts(self, h_tm1, kernel):
        """``h_tm1 . kernel`` (blocks of ``units``), with recurrent dropout per block."""
        masks = self._recurrent_dropout_mask
        blocks = K.int_shape(kernel)[-1] // self.units
        if not masks or len(masks) == 1:
            h = h_tm1 * masks[0] if masks else h_tm1
            return K.dot(h, kernel)
        return K.concatenate([K.dot(h_tm1 * m, w) for m, w in zip(
            masks, _gates(kernel, self.units, blocks))], axis=-1)

    def step(self, projected, states):
        """The recurrent half of a step: ``(output, new_states)`` from a projected input."""
        raise NotImplementedError

    def _activated_gates(self, z, indices):
        """``recurrent_activation`` of the blocks ``indices`` (of ``units``) of ``z``.

        An elementwise activation runs once over all of ``z`` (blocks not asked
        for included), any other once per block asked for.
        """
        if any(self.recurrent_activation is fn for fn in _ELEMENTWISE_ACTIVATIONS):
            z = self.recurrent_activation(z)
            return [_block(z, self.units, k) for k in indices]
        return [self.recurrent_activation(_block(z, self.units, k)) for k in indices]

    def call(self, inputs, states, training=None):
        fresh = not self._prepared
        if fresh:
            self.prepare_sequence(inputs, states, training)
        try:
            output, new_states = self.step(self.project_inputs(inputs), states)
        finally:
            if fresh:
                self.finish_sequence()
        return output, new_states

    def _mark(self, output):
        if self._learning_phase_dependent:
            output._uses_learning_phase = True
        return output

    def _weights_config(self):
        return {
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }

    def _set_weight_args(self, kernel_initializer, recurrent_initializer, bias_initializer,
                         kernel_regularizer, recurrent_regularizer, bias_regularizer,
                         kernel_constraint, recurrent_constraint, bias_constraint):
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _add_kernels(self, input_dim):
        width = self.gate_count * self.units
        self.kernel = self.add_weight("kernel", (input_dim, width),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, width),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)

    def _add_bias(self, shape, initializer=None):
        if not self.use_bias:
            self.bias = None
            return
        self.bias = self.add_weight("bias", shape, initializer=initializer or
                                    self.bias_initializer, regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint)


class SimpleRNNCell(RecurrentCell):
    """One timestep of a fully-connected RNN: ``h = activation(x . W + h_tm1 . U + b)``.

    Weights (Keras 2 layout): ``kernel`` ``(input_dim, units)``,
    ``recurrent_kernel`` ``(units, units)``, ``bias`` ``(units,)``.

    Args:
        units: size of the output and of the state.
        activation: default ``tanh``.
        use_bias: whether there is a bias.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: regularizers.
        kernel_constraint, recurrent_constraint, bias_constraint: constraints.
        dropout, recurrent_dropout: fractions of the inputs / of the state dropped.
        **kwargs: the Layer arguments.

    Example:
        >>> y = RNN(SimpleRNNCell(8))(Input(shape=(None, 4)))
    """

    gate_count = 1
    hoists_projection = False

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0., recurrent_dropout=0., **kwargs):
        super().__init__(units, dropout=dropout, recurrent_dropout=recurrent_dropout, **kwargs)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self._set_weight_args(kernel_initializer, recurrent_initializer, bias_initializer,
                              kernel_regularizer, recurrent_regularizer, bias_regularizer,
                              kernel_constraint, recurrent_constraint, bias_constraint)
        self.state_size = self.units

    def build(self, input_shape):
        self._add_kernels(self._check_input_dim(input_shape))
        self._add_bias((self.units,))
        self.built = True

    def step(self, projected, states):
        h = self.activation(projected + self._recurrent_parts(states[0], self.recurrent_kernel))
        return self._mark(h), [h]

    def get_config(self):
        config = {"units": self.units, "activation": activations.serialize(self.activation),
                  "use_bias": self.use_bias, **self._weights_config(),
                  "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout}
        return {**super().get_config(), **config}


class GRUCell(RecurrentCell):
    """One timestep of a Gated Recurrent Unit (Cho et al., 2014).

    Gates in Keras 2 order: update (z), reset (r), candidate (h). Weights:
    ``kernel`` ``(input_dim, 3 * units)``, ``recurrent_kernel`` ``(units, 3 *
    units)``; ``bias`` ``(3 * units,)``, or with ``reset_after=True`` ``(2, 3 *
    units)``: row 0 the input bias, row 1 the recurrent bias (the layout Keras
    2 uses to stay compatible with CuDNNGRU).

    Args:
        units: size of the output and of the state.
        activation: of the candidate (default ``tanh``).
        recurrent_activation: of the gates (default ``hard_sigmoid``).
        use_bias: whether there are biases.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: regularizers.
        kernel_constraint, recurrent_constraint, bias_constraint: constraints.
        dropout, recurrent_dropout: fractions of the inputs / of the state dropped.
        implementation: 1 (a dropout mask per gate) or 2 (one mask for all gates).
        reset_after: apply the reset gate after the recurrent product
            (``r * (h . U_h + b_h)``) rather than before (``(r * h) . U_h``).
        **kwargs: the Layer arguments.

    Example:
        >>> y = RNN(GRUCell(8, reset_after=True))(Input(shape=(None, 4)))
    """

    gate_count = 3
    hoists_projection = False

    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0., recurrent_dropout=0., implementation=1, reset_after=False,
                 **kwargs):
        super().__init__(units, dropout=dropout, recurrent_dropout=recurrent_dropout, **kwargs)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self._set_weight_args(kernel_initializer, recurrent_initializer, bias_initializer,
                              kernel_regularizer, recurrent_regularizer, bias_regularizer,
                              kernel_constraint, recurrent_constraint, bias_constraint)
        self.implementation = _check_implementation(implementation, type(self).__name__)
        self.reset_after = bool(reset_after)
        self.state_size = self.units

    def build(self, input_shape):
        self._add_kernels(self._check_input_dim(input_shape))
        width = 3 * self.units
        self._add_bias((2, width) if self.reset_after else (width,))
        self.built = True

    def _input_bias(self):
        if self.bias is None or not self.reset_after:
            return self.bias
        return self.bias[0]

    def prepare_sequence(self, step_inputs, states, training=None):
        super().prepare_sequence(step_inputs, states, training)
        units = self.units
        self._recurrent_zr = self.recurrent_kernel[:, :2 * units]
        self._recurrent_h = self.recurrent_kernel[:, 2 * units:]
        self._recurrent_bias = self.bias[1] if self.reset_after and self.use_bias else None

    def step(self, projected, states):
        h_tm1, units = states[0], self.units
        x_zr, x_h = projected[..., :2 * units], _block(projected, units, 2)
        rec_masks = self._recurrent_dropout_mask
        if self.reset_after:
            inner = self._recurrent_parts(h_tm1, self.recurrent_kernel)
            if self._recurrent_bias is not None:
                inner = K.bias_add(inner, self._recurrent_bias)
            rec_zr, rec_h = inner[..., :2 * units], _block(inner, units, 2)
        else:
            rec_zr = self._recurrent_parts(h_tm1, self._recurrent_zr)
        z, r = self._activated_gates(x_zr + rec_zr, (0, 1))
        if self.reset_after:
            rec_h = r * rec_h
        else:
            h_masked = h_tm1 * rec_masks[-1] if rec_masks else h_tm1
            rec_h = K.dot(r * h_masked, self._recurrent_h)
        hh = self.activation(x_h + rec_h)
        h = z * h_tm1 + (1. - z) * hh
        return self._mark(h), [h]

    def get_config(self):
        config = {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias, **self._weights_config(),
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
            "implementation": self.implementation, "reset_after": self.reset_after}
        return {**super().get_config(), **config}


class LSTMCell(RecurrentCell):
    """One timestep of a Long Short-Term Memory network (Hochreiter & Schmidhuber, 1997).

    The weights have the Keras 2 layout, so they move to and from Keras 2
    unchanged: ``kernel`` ``(input_dim, 4 * units)``, ``recurrent_kernel``
    ``(units, 4 * units)`` and ``bias`` ``(4 * units,)``, each the
    concatenation of the input (i), forget (f), cell (c) and output (o) gates.
    The states are ``[h, c]``; the output is ``h``.

    Args:
        units: size of the output and of each state.
        activation: activation of the cell candidate and of the output
            (default ``tanh``).
        recurrent_activation: activation of the gates (default ``hard_sigmoid``).
        use_bias: whether the gates have a bias.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers.
        unit_forget_bias: initialize the forget gate's bias to 1 (and the
            rest with ``bias_initializer``).
        kernel_regularizer, recurrent_regularizer, bias_regularizer: regularizers.
        kernel_constraint, recurrent_constraint, bias_constraint: constraints.
        dropout: fraction of the inputs dropped (one mask per gate with
            ``implementation=1``, drawn once per batch).
        recurrent_dropout: fraction of the recurrent state ``h`` dropped.
        implementation: 1 (a dropout mask per gate) or 2 (one mask for all
            gates); without dropout both compute the same values.
        **kwargs: the Layer arguments.

    Example:
        >>> y = RNN(LSTMCell(16))(Input(shape=(None, 4)))
    """

    gate_count = 4
    hoists_projection = False

    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0., recurrent_dropout=0., implementation=1,
                 **kwargs):
        super().__init__(units, dropout=dropout, recurrent_dropout=recurrent_dropout, **kwargs)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self._set_weight_args(kernel_initializer, recurrent_initializer, bias_initializer,
                              kernel_regularizer, recurrent_regularizer, bias_regularizer,
                              kernel_constraint, recurrent_constraint, bias_constraint)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.implementation = _check_implementation(implementation, type(self).__name__)
        self.state_size = (self.units, self.units)

    def build(self, input_shape):
        self._add_kernels(self._check_input_dim(input_shape))
        units = self.units
        initializer = None
        if self.unit_forget_bias:
            def initializer(_, dtype=None):
                return np.concatenate([
                    _as_array(self.bias_initializer((units,), dtype=dtype)),
                    np.ones((units,), dtype=dtype or K.floatx()),
                    _as_array(self.bias_initializer((2 * units,), dtype=dtype))])
        self._add_bias((4 * units,), initializer)
        self.built = True

    def step(self, projected, states):
        h_tm1, c_tm1 = states[0], states[1]
        z = projected + self._recurrent_parts(h_tm1, self.recurrent_kernel)
        i, f, o = self._activated_gates(z, (0, 1, 3))
        c = f * c_tm1 + i * self.activation(_block(z, self.units, 2))
        h = o * self.activation(c)
        return self._mark(h), [h, c]

    def get_config(self):
        config = {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias, **self._weights_config(),
            "unit_forget_bias": self.unit_forget_bias,
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
            "implementation": self.implementation}
        return {**super().get_config(), **config}


def _check_implementation(implementation, where):
    if implementation not in (1, 2):
        raise ValueError(f"{where} expects `implementation` to be 1 or 2. Received: "
                         f"implementation={implementation!r}")
    return int(implementation)


# --- StackedRNNCells: several cells run as one --------------------------------------------------

class StackedRNNCells(Layer):
    """Several cells run as one: each step feeds the output of a cell to the next.

    Weights are the cells' weights, cell after cell. The states are one flat
    list in *reverse* order of the stack, as in Keras 2 (two LSTM cells have
    the states ``[h2, c2, h1, c1]``), so the first state is the output of the
    last cell; ``RNN(..., return_state=True)`` returns them in that order.

    Args:
        cells: a list of cells (each with ``call(inputs, states)`` and ``state_size``).
        **kwargs: the Layer arguments.

    Raises:
        ValueError: ``cells`` is empty, or an entry is not a cell.

    Example:
        >>> x = Input(shape=(10, 8))
        >>> y = RNN(StackedRNNCells([LSTMCell(16), LSTMCell(4)]))(x)
        >>> y._keras_shape
        (None, 4)
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        cells = list(cells) if isinstance(cells, (list, tuple)) else [cells]
        if not cells:
            raise ValueError(f"StackedRNNCells {self.name!r} needs at least one cell. "
                             "Received: cells=[]")
        for cell in cells:
            if not callable(getattr(cell, "call", None)) or not hasattr(cell, "state_size"):
                raise ValueError(f"StackedRNNCells {self.name!r}: every cell needs a "
                                 "`call(inputs, states)` method and a `state_size` attribute. "
                                 f"Received: {cell!r}")
        self.cells = cells

    @property
    def state_size(self):
        return tuple(size for cell in reversed(self.cells) for size in _state_sizes(cell))

    @property
    def output_size(self):
        return _output_size(self.cells[-1])

    def _nested_states(self, states):
        """The flat (reverse-order) states split into one list per cell, in cell order."""
        nested, states = [], list(states)
        for cell in reversed(self.cells):
            count = len(_state_sizes(cell))
            nested.append(states[:count])
            states = states[count:]
        return nested[::-1]

    @staticmethod
    def _flat_states(nested):
        return [state for cell_states in reversed(nested) for state in cell_states]

    def build(self, input_shape):
        constants_shape = None
        if isinstance(input_shape, list):
            constants_shape, input_shape = input_shape[1:], input_shape[0]
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                if constants_shape and _has_arg(cell.call, "constants"):
                    cell.build([input_shape] + constants_shape)
                else:
                    cell.build(input_shape)
                cell.built = True
            input_shape = (input_shape[0], _output_size(cell))
        self.built = True

    def prepare_sequence(self, step_inputs, states, training=None):
        """Draw every cell's dropout masks (see :meth:`RecurrentCell.prepare_sequence`)."""
        ones = K.ones_like(step_inputs[:, :1])
        for cell, cell_states in zip(self.cells, self._nested_states(states)):
            prepare = getattr(cell, "prepare_sequence", None)
            if prepare is not None:
                prepare(step_inputs, cell_states, training=training)
            step_inputs = K.tile(ones, [1, _output_size(cell)])

    def finish_sequence(self):
        """Forget every cell's dropout masks."""
        for cell in self.cells:
            finish = getattr(cell, "finish_sequence", None)
            if finish is not None:
                finish()

    def project_inputs(self, inputs):
        """The first cell's input projection (see :meth:`RecurrentCell.project_inputs`)."""
        return self.cells[0].project_inputs(inputs)

    def step(self, projected, states):
        """The first cell's recurrent step on ``projected``, then the other cells' calls."""
        nested = self._nested_states(states)
        output, first = self.cells[0].step(projected, nested[0])
        return self._run(output, nested, [list(first)], self.cells[1:], {})

    def call(self, inputs, states, constants=None, training=None):
        nested = self._nested_states(states)
        extra = {} if constants is None else {"constants": constants}
        return self._run(inputs, nested, [], self.cells, dict(extra, training=training))

    def _run(self, inputs, nested, new_nested, cells, kwargs):
        for cell, cell_states in zip(cells, nested[len(new_nested):]):
            cell_kwargs = {k: v for k, v in kwargs.items() if _has_arg(cell.call, k)}
            inputs, cell_states = cell.call(inputs, cell_states, **cell_kwargs)
            new_nested.append(to_list(cell_states))
        return inputs, self._flat_states(new_nested)

    # --- weights ---------------------------------------------------------------------------

    def _cell_weights(self, kind):
        return [w for cell in self.cells if isinstance(cell, Layer) for w in getattr(cell, kind)]

    @property
    def trainable_weights(self):
        return self._cell_weights("trainable_weights") if self.trainable else []

    @property
    def non_trainable_weights(self):
        if self.trainable:
            return self._cell_weights("non_trainable_weights")
        return self._cell_weights("weights")

    @property
    def losses(self):
        return [loss for cell in self.cells if isinstance(cell, Layer) for loss in cell.losses]

    def get_losses_for(self, inputs):
        return [loss for cell in self.cells if isinstance(cell, Layer)
                for loss in cell.get_losses_for(inputs)]

    # --- configuration ------------------------------------------------------------------------

    def get_config(self):
        cells = [{"class_name": type(cell).__name__, "config": cell.get_config()}
                 for cell in self.cells]
        return {**super().get_config(), "cells": cells}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from polykeras.layers import deserialize as deserialize_layer
        config = dict(config)
        cells = [deserialize_layer(cell, custom_objects=custom_objects)
                 for cell in config.pop("cells")]
        return cls(cells, **config)
