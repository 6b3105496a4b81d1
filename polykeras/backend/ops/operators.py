"""Python operators on symbolic tensors (``x + y``, ``x[1:]``, ``-x``...).

Arithmetic records the internal ops ``add``, ``subtract``, ``multiply``,
``divide``, ``floordiv``, ``mod``, ``negative`` and ``getitem``; powers,
``abs`` and comparisons record the matching ``K`` ops.
"""
from polykeras.backend import graph, shapes
from polykeras.backend.ops import declare_internal_ops, static_dtype, static_shape

BINARY_OPS = ("add", "subtract", "multiply", "divide", "floordiv", "mod")
declare_internal_ops(*BINARY_OPS, "negative", "getitem")


def binary(op, x, y):
    """Record an elementwise binary op with NumPy broadcasting."""
    dtype = shapes.result_dtype(static_dtype(x), static_dtype(y))
    if op == "divide" and dtype.startswith(("int", "uint", "bool")):
        dtype = "float64" if dtype.endswith("64") else "float32"
    return graph.record(op, (x, y), shape=shapes.broadcast(static_shape(x), static_shape(y)),
                        dtype=dtype)


def _getitem_shape(shape, key):
    if shape is None:
        return None
    key = key if isinstance(key, tuple) else (key,)
    if sum(k is not None and k is not Ellipsis for k in key) > len(shape):
        raise IndexError(f"Too many indices {key!r} for a tensor of shape {shape}.")
    if Ellipsis in key:
        at = key.index(Ellipsis)
        fill = len(shape) - sum(k is not None for k in key if k is not Ellipsis)
        key = key[:at] + (slice(None),) * fill + key[at + 1:]
    result, dims = [], iter(shape)
    for k in key:
        if k is None:
            result.append(1)
            continue
        dim = next(dims)
        if isinstance(k, slice):
            result.append(None if dim is None and not _bounded(k) else
                          len(range(*k.indices(dim if dim is not None else 2 ** 62))))
        elif not isinstance(k, int):
            raise TypeError("Tensors are indexed with ints, slices, None and Ellipsis; "
                            f"use K.gather for tensor indices. Received: {k!r}")
    result.extend(dims)
    return tuple(result)


def _bounded(s):
    """A slice whose length does not depend on the dimension size."""
    start, stop = s.start, s.stop
    return (start is not None and stop is not None and start >= 0 and stop >= 0
            and (s.step or 1) > 0)


def getitem(x, key):
    key = tuple(int(k) if hasattr(k, "__index__") and not isinstance(k, bool) else k
                for k in (key if isinstance(key, tuple) else (key,)))
    return graph.record("getitem", (x,), {"key": key}, shape=_getitem_shape(x.shape, key),
                        dtype=x.dtype)


def negative(x):
    return graph.record("negative", (x,), shape=x.shape, dtype=x.dtype)


def _bind():
    from polykeras.backend.ops import math as kmath
    T = graph.SymbolicTensor
    for op in BINARY_OPS:
        name = {"subtract": "sub", "multiply": "mul", "divide": "truediv"}.get(op, op)
        setattr(T, f"__{name}__", lambda x, y, op=op: binary(op, x, y))
        setattr(T, f"__r{name}__", lambda x, y, op=op: binary(op, y, x))
    T.__neg__ = negative
    T.__pos__ = lambda x: x
    T.__abs__ = kmath.abs
    T.__pow__ = kmath.pow
    T.__rpow__ = lambda x, y: kmath.pow(y, x)
    T.__getitem__ = getitem
    T.__lt__ = kmath.less
    T.__le__ = kmath.less_equal
    T.__gt__ = kmath.greater
    T.__ge__ = kmath.greater_equal
