"""NumPy backend: the cores shared out by polykeras rather than by BLAS.

A convolution is a loop over cache-sized blocks, each one small GEMM; the
BLAS library's own threads split each small GEMM again, gain little, and
after every multi-threaded call spin for a while waiting for more work,
taking a core from whatever runs next (a third of the CPU time of a
convnet's training step). So while a compiled step with convolutions runs
(:func:`cores`), the BLAS library is held to one thread and polykeras
spreads the large pieces of work itself: :func:`run_chunks` gives each core
a contiguous run of blocks, :func:`matmul` splits large matrix products by
rows or columns, and :func:`elementwise` and :func:`sum_leading` cut the
large elementwise ops and bias-gradient sums around the convolutions (on the
MNIST convnet, a third of its step's single-threaded time before) into bands.
NumPy releases the GIL in GEMMs, copies and ufuncs, so the threads run in
parallel. Steps without convolutions leave threading to
BLAS, which splits a single large GEMM better than bands do.

The work spreads over as many threads as the BLAS library was allowed
(``OPENBLAS_NUM_THREADS``, ``threadpoolctl``'s limits...), at most the
cores this process may run on: a user who limits BLAS to one thread gets
one thread here too. One thread at a time holds the cores; another thread
computing meanwhile runs as plain NumPy.

An OpenBLAS older than the CPU may not recognise it and run generic kernels;
the backends warn about that once, with the setting that fixes it
(:func:`warn_if_generic_blas`).
"""
import contextlib
import functools
import math
import os
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np

#: Matrix products of fewer multiply-adds than this run on one thread: below
#: it, handing out the halves costs more than it saves.
PARALLEL_MACS = 1 << 22

#: Elementwise ops and sums over fewer elements than this run on one thread.
PARALLEL_ELEMENTS = 1 << 18

_state = threading.local()
_lock = threading.Lock()
_pool = {}


def _blas():
    """The loaded BLAS libraries, as a ``threadpoolctl`` controller (made once)."""
    if "blas" not in _pool:
        from threadpoolctl import ThreadpoolController

        _pool["blas"] = ThreadpoolController().select(user_api="blas")
    return _pool["blas"]


#: OpenBLAS's names for x86 kernels written for CPUs without AVX2. A build
#: that does not recognise a newer CPU falls back to one of these (OpenBLAS
#: 0.3.20, which NumPy 1.23.5 bundles, picks ``Prescott`` on Intel's 5th
#: generation Xeon): matrix products then run about three times slower.
_PRE_AVX2_CORES = frozenset(name.lower() for name in (
    "Katmai", "Coppermine", "Northwood", "Prescott", "Banias", "Atom", "Core2", "Penryn",
    "Dunnington", "Nehalem", "Sandybridge", "Opteron", "Opteron_SSE3", "Barcelona", "Nano",
    "Bobcat", "Bulldozer", "Piledriver", "Steamroller"))


def generic_blas_advice(libraries, cpu_features):
    """What to tell the user when a loaded OpenBLAS (``threadpoolctl`` info
    dicts) runs pre-AVX2 kernels on a CPU with AVX2 and FMA (NumPy's
    ``__cpu_features__``); ``None`` when nothing is wrong."""
    if not (cpu_features.get("AVX2") and cpu_features.get("FMA3")):
        return None
    for lib in libraries:
        core = lib.get("architecture") or ""
        if lib.get("internal_api") == "openblas" and core.lower() in _PRE_AVX2_CORES:
            fix = "SkylakeX" if cpu_features.get("AVX512_SKX") else "Haswell"
            return (f"OpenBLAS {lib.get('version')} ({lib.get('filepath')}) does not recognise "
                    f"this CPU and runs its generic {core!r} kernels, so matrix products and "
                    "convolutions run about three times slower than they can. The CPU has "
                    f"{'AVX-512' if fix == 'SkylakeX' else 'AVX2'}: start Python with "
                    f"OPENBLAS_CORETYPE={fix} in the environment, or install a NumPy whose "
                    "OpenBLAS knows this CPU.")
    return None


def cpu_features():
    """NumPy's map of instruction-set extensions to whether this CPU has them."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:  # NumPy 1
        from numpy.core._multiarray_umath import __cpu_features__
    return __cpu_features__


def warn_if_generic_blas():
    """Warn (once per process, ``RuntimeWarning``) when NumPy's OpenBLAS runs
    generic kernels on a CPU that has better ones (:func:`generic_blas_advice`)."""
    if "blas_checked" in _pool:
        return
    _pool["blas_checked"] = True
    # Read afresh: _blas() keeps the libraries loaded when it was first called,
    # and Theano loads SciPy's OpenBLAS after NumPy's.
    from threadpoolctl import threadpool_info

    advice = generic_blas_advice(threadpool_info(), cpu_features())
    if advice:
        warnings.warn(advice, RuntimeWarning, stacklevel=3)


def _cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _allowed():
    threads = [lib["num_threads"] for lib in _blas().info()]
    return max(1, min(_cores(), max(threads, default=_cores())))


def _executor(n):
    if _pool.get("size", 0) < n:
        if "executor" in _pool:
            _pool["executor"].shutdown(wait=False)
        _pool["executor"] = ThreadPoolExecutor(n, thread_name_prefix="polykeras-numpy")
        _pool["size"] = n
    return _pool["executor"]


def _forget_pool():  # a forked child has none of its parent's threads
    global _lock
    _pool.pop("executor", None)
    _pool.pop("size", None)
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def workers():
    """Threads the calling thread may spread work over (1 outside :func:`cores`)."""
    return getattr(_state, "workers", 1)


@contextlib.contextmanager
def cores():
    """Hold the cores for the calling thread: BLAS single-threaded, and
    :func:`run_chunks` / :func:`matmul` spread work over :func:`workers`
    threads. Re-entrant; a no-op while another thread holds them."""
    if workers() > 1:
        yield
        return
    n = _allowed()
    if n == 1 or not _lock.acquire(blocking=False):
        yield
        return
    _state.workers = n
    try:
        with _blas().limit(limits=1):
            yield
    finally:
        del _state.workers
        _lock.release()


def split(items, parts, group=None):
    """``items`` cut into at most ``parts`` contiguous, near-equal chunks.

    Items for which ``group(item)`` is equal stay in one chunk (``group``
    must be constant over runs of ``items``).
    """
    runs = []
    for item in items:
        if runs and group is not None and group(runs[-1][-1]) == group(item):
            runs[-1].append(item)
        else:
            runs.append([item])
    chunks, done, last = [], 0, -1
    for run in runs:
        index = min(parts - 1, int((done + len(run) / 2) * parts / len(items)))
        if index > last:
            chunks.append([])
            last = index
        chunks[-1].extend(run)
        done += len(run)
    return chunks


def run_chunks(task, items, group=None):
    """``[task(chunk) for chunk in split(items, workers(), group)]``, the
    chunks run concurrently: the first in the calling thread, the others on
    pool threads (all in the calling thread when it cannot hold the cores)."""
    with cores():
        n = workers()
        chunks = split(items, n, group) if n > 1 else [list(items)]
        if len(chunks) == 1:
            return [task(chunks[0])]
        executor = _executor(n - 1)
        futures = [executor.submit(task, chunk) for chunk in chunks[1:]]
        _state.workers = 1  # nested calls in this chunk stay on this thread
        try:
            first = task(chunks[0])
        finally:
            _state.workers = n
            wait(futures)  # nothing still writes into the caller's arrays
        return [first] + [future.result() for future in futures]


def _bands(length, parts):
    return [slice(i * length // parts, (i + 1) * length // parts) for i in range(parts)]


def matmul(a, b):
    """``a @ b`` of two matrices; a large product is computed in row (or
    column) bands, one per thread, while the calling thread holds the cores."""
    (m, k), n = a.shape, b.shape[1]
    parts = workers()
    if parts == 1 or m * k * n < PARALLEL_MACS:
        return a @ b
    out = np.empty((m, n), dtype=np.result_type(a.dtype, b.dtype))

    def run(chunk):
        for band in chunk:
            if m >= n:
                np.matmul(a[band], b, out=out[band])
            else:
                out[:, band] = a @ b[:, band]

    run_chunks(run, _bands(max(m, n), parts))
    return out


def elementwise(func, *operands, out=None):
    """``func(*operands, out=out)`` for a ufunc, or a function with a ufunc's
    ``out=``, that computes each row of its result from the same rows of its
    operands (operands broadcast as in a ufunc).

    While the calling thread holds the cores, a large result is computed in
    bands of its leading axis, one per thread; each operand that spans that
    axis is cut into the same bands, the others go whole to every band.
    """
    parts = workers()
    shape = np.broadcast_shapes(*(np.shape(a) for a in operands)) if parts > 1 else ()
    if len(shape) == 0 or shape[0] < parts or math.prod(shape) < PARALLEL_ELEMENTS:
        return func(*operands, out=out)
    spans = [np.ndim(a) == len(shape) and np.shape(a)[0] == shape[0] for a in operands]

    def cut(band):
        return [a[band] if span else a for a, span in zip(operands, spans)]

    if out is None:
        out = np.empty(shape, func(*cut(slice(0, 0))).dtype)  # the dtype of an empty band

    def run(chunk):
        for band in chunk:
            func(*cut(band), out=out[band])

    run_chunks(run, _bands(shape[0], parts))
    return out


def sum_leading(x, count):
    """``x.sum(axis=tuple(range(count)))``; while the calling thread holds the
    cores, a large ``x`` is summed in bands of its first axis, one per thread,
    and the partial sums are added (a different rounding from one pass)."""
    axes = tuple(range(count))
    parts = workers()
    if parts == 1 or x.shape[0] < parts or x.size < PARALLEL_ELEMENTS:
        return x.sum(axis=axes)
    partials = run_chunks(lambda chunk: [x[band].sum(axis=axes) for band in chunk],
                          _bands(x.shape[0], parts))
    # added pairwise as arrays: ``sum()``'s int start would promote NumPy 1's float32 scalars
    return functools.reduce(np.add, [p for chunk in partials for p in chunk])
