"""Embedding: turns integer ids into dense vectors, optionally masking id 0."""
from polykeras import backend as K
from polykeras import constraints, initializers, regularizers
from polykeras.engine.base_layer import Layer
from polykeras.layers.core import positive_int
from polykeras.utils.legacy import legacy_arguments

__all__ = ["Embedding"]

#: Keras 1 names of Embedding arguments (``interfaces.legacy_embedding_support``).
EMBEDDING_LEGACY_ARGS = {"init": "embeddings_initializer",
                         "W_regularizer": "embeddings_regularizer",
                         "W_constraint": "embeddings_constraint"}


class Embedding(Layer):
    """Looks up one vector per integer id: ids ``(batch, length)`` give ``(batch, length, dim)``.

    Args:
        input_dim: size of the vocabulary (largest id + 1).
        output_dim: size of each vector.
        embeddings_initializer: initializer of the ``(input_dim, output_dim)``
            matrix (Keras 1: ``init``).
        embeddings_regularizer, activity_regularizer: regularizers.
        embeddings_constraint: constraint on the matrix.
        mask_zero: treat id 0 as padding: the output carries the mask
            ``ids != 0``, which recurrent layers use to skip those steps (id 0
            must then not be used for a word; ``input_dim`` counts it).
        input_length: length of the sequences when fixed; needed to connect
            ``Flatten`` then ``Dense`` downstream. A tuple for inputs of rank > 2.
        **kwargs: the Layer arguments. Without ``input_shape`` /
            ``batch_input_shape`` the layer declares ``(None, input_length)``,
            so it can start a Sequential model, as in Keras 2.

    Ids are cast to int32 before the lookup.

    Example:
        >>> model = Sequential([Embedding(1000, 64, input_length=10)])
        >>> model.output_shape
        (None, 10, 64)
    """

    @legacy_arguments(EMBEDDING_LEGACY_ARGS, where="Embedding")
    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, activity_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, input_length=None, **kwargs):
        if "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            if isinstance(input_length, (list, tuple)):
                kwargs["input_shape"] = tuple(input_length)
            else:
                kwargs["input_shape"] = (input_length,)
        super().__init__(**kwargs)
        self.input_dim = positive_int(input_dim, "input_dim", f"Embedding {self.name!r}")
        self.output_dim = positive_int(output_dim, "output_dim", f"Embedding {self.name!r}")
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.input_length = input_length

    def build(self, input_shape):
        self.embeddings = self.add_weight("embeddings", (self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return K.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.input_length is None:
            return input_shape + (self.output_dim,)
        lengths = list(self.input_length) if isinstance(self.input_length, (list, tuple)) \
            else [self.input_length]
        if len(lengths) != len(input_shape) - 1:
            raise ValueError(f"Embedding {self.name!r}: input_length is {self.input_length}, "
                             f"which does not fit the input shape {input_shape} (expected "
                             f"{len(input_shape) - 1} length(s) after the batch axis).")
        for i, (expected, received) in enumerate(zip(lengths, input_shape[1:])):
            if expected is not None and received is not None and expected != received:
                raise ValueError(f"Embedding {self.name!r}: input_length is "
                                 f"{self.input_length}, but the input has shape {input_shape}.")
            if expected is None:
                lengths[i] = received
        return (input_shape[0],) + tuple(lengths) + (self.output_dim,)

    def call(self, inputs):
        if K.dtype(inputs) != "int32":
            inputs = K.cast(inputs, "int32")
        return K.gather(self.embeddings, inputs)

    def get_config(self):
        config = {
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "input_length": self.input_length,
        }
        return {**super().get_config(), **config}
