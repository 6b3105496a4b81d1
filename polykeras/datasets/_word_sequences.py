"""Index arithmetic shared by the IMDB and Reuters loaders, on all sequences at once.

The sequences are concatenated into one flat array with their lengths, so
offsetting, start markers, length filtering and vocabulary cuts are array
operations rather than loops over words.
"""
import numpy as np


class FlatSequences:
    """Variable-length integer sequences as one flat array plus lengths."""

    def __init__(self, values, lengths):
        self.values = values
        self.lengths = lengths

    @classmethod
    def from_lists(cls, sequences):
        lengths = np.fromiter((len(s) for s in sequences), np.int64, len(sequences))
        if lengths.sum():
            values = np.concatenate([np.asarray(s, np.int64) for s in sequences if len(s)])
        else:
            values = np.zeros(0, np.int64)
        return cls(values, lengths)

    def owners(self):
        """The index of the sequence each flat value belongs to."""
        return np.repeat(np.arange(len(self.lengths)), self.lengths)

    def take(self, keep):
        """The sequences where the boolean mask ``keep`` (one per sequence) is true."""
        return FlatSequences(self.values[keep[self.owners()]], self.lengths[keep])

    def keep_values(self, keep):
        """Drop the values where the boolean mask ``keep`` (one per value) is false."""
        counts = np.bincount(self.owners()[keep], minlength=len(self.lengths))
        return FlatSequences(self.values[keep], counts.astype(np.int64))

    def to_object_array(self):
        """A 1-D object array of Python lists of ints (the Keras 2 layout)."""
        out = np.empty(len(self.lengths), dtype=object)
        pieces = np.split(self.values, np.cumsum(self.lengths)[:-1]) if len(self.lengths) else []
        for i, piece in enumerate(pieces):
            out[i] = piece.tolist()
        return out


def encode(sequences, columns, num_words, skip_top, maxlen, start_char, oov_char, index_from):
    """Apply the Keras 2 ``load_data`` word-index options.

    Order, as in Keras 2: every index is shifted by ``index_from`` and
    ``start_char`` is put in front; sequences whose length (with the start
    marker) is ``maxlen`` or more are dropped; indices outside
    ``[skip_top, num_words)`` become ``oov_char`` (or are removed when
    ``oov_char`` is ``None``). Without ``num_words``, the limit is the largest
    index present (which, as in Keras 2, itself falls outside the range).

    Args:
        sequences: a :class:`FlatSequences`.
        columns: a list of arrays with one entry per sequence (labels...),
            filtered along with the sequences.
        num_words, skip_top, maxlen, start_char, oov_char, index_from: the
            ``load_data`` options.

    Returns:
        ``(sequences, columns)`` after the options are applied.
    """
    values = sequences.values + (index_from or 0)
    lengths = sequences.lengths
    if start_char is not None:
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        values = np.insert(values, starts, start_char)
        lengths = lengths + 1
    sequences = FlatSequences(values, lengths)
    if maxlen:
        keep = lengths < maxlen
        sequences, columns = sequences.take(keep), [column[keep] for column in columns]
    if not num_words:
        num_words = int(sequences.values.max()) if sequences.values.size else 0
    inside = (sequences.values >= skip_top) & (sequences.values < num_words)
    if oov_char is not None:
        values = np.where(inside, sequences.values, oov_char)
        return FlatSequences(values, sequences.lengths), columns
    return sequences.keep_values(inside), columns
