"""How the NumPy backend runs a compiled program's schedule.

A program that takes gradients runs in two parts. The ops up to its last
``gradients`` op run taped (see :mod:`polykeras_numpy.autodiff`); the ops
after it, an optimizer's updates, need no tape. Nothing else holds the
arrays those untaped ops produce, so an elementwise op reading such an array
for the last time writes its result into it (``out=``) rather than into a
new array: RMSprop's nine passes over every weight then allocate three
arrays instead of nine. A program without gradients runs untaped
throughout, in place the same way.

The buffers written over are only fresh results of the elementwise ops
below run in the untaped part (never an input, a variable's value, a
gradient, a program output or a new variable value); at run time an op
falls back to a new array unless the buffer has the result's shape and a
floating-point dtype that the other operand shares.
"""
import numpy as np

from polykeras.backend.graph import Context, SymbolicTensor
from polykeras_numpy.autodiff import Tape
from polykeras_numpy.core import operands
from polykeras_numpy.math import nonnegative_root
from polykeras_numpy.parallel import elementwise


def _binary(ufunc):
    def into(buffer, x, y):
        x, y = operands(x, y)  # the dtype rules of the ops themselves
        if x.dtype != buffer.dtype or np.broadcast_shapes(x.shape, y.shape) != buffer.shape:
            return None
        return elementwise(ufunc, x, y, out=buffer)
    return into


def _unary(ufunc):
    def into(buffer, x):
        return elementwise(ufunc, buffer, out=buffer)
    return into


#: ops that may write into a dead argument, and how (``None``: fall back).
IN_PLACE = {
    "add": _binary(np.add),
    "subtract": _binary(np.subtract),
    "multiply": _binary(np.multiply),
    "divide": _binary(np.true_divide),
    "maximum": _binary(np.maximum),
    "minimum": _binary(np.minimum),
    "square": _unary(np.square),
    "sqrt": _unary(nonnegative_root),
    "negative": _unary(np.negative),
    "abs": _unary(np.abs),
    "exp": _unary(np.exp),
}


class Plan:
    """A program's schedule split into its taped and untaped parts, with the
    buffer each untaped elementwise op may reuse."""

    def __init__(self, program):
        self.program = program
        schedule = program.schedule
        cut = 1 + max((i for i, n in enumerate(schedule) if n.op == "gradients"), default=-1)
        self.taped, untaped = schedule[:cut], schedule[cut:]
        last_use = {}
        for i, node in enumerate(untaped):
            for dep in node.dependencies():
                last_use[dep] = i
        kept = {t for t in program.outputs + [v for _, v in program.updates]
                if isinstance(t, SymbolicTensor)}
        owned = set()
        self.steps = []
        for i, node in enumerate(untaped):
            buffer = None
            if node.op in IN_PLACE and not node.kwargs:
                buffer = next((pos for pos, arg in enumerate(node.args)
                               if isinstance(arg, SymbolicTensor) and arg in owned
                               and last_use[arg] == i and arg not in kept), None)
                owned.add(node.outputs[0])
            self.steps.append((node, buffer))

    def run(self, backend, arrays):
        """``(outputs, update values)`` of one run on ``arrays`` (the inputs)."""
        program = self.program
        ctx = Context(backend, dict(zip(program.inputs, arrays)))
        if self.taped:
            with Tape():
                ctx.run(self.taped)
        values = ctx.values
        for node, buffer in self.steps:
            if buffer is None:
                ctx.run((node,))
                continue
            args = [ctx.resolve(a) for a in node.args]
            target = args[buffer]
            result = None
            if isinstance(target, np.ndarray) and target.dtype.kind == "f":
                result = IN_PLACE[node.op](target, *args)
            if result is None:
                ctx.run((node,))
            else:
                values[node.outputs[0]] = result
        return ([ctx.resolve(o) for o in program.outputs],
                [ctx.resolve(v) for _, v in program.updates])
