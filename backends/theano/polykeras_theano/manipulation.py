"""Theano/PyTensor backend: shape manipulation, indexing and padding."""


class ManipulationOps:
    """The manipulation primitives."""

    def _shape_vector(self, dims):
        """A shape list of Python ints and symbolic scalars as a tuple of ints
        when fully static, else an int64 vector."""
        if all(isinstance(d, int) for d in dims):
            return tuple(int(d) for d in dims)
        return self.T.stack([self.T.cast(d, "int64") if not isinstance(d, int) else
                             self.T.constant(int(d), dtype="int64") for d in dims])

    def getitem(self, x, key):
        """Basic indexing with ints, slices, ``None`` and ``Ellipsis``."""
        x = self._tensor(x)
        key = key if isinstance(key, tuple) else (key,)
        if Ellipsis in key:
            at = key.index(Ellipsis)
            fill = x.ndim - sum(k is not None for k in key if k is not Ellipsis)
            key = key[:at] + (slice(None),) * fill + key[at + 1:]
        new_axes, plain, position = [], [], 0
        for k in key:
            if k is None:
                new_axes.append(position)
                position += 1
                continue
            plain.append(k)
            if isinstance(k, slice):
                position += 1
        out = x[tuple(plain)] if plain else x
        for axis in new_axes:
            pattern = list(range(out.ndim))
            pattern.insert(axis, "x")
            out = out.dimshuffle(pattern)
        return out

    def concatenate(self, tensors, axis=-1):
        """Join ``tensors`` along ``axis``."""
        tensors = [self._tensor(t) for t in tensors]
        return self.T.concatenate(tensors, axis=axis)

    def stack(self, x, axis=0):
        """Stack a list of same-shape tensors along a new ``axis``."""
        return self.T.stack([self._tensor(t) for t in x], axis=axis)

    def reshape(self, x, shape):
        """``x`` with a new ``shape`` (a list that may hold -1 and symbolic ints)."""
        x = self._tensor(x)
        return self.T.reshape(x, self._shape_vector(list(shape)), ndim=len(shape))

    def permute_dimensions(self, x, pattern):
        """Axes of ``x`` reordered by ``pattern``."""
        return self._tensor(x).dimshuffle([int(p) for p in pattern])

    def repeat_elements(self, x, rep, axis):
        """Each slice of ``x`` along ``axis`` repeated ``rep`` times."""
        return self.T.repeat(self._tensor(x), int(rep), axis=axis)

    def tile(self, x, n):
        """``x`` tiled ``n[i]`` times along axis ``i`` (``n`` may hold symbolic ints)."""
        T = self.T
        x = self._tensor(x)
        n = list(n) if isinstance(n, (list, tuple)) else [n]
        if len(n) < x.ndim:
            n = [1] * (x.ndim - len(n)) + n
        if len(n) > x.ndim:
            x = x.dimshuffle(["x"] * (len(n) - x.ndim) + list(range(x.ndim)))
        expanded = x.dimshuffle([p for i in range(x.ndim) for p in ("x", i)])
        alloc_shape, final = [], []
        for i, reps in enumerate(n):
            dim = x.shape[i]
            alloc_shape += [reps, dim]
            final.append(reps * dim)
        out = T.alloc(expanded, *alloc_shape)
        return T.reshape(out, self._shape_vector(final), ndim=x.ndim)

    def expand_dims(self, x, axis=-1):
        """A new axis of size 1 at ``axis``."""
        x = self._tensor(x)
        pattern = list(range(x.ndim))
        pattern.insert(axis, "x")
        return x.dimshuffle(pattern)

    def squeeze(self, x, axis):
        """``x`` without its axis ``axis`` (which must have size 1)."""
        x = self._tensor(x)
        if self.lib.broadcastable(x)[axis]:
            return x.dimshuffle([i for i in range(x.ndim) if i != axis])
        shape = [x.shape[i] for i in range(x.ndim) if i != axis]
        return self.T.reshape(x, self._shape_vector(shape), ndim=x.ndim - 1)

    def reverse(self, x, axes):
        """``x`` reversed along each of ``axes``."""
        x = self._tensor(x)
        axes = [axes] if isinstance(axes, int) else axes
        key = tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(x.ndim))
        return x[key]

    def arange(self, start, stop=None, step=1, dtype="int32"):
        """Evenly spaced values in ``[start, stop)`` of ``dtype``."""
        if stop is None:
            start, stop = 0, start
        return self.T.cast(self.T.arange(start, stop, step), dtype)

    def pad(self, x, pad_width):
        """``x`` zero-padded by ``(before, after)`` per axis."""
        T = self.T
        x = self._tensor(x)
        shape, key = [], []
        for i, (before, after) in enumerate(pad_width):
            shape.append(x.shape[i] + before + after)
            # constant bounds: Theano's optimizer loops on symbolic stops here
            key.append(slice(int(before) or None, -int(after) or None))
        out = T.zeros([T.cast(s, "int64") for s in shape], dtype=x.dtype)
        return T.set_subtensor(out[tuple(key)], x)

