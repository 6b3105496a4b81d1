"""NumPy backend: the cores shared out by polykeras rather than by BLAS.

A convolution is a loop over cache-sized blocks, each one small GEMM; the
BLAS library's own threads split each small GEMM again, gain little, and
after every multi-threaded call spin for a while waiting for more work,
taking a core from whatever runs next (a third of the CPU time of a
convnet's training step). So while a compiled step with convolutions runs
(:func:`cores`), the BLAS library is held to one thread and polykeras
spreads the large pieces of work itself: :func:`run_chunks` gives each core
a contiguous run of blocks, and :func:`matmul` splits large matrix products
by rows or columns. NumPy releases the GIL in GEMMs, copies and ufuncs, so
the threads run in parallel. Steps without convolutions leave threading to
BLAS, which splits a single large GEMM better than bands do.

The work spreads over as many threads as the BLAS library was allowed
(``OPENBLAS_NUM_THREADS``, ``threadpoolctl``'s limits...), at most the
cores this process may run on: a user who limits BLAS to one thread gets
one thread here too. One thread at a time holds the cores; another thread
computing meanwhile runs as plain NumPy.
"""
import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np

#: Matrix products of fewer multiply-adds than this run on one thread: below
#: it, handing out the halves costs more than it saves.
PARALLEL_MACS = 1 << 22

_state = threading.local()
_lock = threading.Lock()
_pool = {}


def _blas():
    """The loaded BLAS libraries, as a ``threadpoolctl`` controller (made once)."""
    if "blas" not in _pool:
        from threadpoolctl import ThreadpoolController

        _pool["blas"] = ThreadpoolController().select(user_api="blas")
    return _pool["blas"]


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


def matmul(a, b):
    """``a @ b`` of two matrices; a large product is computed in row (or
    column) bands, one per thread, while the calling thread holds the cores."""
    (m, k), n = a.shape, b.shape[1]
    parts = workers()
    if parts == 1 or m * k * n < PARALLEL_MACS:
        return a @ b
    out = np.empty((m, n), dtype=np.result_type(a.dtype, b.dtype))
    size = max(m, n)
    bands = [slice(i * size // parts, (i + 1) * size // parts) for i in range(parts)]

    def run(chunk):
        for band in chunk:
            if m >= n:
                np.matmul(a[band], b, out=out[band])
            else:
                out[:, band] = a @ b[:, band]

    run_chunks(run, bands)
    return out
