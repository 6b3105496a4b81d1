"""Layer cases: the recurrent layers (SimpleRNN, GRU, LSTM, ConvLSTM2D) and the generic
RNN with built-in and stacked cells (``polykeras.layers.recurrent``,
``polykeras.layers.recurrent_cells``, ``polykeras.layers.convolutional_recurrent``).

Covered: return_sequences / return_state, go_backwards, unroll, masking,
GRU ``reset_after`` and both ``implementation`` values, dropout (training
differs), stacked cells, both ConvLSTM2D data formats. Shapes stay tiny (time
<= 4, units <= 3): Theano compiles every scan graph. Gradient cases use the
smooth ``sigmoid`` gate activation so finite differences never straddle a
``hard_sigmoid`` kink.
"""
from layer_cases import LayerCase


def _cell(class_name, **config):
    return {"class_name": class_name, "config": config}


CASES = [
    # --- SimpleRNN -------------------------------------------------------------------------
    LayerCase("SimpleRNN/sequences", "SimpleRNN", dict(units=3, return_sequences=True),
              input_shapes=[(2, 4, 2)], gradients=True),
    LayerCase("SimpleRNN/backwards_mask", "SimpleRNN",
              dict(units=2, go_backwards=True, return_sequences=True),
              input_shapes=[(2, 4, 3)], mask=True),
    LayerCase("SimpleRNN/dropout", "SimpleRNN",
              dict(units=3, dropout=0.5, recurrent_dropout=0.5),
              input_shapes=[(2, 3, 4)], training_differs=True),
    # --- GRU -------------------------------------------------------------------------------
    LayerCase("GRU/reset_before", "GRU",
              dict(units=3, recurrent_activation="sigmoid", return_sequences=True),
              input_shapes=[(2, 3, 2)], gradients=True),
    LayerCase("GRU/reset_after_state", "GRU",
              dict(units=2, reset_after=True, implementation=2, return_state=True),
              input_shapes=[(2, 4, 3)], gradients=True),
    LayerCase("GRU/mask_unroll", "GRU", dict(units=3, unroll=True, return_sequences=True),
              input_shapes=[(2, 4, 2)], mask=True),
    LayerCase("GRU/dropout", "GRU", dict(units=2, dropout=0.5, recurrent_dropout=0.5),
              input_shapes=[(2, 3, 3)], training_differs=True),
    # --- LSTM ------------------------------------------------------------------------------
    LayerCase("LSTM/sequences", "LSTM",
              dict(units=3, recurrent_activation="sigmoid", return_sequences=True),
              input_shapes=[(2, 3, 2)], gradients=True),
    LayerCase("LSTM/mask_state", "LSTM", dict(units=2, return_state=True),
              input_shapes=[(2, 4, 3)], mask=True),
    LayerCase("LSTM/backwards_unroll_impl2", "LSTM",
              dict(units=3, go_backwards=True, unroll=True, implementation=2,
                   use_bias=False),
              input_shapes=[(2, 3, 2)]),
    LayerCase("LSTM/dropout", "LSTM", dict(units=3, dropout=0.5, recurrent_dropout=0.5),
              input_shapes=[(2, 3, 4)], training_differs=True),
    # --- RNN with cells --------------------------------------------------------------------
    LayerCase("RNN/gru_cell", "RNN",
              dict(cell=_cell("GRUCell", units=2, reset_after=True), return_sequences=True),
              input_shapes=[(2, 3, 2)]),
    LayerCase("RNN/stacked_cells", "RNN",
              dict(cell=_cell("StackedRNNCells", cells=[
                  _cell("SimpleRNNCell", units=3),
                  _cell("LSTMCell", units=2, recurrent_activation="sigmoid")]),
                   return_state=True),
              input_shapes=[(2, 3, 2)], gradients=True),
    LayerCase("RNN/stacked_cells_mask", "RNN",
              dict(cell=_cell("StackedRNNCells", cells=[_cell("GRUCell", units=2),
                                                        _cell("SimpleRNNCell", units=2)]),
                   return_sequences=True),
              input_shapes=[(2, 4, 3)], mask=True),
    # --- ConvLSTM2D ------------------------------------------------------------------------
    LayerCase("ConvLSTM2D/same", "ConvLSTM2D",
              dict(filters=2, kernel_size=(2, 2), padding="same",
                   recurrent_activation="sigmoid", return_sequences=True),
              input_shapes=[(2, 2, 3, 3, 1)], gradients=True),
    LayerCase("ConvLSTM2D/strided/channels_first", "ConvLSTM2D",
              dict(filters=2, kernel_size=3, strides=2, data_format="channels_first",
                   go_backwards=True),
              input_shapes=[(2, 3, 2, 5, 5)]),
    LayerCase("ConvLSTM2D/dilated_state", "ConvLSTM2D",
              dict(filters=3, kernel_size=2, dilation_rate=2, return_state=True),
              input_shapes=[(2, 2, 4, 4, 2)]),
    LayerCase("ConvLSTM2D/dropout", "ConvLSTM2D",
              dict(filters=2, kernel_size=2, padding="same", dropout=0.5,
                   recurrent_dropout=0.5),
              input_shapes=[(2, 2, 3, 3, 2)], training_differs=True),
]
