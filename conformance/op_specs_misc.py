"""Op specs: structure and config functions, switch, CTC."""
import numpy as np

from polykeras import backend as K
from op_specs import In, case, spec
from op_specs_math import X

spec("zeros_like", lambda x, **kw: K.zeros_like(x, **kw),
     lambda x, dtype=None: np.zeros(x.shape, dtype or x.dtype), [
         case("float", X(4, 3)), case("int_dtype", X(4, 3), dtype="int32"),
     ], family="structure", dtype=lambda p: p.get("dtype"))
spec("ones_like", lambda x, **kw: K.ones_like(x, **kw),
     lambda x, dtype=None: np.ones(x.shape, dtype or x.dtype), [
         case("float", X(4, 3)), case("float64_dtype", X(2, 3, 2), dtype="float64"),
     ], family="structure", dtype=lambda p: p.get("dtype"))
spec("identity", lambda x: K.identity(x), lambda x: x, [case("2d", X(4, 3))],
     family="structure", grad=True)
spec("print_tensor", lambda x: K.print_tensor(x, message="conformance: "), lambda x: x,
     [case("2d", X(2, 2))], family="structure", grad=True)
spec("stop_gradient", lambda x: K.stop_gradient(x) * x, lambda x: x * x,
     [case("value", X(4, 3))], family="structure")
spec("constant", lambda **kw: K.constant(**kw),
     lambda value, dtype=None, shape=None:
        np.broadcast_to(np.asarray(value), shape or np.shape(value)), [
         case("fill", value=2.5, shape=(2, 3)),
         case("int32", value=[[1, 2], [3, 4]], dtype="int32"),
     ], family="structure", dtype=lambda p: p.get("dtype") or "float32")
spec("zeros", lambda **kw: K.zeros(**kw), lambda shape, dtype=None: np.zeros(shape),
     [case("default", shape=(2, 3)), case("int32", shape=(3,), dtype="int32")],
     family="structure", dtype=lambda p: p.get("dtype") or "float32")
spec("ones", lambda **kw: K.ones(**kw), lambda shape, dtype=None: np.ones(shape),
     [case("default", shape=(2, 3)), case("float64", shape=(2, 2, 2), dtype="float64")],
     family="structure", dtype=lambda p: p.get("dtype") or "float32")
spec("eye", lambda **kw: K.eye(**kw), lambda size, dtype=None: np.eye(size),
     [case("default", size=3), case("int32", size=2, dtype="int32")],
     family="structure", dtype=lambda p: p.get("dtype") or "float32")

# --- switch -------------------------------------------------------------------------


def _switch_ref(c, x, y, callables=False):
    if callables:
        x = x * 2.
    c = c.reshape(c.shape + (1,) * (x.ndim - c.ndim))
    return np.where(c, x, y)


def _switch(c, x, y, callables=False):
    if callables:
        return K.switch(c, lambda: x * 2., lambda: y)
    return K.switch(c, x, y)


spec("switch", _switch, _switch_ref, [
    case("elementwise", X(4, 3, gen="bool", dtype="bool"), X(4, 3), X(4, 3)),
    case("lower_rank_condition", X(4, gen="bool", dtype="bool", batch=True), X(4, 3, 2),
         X(4, 3, 2)),
    case("scalar_true", In((), value=True, dtype="bool"), X(4, 3), X(4, 3)),
    case("scalar_false", In((), value=False, dtype="bool"), X(4, 3), X(4, 3)),
    case("scalar_callables", In((), value=True, dtype="bool"), X(4, 3), X(4, 3),
         callables=True),
    case("tensor_callables", X(4, 3, gen="bool", dtype="bool"), X(4, 3), X(4, 3),
         callables=True),
], family="control", grad=True, dtype="float32")

# --- CTC ------------------------------------------------------------------------------
# Keras 2 feeds log(y_pred + epsilon) to a CTC that normalizes with a softmax;
# the references do the same. Blank is the last class. atol/rtol 1e-4: float32
# log-space recursions over several time steps.

CTC_EPS = 1e-7


def _ctc_log_probs(y_pred):
    logits = np.log(y_pred + CTC_EPS)
    return logits - np.log(np.sum(np.exp(logits), axis=-1, keepdims=True))


def _logsumexp(values):
    values = [v for v in values if v > -np.inf]
    if not values:
        return -np.inf
    m = max(values)
    return m + np.log(sum(np.exp(v - m) for v in values))


def _ctc_loss_one(logp, labels):
    blank = logp.shape[1] - 1
    ext = [blank]
    for label in labels:
        ext += [int(label), blank]
    n = len(ext)
    alpha = np.full(n, -np.inf)
    alpha[0] = logp[0, blank]
    if n > 1:
        alpha[1] = logp[0, ext[1]]
    for t in range(1, len(logp)):
        new = np.full(n, -np.inf)
        for s in range(n):
            terms = [alpha[s]]
            if s >= 1:
                terms.append(alpha[s - 1])
            if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:
                terms.append(alpha[s - 2])
            new[s] = _logsumexp(terms) + logp[t, ext[s]]
        alpha = new
    return -_logsumexp([alpha[-1], alpha[-2]] if n > 1 else [alpha[-1]])


def ctc_batch_cost_ref(y_true, y_pred, input_length, label_length):
    """Per-sample CTC negative log-likelihood, shape (batch, 1)."""
    logp = _ctc_log_probs(y_pred)
    return np.array([[_ctc_loss_one(logp[b, :int(input_length[b, 0])],
                                    y_true[b, :int(label_length[b, 0])])]
                     for b in range(len(y_true))])


_LABELS = [[0, 1, 1], [2, 0, 0], [1, 2, 0]]
spec("ctc_batch_cost", lambda t, p, i, l: K.ctc_batch_cost(t, p, i, l), ctc_batch_cost_ref, [
    case("int_labels", X(3, 3, value=_LABELS, dtype="int32"), X(3, 6, 4, gen="probs"),
         X(3, 1, value=[[6], [5], [4]], dtype="int32"),
         X(3, 1, value=[[3], [1], [2]], dtype="int32")),
    case("float_labels", X(3, 3, value=_LABELS, diff=False), X(3, 5, 4, gen="probs"),
         X(3, 1, value=[[5], [5], [3]], dtype="int32"),
         X(3, 1, value=[[3], [2], [2]], dtype="int32")),
], family="ctc", grad=True, atol=1e-4, rtol=1e-4, dtype="float32")


def ctc_greedy_ref(y_pred, input_length):
    """Greedy CTC decoding: best class per step, merge repeats, drop blanks."""
    blank = y_pred.shape[-1] - 1
    logits = np.log(y_pred + CTC_EPS)
    paths, scores = [], []
    for b in range(len(y_pred)):
        steps = logits[b, :int(input_length[b])]
        best = steps.argmax(axis=-1)
        merged = [c for i, c in enumerate(best) if i == 0 or c != best[i - 1]]
        paths.append([c for c in merged if c != blank])
        scores.append([-steps.max(axis=-1).sum()])
    width = max(len(p) for p in paths)
    dense = np.full((len(paths), width), -1, dtype=np.int64)
    for b, p in enumerate(paths):
        dense[b, :len(p)] = p
    return dense, np.array(scores)


def _greedy_probs():
    path = np.array([[0, 0, 3, 0, 1, 1, 3], [2, 3, 3, 2, 1, 1, 0]])
    probs = np.full((2, 7, 4), 0.1)
    probs[np.arange(2)[:, None], np.arange(7)[None, :], path] = 0.7
    return probs


spec("ctc_decode",
     lambda p, i: (lambda r: [r[0][0], r[1]])(K.ctc_decode(p, i, greedy=True)),
     ctc_greedy_ref, [
         case("greedy", X(2, 7, 4, value=_greedy_probs()),
              X(2, value=[7, 5], dtype="int32", batch=True)),
     ], family="ctc", dtype=["int64", "float32"], atol=1e-4, rtol=1e-4)


def ctc_dense_to_sparse_ref(labels, label_lengths):
    """``(indices, values, dense_shape)`` of the first ``label_lengths[b]`` labels per row."""
    lengths = label_lengths.reshape(-1)
    indices = np.array([[b, j] for b in range(len(labels)) for j in range(int(lengths[b]))])
    values = np.array([labels[b, j] for b, j in indices], dtype=labels.dtype)
    return indices, values, np.array(labels.shape)


spec("ctc_label_dense_to_sparse",
     lambda l, n: list(K.ctc_label_dense_to_sparse(l, n)), ctc_dense_to_sparse_ref, [
         case("ragged", X(3, 4, gen="int", low=0, high=5, dtype="int32"),
              X(3, value=[2, 4, 1], dtype="int32", batch=True)),
     ], family="ctc", dtype=["int64", "int32", "int64"])
