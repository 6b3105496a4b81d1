"""Feeding batches to the training loop: ``Sequence`` and the enqueuers.

(``get_file``, the cached download helper, lives in
:mod:`polykeras.utils.file_utils` and is importable from here as in Keras 2.
What the enqueuers' worker threads and processes run, and how errors come back
from them, is in :mod:`polykeras.utils.enqueuer_workers`.)

A :class:`Sequence` is indexable data (batch ``i`` is ``sequence[i]``), so it
can be read in parallel safely: :class:`OrderedEnqueuer` hands indices to a
pool of ``workers`` threads or processes and gives the batches back in index
order (or in a fresh random order each epoch), every batch exactly once per
epoch. A plain Python generator can only be advanced by one caller at a time:
:class:`GeneratorEnqueuer` lets ``workers`` threads take turns advancing it
under a lock, or, with ``use_multiprocessing=True``, runs a forked copy of it
in each worker process (which repeats data when there is more than one worker;
it warns).

Both follow the Keras 2 protocol used by ``fit_generator``,
``evaluate_generator`` and ``predict_generator``::

    enqueuer = OrderedEnqueuer(sequence, shuffle=True)
    enqueuer.start(workers=4, max_queue_size=10)
    batches = enqueuer.get()
    try:
        for step in range(steps):
            x, y = next(batches)
            ...
    finally:
        enqueuer.stop()

Decisions:

* An error raised by ``__getitem__`` or by the generator is raised again by
  ``get()`` in the consuming thread, with its own type; the enqueuer stops its
  workers first. From a thread the exception keeps its traceback; from a
  process it comes back pickled with the worker's formatted traceback attached
  as its ``__cause__`` (a :class:`RemoteTraceback`).
* ``workers=0`` reads everything in the consuming thread, on demand.
* ``sequence.on_epoch_end()`` runs in the consuming thread once every batch of
  an epoch has been taken from ``get()``: when the first batch of the next
  epoch is asked for, or at ``stop()`` if that comes first. So it never runs
  while a batch of the finished epoch is still being read or used.
* Worker processes are forked where the platform can fork (as Keras 2 did), so
  the sequence or generator need not be picklable and scripts need no
  ``if __name__ == "__main__"`` guard; elsewhere the platform's default start
  method is used, and the sequence must be picklable. Batches always travel
  back pickled. A new pool of processes is started each epoch so that the
  workers see what ``on_epoch_end`` (or a callback) changed in the sequence.
* Threads are daemons: a worker stuck in user code cannot keep the interpreter
  alive. ``stop(timeout)`` waits at most ``timeout`` seconds (``None``: as
  long as it takes) for worker threads to finish the item they are working
  on. ``OrderedEnqueuer`` gives its worker processes the same time, then
  terminates those still running; ``GeneratorEnqueuer`` terminates its
  processes at once, as Keras 2 did (each holds only its own copy of the
  generator).
"""
import abc
import collections
import concurrent.futures
import multiprocessing
import pickle
import queue
import random
import threading
import warnings

import numpy as np

from polykeras.utils.enqueuer_workers import (
    RemoteTraceback,
    _generator_process,
    _InlineReader,
    _join_all,
    _ProcessReader,
    _thread_serial,
    _ThreadReader,
    _unpack_error,
)
from polykeras.utils.file_utils import get_file

__all__ = [
    "GeneratorEnqueuer",
    "OrderedEnqueuer",
    "RemoteTraceback",
    "Sequence",
    "SequenceEnqueuer",
    "get_file",
]

_DEFAULT_WAIT = 0.05


class Sequence(abc.ABC):
    """Base class for indexable datasets: ``sequence[i]`` is the ``i``-th batch.

    Subclasses implement ``__getitem__`` and ``__len__`` (the number of
    batches per epoch), and may implement ``on_epoch_end`` to reshuffle or
    otherwise change the data between epochs. Reading by index is what makes
    parallel loading with :class:`OrderedEnqueuer` safe: each batch is read
    exactly once per epoch, whatever the number of workers.

    Example:
        >>> class Batches(Sequence):
        ...     def __init__(self, x, y, batch_size):
        ...         self.x, self.y, self.batch_size = x, y, batch_size
        ...     def __len__(self):
        ...         return -(-len(self.x) // self.batch_size)
        ...     def __getitem__(self, index):
        ...         part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        ...         return self.x[part], self.y[part]
    """

    @abc.abstractmethod
    def __getitem__(self, index):
        """The batch at position ``index``.

        Args:
            index: an integer in ``[0, len(self))``.

        Returns:
            A batch: ``(inputs, targets)`` or ``(inputs, targets, sample_weights)``.
        """

    @abc.abstractmethod
    def __len__(self):
        """The number of batches in one epoch."""

    def on_epoch_end(self):
        """Called between epochs; override to reshuffle or otherwise update the data."""

    def __iter__(self):
        """Iterate over the batches of one epoch, in index order.

        Example:
            >>> for x, y in batches:
            ...     pass
        """
        for index in range(len(self)):
            yield self[index]


def _check_count(owner, name, value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{owner} expected {name} to be an integer. "
                         f"Received: {name}={value!r}.")
    return int(value)


# --------------------------------------------------------------------------- enqueuers

class SequenceEnqueuer(abc.ABC):
    """Base class of the enqueuers: workers that read batches ahead of the consumer.

    Subclasses implement :meth:`start`, :meth:`get` and :meth:`stop`;
    :meth:`is_running` tells whether workers are active.

    Args:
        sequence: the data source (a :class:`Sequence` or a generator).
        use_multiprocessing: use processes instead of threads.

    Example:
        >>> enqueuer = OrderedEnqueuer(batches)
        >>> enqueuer.start(workers=2, max_queue_size=10)
        >>> x, y = next(enqueuer.get())
        >>> enqueuer.stop()
    """

    def __init__(self, sequence, use_multiprocessing=False):
        self.sequence = sequence
        self.use_multiprocessing = bool(use_multiprocessing)
        self.workers = 0
        self.max_queue_size = 0
        self._running = False

    def is_running(self):
        """Whether the enqueuer has been started and not stopped (or run out)."""
        return self._running

    def _check_start(self, workers, max_queue_size):
        owner = f"{type(self).__name__}.start"
        if self._running:
            raise RuntimeError(f"{owner} expected a stopped enqueuer. Received: one that is "
                               f"already running; call stop() first.")
        workers = _check_count(owner, "workers", workers)
        if workers < 0:
            raise ValueError(f"{owner} expected workers >= 0. Received: workers={workers}.")
        self.workers = workers
        self.max_queue_size = _check_count(owner, "max_queue_size", max_queue_size)

    @abc.abstractmethod
    def start(self, workers=1, max_queue_size=10):
        """Start the workers.

        Args:
            workers: number of worker threads or processes; 0 reads in the
                consuming thread.
            max_queue_size: how many batches may be read ahead of the
                consumer; 0 or less means no limit.
        """

    @abc.abstractmethod
    def get(self):
        """A generator of batches; see the subclasses."""

    @abc.abstractmethod
    def stop(self, timeout=None):
        """Stop the workers, waiting at most ``timeout`` seconds (``None``: no limit)."""


class OrderedEnqueuer(SequenceEnqueuer):
    """Reads the batches of a :class:`Sequence` in parallel and yields them in order.

    Each epoch yields every batch exactly once, in index order or, with
    ``shuffle=True``, in a new random order (from Python's ``random``
    module). ``get()`` goes on epoch after epoch until :meth:`stop`;
    ``sequence.on_epoch_end()`` is called between epochs.

    Args:
        sequence: a :class:`Sequence` (anything with ``__len__`` and
            ``__getitem__`` works).
        use_multiprocessing: read in worker processes instead of threads.
        shuffle: visit the batches in a new random order each epoch.

    Example:
        >>> enqueuer = OrderedEnqueuer(batches, shuffle=True)
        >>> enqueuer.start(workers=4, max_queue_size=10)
        >>> for x, y in itertools.islice(enqueuer.get(), 3 * len(batches)):
        ...     model.train_on_batch(x, y)
        >>> enqueuer.stop()
    """

    def __init__(self, sequence, use_multiprocessing=False, shuffle=False):
        if not (hasattr(sequence, "__len__") and hasattr(sequence, "__getitem__")):
            raise TypeError(f"OrderedEnqueuer expected a keras.utils.Sequence (an object "
                            f"with __len__ and __getitem__). Received: {sequence!r}.")
        super().__init__(sequence, use_multiprocessing)
        self.shuffle = shuffle
        self._reader = None
        self._pending = collections.deque()
        self._order = []
        self._cursor = 0
        self._epoch_end_due = False
        self._window = 1

    def start(self, workers=1, max_queue_size=10):
        """Start reading the first epoch.

        Args:
            workers: number of worker threads (or processes); 0 reads each
                batch in the consuming thread when ``get()`` asks for it.
            max_queue_size: how many batches may be read ahead of the
                consumer; 0 or less reads a whole epoch ahead.

        Example:
            >>> enqueuer.start(workers=2, max_queue_size=8)
        """
        self._check_start(workers, max_queue_size)
        if self.workers == 0:
            self._window = 1
        else:
            self._window = self.max_queue_size if self.max_queue_size > 0 else None
        self._pending.clear()
        self._order, self._cursor, self._epoch_end_due = [], 0, False
        self._running = True
        if self.workers:
            try:
                self._next_epoch()
                self._top_up()
            except BaseException:
                self.stop()
                raise

    def get(self):
        """Yield batches, epoch after epoch, until :meth:`stop`.

        An exception raised by ``sequence[i]`` stops the workers and is
        raised here with its own type.

        Yields:
            The batches: ``sequence[i]`` for each index ``i`` of each epoch.

        Example:
            >>> batches = enqueuer.get()
            >>> x, y = next(batches)
        """
        if not self._running:
            raise RuntimeError("OrderedEnqueuer.get expected a started enqueuer. "
                               "Received: one that is not running; call start() first.")
        while self._running:
            try:
                if not self._pending and self._cursor >= len(self._order):
                    self._next_epoch()
                self._top_up()
                future = self._pending.popleft()
                if self.workers:
                    self._top_up()
                item = future.result()
                del future
                if not self._pending and self._cursor >= len(self._order):
                    self._epoch_end_due = True
            except concurrent.futures.CancelledError:
                if not self._running:  # stop() was called from another thread
                    return
                self.stop()
                raise
            except BaseException:
                self.stop()
                raise
            yield item

    def stop(self, timeout=None):
        """Stop the workers; batches read ahead are dropped.

        If every batch of the current epoch has been taken, the pending
        ``on_epoch_end()`` call is made now.

        Args:
            timeout: seconds to wait for workers to finish the batch they are
                reading; ``None`` waits as long as that takes. Worker
                processes still running after ``timeout`` are terminated.

        Example:
            >>> enqueuer.stop(timeout=5)
        """
        self._running = False
        for future in self._pending:
            future.cancel()
        self._pending.clear()
        reader, self._reader = self._reader, None
        try:
            if reader is not None:
                reader.shutdown(timeout)
        finally:
            if self._epoch_end_due:
                self._epoch_end_due = False
                self._on_epoch_end()

    def _on_epoch_end(self):
        hook = getattr(self.sequence, "on_epoch_end", None)
        if hook is not None:
            hook()

    def _next_epoch(self):
        if self._epoch_end_due:
            self._epoch_end_due = False
            self._on_epoch_end()
        length = len(self.sequence)
        if length < 1:
            raise ValueError(f"OrderedEnqueuer expected a Sequence with at least one "
                             f"batch. Received: len(sequence)={length}.")
        order = list(range(length))
        if self.shuffle:
            random.shuffle(order)
        if self._reader is not None and self.use_multiprocessing and self.workers:
            # Fresh processes see what on_epoch_end (or a callback) changed.
            reader, self._reader = self._reader, None
            reader.shutdown()
        if self._reader is None:
            self._reader = self._make_reader()
        self._order, self._cursor = order, 0

    def _make_reader(self):
        if self.workers == 0:
            return _InlineReader(self.sequence)
        if self.use_multiprocessing:
            return _ProcessReader(self.sequence, self.workers)
        return _ThreadReader(self.sequence, self.workers, "OrderedEnqueuer")

    def _top_up(self):
        while self._cursor < len(self._order) and (
                self._window is None or len(self._pending) < self._window):
            self._pending.append(self._reader.fetch(self._order[self._cursor]))
            self._cursor += 1


class GeneratorEnqueuer(SequenceEnqueuer):
    """Reads ahead from a Python generator with worker threads (or processes).

    With threads, the workers take turns advancing the one generator under a
    lock, so every item is produced once, in the generator's order. With
    ``use_multiprocessing=True`` each worker process runs its own forked copy
    of the generator: with more than one worker the copies produce the same
    data (unless the generator draws random numbers), so prefer a
    :class:`Sequence` there; ``start`` warns about it.

    ``get()`` ends when the generator is exhausted (every copy of it, with
    processes).

    Args:
        generator: a generator (or any iterator) of batches.
        use_multiprocessing: run the generator in worker processes; needs a
            platform that can fork.
        wait_time: seconds between checks for new data and for a stop
            request; ``None`` means 0.05.
        seed: with processes, worker ``i`` seeds NumPy's and Python's global
            random generators with ``seed + i``; ``None`` seeds NumPy's from
            fresh entropy in each worker.
        random_seed: the Keras 2.2 name of ``seed``.
        sequence: the Keras 2.2 name of ``generator``.

    Example:
        >>> def batches():
        ...     while True:
        ...         yield np.zeros((32, 10)), np.zeros((32, 1))
        >>> enqueuer = GeneratorEnqueuer(batches())
        >>> enqueuer.start(workers=1, max_queue_size=10)
        >>> x, y = next(enqueuer.get())
        >>> enqueuer.stop()
    """

    def __init__(self, generator=None, use_multiprocessing=False, wait_time=None, seed=None,
                 random_seed=None, sequence=None):
        if generator is not None and sequence is not None:
            raise TypeError("GeneratorEnqueuer expected the generator once, as `generator` "
                            "(or its Keras 2.2 name `sequence`). Received: both.")
        generator = sequence if generator is None else generator
        if not hasattr(generator, "__next__"):
            hint = " (a generator function: call it to get a generator)" \
                if callable(generator) else ""
            raise TypeError(f"GeneratorEnqueuer expected a generator or iterator. "
                            f"Received: {generator!r}{hint}.")
        if seed is not None and random_seed is not None:
            raise TypeError("GeneratorEnqueuer expected one seed, as `seed` or `random_seed`. "
                            f"Received: seed={seed!r}, random_seed={random_seed!r}.")
        super().__init__(generator, use_multiprocessing)
        self.generator = generator
        self.wait_time = _DEFAULT_WAIT if wait_time is None else float(wait_time)
        self.seed = random_seed if seed is None else seed
        self._exhausted = False
        self._threads = []
        self._processes = []
        self._queue = None
        self._stop_event = None
        self._lock = threading.Lock()

    def start(self, workers=1, max_queue_size=10):
        """Start the workers.

        Args:
            workers: number of worker threads or processes; 0 advances the
                generator in the consuming thread.
            max_queue_size: how many items may wait in the queue; 0 or less
                means no limit.

        Example:
            >>> enqueuer.start(workers=2, max_queue_size=10)
        """
        self._check_start(workers, max_queue_size)
        size = max(self.max_queue_size, 0)
        if self.workers and self.use_multiprocessing:
            self._start_processes(size)
        elif self.workers:
            self._stop_event = threading.Event()
            self._queue = queue.Queue(size)
            self._threads = [
                threading.Thread(target=self._pull, daemon=True,
                                 name=f"GeneratorEnqueuer-{next(_thread_serial)}-worker-{i}")
                for i in range(self.workers)]
            for thread in self._threads:
                thread.start()
        self._running = True

    def _start_processes(self, size):
        if "fork" not in multiprocessing.get_all_start_methods():
            raise ValueError("GeneratorEnqueuer(use_multiprocessing=True) expected a platform "
                             "that can fork: a generator cannot be sent to a spawned "
                             "process. Received: start methods "
                             f"{multiprocessing.get_all_start_methods()}. Use a "
                             "keras.utils.Sequence or use_multiprocessing=False.")
        if self.workers > 1:
            warnings.warn(
                f"GeneratorEnqueuer: use_multiprocessing=True with workers={self.workers} "
                f"runs a separate copy of the generator in each process, which can "
                f"duplicate your data. Use a keras.utils.Sequence to read each batch once.",
                UserWarning, stacklevel=3)
        context = multiprocessing.get_context("fork")
        self._queue = context.Queue(size)
        self._stop_event = context.Event()
        self._done = set()
        self._strikes = 0
        self._processes = []
        for i in range(self.workers):
            seed = None if self.seed is None else self.seed + i
            process = context.Process(
                target=_generator_process, daemon=True, name=f"GeneratorEnqueuer-worker-{i}",
                args=(i, self.generator, self._queue, self._stop_event, seed, self.wait_time))
            process.start()
            self._processes.append(process)

    def _pull(self):
        """Thread worker: advance the generator under the lock, queue what it gives."""
        out, stop_event, lock = self._queue, self._stop_event, self._lock
        while not stop_event.is_set():
            if not lock.acquire(timeout=self.wait_time):
                continue
            try:
                if self._exhausted:
                    return
                try:
                    record = ("item", next(self.generator))
                except StopIteration:
                    self._exhausted, record = True, ("done", None)
                except BaseException as exc:  # noqa: BLE001 - handed to the consumer
                    self._exhausted, record = True, ("error", exc)
                # Queued under the lock, so items keep the generator's order.
                while not stop_event.is_set():
                    try:
                        out.put(record, timeout=self.wait_time)
                        break
                    except queue.Full:
                        continue
                del record
                if self._exhausted:
                    return
            finally:
                lock.release()

    def get(self):
        """Yield the generator's items until it is exhausted or :meth:`stop` is called.

        An exception raised by the generator stops the workers and is raised
        here with its own type.

        Yields:
            The items the generator produces.

        Example:
            >>> for x, y in itertools.islice(enqueuer.get(), 100):
            ...     model.train_on_batch(x, y)
        """
        if not self._running:
            raise RuntimeError("GeneratorEnqueuer.get expected a started enqueuer. "
                               "Received: one that is not running; call start() first.")
        if self.workers == 0:
            yield from self._get_inline()
        elif self.use_multiprocessing:
            yield from self._get_from_processes()
        else:
            yield from self._get_from_threads()

    def _get_inline(self):
        while self._running:
            try:
                item = next(self.generator)
            except StopIteration:
                self.stop()
                return
            except BaseException:
                self.stop()
                raise
            yield item

    def _get_from_threads(self):
        source = self._queue
        while self._running:
            try:
                kind, payload = source.get(timeout=self.wait_time)
            except queue.Empty:
                # Workers queue their last record before they end, so if all
                # have ended with nothing queued, nothing more will come.
                if not any(thread.is_alive() for thread in self._threads) and source.empty():
                    self.stop()
                    return
                continue
            except BaseException:
                self.stop()
                raise
            if kind == "item":
                yield payload
                continue
            self.stop()
            if kind == "error":
                raise payload
            return

    def _get_from_processes(self):
        source = self._queue
        while self._running:
            try:
                item, finished = self._next_from_processes(source)
            except BaseException:
                self.stop()
                raise
            if finished:
                self.stop()
                return
            if item is not _NOTHING:
                yield item

    def _next_from_processes(self, source):
        """One poll of the process queue: ``(item or _NOTHING, finished)``."""
        try:
            kind, worker_id, payload = source.get(timeout=self.wait_time)
        except queue.Empty:
            self._check_processes()
            return _NOTHING, False
        self._strikes = 0
        if kind == "item":
            return pickle.loads(payload), False
        if kind == "error":
            raise _unpack_error(payload)
        self._done.add(worker_id)
        return _NOTHING, len(self._done) == len(self._processes)

    def _check_processes(self):
        """Raise if a worker died without saying so (after its data had time to arrive)."""
        lost = [(i, p) for i, p in enumerate(self._processes)
                if i not in self._done and p.exitcode is not None]
        if not lost:
            return
        self._strikes += 1
        if self._strikes < 2:  # its last records may still be on their way
            return
        i, process = lost[0]
        raise RuntimeError(f"GeneratorEnqueuer expected worker process {i} to finish its "
                           f"generator or report an error. Received: it exited with code "
                           f"{process.exitcode}.")

    def stop(self, timeout=None):
        """Stop the workers; items read ahead are dropped.

        Worker processes are terminated at once (each holds only its own copy
        of the generator). Worker threads finish the item they are producing.

        Args:
            timeout: seconds to wait for the workers to end; ``None``: no limit.

        Example:
            >>> enqueuer.stop(timeout=5)
        """
        self._running = False
        if self._stop_event is not None:
            self._stop_event.set()
        processes, self._processes = self._processes, []
        threads, self._threads = self._threads, []
        for process in processes:
            if process.is_alive():
                process.terminate()
        _join_all(processes + threads, timeout)
        if processes:
            self._queue.close()
            self._queue.cancel_join_thread()
        self._queue = None


_NOTHING = object()
