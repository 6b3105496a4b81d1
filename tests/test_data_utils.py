"""Sequence and the enqueuers: order, once per epoch, on_epoch_end, errors, shutdown.

Every scenario runs under a deadline, so a hang fails the test instead of
blocking the run.
"""
import collections
import itertools
import multiprocessing
import os
import random
import threading
import time
import traceback

import pytest

from polykeras.utils import GeneratorEnqueuer, OrderedEnqueuer, Sequence, data_utils
from polykeras.utils.data_utils import RemoteTraceback

DEADLINE = 8.0
can_fork = "fork" in multiprocessing.get_all_start_methods()


def within(fn, seconds=DEADLINE):
    """Run ``fn`` in a helper thread; its result, its exception, or a failure on timeout."""
    outcome = {}

    def run():
        try:
            outcome["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            outcome["error"] = exc

    helper = threading.Thread(target=run, daemon=True)
    helper.start()
    helper.join(seconds)
    if helper.is_alive():
        pytest.fail(f"timed out after {seconds} s (an enqueuer hung)")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def take(enqueuer, count):
    return list(itertools.islice(enqueuer.get(), count))


class BatchError(Exception):
    """Raised by the sequences and generators below."""


class Numbered(Sequence):
    """Batch ``i`` is ``(epoch, i, pid)``; ``epoch`` counts on_epoch_end calls.

    Module level, so worker processes can use it.
    """

    def __init__(self, length, fail_at=None, delay=0.0):
        self.length = length
        self.fail_at = fail_at
        self.delay = delay
        self.epoch = 0
        self.reads = collections.Counter()
        self._lock = threading.Lock()

    def __len__(self):
        return self.length

    def __getitem__(self, index):
        if self.delay:
            time.sleep(random.random() * self.delay)
        if index == self.fail_at:
            raise BatchError(f"cannot read batch {index}")
        with self._lock:
            self.reads[index] += 1
        return self.epoch, index, os.getpid()

    def on_epoch_end(self):
        self.epoch += 1

    def __getstate__(self):
        state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()


def new_threads(before):
    return [t for t in threading.enumerate() if t not in before and t.is_alive()]


# --------------------------------------------------------------------------- Sequence

def test_sequence_is_abstract_and_iterates_one_epoch():
    class OnlyLength(Sequence):
        def __len__(self):
            return 1

    with pytest.raises(TypeError):
        OnlyLength()
    sequence = Numbered(4)
    assert [batch[1] for batch in sequence] == [0, 1, 2, 3]
    sequence.on_epoch_end()
    assert sequence[0][0] == 1


def test_module_path_is_the_keras_2_one():
    assert data_utils.Sequence is Sequence


# --------------------------------------------------------------------------- OrderedEnqueuer

@pytest.mark.parametrize("workers", [0, 1, 4])
def test_batches_come_in_order_once_per_epoch(workers):
    sequence = Numbered(9, delay=0.002)
    enqueuer = OrderedEnqueuer(sequence)
    enqueuer.start(workers=workers, max_queue_size=3)
    try:
        batches = within(lambda: take(enqueuer, 3 * 9))
    finally:
        enqueuer.stop()
    for epoch in range(3):
        chunk = batches[epoch * 9:(epoch + 1) * 9]
        assert [index for _, index, _ in chunk] == list(range(9))
        # Every batch of epoch e was read after e on_epoch_end calls, not before.
        assert {tag for tag, _, _ in chunk} == {epoch}
    assert sequence.reads == {i: 3 for i in range(9)}
    assert sequence.epoch == 3  # two between epochs, the last one at stop()
    assert not enqueuer.is_running()


def test_on_epoch_end_waits_until_the_epoch_is_consumed():
    sequence = Numbered(3)
    enqueuer = OrderedEnqueuer(sequence)
    enqueuer.start(workers=2, max_queue_size=10)
    try:
        batches = enqueuer.get()
        within(lambda: [next(batches) for _ in range(3)])
        assert sequence.epoch == 0
        assert within(lambda: next(batches))[:2] == (1, 0)
        assert sequence.epoch == 1
    finally:
        enqueuer.stop()
    assert sequence.epoch == 1  # the second epoch was not finished


def test_shuffle_gives_a_new_permutation_each_epoch():
    random.seed(1234)
    sequence = Numbered(20)
    enqueuer = OrderedEnqueuer(sequence, shuffle=True)
    enqueuer.start(workers=3, max_queue_size=5)
    try:
        batches = within(lambda: take(enqueuer, 3 * 20))
    finally:
        enqueuer.stop()
    orders = [[index for _, index, _ in batches[e * 20:(e + 1) * 20]] for e in range(3)]
    for order in orders:
        assert sorted(order) == list(range(20))
    assert orders[0] != list(range(20))
    assert orders[0] != orders[1] != orders[2]


def test_thread_workers_are_joined_by_stop():
    before = set(threading.enumerate())
    enqueuer = OrderedEnqueuer(Numbered(50, delay=0.005))
    enqueuer.start(workers=4, max_queue_size=8)
    assert len(new_threads(before)) == 4
    within(lambda: take(enqueuer, 5))
    within(enqueuer.stop)
    assert new_threads(before) == []
    assert not enqueuer.is_running()


def test_stop_with_a_timeout_does_not_wait_for_a_stuck_worker():
    release = threading.Event()

    class Stuck(Sequence):
        def __len__(self):
            return 2

        def __getitem__(self, index):
            release.wait(DEADLINE)
            return index

    enqueuer = OrderedEnqueuer(Stuck())
    enqueuer.start(workers=1)
    started = time.monotonic()
    enqueuer.stop(timeout=0.2)
    assert time.monotonic() - started < 2
    release.set()


@pytest.mark.parametrize("workers", [0, 1, 3])
def test_an_error_in_getitem_surfaces_with_its_type_and_stops_the_workers(workers):
    before = set(threading.enumerate())
    enqueuer = OrderedEnqueuer(Numbered(10, fail_at=4))
    enqueuer.start(workers=workers, max_queue_size=4)
    received = []

    def consume():
        for batch in enqueuer.get():
            received.append(batch[1])

    with pytest.raises(BatchError, match="cannot read batch 4") as err:
        within(consume)
    assert received == [0, 1, 2, 3]
    frames = [frame.name for frame in traceback.extract_tb(err.value.__traceback__)]
    assert "__getitem__" in frames
    assert not enqueuer.is_running()
    deadline = time.monotonic() + DEADLINE
    while new_threads(before) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert new_threads(before) == []


def test_an_empty_sequence_is_refused():
    enqueuer = OrderedEnqueuer(Numbered(0))
    with pytest.raises(ValueError, match=r"at least one batch. Received: len\(sequence\)=0"):
        enqueuer.start(workers=1)
    assert not enqueuer.is_running()


def test_get_before_start_and_bad_start_arguments():
    enqueuer = OrderedEnqueuer(Numbered(2))
    with pytest.raises(RuntimeError, match="call start"):
        next(enqueuer.get())
    with pytest.raises(ValueError, match="workers >= 0"):
        enqueuer.start(workers=-1)
    with pytest.raises(TypeError, match="workers to be an integer"):
        enqueuer.start(workers="2")
    with pytest.raises(TypeError, match="Sequence"):
        OrderedEnqueuer(42)


def test_an_enqueuer_can_be_started_again():
    sequence = Numbered(3)
    enqueuer = OrderedEnqueuer(sequence)
    for _ in range(2):
        enqueuer.start(workers=2)
        try:
            assert [b[1] for b in within(lambda: take(enqueuer, 3))] == [0, 1, 2]
        finally:
            enqueuer.stop()
    assert sequence.epoch == 2


@pytest.mark.skipif(not can_fork, reason="worker processes are forked")
def test_processes_read_in_order_and_see_on_epoch_end():
    children_before = set(multiprocessing.active_children())
    sequence = Numbered(6)
    enqueuer = OrderedEnqueuer(sequence, use_multiprocessing=True)
    enqueuer.start(workers=2, max_queue_size=4)
    try:
        batches = within(lambda: take(enqueuer, 12))
    finally:
        within(enqueuer.stop)
    assert [index for _, index, _ in batches] == list(range(6)) * 2
    # The workers of the second epoch saw the state set by on_epoch_end.
    assert [tag for tag, _, _ in batches] == [0] * 6 + [1] * 6
    assert os.getpid() not in {pid for _, _, pid in batches}
    assert set(multiprocessing.active_children()) <= children_before


@pytest.mark.skipif(not can_fork, reason="worker processes are forked")
def test_an_error_in_a_worker_process_surfaces_with_its_type_and_traceback():
    children_before = set(multiprocessing.active_children())
    enqueuer = OrderedEnqueuer(Numbered(8, fail_at=2), use_multiprocessing=True)
    enqueuer.start(workers=2, max_queue_size=4)
    with pytest.raises(BatchError, match="cannot read batch 2") as err:
        within(lambda: take(enqueuer, 8))
    assert "__getitem__" in str(err.value.__cause__)
    assert not enqueuer.is_running()
    assert set(multiprocessing.active_children()) <= children_before


# --------------------------------------------------------------------------- GeneratorEnqueuer

def counting(limit, fail_after=None):
    for i in range(limit):
        if i == fail_after:
            raise BatchError(f"generator broke after {i} items")
        yield i


@pytest.mark.parametrize("workers", [0, 1, 3])
def test_generator_items_come_once_in_order_until_exhausted(workers):
    before = set(threading.enumerate())
    enqueuer = GeneratorEnqueuer(counting(60))
    enqueuer.start(workers=workers, max_queue_size=5)
    items = within(lambda: list(enqueuer.get()))
    assert items == list(range(60))
    assert not enqueuer.is_running()
    assert new_threads(before) == []


@pytest.mark.parametrize("workers", [0, 2])
def test_a_generator_error_surfaces_with_its_type_and_stops_the_threads(workers):
    before = set(threading.enumerate())
    enqueuer = GeneratorEnqueuer(counting(60, fail_after=7))
    enqueuer.start(workers=workers, max_queue_size=3)
    received = []

    def consume():
        for item in enqueuer.get():
            received.append(item)  # noqa: PERF402 - keeps what came before the error

    with pytest.raises(BatchError, match="broke after 7") as err:
        within(consume)
    assert received == list(range(7))
    frames = [frame.name for frame in traceback.extract_tb(err.value.__traceback__)]
    assert "counting" in frames
    assert not enqueuer.is_running()
    assert new_threads(before) == []


def test_generator_stop_joins_the_threads_of_an_endless_generator():
    before = set(threading.enumerate())
    enqueuer = GeneratorEnqueuer(itertools.count(), wait_time=0.01)
    enqueuer.start(workers=3, max_queue_size=2)
    assert within(lambda: take(enqueuer, 5)) == [0, 1, 2, 3, 4]
    within(enqueuer.stop)
    assert new_threads(before) == []


def test_generator_arguments_are_checked():
    with pytest.raises(TypeError, match="call it"):
        GeneratorEnqueuer(counting)
    with pytest.raises(TypeError, match="one seed"):
        GeneratorEnqueuer(counting(1), seed=1, random_seed=2)
    assert GeneratorEnqueuer(sequence=counting(1), random_seed=3).seed == 3


@pytest.mark.skipif(not can_fork, reason="worker processes are forked")
def test_a_generator_in_a_process():
    enqueuer = GeneratorEnqueuer(counting(20), use_multiprocessing=True)
    enqueuer.start(workers=1, max_queue_size=4)
    assert within(lambda: list(enqueuer.get())) == list(range(20))
    assert not enqueuer.is_running()

    enqueuer = GeneratorEnqueuer(counting(20, fail_after=3), use_multiprocessing=True)
    enqueuer.start(workers=1, max_queue_size=4)
    with pytest.raises(BatchError, match="broke after 3") as err:
        within(lambda: list(enqueuer.get()))
    assert isinstance(err.value.__cause__, RemoteTraceback)
    assert "counting" in str(err.value.__cause__)


@pytest.mark.skipif(not can_fork, reason="worker processes are forked")
def test_several_generator_processes_warn_about_duplicates():
    enqueuer = GeneratorEnqueuer(counting(5), use_multiprocessing=True)
    with pytest.warns(UserWarning, match="duplicate"):
        enqueuer.start(workers=2, max_queue_size=4)
    items = within(lambda: list(enqueuer.get()))
    assert sorted(items) == sorted(list(range(5)) * 2)


def dying(code):
    yield 1
    os._exit(code)


@pytest.mark.skipif(not can_fork, reason="worker processes are forked")
def test_a_worker_process_that_dies_is_reported():
    enqueuer = GeneratorEnqueuer(dying(3), use_multiprocessing=True, wait_time=0.02)
    enqueuer.start(workers=1)
    with pytest.raises(RuntimeError, match="exited with code 3"):
        within(lambda: list(enqueuer.get()))
    assert not enqueuer.is_running()


def test_an_exhausted_generator_restarted_ends_instead_of_hanging():
    enqueuer = GeneratorEnqueuer(counting(3))
    enqueuer.start(workers=2)
    assert within(lambda: list(enqueuer.get())) == [0, 1, 2]
    enqueuer.start(workers=2)
    assert within(lambda: list(enqueuer.get())) == []
    assert not enqueuer.is_running()
