"""preprocessing.sequence against per-element references (and tf_keras where installed)."""
import numpy as np
import pytest

from polykeras.preprocessing import sequence
from polykeras.preprocessing.sequence import (
    TimeseriesGenerator,
    make_sampling_table,
    pad_sequences,
    skipgrams,
)
from polykeras.utils import Sequence


def _reference_pad(seqs, maxlen, padding, truncating, value, dtype, trailing=()):
    out = np.full((len(seqs), maxlen) + trailing, value, dtype=dtype)
    for i, s in enumerate(seqs):
        if not len(s) or not maxlen:
            continue
        s = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        if not len(s):
            continue
        if padding == "post":
            out[i, :len(s)] = s
        else:
            out[i, maxlen - len(s):] = s
    return out


RAGGED = [[1, 2, 3, 4, 5], [6], [], [7, 8, 9]]


@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
@pytest.mark.parametrize("maxlen", [None, 3, 7, 0])
def test_pad_sequences_matches_reference(padding, truncating, maxlen):
    out = pad_sequences(RAGGED, maxlen=maxlen, padding=padding, truncating=truncating, value=-1)
    width = 5 if maxlen is None else maxlen
    expected = _reference_pad(RAGGED, width, padding, truncating, -1, "int32")
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, expected)


def test_pad_sequences_float_and_trailing_dims():
    rng = np.random.RandomState(0)
    seqs = [rng.rand(4, 2), rng.rand(1, 2), np.zeros((0, 2))]
    out = pad_sequences(seqs, maxlen=3, dtype="float32", padding="post", value=0.5)
    assert out.shape == (3, 3, 2) and out.dtype == np.float32
    expected = _reference_pad(seqs, 3, "post", "pre", 0.5, "float32", (2,))
    np.testing.assert_allclose(out, expected)


def test_pad_sequences_text_values():
    out = pad_sequences([["a", "b"], ["c"]], dtype=object, value="<pad>")
    assert out.tolist() == [["a", "b"], ["<pad>", "c"]]


def test_pad_sequences_errors():
    with pytest.raises(ValueError, match="padding"):
        pad_sequences(RAGGED, padding="middle")
    with pytest.raises(ValueError, match="truncating"):
        pad_sequences(RAGGED, truncating="both")
    with pytest.raises(ValueError, match="iterable"):
        pad_sequences(5)
    with pytest.raises(ValueError, match="position 1"):
        pad_sequences([[1, 2], 3])
    with pytest.raises(ValueError, match=r"sequence 1 has items of shape \(3,\)"):
        pad_sequences([np.zeros((2, 2)), np.zeros((2, 3))])
    with pytest.raises(ValueError, match="cannot hold"):
        pad_sequences([["a"]], value="x")


def test_pad_sequences_matches_tf_keras():
    tf_keras = pytest.importorskip("tf_keras")
    for padding in ("pre", "post"):
        for truncating in ("pre", "post"):
            theirs = tf_keras.preprocessing.sequence.pad_sequences(
                RAGGED, maxlen=3, padding=padding, truncating=truncating, value=-2)
            ours = pad_sequences(RAGGED, maxlen=3, padding=padding, truncating=truncating,
                                 value=-2)
            np.testing.assert_array_equal(ours, theirs)


def test_skipgrams_positive_pairs():
    seq = [3, 1, 0, 4, 2, 2]
    couples, labels = skipgrams(seq, vocabulary_size=5, window_size=2, negative_samples=0,
                                shuffle=False)
    expected = [[seq[i], seq[j]] for i in range(len(seq)) for j in range(len(seq))
                if i != j and abs(i - j) <= 2 and seq[i] and seq[j]]
    assert couples == expected and labels == [1] * len(expected)


def test_skipgrams_negatives_shuffle_and_seed():
    seq = list(range(1, 9))
    couples, labels = skipgrams(seq, vocabulary_size=9, window_size=1, negative_samples=2.,
                                seed=3)
    positives = [c for c, label in zip(couples, labels) if label == 1]
    negatives = [c for c, label in zip(couples, labels) if label == 0]
    assert len(positives) == 14 and len(negatives) == 28
    assert all(1 <= context <= 8 for _, context in negatives)
    assert {word for word, _ in negatives} <= set(seq)
    assert labels != sorted(labels, reverse=True)  # shuffled
    assert skipgrams(seq, 9, window_size=1, negative_samples=2., seed=3) == (couples, labels)
    _, categorical = skipgrams(seq, 9, window_size=1, categorical=True, seed=3)
    assert sorted(map(tuple, categorical)) == sorted([(0, 1)] * 14 + [(1, 0)] * 14)


def test_skipgrams_sampling_table_drops_words():
    seq = [1, 2, 3, 4]
    table = np.array([0., 0., 1., 1., 1.])  # word 1 is never a centre word
    couples, _ = skipgrams(seq, 5, window_size=3, negative_samples=0, sampling_table=table,
                           seed=0)
    assert couples and all(word != 1 for word, _ in couples)
    assert any(context == 1 for _, context in couples)


def test_make_sampling_table_properties():
    table = make_sampling_table(1000)
    assert table.shape == (1000,)
    assert np.all((table > 0) & (table <= 1))
    assert np.all(np.diff(table[1:]) >= 0)  # rarer words are kept more often
    assert np.all(make_sampling_table(10, sampling_factor=10.) == 1)


def test_make_sampling_table_matches_tf_keras():
    tf_keras = pytest.importorskip("tf_keras")
    np.testing.assert_allclose(make_sampling_table(50, 1e-3),
                               tf_keras.preprocessing.sequence.make_sampling_table(50, 1e-3))


@pytest.mark.parametrize("kwargs", [
    {},
    {"sampling_rate": 2, "stride": 3, "batch_size": 4},
    {"start_index": 2, "end_index": 15, "reverse": True, "batch_size": 5},
])
def test_timeseries_generator_windows(kwargs):
    data = np.arange(40, dtype=np.float32).reshape(20, 2)
    targets = np.arange(100, 120)
    gen = TimeseriesGenerator(data, targets, length=4, **kwargs)
    rate, stride = kwargs.get("sampling_rate", 1), kwargs.get("stride", 1)
    first = kwargs.get("start_index", 0) + 4
    last = kwargs.get("end_index", 19)
    rows = list(range(first, last + 1, stride))
    windows = [data[r - 4:r:rate] for r in rows]
    if kwargs.get("reverse"):
        windows = [w[::-1] for w in windows]
    got_x = np.concatenate([gen[i][0] for i in range(len(gen))])
    got_y = np.concatenate([gen[i][1] for i in range(len(gen))])
    np.testing.assert_array_equal(got_x, np.stack(windows))
    np.testing.assert_array_equal(got_y, targets[rows])
    assert isinstance(gen, Sequence)
    assert len(gen) == -(-len(rows) // kwargs.get("batch_size", 128))


def test_timeseries_generator_shuffle_and_errors():
    data = np.arange(30)
    gen = TimeseriesGenerator(data, data * 10, length=5, shuffle=True, batch_size=6)
    x, y = gen[0]
    assert x.shape == (6, 5)
    np.testing.assert_array_equal(x[:, -1] + 1, y // 10)  # each target follows its window
    with pytest.raises(ValueError, match="same length"):
        TimeseriesGenerator(data, data[:-1], length=5)
    with pytest.raises(ValueError, match="no window fits"):
        TimeseriesGenerator(data, data, length=30)
    with pytest.raises(ValueError, match="length must be a positive integer"):
        TimeseriesGenerator(data, data, length=0)


def test_module_exports():
    assert set(sequence.__all__) == {"TimeseriesGenerator", "make_sampling_table",
                                     "pad_sequences", "skipgrams"}
