"""InputLayer and ``Input()``: where a model's graph starts."""
from polykeras import backend as K
from polykeras.engine.base_layer import Layer
from polykeras.engine.node import Node


class InputLayer(Layer):
    """The layer behind :func:`Input`: holds one placeholder.

    Args:
        input_shape: shape without the batch axis.
        batch_size: fixed batch size, or ``None``.
        batch_input_shape: full shape including the batch axis (instead of
            the two above).
        dtype: dtype of the placeholder (default ``K.floatx()``).
        input_tensor: an existing tensor to wrap instead of a new placeholder.
        sparse: accepted for Keras 2 compatibility; must be ``False``.
        name: layer name.
    """

    def __init__(self, input_shape=None, batch_size=None, batch_input_shape=None, dtype=None,
                 input_tensor=None, sparse=False, name=None):
        if not name:
            name = f"input_{K.get_uid('input')}"
        if sparse:
            raise ValueError("Sparse inputs are not supported by polykeras. "
                             f"Received: sparse={sparse!r} for {name}.")
        if batch_input_shape is None:
            if input_shape is None and input_tensor is None:
                raise ValueError(f"{name}: an Input needs `shape`, `batch_shape` or a "
                                 "tensor. Received none of them.")
            if input_shape is not None:
                batch_input_shape = (batch_size,) + tuple(input_shape)
            else:
                batch_input_shape = K.int_shape(input_tensor)
        elif input_shape is not None:
            raise ValueError(f"{name}: pass only one of `input_shape` and "
                             f"`batch_input_shape`. Received: input_shape={input_shape}, "
                             f"batch_input_shape={batch_input_shape}.")
        super().__init__(name=name, dtype=dtype or K.floatx())
        self.batch_input_shape = tuple(batch_input_shape)
        self.sparse = False
        self.built = True
        if input_tensor is None:
            input_tensor = K.placeholder(shape=self.batch_input_shape, dtype=self.dtype,
                                         name=self.name)
            self.is_placeholder = True
        else:
            self.is_placeholder = False
        input_tensor._keras_shape = self.batch_input_shape
        input_tensor._uses_learning_phase = False
        input_tensor._keras_history = (self, 0, 0)
        input_tensor._keras_mask = None
        Node(self, [], [input_tensor], [], [None], [], [self.batch_input_shape])

    def get_config(self):
        return {"batch_input_shape": self.batch_input_shape, "dtype": self.dtype,
                "sparse": self.sparse, "name": self.name}


def Input(shape=None, batch_shape=None, name=None, dtype=None, sparse=False, tensor=None):  # noqa: N802
    """A symbolic input tensor: the start of a Functional model.

    Args:
        shape: shape without the batch axis, e.g. ``(784,)``; ``None``
            entries are free.
        batch_shape: full shape including the batch axis (instead of ``shape``).
        name: name of the input (used to feed dicts of arrays).
        dtype: ``K.floatx()`` by default; ``'int32'`` for token ids.
        sparse: must be ``False``.
        tensor: an existing tensor to wrap.

    Example:
        >>> x = Input(shape=(784,))
        >>> y = Dense(10)(x)
    """
    if shape is None and batch_shape is None and tensor is None:
        raise ValueError("Please provide to Input either a `shape` or a `batch_shape` "
                         "argument. Note that `shape` does not include the batch dimension.")
    if shape is not None and batch_shape is None:
        batch_shape = (None,) + tuple(shape)
    layer = InputLayer(batch_input_shape=batch_shape, name=name, dtype=dtype, sparse=sparse,
                       input_tensor=tensor)
    return layer._inbound_nodes[0].output_tensors[0]
