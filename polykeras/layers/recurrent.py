"""Recurrent layers: :class:`RNN` drives a cell over the time axis with ``K.rnn``.

A cell is any object with ``state_size`` (an int, or one int per state) and
``call(inputs, states, training=None) -> (output, new_states)`` working on
one timestep. The built-in cells, :class:`SimpleRNNCell`, :class:`GRUCell`,
:class:`LSTMCell` and :class:`StackedRNNCells` (one cell made of several),
are in :mod:`polykeras.layers.recurrent_cells` and exported here too.
:class:`SimpleRNN`, :class:`GRU` and :class:`LSTM` are ``RNN(<cell>)`` with
the Keras 2 arguments and config. The RNN adds masking, ``initial_state``,
``constants``, ``go_backwards``, ``return_sequences`` / ``return_state``,
``unroll`` and stateful operation; new recurrent layers only write a cell.

Dropout masks of a cell are drawn once per batch, before the loop, and
shared by all timesteps (as in Keras 2), so they work on every backend. A
built-in cell that ``hoists_projection`` (ConvLSTM2D's) has the input half of
every step (its input convolution and bias) computed for all timesteps with
one operation before the loop; only the recurrent half runs inside it.
"""
import warnings

import numpy as np

from polykeras import backend as K
from polykeras import regularizers
from polykeras.engine.base_layer import InputSpec, Layer, shape_of, to_list
from polykeras.layers.recurrent_cells import (
    GRUCell,
    LSTMCell,
    RecurrentCell,
    SimpleRNNCell,
    StackedRNNCells,
    _has_arg,
    _state_sizes,
)
from polykeras.utils.legacy import legacy_arguments

__all__ = ["RNN", "StackedRNNCells", "SimpleRNNCell", "SimpleRNN", "GRUCell", "GRU",
           "LSTMCell", "LSTM"]

#: Keras 1 names of recurrent-layer arguments (``interfaces.legacy_recurrent_support``).
RECURRENT_LEGACY_ARGS = {"output_dim": "units", "init": "kernel_initializer",
                         "inner_init": "recurrent_initializer",
                         "inner_activation": "recurrent_activation",
                         "W_regularizer": "kernel_regularizer", "U_regularizer":
                         "recurrent_regularizer", "b_regularizer": "bias_regularizer",
                         "W_constraint": "kernel_constraint", "U_constraint":
                         "recurrent_constraint", "b_constraint": "bias_constraint",
                         "dropout_W": "dropout", "dropout_U": "recurrent_dropout",
                         "consume_less": "implementation"}


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


class RNN(Layer):
    """Base class of recurrent layers: runs a cell over the time axis of its input.

    Args:
        cell: an object with ``state_size`` and ``call(inputs, states,
            training=None) -> (output, new_states)`` (a :class:`Layer` subclass
            such as :class:`LSTMCell` gets built and its weights become this
            layer's weights). ``output_size`` (optional) is the output's size,
            otherwise the first state's. A list of cells is stacked with
            :class:`StackedRNNCells`.
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
            cell = StackedRNNCells(cell)
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
        shapes = self._state_shapes(batch_size)
        if self._states is None:
            self._states = [K.zeros(shape) for shape in shapes]
            if states is None:
                return
        if states is None:
            for state, shape in zip(self._states, shapes):
                K.set_value(state, np.zeros(shape))
            return
        values = [states] if not isinstance(states, (list, tuple)) else list(states)
        if len(values) != len(self._states):
            raise ValueError(f"Layer {self.name!r} expects {len(self._states)} state(s), but it "
                             f"received {len(values)} state value(s): {str(values)[:200]}")
        for index, (value, state, shape) in enumerate(zip(values, self._states, shapes)):
            value = np.asarray(value)
            if value.shape != shape:
                raise ValueError(f"State {index} is incompatible with layer {self.name!r}: "
                                 f"expected shape={shape}, found shape={value.shape}")
            K.set_value(state, value)

    def _state_shapes(self, batch_size):
        """The shape of each state for a batch of ``batch_size``."""
        return [(batch_size, size) for size in _state_sizes(self.cell)]

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
        if constants_shape and not _has_arg(self.cell.call, "constants"):
            raise ValueError(f"Layer {self.name!r}: the cell {type(self.cell).__name__} does "
                             "not support constants (its call has no `constants` argument).")
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
        constants = list(constants or [])
        step, sequence = self._step_function(inputs, initial_state, constants, training)
        try:
            last_output, outputs, states = K.rnn(
                step, sequence, initial_state, go_backwards=self.go_backwards, mask=mask,
                constants=constants, unroll=self.unroll, input_length=timesteps)
        finally:
            finish = getattr(self.cell, "finish_sequence", None)
            if finish is not None:
                finish()
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

    def _step_function(self, inputs, initial_state, constants, training):
        """The ``K.rnn`` step and the sequence it runs on.

        A built-in cell that ``hoists_projection`` (and whose ``call`` is not
        overridden) gets its input projection computed for all timesteps here,
        and the loop runs only its recurrent :meth:`~RecurrentCell.step`.
        Other cells get ``call``.
        """
        cell = self.cell
        if constants and not _has_arg(cell.call, "constants"):
            raise ValueError(f"Layer {self.name!r}: the cell {type(cell).__name__} does "
                             "not support constants (its call has no `constants` argument).")
        prepare = getattr(cell, "prepare_sequence", None)
        if prepare is not None:
            prepare(inputs[:, 0], initial_state, training=training)
        if _runs_projected(cell):
            return (lambda projected_t, states: cell.step(projected_t, states),
                    cell.project_inputs(inputs))
        cell_kwargs = {"training": training} if _has_arg(cell.call, "training") else {}
        num_constants = len(constants)

        def step(step_inputs, states):
            if num_constants:
                return cell.call(step_inputs, states[:-num_constants],
                                 constants=states[-num_constants:], **cell_kwargs)
            return cell.call(step_inputs, states, **cell_kwargs)
        return step, inputs

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


def _runs_projected(cell):
    """Whether ``cell`` runs as ``project_inputs`` before the loop + ``step`` inside."""
    if isinstance(cell, StackedRNNCells):
        return _runs_projected(cell.cells[0])
    return (isinstance(cell, RecurrentCell) and cell.hoists_projection
            and type(cell).call is RecurrentCell.call)


# --- SimpleRNN, GRU, LSTM: an RNN around a built-in cell ----------------------------------------

_WEIGHT_ARGS = ("kernel_initializer", "recurrent_initializer", "bias_initializer",
                "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                "kernel_constraint", "recurrent_constraint", "bias_constraint")


def _implementation(implementation, where):
    """Keras 1 ``consume_less`` values and ``implementation=0`` as Keras 2 reads them."""
    if isinstance(implementation, str):
        implementation = {"cpu": 0, "mem": 1, "gpu": 2}.get(implementation, implementation)
    if implementation not in (0, 1, 2):
        raise ValueError(f"{where} expects `implementation` to be 1 or 2. Received: "
                         f"implementation={implementation!r}")
    if implementation == 0:
        warnings.warn(f"{where}: `implementation=0` is deprecated and now means "
                      "`implementation=1`.", DeprecationWarning, stacklevel=4)
        implementation = 1
    return implementation


class _CellLayer(RNN):
    """An RNN around one built-in cell whose arguments are the layer's (Keras 2 style).

    Subclasses set ``cell_class`` and ``cell_args`` (the cell arguments the
    layer's config lists, in order); the cell's values are readable as
    attributes of the layer.
    """

    cell_class = None
    cell_args = ()

    def __init__(self, cell_kwargs, activity_regularizer, rnn_kwargs, kwargs):
        cell = self.cell_class(**cell_kwargs, dtype=kwargs.get("dtype"))
        super().__init__(cell, **rnn_kwargs, **kwargs)
        self.activity_regularizer = regularizers.get(activity_regularizer)

    def get_config(self):
        cell_config = self.cell.get_config()
        config = {key: cell_config[key] for key in self.cell_args}
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

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in cls.cell_args:
            setattr(cls, name, property(lambda self, name=name: getattr(self.cell, name),
                                        doc=f"The cell's ``{name}``."))


class SimpleRNN(_CellLayer):
    """Fully-connected RNN whose output is fed back: ``RNN(SimpleRNNCell(units, ...))``.

    Args:
        units, activation, use_bias, kernel_initializer, recurrent_initializer,
        bias_initializer, kernel_regularizer, recurrent_regularizer,
        bias_regularizer, kernel_constraint, recurrent_constraint,
        bias_constraint, dropout, recurrent_dropout: as for
            :class:`SimpleRNNCell`, readable as attributes of the layer.
        activity_regularizer: regularizer of the layer's output.
        return_sequences, return_state, go_backwards, stateful, unroll: as for
            :class:`RNN`.
        **kwargs: the Layer arguments; Keras 1 names (``output_dim``, ``init``,
            ``inner_init``, ``W_regularizer``, ``dropout_W``, ``dropout_U``...)
            are accepted with a DeprecationWarning, and ``implementation`` /
            ``consume_less`` are ignored with one, as in Keras 2.

    Example:
        >>> y = SimpleRNN(8, return_sequences=True)(Input(shape=(5, 3)))
    """

    cell_class = SimpleRNNCell
    cell_args = ("units", "activation", "use_bias") + _WEIGHT_ARGS + ("dropout",
                                                                       "recurrent_dropout")

    @legacy_arguments(RECURRENT_LEGACY_ARGS, where="SimpleRNN")
    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.,
                 recurrent_dropout=0., return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, **kwargs):
        if "implementation" in kwargs:
            kwargs.pop("implementation")
            warnings.warn("SimpleRNN: the `implementation` argument has been deprecated and "
                          "has no effect; remove it.", DeprecationWarning, stacklevel=3)
        cell_kwargs = dict(units=units, activation=activation, use_bias=use_bias,
                           kernel_initializer=kernel_initializer,
                           recurrent_initializer=recurrent_initializer,
                           bias_initializer=bias_initializer,
                           kernel_regularizer=kernel_regularizer,
                           recurrent_regularizer=recurrent_regularizer,
                           bias_regularizer=bias_regularizer,
                           kernel_constraint=kernel_constraint,
                           recurrent_constraint=recurrent_constraint,
                           bias_constraint=bias_constraint, dropout=dropout,
                           recurrent_dropout=recurrent_dropout)
        rnn_kwargs = dict(return_sequences=return_sequences, return_state=return_state,
                          go_backwards=go_backwards, stateful=stateful, unroll=unroll)
        super().__init__(cell_kwargs, activity_regularizer, rnn_kwargs, kwargs)


class GRU(_CellLayer):
    """Gated Recurrent Unit layer: ``RNN(GRUCell(units, ...))`` with the Keras 2 API.

    ``reset_after=False`` (the default, as in Keras 2.2) applies the reset
    gate before the recurrent product; ``reset_after=True`` after it, with
    separate input and recurrent biases (the CuDNNGRU-compatible variant,
    bias shape ``(2, 3 * units)``).

    Args:
        units, activation, recurrent_activation, use_bias, kernel_initializer,
        recurrent_initializer, bias_initializer, kernel_regularizer,
        recurrent_regularizer, bias_regularizer, kernel_constraint,
        recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
        implementation, reset_after: as for :class:`GRUCell`, readable as
            attributes of the layer.
        activity_regularizer: regularizer of the layer's output.
        return_sequences, return_state, go_backwards, stateful, unroll: as for
            :class:`RNN`.
        **kwargs: the Layer arguments; Keras 1 names (``output_dim``,
            ``inner_activation``, ``dropout_W``, ``consume_less``...) are
            accepted with a DeprecationWarning.

    Example:
        >>> y = GRU(8, reset_after=True)(Input(shape=(5, 3)))
    """

    cell_class = GRUCell
    cell_args = ("units", "activation", "recurrent_activation", "use_bias") + _WEIGHT_ARGS + (
        "dropout", "recurrent_dropout", "implementation", "reset_after")

    @legacy_arguments(RECURRENT_LEGACY_ARGS, where="GRU")
    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0., recurrent_dropout=0., implementation=1,
                 return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, reset_after=False, **kwargs):
        cell_kwargs = dict(units=units, activation=activation,
                           recurrent_activation=recurrent_activation, use_bias=use_bias,
                           kernel_initializer=kernel_initializer,
                           recurrent_initializer=recurrent_initializer,
                           bias_initializer=bias_initializer,
                           kernel_regularizer=kernel_regularizer,
                           recurrent_regularizer=recurrent_regularizer,
                           bias_regularizer=bias_regularizer,
                           kernel_constraint=kernel_constraint,
                           recurrent_constraint=recurrent_constraint,
                           bias_constraint=bias_constraint, dropout=dropout,
                           recurrent_dropout=recurrent_dropout,
                           implementation=_implementation(implementation, "GRU"),
                           reset_after=reset_after)
        rnn_kwargs = dict(return_sequences=return_sequences, return_state=return_state,
                          go_backwards=go_backwards, stateful=stateful, unroll=unroll)
        super().__init__(cell_kwargs, activity_regularizer, rnn_kwargs, kwargs)


class LSTM(_CellLayer):
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

    cell_class = LSTMCell
    cell_args = ("units", "activation", "recurrent_activation", "use_bias") + _WEIGHT_ARGS[:3] \
        + ("unit_forget_bias",) + _WEIGHT_ARGS[3:] + ("dropout", "recurrent_dropout",
                                                      "implementation")

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
        cell_kwargs = dict(units=units, activation=activation,
                           recurrent_activation=recurrent_activation, use_bias=use_bias,
                           kernel_initializer=kernel_initializer,
                           recurrent_initializer=recurrent_initializer,
                           bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
                           kernel_regularizer=kernel_regularizer,
                           recurrent_regularizer=recurrent_regularizer,
                           bias_regularizer=bias_regularizer,
                           kernel_constraint=kernel_constraint,
                           recurrent_constraint=recurrent_constraint,
                           bias_constraint=bias_constraint, dropout=dropout,
                           recurrent_dropout=recurrent_dropout,
                           implementation=_implementation(implementation, "LSTM"))
        rnn_kwargs = dict(return_sequences=return_sequences, return_state=return_state,
                          go_backwards=go_backwards, stateful=stateful, unroll=unroll)
        super().__init__(cell_kwargs, activity_regularizer, rnn_kwargs, kwargs)
