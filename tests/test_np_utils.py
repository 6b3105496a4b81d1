"""to_categorical and normalize against independently built expectations."""
import numpy as np
import pytest

from polykeras.utils import normalize, np_utils, to_categorical


def one_hot_rows(labels, num_classes):
    """Reference: a Python loop, one row per label."""
    rows = []
    for label in labels:
        row = [0.0] * num_classes
        row[label] = 1.0
        rows.append(row)
    return np.array(rows, dtype="float32").reshape(len(labels), num_classes)


def test_module_path_is_the_keras_2_one():
    assert np_utils.to_categorical is to_categorical


def test_one_hot_of_a_vector():
    labels = [2, 0, 1, 2, 3]
    result = to_categorical(labels, num_classes=5)
    assert result.shape == (5, 5)
    assert result.dtype == np.float32
    np.testing.assert_array_equal(result, one_hot_rows(labels, 5))


def test_num_classes_defaults_to_the_largest_label_plus_one():
    result = to_categorical(np.array([4, 1]))
    assert result.shape == (2, 5)
    np.testing.assert_array_equal(result, one_hot_rows([4, 1], 5))


def test_a_trailing_singleton_dimension_is_dropped():
    labels = np.array([[1], [0], [2]])
    result = to_categorical(labels, 3)
    assert result.shape == (3, 3)
    np.testing.assert_array_equal(result, one_hot_rows([1, 0, 2], 3))


def test_higher_rank_labels_keep_their_shape():
    labels = np.array([[0, 1, 2], [2, 2, 0]])
    result = to_categorical(labels, 4)
    assert result.shape == (2, 3, 4)
    for i in range(2):
        np.testing.assert_array_equal(result[i], one_hot_rows(list(labels[i]), 4))


def test_only_the_last_singleton_dimension_is_dropped():
    assert to_categorical(np.zeros((2, 1, 1), dtype=int), 2).shape == (2, 1, 2)
    assert to_categorical(np.zeros((1,), dtype=int), 2).shape == (1, 2)


def test_dtype_is_honoured():
    result = to_categorical([1, 0], 2, dtype="int32")
    assert result.dtype == np.int32
    np.testing.assert_array_equal(result, [[0, 1], [1, 0]])


def test_whole_valued_float_labels_are_accepted():
    np.testing.assert_array_equal(to_categorical(np.array([1.0, 0.0]), 2), [[0, 1], [1, 0]])


def test_non_integer_labels_are_refused_with_the_value():
    with pytest.raises(ValueError, match=r"integer class labels.*1\.5"):
        to_categorical([0.0, 1.5], 3)


def test_negative_labels_are_refused_with_the_value():
    with pytest.raises(ValueError) as err:
        to_categorical([0, 2, -1], 3)
    assert ">= 0" in str(err.value)
    assert "Received: -1" in str(err.value)


def test_labels_past_num_classes_are_refused_with_the_value():
    with pytest.raises(ValueError) as err:
        to_categorical([[0, 1], [7, 2]], num_classes=3)
    message = str(err.value)
    assert "num_classes=3" in message
    assert "Received: 7" in message
    assert "(1, 0)" in message


@pytest.mark.parametrize("num_classes", [0, -2, 2.5, "3", True])
def test_bad_num_classes_is_refused(num_classes):
    with pytest.raises(ValueError, match="num_classes"):
        to_categorical([0], num_classes)


def test_empty_labels_need_num_classes():
    assert to_categorical(np.zeros((0,), dtype=int), 3).shape == (0, 3)
    with pytest.raises(ValueError, match="num_classes"):
        to_categorical(np.zeros((0,), dtype=int))


def test_normalize_l2_rows():
    rng = np.random.RandomState(0)
    x = rng.randn(4, 6)
    result = normalize(x)
    for row, out in zip(x, result):
        expected = row / np.sqrt(sum(v * v for v in row))
        np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_normalize_along_another_axis_and_order():
    x = np.array([[1.0, -3.0], [3.0, 1.0]])
    by_column = normalize(x, axis=0, order=1)
    np.testing.assert_allclose(by_column, [[0.25, -0.75], [0.75, 0.25]])
    by_max = normalize(x, axis=-1, order=np.inf)
    np.testing.assert_allclose(by_max, [[1 / 3, -1.0], [1.0, 1 / 3]])


def test_zero_vectors_stay_zero():
    x = np.array([[0.0, 0.0, 0.0], [0.0, 3.0, 4.0]])
    result = normalize(x)
    assert np.all(np.isfinite(result))
    np.testing.assert_array_equal(result[0], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(result[1], [0.0, 0.6, 0.8])


def test_normalize_dtypes():
    assert normalize(np.ones((2, 2), dtype="float32")).dtype == np.float32
    as_float = normalize([[3, 4]])
    assert np.issubdtype(as_float.dtype, np.floating)
    np.testing.assert_allclose(as_float, [[0.6, 0.8]])
