"""Static shapes, dtypes, recorded ops and argument checks of the nn, conv, control and ctc
K functions. Recording only: nothing here runs a backend."""
import pytest

import polykeras.backend as K
from polykeras.backend import graph


def ph(shape, dtype="float32"):
    return K.placeholder(shape=shape, dtype=dtype)


def ops_between(outputs, inputs=()):
    """Names of the ops scheduled to compute ``outputs``."""
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return [n.op for n in graph.schedule(list(outputs))
            if n.op not in ("placeholder", "variable")]


# --- nn -------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [K.sigmoid, K.tanh, K.softplus, K.relu])
def test_elementwise_primitives_record_their_op(fn):
    y = fn(ph((None, 3), "float64"))
    assert (y.node.op, y.shape, y.dtype) == (fn.__name__, (None, 3), "float64")


def test_softmax_normalizes_axis_and_rejects_scalars():
    y = K.softmax(ph((2, 3, 4)), axis=-2)
    assert y.node.op == "softmax" and y.node.kwargs == {"axis": 1}
    assert y.shape == (2, 3, 4)
    with pytest.raises(ValueError, match="rank >= 1"):
        K.softmax(ph(()))


def test_relu_options_are_built_from_the_plain_rectifier():
    y = K.relu(ph((None, 5), "float64"), alpha=0.2, max_value=6., threshold=1.)
    assert (y.shape, y.dtype) == ((None, 5), "float64")
    assert y.node.op != "relu" and "relu" in ops_between(y)


@pytest.mark.parametrize("fn,kwargs", [
    (K.elu, {"alpha": 0.5}), (K.softsign, {}), (K.hard_sigmoid, {}),
])
def test_composite_activations_keep_shape_and_dtype(fn, kwargs):
    y = fn(ph((None, 5), "float64"), **kwargs)
    assert (y.shape, y.dtype) == ((None, 5), "float64")
    assert fn.__name__ not in ops_between(y)
    assert fn.__name__ not in K.OPS


def test_crossentropies_drop_the_class_axis():
    t, p = ph((None, 7, 5)), ph((None, 7, 5))
    assert K.categorical_crossentropy(t, p).shape == (None, 7)
    assert K.categorical_crossentropy(t, p, from_logits=True, axis=1).shape == (None, 5)
    assert K.binary_crossentropy(t, p).shape == (None, 7, 5)
    assert K.binary_crossentropy(t, p, from_logits=True).shape == (None, 7, 5)


def test_logit_crossentropy_is_built_on_logsumexp_and_softplus():
    t, p = ph((None, 5)), ph((None, 5))
    logits_ops = ops_between(K.categorical_crossentropy(t, p, from_logits=True))
    assert "max" in logits_ops and not {"clip", "softmax"} & set(logits_ops)
    assert "softplus" in ops_between(K.binary_crossentropy(t, p, from_logits=True))
    assert "clip" in ops_between(K.binary_crossentropy(t, p))
    assert "clip" in ops_between(K.categorical_crossentropy(t, p))


def test_categorical_crossentropy_rejects_an_axis_out_of_range():
    with pytest.raises(ValueError, match="axis 3"):
        K.categorical_crossentropy(ph((None, 5)), ph((None, 5)), axis=3)


def test_sparse_categorical_crossentropy_shapes():
    out = K.sparse_categorical_crossentropy(ph((None, 1), "int32"), ph((None, 5)))
    assert (out.shape, out.dtype) == ((None,), "float32")
    seq = K.sparse_categorical_crossentropy(ph((None, 7)), ph((None, 7, 5)), from_logits=True)
    assert seq.shape == (None, 7)
    first = K.sparse_categorical_crossentropy(ph((None, 4, 4)), ph((None, 3, 4, 4)), axis=1)
    assert first.shape == (None, 4, 4)


def test_sparse_categorical_crossentropy_needs_the_number_of_classes():
    with pytest.raises(ValueError, match="known number of classes"):
        K.sparse_categorical_crossentropy(ph((None,)), ph((None, None)))


def test_dropout_draws_a_mask_of_the_noise_shape():
    x = ph((None, 7, 5))
    y = K.dropout(x, 0.25, noise_shape=(None, 1, 5), seed=3)
    assert (y.shape, y.dtype) == ((None, 7, 5), "float32")
    draws = [n for n in graph.schedule([y]) if n.op.startswith("random_")]
    assert len(draws) == 1
    assert draws[0].kwargs["shape"][1:] == [1, 5] and draws[0].kwargs["seed"] == 3
    assert draws[0].outputs[0].shape == (None, 1, 5)


@pytest.mark.parametrize("level", [-0.1, 1., 1.5])
def test_dropout_level_must_be_in_zero_one(level):
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        K.dropout(ph((2, 3)), level)


def test_dropout_noise_shape_is_checked():
    with pytest.raises(ValueError, match="one entry per dimension"):
        K.dropout(ph((2, 3)), 0.5, noise_shape=(2,))
    with pytest.raises(ValueError, match="does not broadcast"):
        K.dropout(ph((2, 3)), 0.5, noise_shape=(2, 4))


def test_l2_normalize_keeps_shape():
    assert K.l2_normalize(ph((None, 4)), axis=-1).shape == (None, 4)
    assert K.l2_normalize(ph((2, 4))).shape == (2, 4)


def test_in_top_k_shape_dtype_and_checks():
    y = K.in_top_k(ph((None, 10)), ph((None,), "int64"), 3)
    assert (y.node.op, y.shape, y.dtype, y.node.kwargs) == ("in_top_k", (None,), "bool",
                                                            {"k": 3})
    assert K.in_top_k(ph((None, 10)), ph((8,), "int32"), 1).shape == (8,)
    with pytest.raises(ValueError, match=r"\(batch, classes\)"):
        K.in_top_k(ph((10,)), ph((None,), "int32"), 1)
    with pytest.raises(TypeError, match="integer targets"):
        K.in_top_k(ph((None, 10)), ph((None,)), 1)
    with pytest.raises(ValueError, match="differ in batch size"):
        K.in_top_k(ph((4, 10)), ph((5,), "int32"), 1)


def test_bias_add_channels_last_and_first():
    assert K.bias_add(ph((None, 4, 3)), ph((3,)), "channels_last").shape == (None, 4, 3)
    y = K.bias_add(ph((None, 3, 8, 8)), ph((3,)), "channels_first")
    assert y.shape == (None, 3, 8, 8)
    assert K.bias_add(ph((None, 3, 8, 8)), ph((8, 8, 3)), "channels_first").shape == \
        (None, 3, 8, 8)
    assert K.bias_add(ph((None, 5)), ph((5,)), "channels_first").shape == (None, 5)


def test_bias_add_errors_name_both_shapes():
    with pytest.raises(ValueError, match=r"\(4,\).*\(None, 8, 3\)"):
        K.bias_add(ph((None, 8, 3)), ph((4,)), "channels_last")
    with pytest.raises(ValueError, match="expected 1 or 2"):
        K.bias_add(ph((None, 8, 3)), ph((1, 8, 3)))


def test_normalize_batch_in_training_statistics_shapes():
    x = ph((None, 6, 6, 4))
    normed, mean, var = K.normalize_batch_in_training(x, ph((4,)), ph((4,)), [0, 1, 2])
    assert (normed.shape, mean.shape, var.shape) == ((None, 6, 6, 4), (4,), (4,))
    x = ph((None, 4, 6, 6))
    normed, mean, var = K.normalize_batch_in_training(x, ph((4,)), ph((4,)), [0, 2, 3])
    assert (normed.shape, mean.shape, var.shape) == ((None, 4, 6, 6), (4,), (4,))
    normed, mean, var = K.normalize_batch_in_training(ph((None, 5, 3)), None, None, [0])
    assert (normed.shape, mean.shape) == ((None, 5, 3), (5, 3))


def test_batch_normalization_broadcasts_vectors_along_axis():
    x = ph((None, 3, 8, 8))
    y = K.batch_normalization(x, ph((3,)), ph((3,)), ph((3,)), ph((3,)), axis=1)
    assert (y.shape, y.dtype) == ((None, 3, 8, 8), "float32")
    y = K.batch_normalization(ph((None, 8, 3)), ph((3,)), ph((3,)), None, None)
    assert y.shape == (None, 8, 3)


# --- conv and pool -------------------------------------------------------------------------

@pytest.mark.parametrize("x_shape,k_shape,kwargs,expected", [
    ((None, 10, 3), (3, 3, 8), {}, (None, 8, 8)),
    ((None, 10, 3), (3, 3, 8), {"padding": "same", "strides": 3}, (None, 4, 8)),
    ((None, 10, 3), (3, 3, 8), {"dilation_rate": 2}, (None, 6, 8)),
    ((None, 10, 3), (3, 3, 8), {"padding": "causal", "dilation_rate": 2}, (None, 10, 8)),
    ((None, 3, 10), (3, 3, 8), {"padding": "causal", "data_format": "channels_first"},
     (None, 8, 10)),
    ((None, None, 3), (3, 3, 8), {}, (None, None, 8)),
])
def test_conv1d_shapes(x_shape, k_shape, kwargs, expected):
    y = K.conv1d(ph(x_shape), ph(k_shape), **kwargs)
    assert y.shape == expected and y.node.op == "conv1d"
    assert y.node.kwargs["padding"] in ("valid", "same")


@pytest.mark.parametrize("x_shape,k_shape,kwargs,expected", [
    ((None, 9, 9, 3), (3, 3, 3, 4), {}, (None, 7, 7, 4)),
    ((None, 9, 9, 3), (3, 3, 3, 4), {"strides": 2, "padding": "SAME"}, (None, 5, 5, 4)),
    ((None, 9, 10, 3), (3, 2, 3, 4), {"strides": (2, 3)}, (None, 4, 3, 4)),
    ((None, 9, 9, 3), (3, 3, 3, 4), {"dilation_rate": (2, 1)}, (None, 5, 7, 4)),
    ((2, 3, 9, 9), (3, 3, 3, 4), {"data_format": "channels_first"}, (2, 4, 7, 7)),
])
def test_conv2d_shapes(x_shape, k_shape, kwargs, expected):
    assert K.conv2d(ph(x_shape), ph(k_shape), **kwargs).shape == expected


def test_conv_arguments_arrive_normalized():
    y = K.conv2d(ph((None, 9, 9, 3)), ph((3, 3, 3, 4)), strides=2, padding="Same",
                 data_format="channels_last", dilation_rate=1)
    assert y.node.kwargs == {"strides": (2, 2), "padding": "same",
                             "data_format": "channels_last", "dilation_rate": (1, 1)}
    assert len(y.node.args) == 2
    y = K.conv1d(ph((None, 9, 3)), ph((3, 3, 4)), strides=2)
    assert y.node.kwargs["strides"] == (2,) and y.node.kwargs["dilation_rate"] == (1,)


def test_conv3d_shape():
    y = K.conv3d(ph((None, 6, 7, 8, 2)), ph((2, 3, 4, 2, 5)), strides=(1, 2, 2),
                 padding="same")
    assert y.shape == (None, 6, 4, 4, 5)


def test_conv_channel_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(None, 9, 9, 3\).*\(3, 3, 4, 8\)"):
        K.conv2d(ph((None, 9, 9, 3)), ph((3, 3, 4, 8)))
    with pytest.raises(ValueError, match="3 channels"):
        K.conv2d(ph((None, 3, 9, 9)), ph((3, 3, 9, 8)), data_format="channels_first")


@pytest.mark.parametrize("kwargs,match", [
    ({"padding": "full"}, "padding"),
    ({"padding": "causal"}, "padding"),
    ({"strides": (1, 1, 1)}, "strides"),
    ({"strides": 0}, "strides"),
    ({"data_format": "channels_middle"}, "data_format|channels"),
])
def test_conv2d_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        K.conv2d(ph((None, 9, 9, 3)), ph((3, 3, 3, 4)), **kwargs)


def test_conv_rank_and_window_errors():
    with pytest.raises(ValueError, match="rank 4"):
        K.conv2d(ph((None, 9, 3)), ph((3, 3, 3, 4)))
    with pytest.raises(ValueError, match="larger than the input"):
        K.conv2d(ph((None, 2, 9, 3)), ph((3, 3, 3, 4)))


def test_depthwise_and_separable_shapes():
    x = ph((None, 8, 8, 3))
    y = K.depthwise_conv2d(x, ph((3, 3, 3, 2)), padding="same")
    assert (y.node.op, y.shape) == ("depthwise_conv2d", (None, 8, 8, 6))
    y = K.separable_conv2d(x, ph((3, 3, 3, 2)), ph((1, 1, 6, 5)), strides=2)
    assert y.shape == (None, 3, 3, 5)
    assert ops_between(y)[-2:] == ["depthwise_conv2d", "conv2d"]
    y = K.separable_conv1d(ph((None, 10, 3)), ph((3, 3, 2)), ph((1, 6, 4)), dilation_rate=2)
    assert y.shape == (None, 6, 4)
    y = K.separable_conv1d(ph((None, 3, 10)), ph((3, 3, 2)), ph((1, 6, 4)),
                           data_format="channels_first")
    assert y.shape == (None, 4, 8)
    with pytest.raises(ValueError, match=r"\(1, 1, channels, filters\)"):
        K.separable_conv2d(x, ph((3, 3, 3, 2)), ph((3, 3, 6, 5)))
    with pytest.raises(ValueError, match="input channels"):
        K.separable_conv2d(x, ph((3, 3, 3, 2)), ph((1, 1, 5, 5)))
    assert "separable_conv2d" not in K.OPS and "depthwise_conv2d" in K.OPS


def test_conv2d_transpose_shape_from_output_shape():
    x = ph((None, 4, 4, 3))
    y = K.conv2d_transpose(x, ph((3, 3, 8, 3)), (K.shape(x)[0], 8, 8, 8), strides=2,
                           padding="same")
    assert (y.node.op, y.shape) == ("conv2d_transpose", (None, 8, 8, 8))
    entries = y.node.kwargs["output_shape"]
    assert isinstance(entries, list) and K.is_tensor(entries[0]) and entries[1:] == [8, 8, 8]
    assert y.node.kwargs["dilation_rate"] == (1, 1)
    y = K.conv2d_transpose(ph((2, 3, 4, 4)), ph((3, 3, 8, 3)), (2, 8, 9, 9), strides=2,
                           data_format="channels_first")
    assert y.shape == (2, 8, 9, 9)


def test_conv_transpose_checks_consistency():
    x = ph((None, 4, 4, 3))
    with pytest.raises(ValueError, match="inconsistent"):
        K.conv2d_transpose(x, ph((3, 3, 8, 3)), (2, 5, 5, 8), strides=2, padding="same")
    with pytest.raises(ValueError, match=r"\(None, 4, 4, 3\).*\(3, 3, 8, 4\)"):
        K.conv2d_transpose(x, ph((3, 3, 8, 4)), (2, 8, 8, 8), strides=2, padding="same")
    with pytest.raises(ValueError, match="asks for 7 channels"):
        K.conv2d_transpose(x, ph((3, 3, 8, 3)), (2, 8, 8, 7), strides=2, padding="same")
    with pytest.raises(ValueError, match="4 entries"):
        K.conv2d_transpose(x, ph((3, 3, 8, 3)), (8, 8, 8), strides=2, padding="same")


def test_conv3d_transpose_shape():
    y = K.conv3d_transpose(ph((None, 2, 2, 2, 1)), ph((2, 2, 2, 4, 1)), (5, 3, 3, 3, 4))
    assert (y.shape, y.node.kwargs["strides"]) == ((5, 3, 3, 3, 4), (1, 1, 1))
    assert "dilation_rate" not in y.node.kwargs


def test_pool_shapes_and_arguments():
    y = K.pool2d(ph((None, 7, 7, 3)), (2, 2), strides=(2, 2))
    assert (y.node.op, y.shape) == ("pool2d", (None, 3, 3, 3))
    y = K.pool2d(ph((None, 3, 7, 7)), 3, strides=2, padding="same",
                 data_format="channels_first", pool_mode="avg")
    assert y.shape == (None, 3, 4, 4)
    assert y.node.kwargs == {"pool_size": (3, 3), "strides": (2, 2), "padding": "same",
                             "data_format": "channels_first", "pool_mode": "avg"}
    assert K.pool3d(ph((None, 4, 5, 6, 2)), (2, 2, 2), (2, 2, 2)).shape == (None, 2, 2, 3, 2)
    with pytest.raises(ValueError, match="pool_mode"):
        K.pool2d(ph((None, 7, 7, 3)), (2, 2), pool_mode="median")


def test_local_conv_shapes():
    y = K.local_conv1d(ph((None, 5, 2)), ph((4, 4, 3)), (2,), (1,))
    assert y.shape == (None, 4, 3)
    assert "batch_dot" in ops_between(y)
    y = K.local_conv2d(ph((None, 5, 5, 2)), ph((4, 8, 6)), (2, 2), (2, 2), (2, 2),
                       data_format="channels_last")
    assert y.shape == (None, 2, 2, 6)
    y = K.local_conv2d(ph((None, 2, 5, 5)), ph((4, 8, 6)), (2, 2), (2, 2), (2, 2),
                       data_format="channels_first")
    assert y.shape == (None, 6, 2, 2)
    assert "local_conv2d" not in K.OPS


def test_local_conv_kernel_checks():
    with pytest.raises(ValueError, match="expects 5 features"):
        K.local_conv1d(ph((None, 5, 2)), ph((4, 5, 3)), (2,), (1,))
    with pytest.raises(ValueError, match="does not match inputs"):
        K.local_conv1d(ph((None, 5, 2)), ph((3, 4, 3)), (2,), (1,))
    with pytest.raises(ValueError, match="output positions"):
        K.local_conv2d(ph((None, 5, 5, 2)), ph((5, 8, 6)), (2, 2), (2, 2), (2, 2),
                       data_format="channels_last")


# --- control flow ---------------------------------------------------------------------------

def test_rnn_shapes_states_and_captured_constants():
    x, h0, c0, w = ph((None, 6, 3)), ph((None, 4)), ph((None, 4)), ph((3, 4))

    def step(x_t, states):
        h, c, const = states
        h = K.tanh(K.dot(x_t, w) + h + const)
        return h, [h, c]

    last, outputs, states = K.rnn(step, x, [h0, c0], constants=[ph((4,))])
    assert last.shape == (None, 4) and outputs.shape == (None, 6, 4)
    assert [s.shape for s in states] == [(None, 4), (None, 4)]
    node = last.node
    assert node.op == "rnn" and node is outputs.node and node.multi_output
    traced = node.args[0]
    assert isinstance(traced, graph.TracedFunction)
    assert w in traced.captures and len(traced.captures) == 2
    assert node.kwargs["go_backwards"] is False and node.kwargs["mask"] is None


def test_rnn_mask_is_cast_and_time_can_come_from_input_length():
    x = ph((None, None, 3))
    step = lambda x_t, states: (x_t * 2., [states[0] + x_t])  # noqa: E731
    last, outputs, states = K.rnn(step, x, [ph((None, 3))], mask=ph((None, None), "int32"),
                                  input_length=5, go_backwards=True)
    assert outputs.shape == (None, 5, 3)
    assert last.node.kwargs["mask"].dtype == "bool"
    assert last.node.kwargs["go_backwards"] is True


def test_rnn_argument_errors():
    step = lambda x_t, states: (x_t, states)  # noqa: E731
    with pytest.raises(ValueError, match="rank >= 3"):
        K.rnn(step, ph((None, 3)), [ph((None, 3))])
    with pytest.raises(ValueError, match="fixed number of timesteps"):
        K.rnn(step, ph((None, None, 3)), [ph((None, 3))], unroll=True)
    with pytest.raises(ValueError, match=r"2 state\(s\) for 1 initial"):
        K.rnn(lambda x_t, s: (x_t, [s[0], s[0]]), ph((None, 4, 3)), [ph((None, 3))])


def test_rnn_propagates_the_learning_phase_flag():
    def step(x_t, states):
        return K.in_train_phase(x_t * 2., x_t), [states[0]]

    last, outputs, _ = K.rnn(step, ph((None, 4, 3)), [ph((None, 3))])
    assert last._uses_learning_phase and outputs._uses_learning_phase


def test_switch_scalar_condition_traces_callables():
    cond = ph((), "bool")
    y = K.switch(cond, lambda: ph((None, 3)) * 2., lambda: K.zeros_like(ph((None, 3))))
    assert (y.node.op, y.shape) == ("switch", (None, 3))
    assert all(isinstance(b, graph.TracedFunction) for b in y.node.args[1:])
    a = ph((2, 3))
    y = K.switch(ph((), "int32"), a, a * 0.)
    assert y.node.args[0].dtype == "bool" and y.node.args[1] is a


def test_switch_elementwise_condition_expands_trailing_axes():
    y = K.switch(ph((None,), "bool"), ph((None, 5)), lambda: ph((None, 5)))
    assert y.shape == (None, 5)
    assert not any(isinstance(b, graph.TracedFunction) for b in y.node.args)
    with pytest.raises(ValueError, match="Rank of `condition`"):
        K.switch(ph((2, 3, 4), "bool"), ph((2, 3)), ph((2, 3)))


def test_switch_and_phases_with_static_conditions():
    a, b = ph((2,)), ph((2,))
    assert K.switch(True, a, b) is a
    assert K.in_train_phase(a, lambda: b, training=0) is b
    assert K.in_train_phase(a, b, training=1) is a
    assert K.in_test_phase(a, b, training=1) is b
    y = K.in_train_phase(a, b)
    assert y.node.op == "switch" and y._uses_learning_phase
    assert y.node.args[0] is K.learning_phase()
    y = K.in_train_phase(a, b, training=ph((), "bool"))
    assert not getattr(y, "_uses_learning_phase", False)


def test_map_fn_and_folds():
    elems = ph((4, 3))
    y = K.map_fn(lambda row: K.sum(row), elems)
    assert (y.node.op, y.shape, y.dtype) == ("map_fn", (4,), "float32")
    y = K.map_fn(lambda row: row * 2., elems, dtype="float64")
    assert (y.shape, y.dtype) == ((4, 3), "float64")
    left = K.foldl(lambda acc, x: acc + x, elems)
    assert (left.node.op, left.shape) == ("foldl", (3,))
    assert left.node.args[1].shape == (3, 3)
    right = K.foldr(lambda acc, x: acc + K.sum(x), elems, initializer=0.)
    assert (right.node.op, right.shape, right.dtype) == ("foldr", (), "float32")
    assert K.is_tensor(right.node.kwargs["initializer"])
    with pytest.raises(TypeError, match="tensor"):
        K.map_fn(lambda e: e, [1., 2.])


# --- ctc --------------------------------------------------------------------------------------

def test_ctc_batch_cost_shape():
    loss = K.ctc_batch_cost(ph((None, 4), "int32"), ph((None, 20, 5)), ph((None, 1), "int32"),
                            ph((None, 1), "int32"))
    assert (loss.node.op, loss.shape, loss.dtype) == ("ctc_batch_cost", (None, 1), "float32")
    with pytest.raises(ValueError, match="num_categories"):
        K.ctc_batch_cost(ph((None, 4)), ph((None, 20)), ph((None, 1)), ph((None, 1)))
    with pytest.raises(ValueError, match="number of samples"):
        K.ctc_batch_cost(ph((2, 4)), ph((3, 20, 5)), ph((None, 1)), ph((None, 1)))


def test_ctc_decode_outputs():
    y_pred, lengths = ph((8, 20, 5)), ph((8,), "int32")
    decoded, log_prob = K.ctc_decode(y_pred, lengths, greedy=False, beam_width=10, top_paths=3)
    assert [d.shape for d in decoded] == [(8, None)] * 3
    assert {d.dtype for d in decoded} == {"int64"}
    assert (log_prob.shape, log_prob.dtype) == ((8, 3), "float32")
    decoded, log_prob = K.ctc_decode(y_pred, lengths, top_paths=3)
    assert len(decoded) == 1 and log_prob.shape == (8, 1)
    assert log_prob.node.kwargs == {"greedy": True, "beam_width": 100, "top_paths": 1}
    with pytest.raises(ValueError, match="more paths"):
        K.ctc_decode(y_pred, lengths, greedy=False, beam_width=2, top_paths=3)


def test_ctc_label_dense_to_sparse_triple():
    indices, values, dense_shape = K.ctc_label_dense_to_sparse(ph((None, 4), "int32"),
                                                               ph((None,), "int32"))
    assert (indices.shape, indices.dtype) == ((None, 2), "int64")
    assert (values.shape, values.dtype) == ((None,), "int32")
    assert (dense_shape.shape, dense_shape.dtype) == ((2,), "int64")
    with pytest.raises(ValueError, match=r"\(samples,\)"):
        K.ctc_label_dense_to_sparse(ph((None, 4), "int32"), ph((None, 1), "int32"))


def test_in_top_k_needs_a_positive_int_k():
    with pytest.raises(ValueError, match="k=0"):
        K.in_top_k(ph((None, 10)), ph((None,), "int32"), 0)
    with pytest.raises(ValueError, match="k=1.5"):
        K.in_top_k(ph((None, 10)), ph((None,), "int32"), 1.5)
