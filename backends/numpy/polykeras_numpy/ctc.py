"""NumPy backend: connectionist temporal classification (CTC).

TensorFlow semantics throughout: the blank is the last class, ``y_pred``
holds softmax probabilities (``log(y_pred + epsilon)`` is used as logits,
and the loss renormalises them like ``tf.nn.ctc_loss`` does), decoded
sequences are dense ``int64`` padded with ``-1``.

The loss runs the forward (alpha) recursion in log space, vectorised over
the batch and the extended label positions, with a loop over time; its VJP
runs the backward (beta) recursion the same way and turns the state
occupancies into the gradient w.r.t. ``y_pred``. Greedy decoding is fully
vectorised. Beam search (prefix beam search, TensorFlow 2's
``tf.nn.ctc_beam_search_decoder``: no extra merging of repeated labels)
loops over batch items because every item keeps its own set of prefixes;
inside an item each step is vectorised over beams and classes.
"""
import numpy as np

from polykeras_numpy.autodiff import primitive

#: ctc ops with no gradient (integer results, or a decoding search).
NON_DIFFERENTIABLE = ("ctc_decode", "ctc_label_dense_to_sparse")

_NEG_INF = -np.inf


def _epsilon():
    try:
        from polykeras.backend import epsilon
        return float(epsilon())
    except Exception:  # the core's settings are unavailable: Keras' default
        return 1e-7


def _lengths(values, batch, name):
    values = np.asarray(values).reshape(-1).astype(np.int64)
    if values.shape[0] != batch:
        raise ValueError(f"ctc expects one {name} per batch item ({batch}). "
                         f"Received: {name} shape={np.shape(values)}")
    return values


def _log_probs(y_pred):
    """TensorFlow's log-softmax of ``log(y_pred + epsilon)``, in float64."""
    y = np.asarray(y_pred, dtype=np.float64) + _epsilon()
    total = y.sum(axis=-1, keepdims=True)
    return np.log(y) - np.log(total), y, total


def _shift(a, k, fill=_NEG_INF):
    """``a`` shifted right by ``k`` along axis 1 (left for negative ``k``)."""
    out = np.full_like(a, fill)
    if k > 0:
        out[:, k:] = a[:, :-k]
    else:
        out[:, :k] = a[:, -k:]
    return out


class _Lattice:
    """The extended label sequences of a batch and their emission log-probs."""

    def __init__(self, y_true, y_pred, input_length, label_length):
        y_pred = np.asarray(y_pred)
        if y_pred.ndim != 3:
            raise ValueError("ctc_batch_cost expects y_pred of shape (batch, time, classes). "
                             f"Received: shape={y_pred.shape}")
        batch, steps, classes = y_pred.shape
        labels = np.asarray(y_true)
        if labels.ndim != 2 or labels.shape[0] != batch:
            raise ValueError("ctc_batch_cost expects y_true of shape (batch, max_label_length). "
                             f"Received: shape={labels.shape}")
        labels = labels.astype(np.int64)
        self.in_len = _lengths(input_length, batch, "input_length")
        lab_len = _lengths(label_length, batch, "label_length")
        if np.any(self.in_len > steps) or np.any(self.in_len < 0):
            raise ValueError(f"ctc input lengths must lie in [0, {steps}]. "
                             f"Received: input_length={self.in_len.tolist()}")
        if np.any(lab_len > labels.shape[1]) or np.any(lab_len < 0):
            raise ValueError(f"ctc label lengths must lie in [0, {labels.shape[1]}]. "
                             f"Received: label_length={lab_len.tolist()}")
        blank = classes - 1
        inside = np.arange(labels.shape[1])[None, :] < lab_len[:, None]
        bad = inside & ((labels < 0) | (labels >= blank))
        if np.any(bad):
            raise ValueError(f"ctc labels must lie in [0, {blank - 1}] (class {blank} is the "
                             f"blank). Received: labels {np.unique(labels[bad]).tolist()}")
        width = 2 * labels.shape[1] + 1
        ext = np.full((batch, width), blank, dtype=np.int64)
        ext[:, 1::2] = np.where(inside, labels, blank)
        self.ext = ext
        self.ext_len = 2 * lab_len + 1
        pos = np.arange(width)[None, :]
        self.valid = pos < self.ext_len[:, None]
        self.skip = (pos >= 2) & (ext != blank) & (ext != _shift(ext, 2, fill=-1))
        self.end = (pos == self.ext_len[:, None] - 1) | (pos == self.ext_len[:, None] - 2)
        self.lp, self.y, self.total = _log_probs(y_pred)
        index = np.broadcast_to(ext[:, None, :], (batch, steps, width))
        self.emit = np.take_along_axis(self.lp, index, axis=2)  # (B, T, S)
        self.steps, self.classes = steps, classes

    def forward(self):
        """Log alphas ``(T, B, S)`` (frozen after each item's length) and ``log p``."""
        valid, skip, emit = self.valid, self.skip, self.emit
        alpha = np.full(valid.shape, _NEG_INF)
        alpha[:, :2] = emit[:, 0, :2]
        alpha = np.where(valid, alpha, _NEG_INF)
        alphas = np.empty((self.steps,) + alpha.shape)
        alphas[0] = alpha
        for t in range(1, self.steps):
            new = np.logaddexp(alpha, _shift(alpha, 1))
            new = np.logaddexp(new, np.where(skip, _shift(alpha, 2), _NEG_INF)) + emit[:, t]
            new = np.where(valid, new, _NEG_INF)
            alpha = np.where((t < self.in_len)[:, None], new, alpha)
            alphas[t] = alpha
        final = np.where(self.end, alpha, _NEG_INF)
        with np.errstate(invalid="ignore"):
            log_p = np.logaddexp.reduce(final, axis=1)
        empty = self.in_len == 0  # no frames: only the empty label has probability 1
        log_p = np.where(empty, np.where(self.ext_len == 1, 0.0, _NEG_INF), log_p)
        return alphas, log_p

    def occupancy(self, alphas, log_p):
        """Posterior ``(B, T, S)`` of being in each lattice state at each frame."""
        valid, skip, emit = self.valid, self.skip, self.emit
        ahead_skip = _shift(skip, -2, fill=False)
        gamma = np.zeros((valid.shape[0], self.steps, valid.shape[1]))
        beta = np.full(valid.shape, _NEG_INF)  # excludes the emission at t
        start = np.where(self.end & valid, 0.0, _NEG_INF)
        feasible = np.isfinite(log_p)
        for t in range(self.steps - 1, -1, -1):
            if t < self.steps - 1:
                nxt = beta + emit[:, t + 1]
                rec = np.logaddexp(nxt, _shift(nxt, -1))
                rec = np.logaddexp(rec, np.where(ahead_skip, _shift(nxt, -2), _NEG_INF))
            else:
                rec = np.full(valid.shape, _NEG_INF)
            last = (t == self.in_len - 1)[:, None]
            before = (t < self.in_len - 1)[:, None]
            beta = np.where(last, start, np.where(before, np.where(valid, rec, _NEG_INF),
                                                  _NEG_INF))
            with np.errstate(invalid="ignore", over="ignore"):
                post = np.exp(alphas[t] + beta - log_p[:, None])
            gamma[:, t] = np.where(feasible[:, None] & np.isfinite(post), post, 0.0)
        return gamma

    def grad_log_probs(self, gamma):
        """d log p / d lp as ``(B, T, C)``: occupancies summed per class."""
        batch, steps, width = gamma.shape
        flat = ((np.arange(batch)[:, None, None] * steps + np.arange(steps)[None, :, None])
                * self.classes + self.ext[:, None, :])
        summed = np.bincount(flat.ravel(), weights=gamma.ravel(),
                             minlength=batch * steps * self.classes)
        return summed.reshape(batch, steps, self.classes)


def _ctc_vjp(g, ans, y_true, y_pred, input_length, label_length):
    lattice = _Lattice(y_true, y_pred, input_length, label_length)
    alphas, log_p = lattice.forward()
    dlogp = lattice.grad_log_probs(lattice.occupancy(alphas, log_p))
    # loss = -log p, lp = log(y + eps) - log(sum(y + eps))
    dloss_dy = -dlogp / lattice.y + dlogp.sum(axis=-1, keepdims=True) / lattice.total
    weight = np.asarray(g, dtype=np.float64).reshape(-1, 1, 1)
    weight = np.where(np.isfinite(weight), weight, 0.0)
    dy = (weight * dloss_dy).astype(np.asarray(y_pred).dtype)
    return None, dy, None, None


def _greedy(lp, in_len, blank):
    batch, steps, _ = lp.shape
    best = lp.argmax(axis=-1)  # (B, T)
    active = np.arange(steps)[None, :] < in_len[:, None]
    previous = np.concatenate([np.full((batch, 1), -1), best[:, :-1]], axis=1)
    keep = active & (best != blank) & (best != previous)
    log_prob = -np.where(active, lp.max(axis=-1), 0.0).sum(axis=1, keepdims=True)
    lengths = keep.sum(axis=1)
    width = int(lengths.max()) if batch else 0
    decoded = np.full((batch, width), -1, dtype=np.int64)
    decoded[np.arange(width)[None, :] < lengths[:, None]] = best[keep]  # row-major order
    return [decoded], log_prob


def _dense(sequences):
    """Sequences as an int64 ``(batch, max_len)`` array padded with ``-1``."""
    batch = len(sequences)
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    width = int(lengths.max()) if batch else 0
    out = np.full((batch, width), -1, dtype=np.int64)
    if width:
        mask = np.arange(width)[None, :] < lengths[:, None]
        out[mask] = np.concatenate([np.asarray(s, dtype=np.int64) for s in sequences])
    return out


def _beam_search(lp, beam_width, top_paths, blank):
    """Prefix beam search over one item's ``(T, C)`` log-probs.

    Returns the ``top_paths`` best label sequences and their log-probabilities
    (``-inf`` and an empty sequence where fewer paths exist).
    """
    prefixes = [()]
    p_blank = np.zeros(1)
    p_label = np.full(1, _NEG_INF)
    for row in lp:
        total = np.logaddexp(p_blank, p_label)
        last = np.array([p[-1] if p else -1 for p in prefixes])
        has_last = last >= 0
        stay_blank = total + row[blank]
        stay_label = np.where(has_last, p_label + row[np.where(has_last, last, 0)], _NEG_INF)
        grow = total[:, None] + row[None, :blank]  # (W, C-1): prefix + label
        rows = np.nonzero(has_last)[0]
        grow[rows, last[rows]] = p_blank[rows] + row[last[rows]]  # a repeat needs a blank
        index = {p: i for i, p in enumerate(prefixes)}
        for j, p in enumerate(prefixes):  # a grown prefix equal to a kept one merges into it
            i = index.get(p[:-1]) if p else None
            if i is not None:
                stay_label[j] = np.logaddexp(stay_label[j], grow[i, p[-1]])
                grow[i, p[-1]] = _NEG_INF
        scores = np.concatenate([np.logaddexp(stay_blank, stay_label), grow.ravel()])
        candidates = np.nonzero(np.isfinite(scores))[0]
        if candidates.size > beam_width:
            part = np.argpartition(-scores[candidates], beam_width - 1)[:beam_width]
            candidates = candidates[part]
        candidates = candidates[np.argsort(-scores[candidates], kind="stable")]
        new_prefixes, new_blank, new_label = [], [], []
        width = len(prefixes)
        for c in candidates:
            if c < width:
                new_prefixes.append(prefixes[c])
                new_blank.append(stay_blank[c])
                new_label.append(stay_label[c])
            else:
                i, label = divmod(c - width, blank)
                new_prefixes.append(prefixes[i] + (int(label),))
                new_blank.append(_NEG_INF)
                new_label.append(grow[i, label])
        prefixes = new_prefixes
        p_blank, p_label = np.array(new_blank), np.array(new_label)
    total = np.logaddexp(p_blank, p_label)
    order = np.argsort(-total, kind="stable")[:top_paths]
    paths = [prefixes[i] for i in order] + [()] * (top_paths - len(order))
    scores = np.concatenate([total[order], np.full(top_paths - len(order), _NEG_INF)])
    return paths, scores


class CtcOps:
    """The CTC primitives: loss, decoders and dense-to-sparse labels."""

    @primitive(_ctc_vjp)
    def ctc_batch_cost(self, y_true, y_pred, input_length, label_length):
        """CTC loss of each batch item.

        Args:
            y_true: ``(batch, max_label_length)`` labels in ``[0, classes - 1)``.
            y_pred: ``(batch, time, classes)`` softmax outputs; the last class
                is the blank.
            input_length: ``(batch, 1)`` frames used of each item.
            label_length: ``(batch, 1)`` labels used of each item.

        Returns:
            ``(batch, 1)`` negative log-likelihoods in ``y_pred``'s dtype
            (``inf`` where the label cannot fit the frames). Differentiable
            w.r.t. ``y_pred``.

        Example:
            >>> y = np.full((1, 2, 2), 0.5, np.float32)
            >>> NumpyBackend().ctc_batch_cost(np.int32([[0]]), y, [[2]], [[1]]).round(4)
            array([[0.2877]], dtype=float32)
        """
        lattice = _Lattice(y_true, y_pred, input_length, label_length)
        _, log_p = lattice.forward()
        return (-log_p[:, None]).astype(np.asarray(y_pred).dtype)

    def ctc_decode(self, y_pred, input_length, greedy=True, beam_width=100, top_paths=1):
        """Decode softmax outputs into label sequences.

        Args:
            y_pred: ``(batch, time, classes)`` softmax outputs (last class blank).
            input_length: ``(batch,)`` frames used of each item.
            greedy: best class per frame, repeats merged, blanks removed;
                otherwise prefix beam search.
            beam_width: beams kept per step (beam search).
            top_paths: number of sequences returned (beam search).

        Returns:
            ``(decoded, log_prob)``: ``decoded`` a list (one per path) of
            int64 ``(batch, max_length)`` arrays padded with ``-1``;
            ``log_prob`` ``(batch, top_paths)``. As in TensorFlow, greedy
            decoding gives the *negated* sum over frames of the best
            ``log(y_pred + epsilon)`` (``(batch, 1)``) and beam search the
            log-probability of each path.

        Example:
            >>> y = np.float32([[[0.1, 0.9], [0.8, 0.2]]])
            >>> NumpyBackend().ctc_decode(y, [2])[0][0].tolist()
            [[0]]
        """
        y_pred = np.asarray(y_pred)
        if y_pred.ndim != 3:
            raise ValueError("ctc_decode expects y_pred of shape (batch, time, classes). "
                             f"Received: shape={y_pred.shape}")
        batch, steps, classes = y_pred.shape
        in_len = np.clip(_lengths(input_length, batch, "input_length"), 0, steps)
        blank = classes - 1
        if greedy:
            logits = np.log(y_pred.astype(np.float64) + _epsilon())
            decoded, log_prob = _greedy(logits, in_len, blank)
            return decoded, log_prob.astype(y_pred.dtype)
        top_paths, beam_width = int(top_paths), int(beam_width)
        if not 1 <= top_paths <= beam_width:
            raise ValueError("ctc_decode needs 1 <= top_paths <= beam_width. "
                             f"Received: top_paths={top_paths}, beam_width={beam_width}")
        lp, _, _ = _log_probs(y_pred)
        results = [_beam_search(lp[b, :in_len[b]], beam_width, top_paths, blank)
                   for b in range(batch)]
        decoded = [_dense([paths[k] for paths, _ in results]) for k in range(top_paths)]
        log_prob = np.stack([scores for _, scores in results]).reshape(batch, top_paths)
        return decoded, log_prob.astype(y_pred.dtype)

    def ctc_label_dense_to_sparse(self, labels, label_lengths):
        """The first ``label_lengths[i]`` labels of each row, in sparse form.

        Args:
            labels: ``(batch, max_length)`` dense labels.
            label_lengths: ``(batch,)`` number of labels used per row.

        Returns:
            ``(indices, values, dense_shape)``: int64 ``(n, 2)`` row/column
            positions in row-major order, the ``n`` labels (``labels``'
            dtype) and the int64 shape of ``labels``.

        Example:
            >>> idx, val, shape = NumpyBackend().ctc_label_dense_to_sparse(
            ...     np.int32([[1, 2], [3, 0]]), np.int32([2, 1]))
            >>> idx.tolist(), val.tolist()
            ([[0, 0], [0, 1], [1, 0]], [1, 2, 3])
        """
        labels = np.asarray(labels)
        if labels.ndim != 2:
            raise ValueError("ctc_label_dense_to_sparse expects labels of shape "
                             f"(batch, max_length). Received: shape={labels.shape}")
        lengths = _lengths(label_lengths, labels.shape[0], "label_lengths")
        mask = np.arange(labels.shape[1])[None, :] < lengths[:, None]
        return (np.argwhere(mask).astype(np.int64), labels[mask],
                np.array(labels.shape, dtype=np.int64))
