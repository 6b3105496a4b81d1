"""Op specs: activations, losses, normalization, bias, in_top_k."""
import numpy as np

from polykeras import backend as K
from op_specs import case, spec
from op_specs_math import W, X

F = "nn"
EPS = 1e-7  # K.epsilon() default, used by the losses


def _relu_ref(x, alpha=0., max_value=None, threshold=0.):
    y = np.where(x > threshold, x, 0.)
    if max_value is not None:
        y = np.minimum(y, max_value)
    return np.where(x > threshold, y, alpha * (x - threshold))


spec("relu", lambda x, **kw: K.relu(x, **kw), _relu_ref, [
    case("default", X(4, 3, gen="away")),
    case("alpha", X(4, 3, gen="away"), alpha=0.1),
    case("max_value", X(4, 3, gen="away"), max_value=1.),
    case("threshold", X(4, 3, gen="away"), threshold=0.5),
    case("all_options", X(4, 5, gen="away"), alpha=0.2, max_value=1.5, threshold=0.25),
], family=F, grad=True)
spec("elu", lambda x, **kw: K.elu(x, **kw),
     lambda x, alpha=1.: np.where(x > 0, x, alpha * (np.exp(x) - 1.)), [
         case("default", X(4, 3, gen="away")), case("alpha", X(4, 3, gen="away"), alpha=0.5),
     ], family=F, grad=True)
spec("sigmoid", lambda x: K.sigmoid(x), lambda x: 1. / (1. + np.exp(-x)),
     [case("2d", X(4, 3, gen="uniform", low=-6, high=6))], family=F, grad=True)
spec("hard_sigmoid", lambda x: K.hard_sigmoid(x), lambda x: np.clip(0.2 * x + 0.5, 0., 1.),
     [case("2d", X(4, 5, gen="uniform", low=-4, high=4))], family=F, grad=True)
spec("tanh", lambda x: K.tanh(x), np.tanh, [case("2d", X(4, 3))], family=F, grad=True)
spec("softplus", lambda x: K.softplus(x), lambda x: np.log1p(np.exp(x)),
     [case("2d", X(4, 3, gen="uniform", low=-5, high=5))], family=F, grad=True)
spec("softsign", lambda x: K.softsign(x), lambda x: x / (1. + np.abs(x)),
     [case("2d", X(4, 3, gen="away"))], family=F, grad=True)


def _softmax_ref(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


spec("softmax", lambda x, **kw: K.softmax(x, **kw), _softmax_ref, [
    case("2d", X(4, 3)), case("3d_last", X(2, 3, 4)), case("3d_axis1", X(2, 3, 4), axis=1),
    case("large_logits", X(4, 3, gen="uniform", low=50, high=60)),
], family=F, grad=True)


def _l2_ref(x, axis=None):
    axis = tuple(axis) if isinstance(axis, list) else axis
    return x / np.sqrt(np.maximum(np.sum(x * x, axis=axis, keepdims=True), 1e-12))


spec("l2_normalize", lambda x, **kw: K.l2_normalize(x, **kw), _l2_ref, [
    case("last", X(4, 3), axis=-1), case("axis0", X(4, 3), axis=0), case("all", X(4, 3)),
], family=F, grad=True)


def _bias_ref(x, bias, data_format=None):
    if data_format == "channels_first" and bias.ndim == 1:
        return x + bias.reshape((1, -1) + (1,) * (x.ndim - 2))
    return x + bias


spec("bias_add", lambda x, b, **kw: K.bias_add(x, b, **kw), _bias_ref, [
    case("2d", X(4, 3), W(3)),
    case("3d_channels_last", X(4, 5, 3), W(3), data_format="channels_last"),
    case("3d_channels_first", X(4, 3, 5), W(3), data_format="channels_first"),
    case("4d_channels_last", X(2, 3, 4, 3), W(3), data_format="channels_last"),
    case("4d_channels_first", X(2, 3, 4, 5), W(3), data_format="channels_first"),
    case("5d_channels_first", X(2, 3, 2, 2, 2), W(3), data_format="channels_first"),
    case("full_bias_channels_last", X(4, 5, 3), W(5, 3), data_format="channels_last"),
], family=F, grad=True)


def _in_top_k_ref(predictions, targets, k):
    target_score = predictions[np.arange(len(predictions)), targets]
    return (predictions > target_score[:, None]).sum(axis=1) < k


spec("in_top_k", lambda p, t, k: K.in_top_k(p, t, k), _in_top_k_ref, [
    case("k1_ties", X(6, 4, gen="ties"), X(6, gen="int", low=0, high=4, dtype="int32"), k=1),
    case("k2_ties", X(6, 4, gen="ties"), X(6, gen="int", low=0, high=4, dtype="int32"), k=2),
    case("k3", X(6, 5), X(6, gen="int", low=0, high=5, dtype="int32"), k=3),
], family=F, dtype="bool")

# --- losses ------------------------------------------------------------------------
# Cross-entropies go through log/clip/normalize chains in float32: rtol 1e-4.


def _log_softmax(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))


def _cce_ref(target, output, from_logits=False, axis=-1):
    if from_logits:
        return -np.sum(target * _log_softmax(output, axis), axis=axis)
    output = output / output.sum(axis=axis, keepdims=True)
    return -np.sum(target * np.log(np.clip(output, EPS, 1. - EPS)), axis=axis)


spec("categorical_crossentropy", lambda t, o, **kw: K.categorical_crossentropy(t, o, **kw),
     _cce_ref, [
         case("onehot", X(4, 3, gen="onehot"), X(4, 3, gen="probs")),
         case("soft_3d", X(2, 3, 4, gen="probs"), X(2, 3, 4, gen="probs")),
         case("unnormalized_output", X(4, 3, gen="probs"), X(4, 3, gen="positive")),
         case("from_logits", X(4, 3, gen="probs"), X(4, 3), from_logits=True),
         case("axis1", X(2, 3, 4, gen="positive"), X(2, 3, 4, gen="positive"), axis=1),
     ], family=F, grad=True, rtol=1e-4)


def _scce_ref(target, output, from_logits=False, axis=-1):
    labels = target.astype(np.int64).reshape(output.shape[:-1])
    logp = _log_softmax(output, -1) if from_logits else np.log(
        np.clip(output, EPS, 1. - EPS) / np.clip(output, EPS, 1. - EPS).sum(-1, keepdims=True))
    return -np.take_along_axis(logp, labels[..., None], axis=-1)[..., 0]


spec("sparse_categorical_crossentropy",
     lambda t, o, **kw: K.sparse_categorical_crossentropy(t, o, **kw), _scce_ref, [
         case("int_labels", X(4, gen="int", low=0, high=3, dtype="int32", batch=True),
              X(4, 3, gen="probs")),
         case("float_column_labels", X(4, 1, gen="int", low=0, high=3, diff=False),
         X(4, 3, gen="probs")),
         case("3d", X(2, 3, gen="int", low=0, high=4, dtype="int32"), X(2, 3, 4, gen="probs")),
         case("from_logits", X(4, gen="int", low=0, high=3, dtype="int32", batch=True),
              X(4, 3), from_logits=True),
     ], family=F, grad=True, rtol=1e-4,
     dtype="float32")


def _bce_ref(target, output, from_logits=False):
    if from_logits:
        return np.maximum(output, 0) - output * target + np.log1p(np.exp(-np.abs(output)))
    output = np.clip(output, EPS, 1. - EPS)
    return -(target * np.log(output) + (1. - target) * np.log(1. - output))


spec("binary_crossentropy", lambda t, o, **kw: K.binary_crossentropy(t, o, **kw), _bce_ref, [
    case("soft_targets", X(4, 3, gen="uniform", low=0, high=1),
         X(4, 3, gen="uniform", low=0.05, high=0.95)),
    case("hard_targets_3d", X(2, 3, 2, gen="int", low=0, high=2),
         X(2, 3, 2, gen="uniform", low=0.05, high=0.95)),
    case("from_logits", X(4, 3, gen="uniform", low=0, high=1), X(4, 3, gen="uniform",
                                                                  low=-4, high=4),
         from_logits=True),
], family=F, grad=True, rtol=1e-4)

# --- batch normalization ---------------------------------------------------------------


def _bn_train_ref(x, gamma, beta, reduction_axes, epsilon=1e-3):
    axes = tuple(reduction_axes)
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    shape = mean.shape
    normed = (x - mean) / np.sqrt(var + epsilon) * gamma.reshape(shape) + beta.reshape(shape)
    return normed, mean.reshape(-1), var.reshape(-1)


spec("normalize_batch_in_training",
     lambda x, g, b, **kw: K.normalize_batch_in_training(x, g, b, **kw), _bn_train_ref, [
         case("2d", X(6, 3), W(3, gen="positive"), W(3), reduction_axes=[0]),
         case("3d", X(4, 2, 3), W(3, gen="positive"), W(3), reduction_axes=[0, 1]),
         case("4d_channels_last", X(2, 3, 2, 3), W(3, gen="positive"), W(3),
              reduction_axes=[0, 1, 2]),
         case("4d_channels_first", X(2, 3, 2, 3), W(3, gen="positive"), W(3),
              reduction_axes=[0, 2, 3], epsilon=1e-2),
     ], family=F, grad=True, rtol=1e-4, atol=1e-5)


def _bn_ref(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    shape = [1] * x.ndim
    shape[axis] = -1
    if mean.ndim == x.ndim:
        shape = mean.shape
    r = [np.reshape(a, shape) for a in (mean, var, beta, gamma)]
    return (x - r[0]) / np.sqrt(r[1] + epsilon) * r[3] + r[2]


spec("batch_normalization",
     lambda x, m, v, b, g, **kw: K.batch_normalization(x, m, v, b, g, **kw), _bn_ref, [
         case("2d", X(4, 3), W(3), W(3, gen="positive"), W(3), W(3, gen="positive")),
         case("4d_channels_last", X(2, 2, 2, 3), W(3), W(3, gen="positive"), W(3),
              W(3, gen="positive")),
         case("4d_axis1", X(2, 3, 2, 2), W(3), W(3, gen="positive"), W(3),
              W(3, gen="positive"), axis=1, epsilon=1e-2),
         case("broadcast_params", X(2, 3, 4), W(1, 1, 4), W(1, 1, 4, gen="positive"),
              W(1, 1, 4), W(1, 1, 4, gen="positive")),
     ], family=F, grad=True, rtol=1e-4)
