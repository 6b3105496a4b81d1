"""preprocessing.text: Tokenizer against counting references, the real IMDB word ranks,
and tf_keras (JSON both ways, matrices) where installed."""
import collections
import hashlib
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from polykeras.preprocessing.text import (
    Tokenizer,
    hashing_trick,
    one_hot,
    text_to_word_sequence,
    tokenizer_from_json,
)

TEXTS = ["The cat sat on the mat.", "The dog ate my homework!", "A cat, a dog; the end",
         "Mat mat MAT"]
SHARED = os.environ.get("POLYKERAS_DATASETS_DIR") or os.path.join(
    os.path.dirname(__file__), "..", "..", "shared", "datasets")


def test_text_to_word_sequence():
    assert text_to_word_sequence("Hello, World!  Again") == ["hello", "world", "again"]
    assert text_to_word_sequence("a-b c", filters="", lower=False, split="-") == ["a", "b c"]
    with pytest.raises(TypeError, match="string"):
        text_to_word_sequence(["not", "a", "string"])


def test_word_index_ranks_by_count_then_first_seen():
    tokenizer = Tokenizer()
    tokenizer.fit_on_texts(TEXTS)
    words = [w for t in TEXTS for w in text_to_word_sequence(t)]
    counts = collections.Counter(words)
    first_seen = {w: words.index(w) for w in counts}
    ranked = sorted(counts, key=lambda w: (-counts[w], first_seen[w]))
    assert sorted(tokenizer.word_index, key=tokenizer.word_index.get) == ranked
    assert [tokenizer.word_index[w] for w in ranked] == list(range(1, len(ranked) + 1))
    assert tokenizer.index_word == {i: w for w, i in tokenizer.word_index.items()}
    assert dict(tokenizer.word_counts) == dict(counts)
    assert tokenizer.word_docs["the"] == 3 and tokenizer.word_docs["mat"] == 2
    assert tokenizer.document_count == 4


def test_texts_to_sequences_num_words_and_oov():
    tokenizer = Tokenizer(num_words=4, oov_token="<unk>")
    tokenizer.fit_on_texts(TEXTS)
    index = tokenizer.word_index
    assert index["<unk>"] == 1
    expected = [[index[w] if index.get(w, 99) < 4 else 1 for w in text_to_word_sequence(t)]
                for t in ["the cat saw a zebra"]]
    assert tokenizer.texts_to_sequences(["the cat saw a zebra"]) == expected
    plain = Tokenizer(num_words=4)
    plain.fit_on_texts(TEXTS)
    assert all(i < 4 for i in plain.texts_to_sequences(["the cat saw a zebra mat"])[0])
    assert plain.sequences_to_texts([[1, 2, 3, 50]]) == [
        " ".join(plain.index_word[i] for i in (1, 2, 3))]
    assert tokenizer.sequences_to_texts([[index["the"], 77]]) == ["the <unk>"]


def test_char_level_and_token_lists():
    tokenizer = Tokenizer(char_level=True)
    tokenizer.fit_on_texts(["abca", "Bc"])
    assert tokenizer.word_index == {"a": 1, "b": 2, "c": 3}
    assert tokenizer.texts_to_sequences(["cab"]) == [[3, 1, 2]]
    listed = Tokenizer()
    listed.fit_on_texts([["New York", "is"], ["new york"]])
    assert listed.word_index == {"new york": 1, "is": 2}


def _reference_matrix(tokenizer, sequences, mode, width):
    out = np.zeros((len(sequences), width))
    docs = collections.Counter()
    for text in TEXTS:
        docs.update(set(tokenizer.texts_to_sequences([text])[0]))
    for row, seq in enumerate(sequences):
        for j, c in collections.Counter(i for i in seq if i < width).items():
            if mode == "count":
                out[row, j] = c
            elif mode == "binary":
                out[row, j] = 1
            elif mode == "freq":
                out[row, j] = c / len(seq)
            else:
                out[row, j] = (1 + math.log(c)) * math.log(1 + len(TEXTS) / (1 + docs[j]))
    return out


@pytest.mark.parametrize("mode", ["binary", "count", "freq", "tfidf"])
def test_texts_to_matrix_modes(mode):
    tokenizer = Tokenizer()
    tokenizer.fit_on_texts(TEXTS)
    queries = ["the mat the mat mat", "dog homework", ""]
    sequences = tokenizer.texts_to_sequences(queries)
    width = len(tokenizer.word_index) + 1
    matrix = tokenizer.texts_to_matrix(queries, mode=mode)
    assert matrix.shape == (3, width) and matrix.dtype == np.float32
    np.testing.assert_allclose(matrix, _reference_matrix(tokenizer, sequences, mode, width),
                               rtol=1e-6)
    limited = Tokenizer(num_words=3)
    limited.fit_on_texts(TEXTS)
    assert limited.sequences_to_matrix([[1, 2, 5]], mode=mode).shape == (1, 3)


def test_matrix_errors():
    with pytest.raises(ValueError, match="fit it on texts"):
        Tokenizer().sequences_to_matrix([[1]])
    with pytest.raises(ValueError, match="tfidf"):
        Tokenizer(num_words=5).sequences_to_matrix([[1]], mode="tfidf")
    with pytest.raises(ValueError, match="mode must be"):
        Tokenizer(num_words=5).sequences_to_matrix([[1]], mode="sum")


def test_fit_on_sequences_enables_tfidf():
    tokenizer = Tokenizer(num_words=4)
    tokenizer.fit_on_sequences([[1, 2], [2, 3], [2]])
    matrix = tokenizer.sequences_to_matrix([[2, 2]], mode="tfidf")
    np.testing.assert_allclose(matrix[0, 2], (1 + math.log(2)) * math.log(1 + 3 / 4), rtol=1e-6)


def test_json_round_trip():
    tokenizer = Tokenizer(num_words=6, oov_token="<oov>")
    tokenizer.fit_on_texts(TEXTS)
    restored = tokenizer_from_json(tokenizer.to_json())
    for name in ("word_index", "index_word", "word_counts", "word_docs", "index_docs",
                 "document_count", "num_words", "oov_token", "filters"):
        assert getattr(restored, name) == getattr(tokenizer, name), name
    np.testing.assert_array_equal(restored.texts_to_matrix(TEXTS, "tfidf"),
                                  tokenizer.texts_to_matrix(TEXTS, "tfidf"))
    assert json.loads(tokenizer.to_json())["class_name"] == "Tokenizer"
    with pytest.raises(ValueError, match="config"):
        tokenizer_from_json("[1, 2]")


def test_hashing_trick_md5_and_one_hot():
    words = text_to_word_sequence(TEXTS[0])
    expected = [int(hashlib.md5(w.encode()).hexdigest(), 16) % 9 + 1 for w in words]
    assert hashing_trick(TEXTS[0], 10, hash_function="md5") == expected
    assert hashing_trick("a b", 5, hash_function=len) == [2, 2]
    encoded = one_hot(TEXTS[1], 7)
    assert len(encoded) == 5 and all(1 <= i <= 6 for i in encoded)
    with pytest.raises(ValueError, match="n >= 2"):
        hashing_trick("a", 1)


def test_md5_hashing_is_stable_across_processes():
    code = ("from polykeras.preprocessing.text import hashing_trick;"
            "print(hashing_trick('stable words here', 1000, hash_function='md5'))")
    env = dict(os.environ, PYTHONHASHSEED="random")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True)
    assert out.stdout.strip() == str(hashing_trick("stable words here", 1000, "md5"))


@pytest.mark.skipif(not os.path.exists(os.path.join(SHARED, "imdb_word_index.json")),
                    reason="../shared/datasets is not present")
def test_tokenizer_reproduces_imdb_word_ranks():
    with open(os.path.join(SHARED, "imdb_word_index.json"), encoding="utf8") as f:
        index = json.load(f)
    top = [w for w, _ in sorted(index.items(), key=lambda item: item[1])[:300]
           if w.isalpha()][:150]
    # The word at IMDB position k occurs (150 - k) times.
    corpus = [" ".join(w for k, w in enumerate(top) for _ in range(150 - k))]
    tokenizer = Tokenizer()
    tokenizer.fit_on_texts(corpus)
    ours = sorted(tokenizer.word_index, key=tokenizer.word_index.get)
    assert ours == sorted(top, key=index.get)
    vocabulary = sorted(index, key=index.get)[:2000]
    hashed = hashing_trick(" ".join(w for w in vocabulary if w.isalpha()), 500, "md5")
    assert min(hashed) >= 1 and max(hashed) <= 499 and len(set(hashed)) > 400


def test_tf_keras_reads_our_json_and_we_read_theirs():
    tf_keras = pytest.importorskip("tf_keras")
    text = tf_keras.preprocessing.text
    ours = Tokenizer(num_words=7, oov_token="<oov>")
    ours.fit_on_texts(TEXTS)
    theirs = text.tokenizer_from_json(ours.to_json())
    assert theirs.texts_to_sequences(TEXTS) == ours.texts_to_sequences(TEXTS)
    keras_tok = text.Tokenizer(num_words=7, oov_token="<oov>")
    keras_tok.fit_on_texts(TEXTS)
    restored = tokenizer_from_json(keras_tok.to_json())
    assert restored.word_index == keras_tok.word_index
    for mode in ("binary", "count", "freq", "tfidf"):
        np.testing.assert_allclose(restored.texts_to_matrix(TEXTS, mode),
                                   keras_tok.texts_to_matrix(TEXTS, mode), rtol=1e-6)
    assert restored.sequences_to_texts([[1, 2, 3, 9]]) == keras_tok.sequences_to_texts(
        [[1, 2, 3, 9]])
