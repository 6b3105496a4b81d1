"""The worker side of the enqueuers of :mod:`polykeras.utils.data_utils`.

Readers turn a batch index into a :class:`concurrent.futures.Future` of the
batch, for :class:`~polykeras.utils.data_utils.OrderedEnqueuer`: read in the
calling thread (``workers=0``), by a set of daemon threads, or by a pool of
worker processes. :func:`_generator_process` is the main function of a
:class:`~polykeras.utils.data_utils.GeneratorEnqueuer` worker process; errors
it meets travel back with :func:`_pack_error` / :func:`_unpack_error`, which
attach the worker's traceback as a :class:`RemoteTraceback`.

What a worker process runs is a module-level function of this module, so that
a spawned process can import it as well as a forked one can inherit it. Each
process of a reader's pool keeps its copy of the sequence in the module global
``_process_sequence``, set by the pool's initializer (with fork and spawn
alike). GeneratorEnqueuer's processes are always forked: a generator cannot be
sent to a spawned process.
"""
import concurrent.futures
import itertools
import multiprocessing
import pickle
import queue
import random
import threading
import time
import traceback

import numpy as np

__all__ = ["RemoteTraceback"]

# Numbers the enqueuers' worker threads, in their names.
_thread_serial = itertools.count()


# --------------------------------------------------------------------------- errors

class RemoteTraceback(Exception):
    """The formatted traceback of an error raised in a worker process.

    Attached as the ``__cause__`` of the error that ``get()`` raises again, so
    the report shows where in the worker the error happened.

    Args:
        text: the traceback, formatted in the worker.

    Example:
        >>> try:
        ...     next(enqueuer.get())
        ... except ValueError as error:
        ...     print(error.__cause__)  # the worker's traceback
    """

    def __init__(self, text):
        super().__init__(text)
        self.text = text

    def __str__(self):
        return f'\n"""\n{self.text}"""'


def _pack_error(exc):
    """An exception from a worker process, in a form that survives pickling."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    try:
        blob = pickle.dumps(exc, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - an exception holding something unpicklable
        blob = None
    return blob, f"{type(exc).__module__}.{type(exc).__qualname__}", str(exc), text


def _unpack_error(packed):
    blob, type_name, message, text = packed
    exc = None
    if blob is not None:
        try:
            exc = pickle.loads(blob)
        except Exception:  # noqa: BLE001 - e.g. an __init__ that cannot be replayed
            exc = None
    if not isinstance(exc, BaseException):
        exc = RuntimeError(f"{type_name}: {message} (raised in a worker process; the "
                           f"exception itself could not be sent back, see the cause above)")
    exc.__cause__ = RemoteTraceback(text)
    return exc


# --------------------------------------------------------------------------- workers
# Each pool turns an index into a concurrent.futures.Future of the batch.

def _process_context():
    """Fork where the platform has it (Keras 2 behaviour), else the default method."""
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _read(sequence, index):
    return sequence[index]


_process_sequence = None


def _install_sequence(sequence):
    """Initializer of a worker process: keep the sequence for later reads."""
    global _process_sequence
    _process_sequence = sequence


def _read_installed(index):
    return _process_sequence[index]


class _InlineReader:
    """``workers=0``: reads in the calling thread, when asked."""

    def __init__(self, sequence):
        self._sequence = sequence

    def fetch(self, index):
        future = concurrent.futures.Future()
        try:
            future.set_result(self._sequence[index])
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            future.set_exception(exc)
        return future

    def shutdown(self, timeout=None):
        pass


class _ThreadReader:
    """A fixed set of daemon threads reading batches from a task queue."""

    def __init__(self, sequence, workers, name):
        self._sequence = sequence
        self._tasks = queue.SimpleQueue()
        prefix = f"{name}-{next(_thread_serial)}"
        self._threads = [threading.Thread(target=self._work, name=f"{prefix}-worker-{i}",
                                          daemon=True) for i in range(workers)]
        for thread in self._threads:
            thread.start()

    def fetch(self, index):
        future = concurrent.futures.Future()
        self._tasks.put((future, index))
        return future

    def _work(self):
        while True:
            task = self._tasks.get()
            if task is None:
                return
            future, index = task
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(_read(self._sequence, index))
            except BaseException as exc:  # noqa: BLE001 - handed to the consumer
                future.set_exception(exc)
            del future, task  # do not keep the last batch alive while idle

    def shutdown(self, timeout=None):
        while True:
            try:
                task = self._tasks.get_nowait()
            except queue.Empty:
                break
            if task is not None:
                task[0].cancel()
        for _ in self._threads:
            self._tasks.put(None)
        _join_all(self._threads, timeout)


class _ProcessReader:
    """A pool of worker processes, each holding its own copy of the sequence."""

    def __init__(self, sequence, workers):
        self._executor = concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=_process_context(),
            initializer=_install_sequence, initargs=(sequence,))

    def fetch(self, index):
        return self._executor.submit(_read_installed, index)

    def shutdown(self, timeout=None):
        executor = self._executor
        # Snapshot now: the executor forgets its processes once shut down.
        processes = list((getattr(executor, "_processes", None) or {}).values())
        if timeout is None:
            executor.shutdown(wait=True, cancel_futures=True)
            return
        closer = threading.Thread(target=executor.shutdown, daemon=True,
                                  kwargs={"wait": True, "cancel_futures": True})
        closer.start()
        closer.join(timeout)
        if closer.is_alive():
            for process in processes:
                if process.is_alive():
                    process.terminate()
            closer.join(timeout)


def _join_all(workers, timeout):
    """Join threads or processes, sharing one ``timeout`` (``None``: no limit)."""
    if timeout is None:
        for worker in workers:
            worker.join()
        return
    deadline = time.monotonic() + timeout
    for worker in workers:
        worker.join(max(deadline - time.monotonic(), 0))


# --------------------------------------------------------------------------- generators

def _generator_process(worker_id, generator, out, stop_event, seed, wait_time):
    """Main function of a GeneratorEnqueuer worker process."""
    np.random.seed(seed)  # None: fresh entropy, so forked copies do not repeat each other
    if seed is not None:
        random.seed(seed)
    while not stop_event.is_set():
        try:
            record = ("item", worker_id,
                      pickle.dumps(next(generator), protocol=pickle.HIGHEST_PROTOCOL))
        except StopIteration:
            record = ("done", worker_id, None)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            record = ("error", worker_id, _pack_error(exc))
        while not stop_event.is_set():
            try:
                out.put(record, timeout=wait_time)
                break
            except queue.Full:
                continue
        if record[0] != "item":
            return
