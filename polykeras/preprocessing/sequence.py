"""Sequence preprocessing: padding, skip-gram pairs, word-sampling tables, time-series windows.

Decisions: ``pad_sequences`` places all sequences with one scatter (no loop
over elements); ``skipgrams`` draws from a NumPy generator seeded by ``seed``
(Keras 2 used Python's ``random``), so a given seed gives the same pairs on
every platform; ``TimeseriesGenerator`` gathers a batch of windows with one
fancy index.
"""
import numpy as np

from polykeras.utils.data_utils import Sequence

__all__ = ["TimeseriesGenerator", "make_sampling_table", "pad_sequences", "skipgrams"]

_SIDES = ("pre", "post")


def _as_arrays(sequences):
    try:
        items = list(sequences)
    except TypeError:
        raise ValueError(f"pad_sequences expected an iterable of sequences. "
                         f"Received: {type(sequences).__name__}") from None
    arrays = []
    for position, item in enumerate(items):
        if not hasattr(item, "__len__"):
            raise ValueError(f"pad_sequences expected a list of sequences (objects with a "
                             f"length). Received: {item!r} at position {position}.")
        arrays.append(np.asarray(item))
    return arrays


def _check_value_dtype(value, dtype):
    is_text_dtype = np.issubdtype(np.dtype(dtype), np.str_) or np.dtype(dtype) == object
    if isinstance(value, str) and not is_text_dtype:
        raise ValueError(f"pad_sequences: dtype {dtype!r} cannot hold the padding value "
                         f"{value!r}. Use dtype=object or a string dtype for text.")


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.):
    """Pad (and truncate) sequences to one length, giving a 2-D (or higher) array.

    Args:
        sequences: a list of sequences (lists or arrays of shape ``(length, ...)``;
            all must share the trailing shape).
        maxlen: the output length; ``None``: the longest sequence's length.
        dtype: dtype of the output (``object`` or a string dtype for text).
        padding: ``"pre"`` or ``"post"``: pad before or after each sequence.
        truncating: ``"pre"`` or ``"post"``: drop values from the start or the
            end of sequences longer than ``maxlen``.
        value: the padding value.

    Returns:
        An array of shape ``(len(sequences), maxlen) + trailing_shape``.

    Raises:
        ValueError: ``sequences`` is not a list of sequences, ``padding`` or
            ``truncating`` is not ``"pre"``/``"post"``, a sequence's trailing
            shape differs from the first non-empty one's, or ``value`` is a
            string and ``dtype`` cannot hold it.

    Example:
        >>> pad_sequences([[1, 2, 3], [4]], maxlen=2, padding="post")
        array([[2, 3],
               [4, 0]], dtype=int32)
    """
    if padding not in _SIDES:
        raise ValueError(f'padding must be "pre" or "post". Received: padding={padding!r}')
    if truncating not in _SIDES:
        raise ValueError(f'truncating must be "pre" or "post". '
                         f"Received: truncating={truncating!r}")
    _check_value_dtype(value, dtype)
    arrays = _as_arrays(sequences)
    lengths = np.array([len(a) for a in arrays], dtype=np.int64)
    filled = [a for a in arrays if len(a)]
    trailing = filled[0].shape[1:] if filled else ()
    for position, a in enumerate(arrays):
        if len(a) and a.shape[1:] != trailing:
            raise ValueError(f"pad_sequences: sequence {position} has items of shape "
                             f"{a.shape[1:]}, expected {trailing} (the shape of the first "
                             "non-empty sequence's items).")
    if maxlen is None:
        maxlen = int(lengths.max()) if len(lengths) else 0
    if maxlen < 0:
        raise ValueError(f"maxlen must be non-negative. Received: maxlen={maxlen}")
    out = np.full((len(arrays), maxlen) + trailing, value, dtype=dtype)
    if not filled or maxlen == 0:
        return out
    flat = np.concatenate(filled).astype(dtype, copy=False)
    owner = np.repeat(np.arange(len(arrays)), lengths)
    position = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    kept = np.minimum(lengths, maxlen)
    first = lengths - kept if truncating == "pre" else np.zeros_like(lengths)
    column = position - first[owner]
    inside = (column >= 0) & (column < kept[owner])
    if padding == "pre":
        column = column + (maxlen - kept)[owner]
    out[owner[inside], column[inside]] = flat[inside]
    return out


def make_sampling_table(size, sampling_factor=1e-5):
    """Probabilities of keeping each word rank when subsampling frequent words (word2vec).

    Word frequencies are taken to follow Zipf's law: the word of rank ``r``
    has frequency about ``1 / (r (ln r + gamma))`` (with the Euler-Maclaurin
    correction ``+ 1/2 - 1/(12 r)``). With ``f = sampling_factor / frequency``,
    the keep probability is word2vec's ``min(1, sqrt(f))``.

    Args:
        size: the vocabulary size (ranks 0 to ``size - 1``; rank 0 is treated as 1).
        sampling_factor: the word2vec sampling factor.

    Returns:
        A float64 array of ``size`` probabilities, non-decreasing with rank.

    Example:
        >>> make_sampling_table(5)[:2]
        array([0.00315..., 0.00315...])
    """
    euler_gamma = 0.577
    rank = np.arange(size, dtype=np.float64)
    rank[0] = 1
    inverse_frequency = rank * (np.log(rank) + euler_gamma) + 0.5 - 1. / (12. * rank)
    f = sampling_factor * inverse_frequency
    return np.minimum(1., np.sqrt(f))


def skipgrams(sequence, vocabulary_size, window_size=4, negative_samples=1., shuffle=True,
              categorical=False, sampling_table=None, seed=None):
    """Skip-gram pairs ``[word, context]`` labelled 1, and random negative pairs labelled 0.

    Index 0 is padding: it never appears in a pair.

    Args:
        sequence: a list of word indices.
        vocabulary_size: negative contexts are drawn from ``[1, vocabulary_size - 1]``.
        window_size: the largest distance between a word and its context.
        negative_samples: number of negative pairs per positive pair.
        shuffle: shuffle the pairs (and their labels alike).
        categorical: labels ``[0, 1]`` / ``[1, 0]`` instead of ``1`` / ``0``.
        sampling_table: keep probabilities per word index (see
            :func:`make_sampling_table`); a word is skipped as a centre word
            with probability ``1 - sampling_table[word]``.
        seed: seed of the sampling, the negative draws and the shuffle.

    Returns:
        ``(couples, labels)``: a list of ``[word, context]`` lists and a list of labels.

    Example:
        >>> couples, labels = skipgrams([1, 2, 3], vocabulary_size=4, window_size=1)
    """
    rng = np.random.default_rng(seed)
    words = np.asarray(sequence, dtype=np.int64).reshape(-1)
    centre_ok = words != 0
    if sampling_table is not None:
        table = np.asarray(sampling_table)
        centre_ok &= table[np.where(centre_ok, words, 0)] >= rng.random(len(words))
    index = np.arange(len(words))
    pairs = []
    for offset in range(-window_size, window_size + 1):
        if offset == 0:
            continue
        context = index + offset
        valid = (context >= 0) & (context < len(words)) & centre_ok
        valid[valid] &= words[context[valid]] != 0
        pairs.append(np.stack([index[valid], context[valid]], axis=1))
    positions = np.concatenate(pairs) if pairs else np.zeros((0, 2), np.int64)
    positions = positions[np.lexsort((positions[:, 1], positions[:, 0]))]
    couples = words[positions]
    labels = np.ones(len(couples), dtype=np.int64)
    negatives = int(len(couples) * negative_samples) if negative_samples > 0 else 0
    if negatives and len(couples):
        centres = rng.permutation(couples[:, 0])
        fakes = np.stack([centres[np.arange(negatives) % len(centres)],
                          rng.integers(1, max(int(vocabulary_size) - 1, 1), negatives,
                                       endpoint=True)], axis=1)
        couples = np.concatenate([couples, fakes])
        labels = np.concatenate([labels, np.zeros(negatives, np.int64)])
    if shuffle:
        order = rng.permutation(len(couples))
        couples, labels = couples[order], labels[order]
    if categorical:
        return couples.tolist(), np.stack([1 - labels, labels], axis=1).tolist()
    return couples.tolist(), labels.tolist()


class TimeseriesGenerator(Sequence):
    """Batches of fixed-length windows over a time series, with the target that follows each.

    Sample ``i`` of the series gives the window
    ``data[i - length : i : sampling_rate]`` and the target ``targets[i]``,
    for ``i`` from ``start_index + length`` to ``end_index``, every ``stride`` steps.

    Args:
        data: an indexable array of time steps (first axis: time).
        targets: targets, one per time step (same length as ``data``).
        length: number of time steps in a window (before sampling).
        sampling_rate: period between the time steps kept in a window.
        stride: period between consecutive windows.
        start_index, end_index: the first and last time steps used as a
            target position (``end_index`` ``None``: the last step).
        shuffle: draw random window positions for each batch.
        reverse: give the time steps of each window in reverse order.
        batch_size: windows per batch (the last batch may be smaller).

    Raises:
        ValueError: ``data`` and ``targets`` differ in length, or no window fits.

    Example:
        >>> batches = TimeseriesGenerator(np.arange(10), np.arange(10), length=3, batch_size=2)
        >>> batches[0]
        (array([[0, 1, 2], [1, 2, 3]]), array([3, 4]))
    """

    def __init__(self, data, targets, length, sampling_rate=1, stride=1, start_index=0,
                 end_index=None, shuffle=False, reverse=False, batch_size=128):
        if len(data) != len(targets):
            raise ValueError(f"TimeseriesGenerator: data and targets must have the same "
                             f"length. Received: len(data)={len(data)}, "
                             f"len(targets)={len(targets)}")
        for name, number in (("length", length), ("sampling_rate", sampling_rate),
                             ("stride", stride), ("batch_size", batch_size)):
            if int(number) != number or number < 1:
                raise ValueError(f"TimeseriesGenerator: {name} must be a positive integer. "
                                 f"Received: {name}={number!r}")
        self.data = np.asarray(data)
        self.targets = np.asarray(targets)
        self.length = int(length)
        self.sampling_rate = int(sampling_rate)
        self.stride = int(stride)
        self.start_index = start_index + self.length
        self.end_index = len(data) - 1 if end_index is None else end_index
        self.shuffle = shuffle
        self.reverse = reverse
        self.batch_size = int(batch_size)
        if self.start_index > self.end_index:
            raise ValueError(f"TimeseriesGenerator: start_index + length = {self.start_index} "
                             f"is past end_index = {self.end_index}, so no window fits.")

    def __len__(self):
        span = self.batch_size * self.stride
        return (self.end_index - self.start_index + span) // span

    def __getitem__(self, index):
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1, size=self.batch_size)
        else:
            first = self.start_index + self.batch_size * self.stride * index
            rows = np.arange(first, min(first + self.batch_size * self.stride,
                                        self.end_index + 1), self.stride)
        steps = np.arange(-self.length, 0, self.sampling_rate)
        samples = self.data[rows[:, None] + steps[None, :]]
        if self.reverse:
            samples = samples[:, ::-1]
        return samples, self.targets[rows]
