"""The backend-neutral symbolic graph.

Every ``K.*`` operation records a :class:`Node` and returns its
:class:`SymbolicTensor` outputs. Nothing is computed at record time: a
backend turns a :class:`Program` (inputs, outputs, updates and the schedule
of nodes between them) into its own executable with ``backend.compile``.

Callables handed to an op (an RNN step, a ``map_fn`` body, the branches of
``switch``) are traced once into a :class:`TracedFunction`; when a program
runs, the backend receives a native callable with the caller's original
calling convention, so backend code looks like Keras 2 backend code.
"""
import collections
import itertools

import numpy as np

_node_ids = itertools.count()
_tracing_scopes = []


class Node:
    """One recorded operation.

    Attributes:
        op: name of the backend method that computes it (``"sum"``).
        args: positional arguments; may nest lists/tuples holding tensors.
        kwargs: keyword arguments (static values, tensors or traced functions).
        outputs: the :class:`SymbolicTensor` outputs, in order.
        out_structure: how to nest the flat outputs back for the caller.
    """

    def __init__(self, op, args=(), kwargs=None):
        self.id = next(_node_ids)
        self.op = op
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})
        self.outputs = []
        self.multi_output = False
        for scope in _tracing_scopes:
            scope.append(self)

    def dependencies(self):
        """Yield the tensors this node reads, traced-function captures included."""
        for item in flatten((self.args, list(self.kwargs.values()))):
            if isinstance(item, SymbolicTensor):
                yield item
            elif isinstance(item, TracedFunction):
                yield from item.captures

    def __repr__(self):
        return f"<Node {self.op}#{self.id}>"


class SymbolicTensor:
    """A value in the graph: one output of a node, with static shape and dtype.

    ``shape`` is a tuple whose unknown dimensions are ``None`` (``None`` for
    an unknown rank). Arithmetic operators record the matching ``K`` op.
    """

    def __init__(self, node, index, shape, dtype, name=None):
        self.node = node
        self.index = index
        self.shape = None if shape is None else tuple(
            None if d is None else int(d) for d in shape)
        self.dtype = str(np.dtype(dtype)) if dtype is not None else None
        self.name = name or f"{node.op}_{node.id}" + (f":{index}" if index else "")

    @property
    def ndim(self):
        return None if self.shape is None else len(self.shape)

    def get_shape(self):
        return self.shape

    def __repr__(self):
        return f"<SymbolicTensor {self.name!r} shape={self.shape} dtype={self.dtype}>"

    __hash__ = object.__hash__
    # Make NumPy defer to our reflected operators (``array - tensor``).
    __array_ufunc__ = None

    def __bool__(self):
        raise TypeError(
            "A symbolic tensor has no truth value until a backend runs it. "
            f"Received: {self!r}. Use K.switch / K.equal for conditions.")

    def __len__(self):
        if self.shape and self.shape[0] is not None:
            return self.shape[0]
        raise TypeError(f"len() needs a known first dimension. Received: {self!r}")

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    # Operators are bound in polykeras.backend.ops.operators.


class Placeholder(SymbolicTensor):
    """An input of a program, fed with a value at call time."""

    def __init__(self, shape, dtype, name=None, default=None):
        super().__init__(Node("placeholder"), 0, shape, dtype, name)
        self.node.outputs = [self]
        self.default = default


class Variable(SymbolicTensor):
    """A stateful value owned by the active backend.

    ``native`` is the backend's own handle (a holder array, a
    ``tf.Variable``, a Theano shared variable).
    """

    def __init__(self, native, shape, dtype, name=None, constraint=None):
        super().__init__(Node("variable"), 0, shape, dtype, name)
        self.node.outputs = [self]
        self.native = native
        self.constraint = constraint
        self._keras_shape = self.shape


class TracedFunction:
    """A Python callable traced into a subgraph.

    Attributes:
        inputs: nested structure of :class:`Placeholder` standing for the
            callable's arguments.
        outputs: nested structure of the tensors it returned.
        nodes: nodes recorded while tracing, in creation order.
        captures: outside tensors the subgraph reads.
    """

    def __init__(self, fn, example_inputs):
        self.inputs = map_structure(
            lambda t: Placeholder(t.shape, t.dtype, name="traced_arg"), example_inputs)
        recorded = []
        _tracing_scopes.append(recorded)
        try:
            self.outputs = fn(*self.inputs)
        finally:
            # By identity: a nested trace may have recorded the same nodes (equal lists).
            del _tracing_scopes[[id(scope) for scope in _tracing_scopes].index(id(recorded))]
        self.outputs = map_structure(_as_graph_value, self.outputs)
        self.nodes = recorded
        own = {n.id for n in recorded}
        own.update(p.node.id for p in flatten(self.inputs))
        seen, captures = set(), []
        for node in recorded:
            for dep in node.dependencies():
                if dep.node.id not in own and id(dep) not in seen:
                    seen.add(id(dep))
                    captures.append(dep)
        for out in flatten(self.outputs):
            if isinstance(out, SymbolicTensor) and out.node.id not in own and id(out) not in seen:
                seen.add(id(out))
                captures.append(out)
        self.captures = captures
        self.schedule = schedule([o for o in flatten(self.outputs)
                                  if isinstance(o, SymbolicTensor)], stop=own)

    def native(self, backend, outer):
        """A callable on backend values with the traced function's convention."""
        flat_inputs = flatten(self.inputs)

        def call(*args):
            values = collections.ChainMap({}, outer.values)
            for placeholder, value in zip(flat_inputs, flatten(args)):
                values[placeholder] = value
            ctx = Context(backend, values)
            ctx.run(self.schedule)
            return map_structure(ctx.resolve, self.outputs)
        # Loop backends (Theano's scan) must see these as loop inputs, not as
        # graphs to re-evaluate inside the loop.
        call.captured_values = [outer.values[c] for c in self.captures if c in outer.values]
        return call


def _as_graph_value(value):
    if isinstance(value, (SymbolicTensor, int, float, np.ndarray, np.generic)) or value is None:
        return value
    raise TypeError(
        "A traced function must return tensors (or nested lists of them). "
        f"Received: {value!r}")


def flatten(structure):
    """Flatten nested lists/tuples into a list of leaves."""
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def map_structure(fn, structure):
    """Apply ``fn`` to every leaf, keeping list/tuple nesting."""
    if isinstance(structure, (list, tuple)):
        return type(structure)(map_structure(fn, item) for item in structure)
    return fn(structure)


def unflatten(structure, leaves):
    """Rebuild ``structure``'s nesting from a flat sequence of leaves."""
    iterator = iter(leaves)
    return map_structure(lambda _: next(iterator), structure)


def schedule(tensors, stop=None):
    """Nodes needed to compute ``tensors``, dependencies first.

    Nodes recorded inside a traced function are not scheduled here: they run
    when the backend calls the traced function. ``stop`` holds node ids that
    belong to a subgraph being scheduled (only those may be entered).
    """
    order, done = [], set()
    stack = [(t.node, False) for t in reversed(tensors)]
    while stack:
        node, expanded = stack.pop()
        if node.id in done:
            continue
        if expanded:
            done.add(node.id)
            order.append(node)
            continue
        stack.append((node, True))
        for dep in node.dependencies():
            if dep.node.id not in done and (stop is None or dep.node.id in stop):
                stack.append((dep.node, False))
    return order


class Context:
    """Values of tensors during one run of a schedule on one backend."""

    def __init__(self, backend, values):
        self.backend = backend
        self.values = values

    def resolve(self, item):
        if isinstance(item, SymbolicTensor):
            return self.values[item]
        if isinstance(item, TracedFunction):
            return item.native(self.backend, self)
        if isinstance(item, (list, tuple)):
            return type(item)(self.resolve(i) for i in item)
        return item

    def run(self, nodes):
        backend, values = self.backend, self.values
        for node in nodes:
            if node.outputs and node.outputs[0] in values:
                continue
            if node.op == "variable":
                var = node.outputs[0]
                values[var] = backend.read_variable(var.native)
                continue
            if node.op == "placeholder":
                raise ValueError(
                    f"The program needs a value for input {node.outputs[0].name!r} "
                    "but it is not among the function's inputs.")
            args = [self.resolve(a) for a in node.args]
            kwargs = {k: self.resolve(v) for k, v in node.kwargs.items()}
            result = getattr(backend, node.op)(*args, **kwargs)
            if not node.multi_output:
                values[node.outputs[0]] = result
            else:
                for out, value in zip(node.outputs, flatten(result)):
                    values[out] = value


class Program:
    """What ``K.function`` hands a backend to compile.

    Attributes:
        inputs: the placeholders fed positionally at call time.
        outputs: the tensors returned.
        updates: ``(variable, new_value)`` pairs assigned after each call,
            all new values computed from the old state.
        schedule: the nodes to run, dependencies first.
    """

    def __init__(self, inputs, outputs, updates):
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.updates = list(updates)
        targets = self.outputs + [value for _, value in self.updates]
        self.schedule = schedule([t for t in targets if isinstance(t, SymbolicTensor)])
        self.variables = [n.outputs[0] for n in self.schedule if n.op == "variable"]
        self.has_gradients = any(n.op == "gradients" for n in self.schedule)

    def run(self, backend, input_values):
        """Replay the program on backend values.

        Args:
            backend: the backend whose methods compute each op.
            input_values: one backend value per entry of ``inputs``.

        Returns:
            ``(outputs, update_values)`` as backend values.
        """
        ctx = Context(backend, dict(zip(self.inputs, input_values)))
        ctx.run(self.schedule)
        outputs = [ctx.resolve(o) for o in self.outputs]
        updates = [ctx.resolve(v) for _, v in self.updates]
        return outputs, updates


def record(op, args=(), kwargs=None, shape=None, dtype=None, outputs=None):
    """Record ``op`` and return its output tensor(s).

    Args:
        op: the backend method name.
        args, kwargs: its arguments.
        shape, dtype: static shape and dtype of a single output.
        outputs: for several outputs, a list of ``(shape, dtype)``.

    Returns:
        a :class:`SymbolicTensor`, or a list of them when ``outputs`` is given.
    """
    node = Node(op, args, kwargs)
    if outputs is None:
        node.outputs = [SymbolicTensor(node, 0, shape, dtype)]
        return node.outputs[0]
    node.multi_output = True
    node.outputs = [SymbolicTensor(node, i, s, d) for i, (s, d) in enumerate(outputs)]
    return list(node.outputs)
