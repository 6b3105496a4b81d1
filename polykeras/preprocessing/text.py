"""Text preprocessing: word splitting, hashing, and the ``Tokenizer`` vocabulary.

``Tokenizer.to_json`` writes the Keras 2 layout (a ``config`` whose counts
and indices are JSON strings), so tokenizers move both ways between Keras 2
and polykeras. Decision: ``texts_to_matrix`` and ``sequences_to_matrix``
return float32 (Keras 2: float64), built with one scatter per call.
"""
import collections
import hashlib
import json

import numpy as np

__all__ = ["Tokenizer", "hashing_trick", "one_hot", "text_to_word_sequence",
           "tokenizer_from_json"]

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
MATRIX_MODES = ("binary", "count", "tfidf", "freq")


def text_to_word_sequence(input_text, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Split a text into words, dropping the characters in ``filters``.

    Args:
        input_text: a string.
        filters: characters replaced by ``split`` before splitting.
        lower: lower-case the text first.
        split: the word separator.

    Returns:
        A list of non-empty words.

    Example:
        >>> text_to_word_sequence("Hello, World!")
        ['hello', 'world']
    """
    if not isinstance(input_text, str):
        raise TypeError(f"text_to_word_sequence expected a string. "
                        f"Received: {type(input_text).__name__}")
    if lower:
        input_text = input_text.lower()
    input_text = input_text.translate(str.maketrans({c: split for c in filters}))
    return [word for word in input_text.split(split) if word]


def _md5_hash(word):
    return int(hashlib.md5(word.encode("utf8")).hexdigest(), 16)


def hashing_trick(text, n, hash_function=None, filters=DEFAULT_FILTERS, lower=True, split=" ",
                  analyzer=None):
    """Encode a text as word indices in ``[1, n - 1]`` by hashing each word.

    Args:
        text: a string.
        n: the hashing space size; 0 is never produced (it is kept for padding).
        hash_function: ``None`` (Python's ``hash``, which varies between runs
            unless ``PYTHONHASHSEED`` is set), ``"md5"`` (stable), or a
            function from a string to an int.
        filters, lower, split: as in :func:`text_to_word_sequence`.
        analyzer: a function from the text to its words, used instead of
            :func:`text_to_word_sequence`.

    Returns:
        A list of ints.

    Raises:
        ValueError: ``n`` is below 2.

    Example:
        >>> hashing_trick("the cat the", 10, hash_function="md5")
        [2, 8, 2]
    """
    if n < 2:
        raise ValueError(f"hashing_trick needs n >= 2 (index 0 is reserved). Received: n={n}")
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        hash_function = _md5_hash
    words = analyzer(text) if analyzer else text_to_word_sequence(text, filters, lower, split)
    return [hash_function(word) % (n - 1) + 1 for word in words]


def one_hot(input_text, n, filters=DEFAULT_FILTERS, lower=True, split=" ", analyzer=None):
    """Encode a text as word indices in ``[1, n - 1]`` with Python's ``hash``.

    Same as :func:`hashing_trick` with ``hash_function=None``: two words may
    share an index, and indices vary between runs unless ``PYTHONHASHSEED`` is set.

    Example:
        >>> len(one_hot("the cat sat", 50))
        3
    """
    return hashing_trick(input_text, n, None, filters, lower, split, analyzer)


class Tokenizer:
    """A vocabulary built from texts, turning texts into index sequences or matrices.

    Words are indexed by decreasing count (ties: first seen first) from 1; 0
    is never a word. With ``oov_token``, that token has index 1 and stands
    for unknown words (and for words past ``num_words``).

    Args:
        num_words: only the ``num_words - 1`` most frequent words are used when
            converting (the index keeps every word); ``None``: all.
        filters: characters removed from texts.
        lower: lower-case texts.
        split: the word separator.
        char_level: every character is a token.
        oov_token: a token for out-of-vocabulary words, or ``None`` to drop them.
        analyzer: a function from a text to its tokens (replaces the splitting).
        document_count: the number of texts already fitted (for restoring).

    Attributes:
        word_counts: ordered dict word -> number of occurrences.
        word_docs: dict word -> number of texts containing it.
        word_index, index_word: dicts word -> index and index -> word.
        index_docs: dict index -> number of texts containing it.
        document_count: number of texts (or sequences) fitted.

    Example:
        >>> tokenizer = Tokenizer(num_words=100, oov_token="<unk>")
        >>> tokenizer.fit_on_texts(["the cat sat", "the dog"])
        >>> tokenizer.texts_to_sequences(["the bird sat"])
        [[2, 1, 4]]
    """

    def __init__(self, num_words=None, filters=DEFAULT_FILTERS, lower=True, split=" ",
                 char_level=False, oov_token=None, analyzer=None, document_count=0, **kwargs):
        if "nb_words" in kwargs:
            num_words = kwargs.pop("nb_words")
        if kwargs:
            raise TypeError(f"Tokenizer got unexpected keyword arguments: {sorted(kwargs)}")
        if num_words is not None and (int(num_words) != num_words or num_words < 1):
            raise ValueError(f"num_words must be a positive integer or None. "
                             f"Received: num_words={num_words!r}")
        self.num_words = num_words
        self.filters = filters
        self.lower = lower
        self.split = split
        self.char_level = char_level
        self.oov_token = oov_token
        self.analyzer = analyzer
        self.document_count = document_count
        self.word_counts = collections.OrderedDict()
        self.word_docs = collections.defaultdict(int)
        self.index_docs = collections.defaultdict(int)
        self.word_index = {}
        self.index_word = {}

    def _tokens(self, text):
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return list(text)
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts):
        """Count the words of ``texts`` (strings, or lists of tokens) and rebuild the index.

        Example:
            >>> tokenizer.fit_on_texts(["a b", "b c"])
        """
        for text in texts:
            self.document_count += 1
            tokens = self._tokens(text)
            for token in tokens:
                self.word_counts[token] = self.word_counts.get(token, 0) + 1
            for token in set(tokens):
                self.word_docs[token] += 1
        ranked = sorted(self.word_counts.items(), key=lambda item: item[1], reverse=True)
        vocabulary = ([self.oov_token] if self.oov_token is not None else [])
        vocabulary += [word for word, _ in ranked if word != self.oov_token]
        self.word_index = {word: i for i, word in enumerate(vocabulary, start=1)}
        self.index_word = {i: word for word, i in self.word_index.items()}
        self.index_docs = collections.defaultdict(int)
        for word, count in self.word_docs.items():
            self.index_docs[self.word_index[word]] = count

    def fit_on_sequences(self, sequences):
        """Count, per index, the sequences containing it (needed for ``tfidf`` after
        fitting on sequences only).

        Example:
            >>> tokenizer.fit_on_sequences([[1, 2], [2, 3]])
        """
        self.document_count += len(sequences)
        for sequence in sequences:
            for i in set(sequence):
                self.index_docs[i] += 1

    def texts_to_sequences(self, texts):
        """Each text as a list of word indices (see :meth:`texts_to_sequences_generator`).

        Example:
            >>> tokenizer.texts_to_sequences(["b c"])
            [[1, 2]]
        """
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        """Yield each text as a list of word indices.

        Unknown words, and words of index ``num_words`` or more, become the
        ``oov_token`` index, or are dropped without ``oov_token``.
        """
        oov = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        for text in texts:
            indices = []
            for token in self._tokens(text):
                i = self.word_index.get(token)
                if i is None or (self.num_words and i >= self.num_words):
                    i = oov
                if i is not None:
                    indices.append(i)
            yield indices

    def sequences_to_texts(self, sequences):
        """Each index sequence as a text of space-separated words.

        Example:
            >>> tokenizer.sequences_to_texts([[1, 2]])
            ['b c']
        """
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        """Yield each index sequence as a text; unknown indices (and those of
        ``num_words`` or more) become ``oov_token``, or are dropped without it."""
        oov = self.oov_token if self.oov_token in self.word_index else None
        for sequence in sequences:
            words = []
            for i in sequence:
                word = self.index_word.get(i)
                if word is None or (self.num_words and i >= self.num_words):
                    word = oov
                if word is not None:
                    words.append(word)
            yield " ".join(words)

    def texts_to_matrix(self, texts, mode="binary"):
        """One row per text over the vocabulary; see :meth:`sequences_to_matrix`.

        Example:
            >>> tokenizer.texts_to_matrix(["b b c"], mode="count")
            array([[0., 2., 1., 0.]], dtype=float32)
        """
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """One row per sequence, one column per index below ``num_words``.

        Args:
            sequences: lists of word indices.
            mode: ``"binary"`` (1 where the index occurs), ``"count"``,
                ``"freq"`` (count / sequence length) or ``"tfidf"``
                (``(1 + ln count) * ln(1 + documents / (1 + documents with the index))``).

        Returns:
            A float32 array of shape ``(len(sequences), num_words)`` (without
            ``num_words``: ``len(word_index) + 1`` columns).

        Raises:
            ValueError: an unknown ``mode``; no ``num_words`` and nothing
                fitted; ``tfidf`` before fitting.
        """
        if mode not in MATRIX_MODES:
            raise ValueError(f"mode must be one of {', '.join(MATRIX_MODES)}. "
                             f"Received: mode={mode!r}")
        if self.num_words:
            width = self.num_words
        elif self.word_index:
            width = len(self.word_index) + 1
        else:
            raise ValueError("sequences_to_matrix needs a width: pass num_words to the "
                             "Tokenizer, or fit it on texts first.")
        if mode == "tfidf" and not self.document_count:
            raise ValueError('mode="tfidf" needs document counts: fit the Tokenizer first.')
        lengths = np.array([len(s) for s in sequences], dtype=np.int64)
        flat = np.fromiter((i for s in sequences for i in s), np.int64, int(lengths.sum()))
        rows = np.repeat(np.arange(len(lengths)), lengths)
        inside = flat < width
        counts = np.zeros((len(lengths), width), dtype=np.float64)
        np.add.at(counts, (rows[inside], flat[inside]), 1.)
        if mode == "count":
            matrix = counts
        elif mode == "binary":
            matrix = (counts > 0).astype(np.float64)
        elif mode == "freq":
            matrix = counts / np.maximum(lengths, 1)[:, None]
        else:
            docs = np.zeros(width)
            known = [(i, c) for i, c in self.index_docs.items() if 0 <= i < width]
            if known:
                where, how_many = zip(*known)
                docs[list(where)] = how_many
            idf = np.log(1. + self.document_count / (1. + docs))
            with np.errstate(divide="ignore"):
                matrix = np.where(counts > 0, (1. + np.log(counts)) * idf, 0.)
        return matrix.astype(np.float32)

    def get_config(self):
        """The tokenizer's settings and state, counts and indices as JSON strings (Keras 2 layout).
        """
        return {
            "num_words": self.num_words,
            "filters": self.filters,
            "lower": self.lower,
            "split": self.split,
            "char_level": self.char_level,
            "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts),
            "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs),
            "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }

    def to_json(self, **kwargs):
        """A JSON string ``{"class_name": "Tokenizer", "config": ...}``; ``kwargs`` go to
        ``json.dumps``. Load it with :func:`tokenizer_from_json`. The ``analyzer``
        function is not saved.

        Example:
            >>> restored = tokenizer_from_json(tokenizer.to_json())
        """
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()},
                          **kwargs)


def tokenizer_from_json(json_string):
    """A :class:`Tokenizer` restored from :meth:`Tokenizer.to_json` output (or Keras 2's).

    Raises:
        ValueError: the JSON does not describe a Tokenizer.

    Example:
        >>> tokenizer = tokenizer_from_json(open("tokenizer.json").read())
    """
    data = json.loads(json_string)
    if not isinstance(data, dict) or "config" not in data:
        raise ValueError("tokenizer_from_json expected a JSON object with a 'config' entry "
                         "(as written by Tokenizer.to_json).")
    config = dict(data["config"])
    state = {key: json.loads(config.pop(key, "{}"))
             for key in ("word_counts", "word_docs", "index_docs", "word_index", "index_word")}
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = collections.OrderedDict(state["word_counts"])
    tokenizer.word_docs = collections.defaultdict(int, state["word_docs"])
    tokenizer.index_docs = collections.defaultdict(
        int, {int(k): v for k, v in state["index_docs"].items()})
    tokenizer.word_index = state["word_index"]
    tokenizer.index_word = {int(k): v for k, v in state["index_word"].items()}
    return tokenizer
