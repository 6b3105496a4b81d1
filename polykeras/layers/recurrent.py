"""Recurrent layers: :class:`RNN` drives a cell over the time axis with ``K.rnn``.

A cell is any object with ``state_size`` (an int, or one int per state) and
``call(inputs, states, training=None) -> (output, new_states)`` working on
one timestep; :class:`LSTMCell` is the built-in one and :class:`LSTM` is
``RNN(LSTMCell(...))`` with the Keras 2 arguments and config. The RNN adds
masking, ``initial_state``, ``go_backwards``, ``return_sequences`` /
``return_state`` and stateful operation; new recurrent layers only write a
cell.

Dropout masks of a cell are drawn once per batch, before the loop, and
shared by all timesteps (as in Keras 2), so they work on every backend.
"""
import inspect
import warnings

import numpy as np

from polykeras import activations, constraints, initializers, regularizers
from polykeras import backend as K
from polykeras.engine.base_layer import InputSpec, Layer, shape_of, to_list
from polykeras.layers.core import positive_int
from polykeras.utils.legacy import legacy_arguments

__all__ = ["RNN", "LSTMCell", "LSTM"]

#: Keras 1 names of recurrent-layer arguments (``interfaces.legacy_recurrent_support``).
RECURRENT_LEGACY_ARGS = {"output_dim": "units", "init": "kernel_initializer",
                         "inner_init": "recurrent_initializer",
                         "inner_activation": "recurrent_activation",
                         "W_regularizer": "kernel_regularizer", "U_regularizer":
                         "recurrent_regularizer", "b_regularizer": "bias_regularizer",
                         "dropout_W": "dropout", "dropout_U": "recurrent_dropout",
                         "consume_less": "implementation"}


def _has_arg(fn, name):
    return name in inspect.signature(fn).parameters


def _state_sizes(cell):
    size = cell.state_size
    return list(size) if hasattr(size, "__len__") else [size]


def _standardize_args(inputs, initial_state, constants, num_constants):
    """Split ``[inputs, *initial_state, *constants]`` (how a saved graph calls an RNN)."""
    if isinstance(inputs, (list, tuple)):
        inputs = list(inputs)
        if initial_state is not None or constants is not None:
            raise ValueError("An RNN called on a list of tensors takes its initial states (and "
                             "constants) from that list; do not also pass `initial_state` or "
                             f"`constants`. Received a list of {len(inputs)} tensors.")
        if num_constants:
            constants = inputs[-num_constants:]
            inputs = inputs[:-num_constants]
        if len(inputs) > 1:
            initial_state = inputs[1:]
        inputs = inputs[0]

    def to_list_or_none(x):
        return None if x is None else to_list(x)
    return inputs, to_list_or_none(initial_state), to_list_or_none(constants)


def _generate_dropout_mask(ones, rate, training=None, count=1):
    """``count`` dropout masks shaped like ``ones``: dropped in training, all ones otherwise."""
    def dropped_inputs():
        return K.dropout(ones, rate)
    return [K.in_train_phase(dropped_inputs, ones, training=training) for _ in range(count)]


class RNN(Layer):
    """Base class of recurrent layers: runs a cell over the time axis of its input.

    Args:
        cell: an object with ``state_size`` and ``call(inputs, states,
            training=None) -> (output, new_states)`` (a :class:`Layer` subclass
            such as :class:`LSTMCell` gets built and its weights become this
            layer's weights). ``output_size`` (optional) is the output's size,
            otherwise the first state's.
        return_sequences: return the output at every timestep
            ``(batch, time, units)`` rather than only the last ``(batch, units)``.
        return_state: also return the final states: ``[output, *states]``.
        go_backwards: process the sequence in reverse (the returned sequence is
            then in reverse order too).
        stateful: the final states of a batch are the initial states of the
            next batch (sample ``i`` continues sample ``i``). Needs a fixed batch
            size (``batch_input_shape`` / ``Input(batch_shape=...)``); reset them
            with :meth:`reset_states`.
        unroll: unroll the loop (needs a fixed number of timesteps).
        **kwargs: the Layer arguments; ``input_dim`` and ``input_length``
            (Keras 1) become ``input_shape=(input_length, input_dim)``.

    Call arguments: ``inputs`` ``(batch, time, features)``; ``mask``
    ``(batch, time)`` (from a masking layer such as ``Embedding(mask_zero=
    True)``; masked steps keep the previous output and states);
    ``training``; ``initial_state``, a list of tensors, one per state (Keras
    tensors become inputs of the layer's node, so the graph tracks them);
    ``constants``, tensors passed to every step (the cell's ``call`` must
    accept ``constants=``).

    Example:
        >>> x = Input(shape=(10, 8))
        >>> y = RNN(LSTMCell(32), return_sequences=True)(x)
        >>> y._keras_shape
        (None, 10, 32)
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, **kwargs):
        name = type(self).__name__
        if isinstance(cell, (list, tuple)):
            raise ValueError(f"{name}: stacked cells (a list of cells) are not supported yet; "
                             "stack recurrent layers with return_sequences=True instead. "
                             f"Received: cell={cell!r}")
        if not callable(getattr(cell, "call", None)):
            raise ValueError(f"{name}: `cell` should have a `call(inputs, states)` method. "
                             f"Received: cell={cell!r}")
        if not hasattr(cell, "state_size"):
            raise ValueError(f"{name}: the cell should have an attribute `state_size` (an int, "
                             f"or one int per state). Received: cell={cell!r}")
        if "input_shape" not in kwargs and "batch_input_shape" not in kwargs and (
                kwargs.get("input_dim") is not None or kwargs.get("input_length") is not None):
            kwargs["input_shape"] = (kwargs.get("input_length"), kwargs.get("input_dim"))
        kwargs.pop("input_dim", None)
        kwargs.pop("input_length", None)
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.supports_masking = True
        self.input_spec = [InputSpec(ndim=3)]
        self.state_spec = None
        self._states = None
        self.constants_spec = None
        self._num_constants = None

    # --- states -----------------------------------------------------------------------

    @property
    def states(self):
        """The state variables of a stateful layer (``None`` entries before they exist)."""
        if self._states is None:
            return [None] * len(_state_sizes(self.cell))
        return self._states

    @states.setter
    def states(self, states):
        self._states = states

    def get_initial_state(self, inputs):
        """All-zero initial states ``(batch, size)``, one per state of the cell."""
        zeros = K.expand_dims(K.zeros_like(inputs[:, 0, 0]))  # (batch, 1)
        return [K.tile(zeros, [1, size]) for size in _state_sizes(self.cell)]

    def reset_states(self, states=None):
        """Set the states of a stateful layer to zeros, or to ``states`` (arrays).

        Args:
            states: ``None`` for zeros, or one array of shape ``(batch_size,
                size)`` per state (a single array for one state).

        Raises:
            AttributeError: the layer is not stateful.
            ValueError: the batch size is not fixed, or ``states`` do not fit.
        """
        if not self.stateful:
            raise AttributeError(f"Layer {self.name!r} must be stateful (stateful=True) to "
                                 "reset its states.")
        spec = self.input_spec[0] if isinstance(self.input_spec, list) else self.input_spec
        batch_size = spec.shape[0] if spec is not None and spec.shape is not None else None
        if not batch_size:
            raise ValueError(
                f"Stateful layer {self.name!r} needs to know its batch size, since its states "
                "are variables of shape (batch_size, units). Received an input of unknown "
                "batch size. Specify it: in a Sequential model pass `batch_input_shape=(batch, "
                "time, features)` to the first layer; in the functional API pass "
                "`batch_shape=(batch, time, features)` to Input.")
        sizes = _state_sizes(self.cell)
        if self._states is None:
            self._states = [K.zeros((batch_size, size)) for size in sizes]
            if states is None:
                return
        if states is None:
            for state, size in zip(self._states, sizes):
                K.set_value(state, np.zeros((batch_size, size)))
            return
        values = [states] if not isinstance(states, (list, tuple)) else list(states)
        if len(values) != len(self._states):
            raise ValueError(f"Layer {self.name!r} expects {len(self._states)} state(s), but it "
                             f"received {len(values)} state value(s): {str(values)[:200]}")
        for index, (value, state, size) in enumerate(zip(values, self._states, sizes)):
            value = np.asarray(value)
            if value.shape != (batch_size, size):
                raise ValueError(f"State {index} is incompatible with layer {self.name!r}: "
                                 f"expected shape={(batch_size, size)}, found "
                                 f"shape={value.shape}")
            K.set_value(state, value)

    # --- shapes and masks ---------------------------------------------------------------

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        sizes = _state_sizes(self.cell)
        output_dim = getattr(self.cell, "output_size", None) or sizes[0]
        if self.return_sequences:
            output_shape = (input_shape[0], input_shape[1], output_dim)
        else:
            output_shape = (input_shape[0], output_dim)
        if self.return_state:
            return [output_shape] + [(input_shape[0], size) for size in sizes]
        return output_shape

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, list):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(_state_sizes(self.cell))
        return output_mask

    def build(self, input_shape):
        constants_shape = None
        if self._num_constants:
            constants_shape = list(input_shape[-self._num_constants:])
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        batch_size = input_shape[0] if self.stateful else None
        self.input_spec[0] = InputSpec(shape=(batch_size, None, input_shape[-1]))
        if isinstance(self.cell, Layer) and not self.cell.built:
            step_shape = (input_shape[0],) + tuple(input_shape[2:])
            self.cell.build([step_shape] + constants_shape if constants_shape else step_shape)
            self.cell.built = True
        sizes = _state_sizes(self.cell)
        if self.state_spec is not None:
            received = [spec.shape[-1] for spec in self.state_spec]
            if received != sizes:
                raise ValueError(
                    f"Layer {self.name!r}: an `initial_state` was passed that is not compatible "
                    f"with the cell's state_size {self.cell.state_size}: expected states of "
                    f"sizes {sizes}, received sizes {received}.")
        else:
            self.state_spec = [InputSpec(shape=(None, size)) for size in sizes]
        if self.stateful:
            self.reset_states()
        self.built = True

    # --- calling --------------------------------------------------------------------------

    def __call__(self, inputs, initial_state=None, constants=None, **kwargs):
        inputs, initial_state, constants = _standardize_args(
            inputs, initial_state, constants, self._num_constants)
        if initial_state is None and constants is None:
            return super().__call__(inputs, **kwargs)
        additional_inputs, additional_specs = [], []
        if initial_state is not None:
            additional_inputs += initial_state
            self.state_spec = [InputSpec(shape=shape_of(state)) for state in initial_state]
            additional_specs += self.state_spec
        if constants is not None:
            additional_inputs += constants
            self.constants_spec = [InputSpec(shape=shape_of(c)) for c in constants]
            self._num_constants = len(constants)
            additional_specs += self.constants_spec
        keras_tensors = [K.is_keras_tensor(t) for t in additional_inputs]
        if any(keras_tensors) and not all(keras_tensors):
            raise ValueError(
                f"Layer {self.name!r}: the initial state or constants of an RNN layer cannot be "
                "a mix of Keras tensors and non-Keras tensors (a Keras tensor is returned by a "
                "Keras layer or by `Input`).")
        if not keras_tensors[0]:
            if initial_state is not None:
                kwargs["initial_state"] = initial_state
            if constants is not None:
                kwargs["constants"] = constants
            return super().__call__(inputs, **kwargs)
        # Keras tensors join the node's inputs, so the graph (and a saved config) sees them.
        original_spec = self.input_spec
        self.input_spec = original_spec + additional_specs
        try:
            return super().__call__([inputs] + additional_inputs, **kwargs)
        finally:
            original_spec[0] = self.input_spec[0]
            self.input_spec = original_spec

    def call(self, inputs, mask=None, training=None, initial_state=None, constants=None):
        if isinstance(inputs, list):
            num_constants = self._num_constants or 0
            if num_constants:
                constants = inputs[len(inputs) - num_constants:]
            initial_state = inputs[1:len(inputs) - num_constants] or None
            inputs = inputs[0]
        if initial_state is not None:
            initial_state = to_list(initial_state)
        elif self.stateful:
            initial_state = list(self.states)
        else:
            initial_state = self.get_initial_state(inputs)
        if isinstance(mask, list):
            mask = mask[0]
        if len(initial_state) != len(self.states):
            raise ValueError(f"Layer {self.name!r} has {len(self.states)} state(s) but was "
                             f"passed {len(initial_state)} initial state(s).")
        timesteps = K.int_shape(inputs)[1]
        if self.unroll and timesteps is None:
            raise ValueError(f"Layer {self.name!r} cannot unroll an RNN whose time dimension is "
                             f"undefined. Received: input shape {K.int_shape(inputs)}. Pass "
                             "a fixed `input_shape`/`batch_shape`, or use unroll=False.")
        cell_kwargs = {"training": training} if _has_arg(self.cell.call, "training") else {}
        constants = list(constants or [])
        if constants and not _has_arg(self.cell.call, "constants"):
            raise ValueError(f"Layer {self.name!r}: the cell {type(self.cell).__name__} does "
                             "not support constants (its call has no `constants` argument).")
        num_constants = len(constants)

        def step(step_inputs, states):
            if num_constants:
                return self.cell.call(step_inputs, states[:-num_constants],
                                      constants=states[-num_constants:], **cell_kwargs)
            return self.cell.call(step_inputs, states, **cell_kwargs)

        prepare = getattr(self.cell, "prepare_dropout_masks", None)
        if prepare is not None:
            prepare(inputs[:, 0], initial_state[0], training=training)
        try:
            last_output, outputs, states = K.rnn(
                step, inputs, initial_state, go_backwards=self.go_backwards, mask=mask,
                constants=constants, unroll=self.unroll, input_length=timesteps)
        finally:
            if prepare is not None:
                self.cell.reset_dropout_masks()
        if self.stateful:
            self.add_update([K.update(variable, value)
                             for variable, value in zip(self.states, states)], inputs)
        output = outputs if self.return_sequences else last_output
        if getattr(last_output, "_uses_learning_phase", False):
            output._uses_learning_phase = True
            for state in states:
                state._uses_learning_phase = True
        if self.return_state:
            return [output] + list(states)
        return output

    # --- weights and losses of the cell ----------------------------------------------------

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        cell = self.cell.trainable_weights if isinstance(self.cell, Layer) else []
        return list(cell) + list(self._trainable_weights)

    @property
    def non_trainable_weights(self):
        cell = self.cell.weights if isinstance(self.cell, Layer) else []
        if self.trainable:
            cell = self.cell.non_trainable_weights if isinstance(self.cell, Layer) else []
            return list(cell) + list(self._non_trainable_weights)
        return list(cell) + list(self._trainable_weights) + list(self._non_trainable_weights)

    @property
    def losses(self):
        cell = self.cell.losses if isinstance(self.cell, Layer) else []
        return list(cell) + super().losses

    def get_losses_for(self, inputs):
        cell = self.cell.get_losses_for(inputs) if isinstance(self.cell, Layer) else []
        return list(cell) + super().get_losses_for(inputs)

    # --- configuration ----------------------------------------------------------------------

    def get_config(self):
        config = {"return_sequences": self.return_sequences, "return_state": self.return_state,
                  "go_backwards": self.go_backwards, "stateful": self.stateful,
                  "unroll": self.unroll}
        if self._num_constants is not None:
            config["num_constants"] = self._num_constants
        config["cell"] = {"class_name": type(self.cell).__name__,
                          "config": self.cell.get_config()}
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from polykeras.layers import deserialize as deserialize_layer
        config = dict(config)
        cell = deserialize_layer(config.pop("cell"), custom_objects=custom_objects)
        num_constants = config.pop("num_constants", None)
        layer = cls(cell, **config)
        layer._num_constants = num_constants
        return layer


class LSTMCell(Layer):
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
        dropout: fraction of the inputs dropped (one mask per gate, drawn once
            per batch).
        recurrent_dropout: fraction of the recurrent state ``h`` dropped.
        implementation: 1 computes each gate with its own products, 2 with one
            product per weight matrix (the results agree to rounding).
        **kwargs: the Layer arguments.

    Example:
        >>> y = RNN(LSTMCell(16))(Input(shape=(None, 4)))
    """

    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0., recurrent_dropout=0., implementation=1,
                 **kwargs):
        super().__init__(**kwargs)
        self.units = positive_int(units, "units", f"{type(self).__name__} {self.name!r}")
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1., max(0., float(dropout)))
        self.recurrent_dropout = min(1., max(0., float(recurrent_dropout)))
        self.implementation = int(implementation)
        self.state_size = (self.units, self.units)
        self.output_size = self.units
        self._dropout_mask = None
        self._recurrent_dropout_mask = None

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"{type(self).__name__} {self.name!r} needs the feature axis of its "
                             f"input to be known. Received: input_shape={input_shape}")
        units = self.units
        self.kernel = self.add_weight("kernel", (input_dim, 4 * units),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (units, 4 * units),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        if self.use_bias:
            def forget_bias_one(_, dtype=None):
                return np.concatenate([
                    _as_array(self.bias_initializer((units,), dtype=dtype)),
                    np.ones((units,), dtype=dtype or K.floatx()),
                    _as_array(self.bias_initializer((2 * units,), dtype=dtype))])
            initializer = forget_bias_one if self.unit_forget_bias else self.bias_initializer
            self.bias = self.add_weight("bias", (4 * units,), initializer=initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    # --- dropout masks, drawn once per batch by the RNN --------------------------------

    def prepare_dropout_masks(self, step_inputs, state, training=None):
        """Draw this batch's dropout masks, shaped like one step's input and ``h``."""
        self._dropout_mask = _generate_dropout_mask(
            K.ones_like(step_inputs), self.dropout, training, count=4) \
            if 0. < self.dropout < 1. else None
        self._recurrent_dropout_mask = _generate_dropout_mask(
            K.ones_like(state), self.recurrent_dropout, training, count=4) \
            if 0. < self.recurrent_dropout < 1. else None

    def reset_dropout_masks(self):
        """Forget the masks, so the next batch (or graph) draws new ones."""
        self._dropout_mask = None
        self._recurrent_dropout_mask = None

    def call(self, inputs, states, training=None):
        if 0. < self.dropout < 1. and self._dropout_mask is None:
            self._dropout_mask = _generate_dropout_mask(K.ones_like(inputs), self.dropout,
                                                        training, count=4)
        if 0. < self.recurrent_dropout < 1. and self._recurrent_dropout_mask is None:
            self._recurrent_dropout_mask = _generate_dropout_mask(
                K.ones_like(states[0]), self.recurrent_dropout, training, count=4)
        dp_mask, rec_dp_mask = self._dropout_mask, self._recurrent_dropout_mask
        h_tm1, c_tm1 = states[0], states[1]
        units = self.units
        if self.implementation == 1:
            x = [inputs * m for m in dp_mask] if dp_mask else [inputs] * 4
            h = [h_tm1 * m for m in rec_dp_mask] if rec_dp_mask else [h_tm1] * 4
            z = []
            for gate in range(4):
                part = slice(gate * units, (gate + 1) * units)
                z_gate = K.dot(x[gate], self.kernel[:, part])
                if self.use_bias:
                    z_gate = K.bias_add(z_gate, self.bias[part])
                z.append(z_gate + K.dot(h[gate], self.recurrent_kernel[:, part]))
        else:
            if dp_mask:
                inputs = inputs * dp_mask[0]
            if rec_dp_mask:
                h_tm1 = h_tm1 * rec_dp_mask[0]
            fused = K.dot(inputs, self.kernel) + K.dot(h_tm1, self.recurrent_kernel)
            if self.use_bias:
                fused = K.bias_add(fused, self.bias)
            z = [fused[:, gate * units:(gate + 1) * units] for gate in range(4)]
        i = self.recurrent_activation(z[0])
        f = self.recurrent_activation(z[1])
        c = f * c_tm1 + i * self.activation(z[2])
        o = self.recurrent_activation(z[3])
        h = o * self.activation(c)
        if 0. < self.dropout + self.recurrent_dropout and training is None:
            h._uses_learning_phase = True
        return h, [h, c]

    def get_config(self):
        config = {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "unit_forget_bias": self.unit_forget_bias,
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "implementation": self.implementation,
        }
        return {**super().get_config(), **config}


def _as_array(value):
    return K.eval(value) if K.is_tensor(value) else np.asarray(value)


_LSTM_CELL_ARGS = ("units", "activation", "recurrent_activation", "use_bias",
                   "kernel_initializer", "recurrent_initializer", "bias_initializer",
                   "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer",
                   "bias_regularizer", "kernel_constraint", "recurrent_constraint",
                   "bias_constraint", "dropout", "recurrent_dropout", "implementation")


class LSTM(RNN):
    """Long Short-Term Memory layer: ``RNN(LSTMCell(units, ...))`` with the Keras 2 API.

    Args:
        units: size of the output and of the states.
        activation, recurrent_activation, use_bias, kernel_initializer,
        recurrent_initializer, bias_initializer, unit_forget_bias,
        kernel_regularizer, recurrent_regularizer, bias_regularizer,
        kernel_constraint, recurrent_constraint, bias_constraint, dropout,
        recurrent_dropout, implementation: as for :class:`LSTMCell`, and
            readable as attributes of the layer.
        activity_regularizer: regularizer of the layer's output.
        return_sequences, return_state, go_backwards, stateful, unroll: as for
            :class:`RNN`.
        **kwargs: the Layer arguments. Keras 1 names (``output_dim``,
            ``init``, ``inner_init``, ``inner_activation``, ``W_regularizer``,
            ``U_regularizer``, ``b_regularizer``, ``dropout_W``, ``dropout_U``,
            ``consume_less``, ``forget_bias_init``) are accepted with a
            DeprecationWarning.

    Example:
        >>> model = Sequential([Embedding(1000, 32, mask_zero=True), LSTM(16), Dense(1)])
    """

    @legacy_arguments(RECURRENT_LEGACY_ARGS, where="LSTM")
    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.,
                 recurrent_dropout=0., implementation=1, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 **kwargs):
        if "forget_bias_init" in kwargs:
            value = kwargs.pop("forget_bias_init")
            warnings.warn("LSTM: the argument `forget_bias_init` is deprecated; use "
                          "`unit_forget_bias` instead" + (" (set to True)." if value == "one"
                                                          else " (the value was ignored)."),
                          DeprecationWarning, stacklevel=3)
            unit_forget_bias = unit_forget_bias or value == "one"
        if isinstance(implementation, str):
            implementation = {"cpu": 0, "mem": 1, "gpu": 2}.get(implementation, implementation)
        if implementation not in (0, 1, 2):
            raise ValueError(f"LSTM expects `implementation` to be 1 or 2. Received: "
                             f"implementation={implementation!r}")
        if implementation == 0:
            warnings.warn("LSTM: `implementation=0` is deprecated and now means "
                          "`implementation=1`.", DeprecationWarning, stacklevel=3)
            implementation = 1
        cell = LSTMCell(units, activation=activation, recurrent_activation=recurrent_activation,
                        use_bias=use_bias, kernel_initializer=kernel_initializer,
                        recurrent_initializer=recurrent_initializer,
                        bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
                        kernel_regularizer=kernel_regularizer,
                        recurrent_regularizer=recurrent_regularizer,
                        bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                        recurrent_constraint=recurrent_constraint,
                        bias_constraint=bias_constraint, dropout=dropout,
                        recurrent_dropout=recurrent_dropout, implementation=implementation,
                        dtype=kwargs.get("dtype"))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, **kwargs)
        self.activity_regularizer = regularizers.get(activity_regularizer)

    def get_config(self):
        cell_config = self.cell.get_config()
        config = {key: cell_config[key] for key in _LSTM_CELL_ARGS}
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        base = super().get_config()
        del base["cell"]
        return {**base, **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if config.get("implementation") == 0:
            config["implementation"] = 1
        return cls(**config)


def _cell_attribute(name):
    return property(lambda self: getattr(self.cell, name),
                    doc=f"The cell's ``{name}`` (see :class:`LSTMCell`).")


for _name in _LSTM_CELL_ARGS:
    setattr(LSTM, _name, _cell_attribute(_name))
del _name
