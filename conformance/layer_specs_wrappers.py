"""Layer cases: the wrappers TimeDistributed and Bidirectional (``polykeras.layers.wrappers``).

The inner layer is given as a ``{"class_name", "config"}`` dict. Covered:
TimeDistributed over Dense and Conv2D (with a mask, and with Dropout whose
training output differs); Bidirectional over SimpleRNN, GRU and LSTM with
every merge mode, return_state and masking. Gradient cases use smooth
activations.
"""
from layer_cases import LayerCase


def _layer(class_name, **config):
    return {"class_name": class_name, "config": config}


CASES = [
    # --- TimeDistributed -------------------------------------------------------------------
    LayerCase("TimeDistributed/dense", "TimeDistributed",
              dict(layer=_layer("Dense", units=3, activation="tanh")),
              input_shapes=[(2, 3, 4)], gradients=True),
    LayerCase("TimeDistributed/conv2d", "TimeDistributed",
              dict(layer=_layer("Conv2D", filters=2, kernel_size=2)),
              input_shapes=[(2, 3, 4, 4, 1)], gradients=True),
    LayerCase("TimeDistributed/dense_mask", "TimeDistributed",
              dict(layer=_layer("Dense", units=2)), input_shapes=[(2, 4, 3)], mask=True),
    LayerCase("TimeDistributed/dropout", "TimeDistributed",
              dict(layer=_layer("Dropout", rate=0.5)), input_shapes=[(2, 3, 4)],
              training_differs=True),
    # --- Bidirectional ---------------------------------------------------------------------
    LayerCase("Bidirectional/lstm_concat", "Bidirectional",
              dict(layer=_layer("LSTM", units=2, recurrent_activation="sigmoid",
                                return_sequences=True)),
              input_shapes=[(2, 3, 2)], gradients=True),
    LayerCase("Bidirectional/gru_sum_mask", "Bidirectional",
              dict(layer=_layer("GRU", units=2, return_sequences=True), merge_mode="sum"),
              input_shapes=[(2, 4, 3)], mask=True),
    LayerCase("Bidirectional/simple_rnn_none", "Bidirectional",
              dict(layer=_layer("SimpleRNN", units=3), merge_mode=None),
              input_shapes=[(2, 3, 2)]),
    LayerCase("Bidirectional/lstm_state_ave", "Bidirectional",
              dict(layer=_layer("LSTM", units=2, return_state=True), merge_mode="ave"),
              input_shapes=[(2, 3, 3)]),
    LayerCase("Bidirectional/gru_mul_dropout", "Bidirectional",
              dict(layer=_layer("GRU", units=2, dropout=0.5), merge_mode="mul"),
              input_shapes=[(2, 3, 3)], training_differs=True),
]
