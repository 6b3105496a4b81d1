"""Layer wrappers: a layer that takes another layer and changes how it is applied.

:class:`TimeDistributed` applies a layer (or a whole model) to every
timestep of its input; :class:`Bidirectional` runs a recurrent layer forwards
and backwards and merges the two outputs. Both serialize the inner layer's
config under ``"layer"`` as Keras 2 does, and their weights are the inner
layers' weights.
"""
import copy

from polykeras import backend as K
from polykeras.engine.base_layer import (InputSpec, Layer, discard_updates, recording_updates,
                                         shape_of, to_list)
from polykeras.layers.recurrent import _has_arg, _standardize_args

__all__ = ["Wrapper", "TimeDistributed", "Bidirectional"]


class Wrapper(Layer):
    """Base class of the wrappers: owns ``layer`` and exposes its weights, losses and updates.

    Args:
        layer: the wrapped :class:`Layer`.
        **kwargs: the Layer arguments.

    Raises:
        ValueError: ``layer`` is not a Layer.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"{type(self).__name__} expects a Layer instance to wrap. "
                             f"Received: layer={layer!r}")
        self.layer = layer
        self._input_map = {}
        super().__init__(**kwargs)

    def build(self, input_shape=None):
        self.built = True

    @property
    def trainable_weights(self):
        return self.layer.trainable_weights if self.trainable else []

    @property
    def non_trainable_weights(self):
        if self.trainable:
            return self.layer.non_trainable_weights
        return self.layer.weights

    def _inner(self, inputs):
        """The tensors the inner layer received when the wrapper was called on ``inputs``."""
        if inputs is None:
            return None
        inner = [t for x in to_list(inputs) for t in self._input_map.get(id(x), [])]
        return inner or inputs

    @property
    def updates(self):
        return self.layer.updates + super().updates

    def get_updates_for(self, inputs):
        return self.layer.get_updates_for(self._inner(inputs)) + super().get_updates_for(inputs)

    @property
    def losses(self):
        return self.layer.losses + super().losses

    def get_losses_for(self, inputs):
        return self.layer.get_losses_for(self._inner(inputs)) + super().get_losses_for(inputs)

    def get_config(self):
        config = {"layer": {"class_name": type(self.layer).__name__,
                            "config": self.layer.get_config()}}
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from polykeras.layers import deserialize as deserialize_layer
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)


class TimeDistributed(Wrapper):
    """Apply a layer to every temporal slice of an input.

    The input is at least 3D, ``(batch, time, ...)``; the layer sees
    ``(batch, ...)`` slices, with the same weights at every timestep. Any
    layer works, a whole model included (an image model becomes a video model:
    ``TimeDistributed(cnn)(video)``). With a fixed batch size the slices go
    through ``K.rnn`` (as in Keras 2); otherwise, or when the layer makes
    updates (a BatchNormalization's moving averages, which a ``K.rnn`` step
    cannot hand out), the input is reshaped to ``(batch * time, ...)``, the
    layer applied once, and the result reshaped back.

    Args:
        layer: the layer (or model) to apply.
        **kwargs: the Layer arguments.

    Raises:
        ValueError: the input has fewer than 3 dimensions.

    Example:
        >>> x = Input(shape=(10, 16))
        >>> y = TimeDistributed(Dense(8))(x)
        >>> y._keras_shape
        (None, 10, 8)
    """

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError(f"TimeDistributed {self.name!r} expects an input of at least 3 "
                             f"dimensions (batch, time, ...). Received: input_shape="
                             f"{input_shape}")
        self.input_spec = InputSpec(shape=(None,) + input_shape[1:])
        if not self.layer.built:
            self.layer.build(self._step_shape(input_shape))
            self.layer.built = True
        self.built = True

    @staticmethod
    def _step_shape(input_shape):
        return (input_shape[0],) + tuple(input_shape[2:])

    def compute_output_shape(self, input_shape):
        step_output = self.layer.compute_output_shape(self._step_shape(input_shape))
        return (step_output[0], input_shape[1]) + tuple(step_output[1:])

    def call(self, inputs, training=None, mask=None):
        kwargs = {"training": training} if _has_arg(self.layer.call, "training") else {}
        input_shape = shape_of(inputs)
        outputs = self._call_per_step(inputs, input_shape[1], kwargs) if input_shape[0] else None
        if outputs is None:
            inner_inputs = K.reshape(inputs, (-1,) + tuple(input_shape[2:]))
            inner_outputs = self.layer.call(inner_inputs, **kwargs)
            self._input_map[id(inputs)] = [inner_inputs]
            output_shape = self.compute_output_shape(input_shape)
            length = input_shape[1] if input_shape[1] is not None else K.shape(inputs)[1]
            outputs = K.reshape(inner_outputs, (-1, length) + tuple(output_shape[2:]))
            if getattr(inner_outputs, "_uses_learning_phase", False):
                outputs._uses_learning_phase = True
        regularizer = getattr(self.layer, "activity_regularizer", None)
        if regularizer is not None:
            self.add_loss(regularizer(outputs), inputs)
        return outputs

    def _call_per_step(self, inputs, length, kwargs):
        """The layer applied slice by slice through ``K.rnn``; ``None`` (and no
        updates left behind) when the layer made updates inside the loop."""
        def step(x, _):
            return self.layer.call(x, **kwargs), []

        with recording_updates() as added:
            _, outputs, _ = K.rnn(step, inputs, initial_states=[], input_length=length,
                                  unroll=False)
        if added:
            discard_updates(added)
            return None
        return outputs

    def compute_mask(self, inputs, mask=None):
        """The input's time mask, combined with a mask the inner layer computes itself."""
        input_shape = shape_of(inputs)
        inner_mask = None
        if getattr(self.layer, "supports_masking", False) and input_shape is not None:
            inner_inputs = K.reshape(inputs, (-1,) + tuple(input_shape[2:]))
            inner_mask = self.layer.compute_mask(inner_inputs, None)
        if inner_mask is None:
            return mask
        length = input_shape[1] if input_shape[1] is not None else K.shape(inputs)[1]
        inner_mask = K.reshape(inner_mask, (-1, length) + tuple(K.int_shape(inner_mask)[1:]))
        if K.ndim(inner_mask) > 2:
            inner_mask = K.any(inner_mask, axis=list(range(2, K.ndim(inner_mask))))
        if mask is None:
            return inner_mask
        return K.cast(K.cast(inner_mask, "float32") * K.cast(mask, "float32"), "bool")


_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


class Bidirectional(Wrapper):
    """Run a recurrent layer forwards and backwards over the input and merge the results.

    The wrapper holds two copies of the layer: ``forward_layer`` (named
    ``forward_<name>``) and ``backward_layer`` (``backward_<name>``, with
    ``go_backwards`` flipped). Weights are the forward layer's then the
    backward layer's, as in Keras 2.

    Args:
        layer: a recurrent layer (an :class:`~polykeras.layers.RNN` such as
            LSTM or GRU).
        merge_mode: ``"concat"`` (default), ``"sum"``, ``"mul"``, ``"ave"``, or
            ``None`` (a list of the two outputs).
        weights: initial weights (forward half then backward half).
        **kwargs: the Layer arguments.

    Call arguments: ``initial_state``: the forward layer's states then the
    backward layer's (Keras tensors become node inputs); ``constants``, ``mask``
    and ``training`` are passed to both layers.

    Raises:
        ValueError: ``layer`` is not a recurrent layer, or ``merge_mode`` is unknown.

    Example:
        >>> y = Bidirectional(LSTM(8, return_sequences=True))(Input(shape=(5, 3)))
        >>> y._keras_shape
        (None, 5, 16)
    """

    def __init__(self, layer, merge_mode="concat", weights=None, **kwargs):
        if merge_mode not in _MERGE_MODES:
            raise ValueError('Invalid merge mode. Merge mode should be one of {"sum", "mul", '
                             f'"ave", "concat", None}}. Received: merge_mode={merge_mode!r}')
        if not isinstance(layer, Layer) or "go_backwards" not in layer.get_config() or \
                not hasattr(layer, "return_sequences"):
            raise ValueError("Bidirectional expects a recurrent layer (an RNN such as LSTM, GRU "
                             "or SimpleRNN, with `go_backwards` and `return_sequences`). "
                             f"Received: layer={layer!r}")
        super().__init__(layer, **kwargs)
        self.forward_layer = copy.copy(layer)
        config = layer.get_config()
        config["go_backwards"] = not config["go_backwards"]
        self.backward_layer = type(layer).from_config(config)
        self.forward_layer.name = "forward_" + layer.name
        self.backward_layer.name = "backward_" + layer.name
        self.merge_mode = merge_mode
        if weights:
            half = len(weights) // 2
            self.forward_layer._initial_weights = weights[:half]
            self.backward_layer._initial_weights = weights[half:]
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = getattr(layer, "return_state", False)
        self.supports_masking = True
        self.input_spec = layer.input_spec
        self._num_constants = None

    # --- weights and states --------------------------------------------------------------

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return self.forward_layer.trainable_weights + self.backward_layer.trainable_weights

    @property
    def non_trainable_weights(self):
        if self.trainable:
            return self.forward_layer.non_trainable_weights + \
                self.backward_layer.non_trainable_weights
        return self.forward_layer.weights + self.backward_layer.weights

    @property
    def updates(self):
        return self.forward_layer.updates + self.backward_layer.updates

    def get_updates_for(self, inputs):
        return self.forward_layer.get_updates_for(inputs) + \
            self.backward_layer.get_updates_for(inputs)

    @property
    def losses(self):
        return self.forward_layer.losses + self.backward_layer.losses + self._own_losses()

    def get_losses_for(self, inputs):
        return self.forward_layer.get_losses_for(inputs) + \
            self.backward_layer.get_losses_for(inputs) + Layer.get_losses_for(self, inputs)

    def _own_losses(self):
        return Layer.losses.fget(self)

    def reset_states(self, states=None):
        """Reset both layers' states (see :meth:`RNN.reset_states`)."""
        if states is None:
            self.forward_layer.reset_states()
            self.backward_layer.reset_states()
            return
        half = len(states) // 2
        self.forward_layer.reset_states(states[:half])
        self.backward_layer.reset_states(states[half:])

    # --- shapes ----------------------------------------------------------------------------

    def build(self, input_shape):
        self.forward_layer.build(input_shape)
        self.forward_layer.built = True
        self.backward_layer.build(input_shape)
        self.backward_layer.built = True
        for layer in (self.forward_layer, self.backward_layer):
            if layer._initial_weights is not None:
                layer.set_weights(layer._initial_weights)
                layer._initial_weights = None
        self.built = True

    def compute_output_shape(self, input_shape):
        output_shape = self.forward_layer.compute_output_shape(input_shape)
        state_shapes = []
        if self.return_state:
            state_shapes = output_shape[1:]
            output_shape = output_shape[0]
        output_shape = tuple(output_shape)
        if self.merge_mode == "concat":
            last = None if output_shape[-1] is None else 2 * output_shape[-1]
            output_shape = output_shape[:-1] + (last,)
        if self.merge_mode is None:
            output_shape = [output_shape, output_shape]
        if self.return_state:
            return to_list(output_shape) + list(state_shapes) * 2 \
                if self.merge_mode is None else [output_shape] + list(state_shapes) * 2
        return output_shape

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, list):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        masks = [output_mask, output_mask] if self.merge_mode is None else [output_mask]
        if self.return_state:
            count = len(self.forward_layer.states) * 2
            return masks + [None] * count
        return masks if self.merge_mode is None else output_mask

    # --- calling -------------------------------------------------------------------------------

    def __call__(self, inputs, initial_state=None, constants=None, **kwargs):
        inputs, initial_state, constants = _standardize_args(
            inputs, initial_state, constants, self._num_constants)
        if initial_state is None and constants is None:
            return super().__call__(inputs, **kwargs)
        additional_inputs, additional_specs = [], []
        if initial_state is not None:
            if len(initial_state) % 2:
                raise ValueError(f"Bidirectional {self.name!r}: `initial_state` should hold "
                                 "the forward layer's states then the backward layer's (an "
                                 f"even number). Received: {len(initial_state)} state(s).")
            additional_inputs += initial_state
            additional_specs += [InputSpec(shape=shape_of(s)) for s in initial_state]
            self.forward_layer.state_spec = additional_specs[:len(initial_state) // 2]
            self.backward_layer.state_spec = additional_specs[len(initial_state) // 2:]
        if constants is not None:
            additional_inputs += constants
            additional_specs += [InputSpec(shape=shape_of(c)) for c in constants]
            self._num_constants = len(constants)
            self.forward_layer._num_constants = self._num_constants
            self.backward_layer._num_constants = self._num_constants
        keras_tensors = [K.is_keras_tensor(t) for t in additional_inputs]
        if any(keras_tensors) and not all(keras_tensors):
            raise ValueError(f"Bidirectional {self.name!r}: the initial state or constants "
                             "cannot be a mix of Keras tensors and non-Keras tensors.")
        if not keras_tensors[0]:
            if initial_state is not None:
                kwargs["initial_state"] = initial_state
            if constants is not None:
                kwargs["constants"] = constants
            return super().__call__(inputs, **kwargs)
        original_spec = self.input_spec
        self.input_spec = to_list(original_spec) + additional_specs
        try:
            return super().__call__([inputs] + additional_inputs, **kwargs)
        finally:
            self.input_spec = original_spec

    def call(self, inputs, mask=None, training=None, initial_state=None, constants=None):
        if isinstance(inputs, list):
            count = self._num_constants or 0
            if count:
                constants = inputs[len(inputs) - count:]
            initial_state = inputs[1:len(inputs) - count] or None
            inputs = inputs[0]
        kwargs = {}
        if _has_arg(self.layer.call, "training"):
            kwargs["training"] = training
        if _has_arg(self.layer.call, "mask"):
            kwargs["mask"] = mask
        if constants is not None:
            kwargs["constants"] = constants
        forward_kwargs, backward_kwargs = dict(kwargs), dict(kwargs)
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_kwargs["initial_state"] = initial_state[:half]
            backward_kwargs["initial_state"] = initial_state[half:]
        y = self.forward_layer.call(inputs, **forward_kwargs)
        y_rev = self.backward_layer.call(inputs, **backward_kwargs)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = K.reverse(y_rev, 1)
        if self.merge_mode == "concat":
            output = K.concatenate([y, y_rev])
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = [y, y_rev]
        if getattr(y, "_uses_learning_phase", False) or \
                getattr(y_rev, "_uses_learning_phase", False):
            for tensor in to_list(output):
                tensor._uses_learning_phase = True
        if self.return_state:
            return to_list(output) + states
        return output

    # --- configuration ---------------------------------------------------------------------------

    def get_config(self):
        config = {**super().get_config(), "merge_mode": self.merge_mode}
        if self._num_constants is not None:
            config["num_constants"] = self._num_constants
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        num_constants = config.pop("num_constants", None)
        layer = super().from_config(config, custom_objects=custom_objects)
        layer._num_constants = num_constants
        return layer
