"""The NumPy backend's own threads (polykeras_numpy.parallel): chunking,
holding the cores (BLAS single-threaded meanwhile), banded matrix products,
the convolutions and compiled steps that use them, and the warning about
generic BLAS kernels."""
import contextlib
import multiprocessing
import threading
import warnings

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import polykeras.backend as K
from polykeras_numpy import conv, math, parallel
from polykeras_numpy.autodiff import Tape
from polykeras_numpy.backend import NumpyBackend

B = NumpyBackend()


@pytest.fixture(autouse=True)
def numpy_backend():
    with K.use_backend("numpy"):
        yield


def blas_threads():
    return max(lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas")


@pytest.fixture
def three_cores(monkeypatch):
    """Three cores and three BLAS threads allowed, whatever the machine has."""
    monkeypatch.setattr(parallel, "_cores", lambda: 3)
    with threadpool_limits(limits=3, user_api="blas"):
        yield


@pytest.mark.parametrize("n, parts", [(1, 2), (2, 2), (7, 3), (43, 2), (10, 4), (5, 8)])
def test_split_cuts_contiguous_near_equal_chunks(n, parts):
    chunks = parallel.split(list(range(n)), parts)
    assert [i for chunk in chunks for i in chunk] == list(range(n))
    assert len(chunks) == min(n, parts)
    assert max(map(len, chunks)) - min(map(len, chunks)) <= 1


def test_split_keeps_a_group_in_one_chunk():
    items = [(sample, row) for sample in range(3) for row in range(4)]
    chunks = parallel.split(items, 2, group=lambda item: item[0])
    assert [i for chunk in chunks for i in chunk] == items
    assert len(chunks) == 2
    owners = {}
    for index, chunk in enumerate(chunks):
        for sample, _ in chunk:
            assert owners.setdefault(sample, index) == index


def test_run_chunks_spreads_chunks_over_threads_with_single_threaded_blas(three_cores):
    seen = []
    together = threading.Barrier(3, timeout=30)  # breaks unless 3 chunks run at once

    def task(chunk):
        seen.append((threading.get_ident(), blas_threads(), parallel.workers()))
        together.wait()
        return sum(chunk)

    assert parallel.run_chunks(task, list(range(9))) == [0 + 1 + 2, 3 + 4 + 5, 6 + 7 + 8]
    assert len({ident for ident, _, _ in seen}) == 3
    assert {threads for _, threads, _ in seen} == {1}
    assert {workers for _, _, workers in seen} == {1}  # nested work stays put
    assert blas_threads() == 3 and parallel.workers() == 1


def test_a_user_limit_of_one_blas_thread_keeps_everything_on_the_caller(monkeypatch):
    monkeypatch.setattr(parallel, "_cores", lambda: 4)
    with threadpool_limits(limits=1, user_api="blas"):
        idents = parallel.run_chunks(lambda chunk: threading.get_ident(), list(range(8)))
    assert idents == [threading.get_ident()]


def test_another_thread_runs_plain_while_the_cores_are_held(three_cores):
    result = {}
    with parallel.cores():
        assert parallel.workers() == 3
        other = threading.Thread(target=lambda: result.update(
            workers=parallel.run_chunks(lambda chunk: parallel.workers(), list(range(6)))))
        other.start()
        other.join()
    assert result["workers"] == [1]


def test_an_error_in_a_chunk_surfaces_and_releases_the_cores(three_cores):
    def task(chunk):
        if 4 in chunk:
            raise ValueError("bad chunk")
        return chunk

    with pytest.raises(ValueError, match="bad chunk"):
        parallel.run_chunks(task, list(range(9)))
    assert blas_threads() == 3
    with parallel.cores():
        assert parallel.workers() == 3


@pytest.mark.parametrize("shape", [(40, 30, 20), (20, 30, 40), (1, 50, 9)])
def test_banded_matmul_equals_the_product(three_cores, monkeypatch, shape):
    monkeypatch.setattr(parallel, "PARALLEL_MACS", 0)
    m, k, n = shape
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((m, k)), rng.standard_normal((k, n)).astype(np.float32)
    with parallel.cores():
        got = parallel.matmul(a, b)
        transposed = parallel.matmul(b.T, a.T)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, a @ b, rtol=1e-12)
    np.testing.assert_allclose(transposed, (a @ b).T, rtol=1e-12)


def _recording(func, calls):
    def record(*operands, out=None):
        calls.append((threading.get_ident(), np.shape(operands[0])))
        return func(*operands, out=out)
    return record


ELEMENTWISE_CASES = [
    (np.add, ((7, 4, 3), (1, 4, 3)), np.float32),  # broadcast along the leading axis
    (np.multiply, ((7, 4, 3), (3,)), np.float32),  # lower rank: whole to every band
    (np.true_divide, ((5, 6), ()), np.int16),  # int / int scalar gives floats
    (np.maximum, ((9,), (9,)), np.float64),
]


@pytest.mark.parametrize("ufunc, shapes, dtype", ELEMENTWISE_CASES)
def test_elementwise_bands_equal_the_ufunc(three_cores, monkeypatch, ufunc, shapes, dtype):
    monkeypatch.setattr(parallel, "PARALLEL_ELEMENTS", 0)
    rng = np.random.default_rng(1)
    operands = [(rng.standard_normal(shape) * 10).astype(dtype) + 1 for shape in shapes]
    calls = []
    with parallel.cores():
        got = parallel.elementwise(_recording(ufunc, calls), *operands)
    expected = ufunc(*operands)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)
    bands = [shape for _, shape in calls if shape[:1] != (0,)]  # the dtype probe is empty
    assert len({ident for ident, _ in calls}) > 1 and len(bands) == 3  # caller and pool
    assert sum(shape[0] for shape in bands) == shapes[0][0]


def test_elementwise_writes_in_place_band_by_band(three_cores, monkeypatch):
    monkeypatch.setattr(parallel, "PARALLEL_ELEMENTS", 0)
    x = np.arange(24, dtype=np.float32).reshape(6, 4)
    with parallel.cores():
        got = parallel.elementwise(np.multiply, x, np.float32(2), out=x)
    assert got is x
    np.testing.assert_array_equal(x, 2 * np.arange(24).reshape(6, 4))


@pytest.mark.parametrize("held, size", [(False, 10 ** 6), (True, 100)])
def test_small_or_unheld_elementwise_runs_once_on_the_caller(three_cores, held, size):
    calls = []
    x = np.ones((size // 10, 10), np.float32)
    with parallel.cores() if held else contextlib.nullcontext():
        parallel.elementwise(_recording(np.negative, calls), x)
    assert calls == [(threading.get_ident(), x.shape)]


@pytest.mark.parametrize("shape, count", [((7, 5, 3), 1), ((7, 5, 3), 2), ((8, 4), 2), ((2, 3), 1)])
def test_sum_leading_in_bands_equals_the_sum(three_cores, monkeypatch, shape, count):
    monkeypatch.setattr(parallel, "PARALLEL_ELEMENTS", 0)
    x = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    with parallel.cores():
        got = parallel.sum_leading(x, count)
    expected = x.sum(axis=tuple(range(count)))
    assert np.shape(got) == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_a_convolution_step_in_bands_equals_one_thread(three_cores, monkeypatch):
    x = K.placeholder((None, 6, 6, 2))
    kernel = K.variable(np.random.default_rng(3).standard_normal((3, 3, 2, 4)))
    bias = K.variable(np.float32([0.1, -0.2, 0.3, 0.]))
    y = K.relu(K.bias_add(K.conv2d(x, kernel), bias))
    loss = K.sum(K.square(y * 0.5 - 1.))
    f = K.function([x], [y, loss] + K.gradients(loss, [kernel, bias]))
    data = [np.random.default_rng(4).standard_normal((5, 6, 6, 2)).astype(np.float32)]
    with threadpool_limits(limits=1, user_api="blas"):
        expected = f(data)
    monkeypatch.setattr(parallel, "PARALLEL_ELEMENTS", 0)
    bands, cut = [], parallel._bands
    monkeypatch.setattr(parallel, "_bands", lambda n, parts: bands.append(parts) or cut(n, parts))
    got = f(data)
    assert len(bands) >= 5 and set(bands) == {3}  # bias add, relu, square, their gradients
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)


CONV_CASES = [((9, 8), (3, 3), (1, 1), "valid", (1, 1)),
              ((9, 8), (3, 2), (2, 1), "same", (1, 2)),
              ((7, 5, 4), (2, 3, 2), (1, 2, 1), "same", (1, 1, 1))]


@pytest.mark.parametrize("spatial, ksize, strides, padding, dilation", CONV_CASES)
@pytest.mark.parametrize("block_bytes, shift_rows", [(64, 5), (4096, 200)])
def test_conv_blocks_shared_among_threads_equal_one_thread(
        three_cores, monkeypatch, spatial, ksize, strides, padding, dilation, block_bytes,
        shift_rows):
    # 64 bytes or 5 rows: blocks of a few rows of one sample (a sample's rows
    # must stay on one thread for the input gradient); 4096 bytes or 200 rows:
    # blocks of whole samples.
    monkeypatch.setattr(conv, "_BLOCK_BYTES", block_bytes)
    monkeypatch.setattr(conv, "_SHIFT_ROWS", shift_rows)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, *spatial, 3)).astype(np.float32)
    w = rng.standard_normal((*ksize, 3, 4)).astype(np.float32)
    op = getattr(B, f"conv{len(spatial)}d")
    threads = set()
    record = parallel.run_chunks

    def run_chunks(task, items, group=None):
        if task.__qualname__.startswith("_conv_input_grad"):
            # blocks of one sample add into overlapping input rows: one thread each
            owners = {}
            for index, chunk in enumerate(parallel.split(items, 3, group)):
                for batch, _ in chunk:
                    assert owners.setdefault(batch.start, index) == index
        return record(lambda chunk: threads.add(threading.get_ident()) or task(chunk),
                      items, group)

    def run():
        with Tape() as tape:
            out = op(x, w, strides=strides, padding=padding, dilation_rate=dilation)
            return [out] + tape.gradients(B.multiply(B.square(out), out), [x, w])

    monkeypatch.setattr(conv, "run_chunks", run_chunks)
    spread = run()
    assert len(threads) > 1
    with threadpool_limits(limits=1, user_api="blas"):
        alone = run()
    monkeypatch.setattr(conv, "_BLOCK_BYTES", 1 << 30)
    monkeypatch.setattr(conv, "_SHIFT_ROWS", 1 << 30)
    unblocked = run()  # one block: the conformance suite checks this against references
    assert all(np.abs(grad).max() > 0 for grad in alone[1:])
    for got, expected, whole in zip(spread, alone, unblocked):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4)
        # other blocks sum the kernel gradient in another order: float32 rounding
        np.testing.assert_allclose(got, whole, rtol=1e-5, atol=1e-6 * np.abs(whole).max())


POOL_CASES = [((8, 8), (2, 2), (2, 2), "valid", "max"),   # windows tiling the input
              ((7, 9), (2, 2), (2, 2), "same", "max"),    # tiles with padding
              ((7, 9), (3, 2), (1, 2), "valid", "max"),   # overlapping windows
              ((7, 9), (3, 3), (2, 2), "same", "avg"),
              ((6, 5, 4), (2, 2, 2), (2, 2, 2), "valid", "max")]


@pytest.mark.parametrize("spatial, pool_size, strides, padding, mode", POOL_CASES)
def test_pooling_shares_samples_among_threads_equal_to_one_thread(
        three_cores, monkeypatch, spatial, pool_size, strides, padding, mode):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((7, *spatial, 3)).astype(np.float32)
    x[:, :2] = 0.5  # tied maxima: the first of a window must win on every thread
    op = getattr(B, f"pool{len(spatial)}d")
    threads = set()
    record = parallel.run_chunks

    def run_chunks(task, items, group=None):
        return record(lambda chunk: threads.add(threading.get_ident()) or task(chunk),
                      items, group)

    def run():
        with Tape() as tape:
            out = op(x, pool_size, strides=strides, padding=padding, pool_mode=mode)
            return [out] + tape.gradients(B.multiply(B.square(out), out), [x])

    monkeypatch.setattr(conv, "run_chunks", run_chunks)
    spread = run()
    assert len(threads) > 1
    with threadpool_limits(limits=1, user_api="blas"):
        alone = run()
    assert np.abs(alone[1]).max() > 0
    for got, expected in zip(spread, alone):
        np.testing.assert_array_equal(got, expected)
    # and one thread equals the sample-by-sample definition
    for i in range(len(x)):
        sample = x[i:i + 1]
        with Tape() as tape:
            out = op(sample, pool_size, strides=strides, padding=padding, pool_mode=mode)
            grad, = tape.gradients(B.multiply(B.square(out), out), [sample])
        np.testing.assert_array_equal(out, alone[0][i:i + 1])
        np.testing.assert_array_equal(grad, alone[1][i:i + 1])


def _workers_seen(monkeypatch, module, name):
    seen = []
    original = getattr(module, name)

    def spy(*args, **kwargs):
        seen.append(parallel.workers())
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return seen


def test_a_compiled_step_with_convolutions_holds_the_cores(three_cores, monkeypatch):
    seen = _workers_seen(monkeypatch, math, "matmul")
    x = K.placeholder((None, 6, 6, 2))
    kernel = K.variable(np.ones((3, 3, 2, 4)))
    dense = K.variable(np.ones((64, 3)))
    y = K.dot(K.batch_flatten(K.conv2d(x, kernel)), dense)
    f = K.function([x], [y] + K.gradients(K.sum(y), [kernel]))
    f([np.ones((2, 6, 6, 2), np.float32)])
    assert seen and set(seen) == {3}
    assert parallel.workers() == 1 and blas_threads() == 3


def test_a_compiled_step_without_convolutions_leaves_threads_to_blas(three_cores, monkeypatch):
    seen = _workers_seen(monkeypatch, math, "matmul")
    x = K.placeholder((None, 5))
    f = K.function([x], [K.dot(x, K.variable(np.ones((5, 2))))])
    f([np.ones((3, 5), np.float32)])
    assert seen == [1]


def _conv_in_child(queue):
    x = np.ones((8, 9, 9, 3), np.float32)
    queue.put(float(B.conv2d(x, np.ones((3, 3, 3, 2), np.float32)).sum()))


def test_a_forked_child_gets_threads_of_its_own(three_cores, monkeypatch):
    monkeypatch.setattr(conv, "_BLOCK_BYTES", 256)  # many blocks: the pool is used
    expected = float(B.conv2d(np.ones((8, 9, 9, 3), np.float32),
                              np.ones((3, 3, 3, 2), np.float32)).sum())
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_conv_in_child, args=(queue,))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    assert queue.get(timeout=5) == expected


# --- the check of the kernels NumPy's OpenBLAS picked ----------------------------

AVX512 = {"AVX2": True, "FMA3": True, "AVX512_SKX": True}


def openblas(core, version="0.3.20"):
    return {"user_api": "blas", "internal_api": "openblas", "version": version,
            "architecture": core, "filepath": "/site-packages/numpy.libs/libopenblas.so"}


def test_generic_kernels_on_an_avx512_cpu_get_the_skylakex_advice():
    advice = parallel.generic_blas_advice([openblas("Prescott")], AVX512)
    assert "OpenBLAS 0.3.20" in advice and "'Prescott'" in advice
    assert "OPENBLAS_CORETYPE=SkylakeX" in advice and "libopenblas.so" in advice


def test_generic_kernels_on_an_avx2_cpu_get_the_haswell_advice():
    advice = parallel.generic_blas_advice([openblas("Nehalem")],
                                          {"AVX2": True, "FMA3": True, "AVX512_SKX": False})
    assert "OPENBLAS_CORETYPE=Haswell" in advice and "AVX2" in advice


@pytest.mark.parametrize("libraries, features", [
    ([openblas("SkylakeX", "0.3.31")], AVX512),             # kernels fit the CPU
    ([openblas("Haswell")], AVX512),
    ([openblas("Zen")], {"AVX2": True, "FMA3": True}),
    ([openblas("Prescott")], {"AVX2": False, "FMA3": False}),  # an old CPU: right choice
    ([dict(openblas("Prescott"), internal_api="mkl")], AVX512),  # not an OpenBLAS
    ([], AVX512),
])
def test_no_advice_when_the_kernels_suit_the_cpu(libraries, features):
    assert parallel.generic_blas_advice(libraries, features) is None


def test_the_check_warns_once_exactly_when_this_machine_needs_the_advice(monkeypatch):
    monkeypatch.delitem(parallel._pool, "blas_checked", raising=False)
    expected = parallel.generic_blas_advice(threadpool_info(), parallel.cpu_features())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parallel.warn_if_generic_blas()
        parallel.warn_if_generic_blas()
    assert [(w.category, str(w.message)) for w in caught] == (
        [(RuntimeWarning, expected)] if expected else [])


def test_cpu_features_name_the_extensions_numpy_dispatches_on():
    features = parallel.cpu_features()
    assert {"SSE2", "AVX2", "FMA3"} <= set(features) or {"NEON"} <= set(features)
    assert all(isinstance(value, bool) for value in features.values())
