"""Op specs: operators, products, reductions, elementwise math, comparisons."""
import numpy as np

from polykeras import backend as K
from op_specs import In, case, spec


def X(*shape, **kw):
    """A float32 input of ``shape`` (first dim ``None`` in the placeholder)."""
    return In(shape, **kw)


def W(*shape, **kw):
    """A weight-like input: every dim known in the placeholder."""
    return In(shape, batch=False, **kw)


def _ax(axis):
    return tuple(axis) if isinstance(axis, list) else axis


# --- operators --------------------------------------------------------------------

_BINARY = [("add", lambda x, y: x + y, np.add, "normal"),
           ("subtract", lambda x, y: x - y, np.subtract, "normal"),
           ("multiply", lambda x, y: x * y, np.multiply, "normal"),
           ("divide", lambda x, y: x / y, np.divide, "away")]
for _name, _build, _ref, _gen in _BINARY:
    spec(_name, _build, _ref, [
        case("same", X(4, 3), X(4, 3, gen=_gen)),
        case("bcast_vector", X(4, 3, 5), W(5, gen=_gen)),
        case("bcast_keepdims", X(4, 3), X(4, 1, gen=_gen)),
        case("bcast_both", W(3, 1), W(1, 4, gen=_gen)),
    ], family="math", grad=True)

spec("scalar_operand", lambda x, op: {"radd": lambda: 2. + x, "rsub": lambda: 2. - x,
                                      "mul": lambda: x * 3., "rdiv": lambda: 1. / x,
                                      "div": lambda: x / 4.}[op](),
     lambda x, op: {"radd": 2. + x, "rsub": 2. - x, "mul": x * 3., "rdiv": 1. / x,
                    "div": x / 4.}[op],
     [case(op, X(4, 3, gen="away"), op=op) for op in ("radd", "rsub", "mul", "rdiv", "div")],
     family="math", grad=True)
spec("add", lambda x, y: x + y, np.add,
     [case("int32", X(4, 3, gen="int", low=-5, high=5, dtype="int32"),
           X(4, 3, gen="int", low=-5, high=5, dtype="int32"))], family="math")
spec("floordiv", lambda x, y: x // y, np.floor_divide,
     [case("float", X(4, 3, gen="uniform", low=-5, high=5), X(4, 3, gen="positive")),
      case("int32", X(4, 3, gen="int", low=-9, high=9, dtype="int32"),
           X(4, 3, gen="int", low=1, high=4, dtype="int32"))], family="math")
spec("mod", lambda x, y: x % y, np.mod,
     [case("float", X(4, 3, gen="uniform", low=-5, high=5), X(4, 3, gen="positive")),
      case("int32", X(4, 3, gen="int", low=-9, high=9, dtype="int32"),
           X(4, 3, gen="int", low=1, high=4, dtype="int32"))], family="math")
spec("negative", lambda x: -x, np.negative, [case("2d", X(4, 3))], family="math", grad=True)
spec("getitem", lambda x, key: x[key], lambda x, key: x[key], [
    case("batch_slice", X(5, 3, 2), key=(slice(1, None),)),
    case("bounded_slice", X(5, 3, 2), key=(slice(1, 3),)),
    case("column", X(5, 3, 2), key=(slice(None), 0)),
    case("ellipsis_newaxis", X(5, 3, 2), key=(Ellipsis, None)),
    case("strided", X(5, 4), key=(slice(None), slice(None, None, 2))),
    case("negative_start", X(5, 4), key=(slice(None), slice(-2, None))),
    case("last_row", X(5, 4), key=(-1,)),
    case("scalar", X(5, 4), key=(0, 1)),
], family="math", grad=True)

# --- products ---------------------------------------------------------------------


def _dot_ref(x, y):
    return np.tensordot(x, y, axes=([x.ndim - 1], [max(y.ndim - 2, 0)]))


spec("dot", lambda x, y: K.dot(x, y), _dot_ref, [
    case("2d", X(4, 3), W(3, 5)),
    case("3d_2d", X(4, 2, 3), W(3, 5)),
    case("3d_3d", X(2, 3, 4), W(5, 4, 6)),
    case("2d_3d", X(2, 4), W(3, 4, 5)),
    case("variable", X(4, 3), In((3, 5), kind="variable")),
], family="math", grad=True)


def _batch_dot_ref(x, y, axes=None):
    if axes is None:
        axes = (x.ndim - 1, y.ndim - 2 if y.ndim > 2 else y.ndim - 1)
    elif isinstance(axes, int):
        axes = (axes, axes)
    ax, ay = [a % n for a, n in zip(axes, (x.ndim, y.ndim))]
    out = np.stack([np.tensordot(x[i], y[i], axes=(ax - 1, ay - 1)) for i in range(len(x))])
    return out.reshape(-1, 1) if out.ndim == 1 else out


spec("batch_dot", lambda x, y, axes=None: K.batch_dot(x, y, axes=axes), _batch_dot_ref, [
    case("2d_2d_axes1", X(4, 3), X(4, 3), axes=1),
    case("3d_3d_default", X(4, 2, 3), X(4, 3, 5)),
    case("3d_3d_axes22", X(4, 2, 3), X(4, 5, 3), axes=(2, 2)),
    case("3d_3d_axes11", X(4, 3, 2), X(4, 3, 5), axes=(1, 1)),
    case("2d_3d_axes11", X(4, 3), X(4, 3, 5), axes=(1, 1)),
    case("3d_2d_axes21", X(4, 2, 3), X(4, 3), axes=(2, 1)),
    case("4d_3d", X(2, 2, 3, 4), X(2, 4, 5), axes=(3, 1)),
], family="math", grad=True)
spec("transpose", lambda x: K.transpose(x), np.transpose,
     [case("2d", X(4, 3)), case("3d", X(4, 3, 2))], family="math", grad=True)
spec("gather", lambda r, i: K.gather(r, i), lambda r, i: r[i], [
    case("vector_indices", W(6, 3), W(4, gen="int", low=0, high=6, dtype="int32")),
    case("matrix_indices", W(6, 3), W(2, 3, gen="int", low=0, high=6, dtype="int32")),
    case("repeated_indices", W(3, 2), W(5, value=[0, 2, 2, 1, 0], dtype="int32")),
], family="math", grad=True)

# --- reductions --------------------------------------------------------------------

_REDUCTIONS = [("max", np.max, "normal"), ("min", np.min, "normal"), ("sum", np.sum, "normal"),
               ("prod", np.prod, "positive"), ("mean", np.mean, "normal"),
               ("var", np.var, "normal"), ("std", np.std, "normal")]
for _name, _ref, _gen in _REDUCTIONS:
    spec(_name, lambda x, _n=_name, **kw: getattr(K, _n)(x, **kw),
         lambda x, _r=_ref, axis=None, keepdims=False: _r(x, axis=_ax(axis), keepdims=keepdims),
         [case("all", X(4, 3, 5, gen=_gen)),
          case("axis1", X(4, 3, 5, gen=_gen), axis=1),
          case("axis-1_keepdims", X(4, 3, 5, gen=_gen), axis=-1, keepdims=True),
          case("axes02", X(4, 3, 5, gen=_gen), axis=[0, 2]),
          case("axis0_keepdims", X(4, 3, gen=_gen), axis=0, keepdims=True),
          case("all_keepdims", X(4, 3, gen=_gen), keepdims=True)],
         family="math", grad=True)
spec("sum", lambda x, **kw: K.sum(x, **kw), lambda x, axis=None: np.sum(x, axis=axis),
     [case("int32", X(4, 3, gen="int", low=-5, high=5, dtype="int32"), axis=1)], family="math")
spec("max", lambda x, **kw: K.max(x, **kw), lambda x, axis=None: np.max(x, axis=axis),
     [case("int32", X(4, 3, gen="int", low=-5, high=5, dtype="int32"), axis=1)], family="math")
spec("mean", lambda x, **kw: K.mean(x, **kw), lambda x, axis=None: np.mean(x, axis=axis),
     [case("int32_gives_floatx", X(4, 3, gen="int", low=-5, high=5, dtype="int32"), axis=1),
      case("bool_gives_floatx", X(4, 3, gen="bool", dtype="bool"), axis=0)],
     family="math", dtype="float32", atol=1e-6)
spec("logsumexp", lambda x, **kw: K.logsumexp(x, **kw),
     lambda x, axis=None, keepdims=False: np.log(np.sum(np.exp(x), axis=axis,
                                                        keepdims=keepdims)),
     [case("all", X(4, 3)), case("axis1", X(4, 3, 5), axis=1),
      case("axis-1_keepdims", X(4, 3, 5), axis=-1, keepdims=True),
      case("large_values", X(4, 3, gen="uniform", low=80, high=90), axis=1)],
     family="math", grad=True)
for _name, _ref in [("any", np.any), ("all", np.all)]:
    spec(_name, lambda x, _n=_name, **kw: getattr(K, _n)(x, **kw),
         lambda x, _r=_ref, axis=None, keepdims=False: _r(x != 0, axis=_ax(axis),
                                                          keepdims=keepdims),
         [case("bool_all", X(4, 3, gen="bool", dtype="bool")),
          case("bool_axis1", X(4, 3, gen="bool", dtype="bool"), axis=1),
          case("float_axis-1_keepdims", X(4, 3, gen="ties"), axis=-1, keepdims=True),
          case("float_axes01", X(4, 3, 2, gen="ties"), axis=[0, 1])],
         family="math", dtype="bool")
for _name, _ref in [("cumsum", np.cumsum), ("cumprod", np.cumprod)]:
    spec(_name, lambda x, _n=_name, **kw: getattr(K, _n)(x, **kw),
         lambda x, _r=_ref, axis=0: _r(x, axis=axis),
         [case("default_axis0", X(4, 3, gen="positive")),
          case("axis1", X(4, 3, gen="positive"), axis=1),
          case("axis-1", X(4, 3, 2, gen="positive"), axis=-1)],
         family="math", grad=True)
for _name, _ref in [("argmax", np.argmax), ("argmin", np.argmin)]:
    spec(_name, lambda x, _n=_name, **kw: getattr(K, _n)(x, **kw),
         lambda x, _r=_ref, axis=-1: _r(x, axis=axis),
         [case("default_last", X(4, 5)), case("axis0", X(4, 5), axis=0),
          case("axis1_3d", X(4, 5, 3), axis=1)],
         family="math", dtype="int64")

# --- elementwise -------------------------------------------------------------------

_UNARY = [("square", np.square, "normal", True), ("abs", np.abs, "away", True),
          ("sqrt", np.sqrt, "positive", True), ("exp", np.exp, "normal", True),
          ("log", np.log, "positive", True), ("round", np.round, "halves", False),
          ("sign", np.sign, "away", False), ("sin", np.sin, "normal", True),
          ("cos", np.cos, "normal", True)]
for _name, _ref, _gen, _grad in _UNARY:
    spec(_name, lambda x, _n=_name: getattr(K, _n)(x), _ref,
         [case("2d", X(4, 3, gen=_gen)), case("3d", X(2, 3, 4, gen=_gen))],
         family="math", grad=_grad)
spec("round", lambda x: K.round(x), np.round,
     [case("half_to_even", W(6, value=[-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]))], family="math")
spec("sign", lambda x: K.sign(x), np.sign, [case("zero", W(3, value=[-2., 0., 3.]))],
     family="math")
spec("abs", lambda x: K.abs(x), np.abs,
     [case("int32", X(4, 3, gen="int", low=-5, high=5, dtype="int32"))], family="math")
spec("pow", lambda x, a: K.pow(x, a), lambda x, a: np.power(x, a), [
    case("square", X(4, 3), a=2), case("cube", X(4, 3), a=3),
    case("sqrt", X(4, 3, gen="positive"), a=0.5),
    case("negative_fraction", X(4, 3, gen="positive"), a=-1.5),
], family="math", grad=True)


def _clip_ref(x, min_value, max_value):
    return np.clip(x, min_value, np.inf if max_value is None else max_value)


spec("clip", lambda x, **kw: K.clip(x, **kw), _clip_ref, [
    case("symmetric", X(4, 3, gen="uniform", low=-2, high=2), min_value=-0.5, max_value=0.5),
    case("no_max", X(4, 3, gen="uniform", low=-2, high=2), min_value=0., max_value=None),
], family="math", grad=True)
for _name, _build, _ref in [("equal", K.equal, np.equal), ("not_equal", K.not_equal, np.not_equal),
                            ("greater", K.greater, np.greater),
                            ("greater_equal", K.greater_equal, np.greater_equal),
                            ("less", K.less, np.less), ("less_equal", K.less_equal, np.less_equal)]:
    spec(_name, lambda x, y, _n=_name: getattr(K, _n)(x, y), _ref, [
        case("same", X(4, 3, gen="ties"), X(4, 3, gen="ties")),
        case("bcast", X(4, 3, gen="ties"), W(3, gen="ties")),
        case("int32", X(4, 3, gen="int", low=-2, high=2, dtype="int32"),
             X(4, 3, gen="int", low=-2, high=2, dtype="int32")),
    ], family="math", dtype="bool")
spec("greater", lambda x: x > 0., lambda x: x > 0.,
     [case("operator_scalar", X(4, 3, gen="ties"))], family="math", dtype="bool")
spec("less_equal", lambda x: x <= 1., lambda x: x <= 1.,
     [case("operator_scalar", X(4, 3, gen="ties"))], family="math", dtype="bool")
for _name, _ref in [("maximum", np.maximum), ("minimum", np.minimum)]:
    spec(_name, lambda x, y, _n=_name: getattr(K, _n)(x, y), _ref, [
        case("same", X(4, 3), X(4, 3)), case("bcast", X(4, 3), W(3)),
    ], family="math", grad=True)
