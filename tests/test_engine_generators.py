"""fit_generator / evaluate_generator / predict_generator with plain Python
generators and keras.utils.Sequence, read in the consuming thread, by worker
threads or by worker processes: results equal the array methods, every
Sequence item is read once per epoch, the queue bound holds, errors surface
with their own type and the workers are shut down."""
import threading
import time
import warnings

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import callbacks, optimizers
from polykeras.layers import Dense
from polykeras.models import Sequential
from polykeras.utils import Sequence

TIMEOUT = 30.


@pytest.fixture(autouse=True)
def _fresh_names():
    K.clear_session()
    yield
    K.clear_session()


def rand(*shape, seed=0):
    return np.random.RandomState(seed).uniform(-1, 1, shape).astype("float32")


X, Y = rand(12, 4), rand(12, 2, seed=1)


class ArraySequence(Sequence):
    """Batches of module-level arrays (picklable); logs each read to ``log_path``."""

    def __init__(self, batch_size=3, log_path=None, fail_at=None):
        self.batch_size = batch_size
        self.log_path = log_path
        self.fail_at = fail_at
        self.epochs_ended = 0

    def __len__(self):
        return -(-len(X) // self.batch_size)

    def __getitem__(self, index):
        if self.log_path is not None:
            with open(self.log_path, "a") as f:  # one short O_APPEND write per read
                f.write(f"{index}\n")
        if index == self.fail_at:
            raise KeyError(f"no batch {index}")
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return X[part], Y[part]

    def on_epoch_end(self):
        self.epochs_ended += 1


def reads(log_path):
    with open(log_path) as f:
        return [int(line) for line in f.read().split()]


def looping(batch_size=3, counter=None):
    while True:
        for start in range(0, len(X), batch_size):
            if counter is not None:
                counter.append(start)
            yield X[start:start + batch_size], Y[start:start + batch_size]


def linear_model(lr=0.1, metrics=None):
    model = Sequential([Dense(2, input_shape=(4,))])
    model.set_weights([rand(4, 2, seed=7), np.zeros(2, "float32")])
    model.compile(optimizers.SGD(lr=lr), "mse", metrics=metrics)
    return model


def reference_weights(epochs=2, batch_size=3):
    model = linear_model()
    model.fit(X, Y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0)
    return model.get_weights()


def assert_weights_equal(model, expected):
    for got, want in zip(model.get_weights(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def run_with_timeout(function, timeout=TIMEOUT):
    """Run ``function`` in a daemon thread; fail if it has not returned in ``timeout`` s."""
    outcome = {}

    def target():
        try:
            outcome["value"] = function()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome["error"] = exc
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"still running after {timeout} s (hang)"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def worker_threads():
    return [t for t in threading.enumerate() if "Enqueuer" in t.name]


def wait_for_no_workers(deadline=5.):
    end = time.monotonic() + deadline
    while time.monotonic() < end and worker_threads():
        time.sleep(0.02)
    return worker_threads()


# --- plain generators ---------------------------------------------------------------------

@pytest.mark.parametrize("workers", [0, 1])
def test_fit_generator_on_a_generator_equals_fit_on_arrays(workers):
    model = linear_model()
    history = run_with_timeout(lambda: model.fit_generator(
        looping(), steps_per_epoch=4, epochs=2, workers=workers, verbose=0))
    assert history.epoch == [0, 1]
    assert sorted(history.history) == ["loss"]
    assert_weights_equal(model, reference_weights())


def test_fit_generator_without_workers_reads_exactly_what_it_needs():
    counter = []
    model = linear_model()
    model.fit_generator(looping(counter=counter), steps_per_epoch=3, epochs=2, workers=0,
                        verbose=0)
    assert counter == [0, 3, 6, 9, 0, 3]


def test_fit_generator_validation_from_a_generator_and_from_arrays():
    model = linear_model(lr=0., metrics=["mae"])
    history = model.fit_generator(looping(), steps_per_epoch=4, epochs=2, verbose=0,
                                  validation_data=looping(batch_size=4), validation_steps=3)
    assert sorted(history.history) == ["loss", "mean_absolute_error", "val_loss",
                                       "val_mean_absolute_error"]
    loss, mae = model.evaluate(X, Y, verbose=0)
    np.testing.assert_allclose(history.history["val_loss"], [loss, loss], rtol=1e-5)
    np.testing.assert_allclose(history.history["val_mean_absolute_error"], [mae, mae],
                               rtol=1e-5)
    history = model.fit_generator(looping(), steps_per_epoch=4, epochs=1, verbose=0,
                                  validation_data=(X[:6], Y[:6], np.ones(6, "float32")))
    assert history.history["val_loss"][0] == pytest.approx(
        model.evaluate(X[:6], Y[:6], verbose=0)[0], rel=1e-5)


def test_sample_weights_from_the_generator():
    def weighted():
        while True:
            yield X, Y, np.array([1.] * 6 + [0.] * 6, "float32")
    model = linear_model()
    half = linear_model()
    model.fit_generator(weighted(), steps_per_epoch=3, epochs=1, verbose=0, workers=0)
    half.fit(X[:6], Y[:6], batch_size=6, epochs=3, verbose=0)
    assert_weights_equal(model, half.get_weights())


def test_class_weight_in_fit_generator():
    labels = (np.arange(12) % 2).astype("float32")[:, None]

    def binary():
        while True:
            yield X, labels
    model = Sequential([Dense(1, input_shape=(4,), activation="sigmoid")])
    model.compile(optimizers.SGD(lr=0.5), "binary_crossentropy")
    start = model.get_weights()
    model.fit_generator(binary(), steps_per_epoch=2, epochs=1, class_weight={0: 1., 1: 0.},
                        verbose=0, workers=0)
    only_zeros = Sequential([Dense(1, input_shape=(4,), activation="sigmoid")])
    only_zeros.compile(optimizers.SGD(lr=0.5), "binary_crossentropy")
    only_zeros.set_weights(start)
    only_zeros.fit(X[::2], labels[::2], batch_size=6, epochs=2, verbose=0)
    assert_weights_equal(model, only_zeros.get_weights())


def test_evaluate_and_predict_generator_equal_the_array_methods():
    model = linear_model(metrics=["mae"])
    expected = model.evaluate(X, Y, verbose=0)
    got = model.evaluate_generator(looping(batch_size=5), steps=1, workers=0)
    np.testing.assert_allclose(got, model.evaluate(X[:5], Y[:5], verbose=0), rtol=1e-5)
    got = model.evaluate_generator(ArraySequence(batch_size=5), workers=1)
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    np.testing.assert_allclose(model.predict_generator(looping(), steps=4, workers=1),
                               model.predict(X), rtol=1e-6)


def test_predict_generator_accepts_inputs_alone():
    def inputs_only():
        while True:
            yield X[:6]
            yield X[6:]
    model = linear_model()
    np.testing.assert_allclose(model.predict_generator(inputs_only(), steps=2, workers=0),
                               model.predict(X), rtol=1e-6)


def test_max_queue_size_bounds_reading_ahead():
    counter = []
    lags = []

    class Slow(callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            time.sleep(0.03)  # let the worker run as far ahead as it may
            lags.append(len(counter) - (batch + 1))
    model = linear_model()
    run_with_timeout(lambda: model.fit_generator(
        looping(batch_size=1, counter=counter), steps_per_epoch=10, epochs=1, workers=1,
        max_queue_size=2, verbose=0, callbacks=[Slow()]))
    assert max(lags) <= 2 + 1  # the queue plus the item the worker holds
    assert max(lags) >= 1  # it does read ahead


def test_max_queue_size_bounds_sequence_reads(tmp_path):
    log = tmp_path / "reads.txt"
    lags = []

    class Slow(callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            time.sleep(0.03)
            lags.append(len(reads(log)) - (batch + 1))
    model = linear_model()
    run_with_timeout(lambda: model.fit_generator(
        ArraySequence(batch_size=1, log_path=log), epochs=1, workers=2, max_queue_size=3,
        shuffle=False, verbose=0, callbacks=[Slow()]))
    assert max(lags) <= 3


# --- Sequence -----------------------------------------------------------------------------

@pytest.mark.parametrize("workers, use_multiprocessing", [(0, False), (1, False), (2, False),
                                                          (2, True)])
def test_each_sequence_item_is_used_once_per_epoch(tmp_path, workers, use_multiprocessing):
    log = tmp_path / "reads.txt"
    sequence = ArraySequence(log_path=log)
    model = linear_model()
    history = run_with_timeout(lambda: model.fit_generator(
        sequence, epochs=3, workers=workers, use_multiprocessing=use_multiprocessing,
        max_queue_size=2, verbose=0))
    assert history.epoch == [0, 1, 2]
    assert sorted(reads(log)) == sorted(list(range(4)) * 3)
    assert sequence.epochs_ended == 3


@pytest.mark.parametrize("workers, use_multiprocessing", [(0, False), (2, False), (2, True)])
def test_sequence_without_shuffle_equals_fit_on_arrays(workers, use_multiprocessing):
    model = linear_model()
    run_with_timeout(lambda: model.fit_generator(
        ArraySequence(), epochs=2, workers=workers, use_multiprocessing=use_multiprocessing,
        shuffle=False, verbose=0))
    assert_weights_equal(model, reference_weights())


def test_sequence_shuffle_changes_the_order_not_the_items(tmp_path):
    log = tmp_path / "reads.txt"
    sequence = ArraySequence(batch_size=1, log_path=log)
    model = linear_model()
    model.fit_generator(sequence, epochs=3, workers=0, shuffle=True, verbose=0)
    order = reads(log)
    epochs = [order[i:i + 12] for i in (0, 12, 24)]
    assert all(sorted(e) == list(range(12)) for e in epochs)
    assert any(e != list(range(12)) for e in epochs)


def test_steps_per_epoch_defaults_to_len_of_the_sequence():
    record = []
    model = linear_model()
    model.fit_generator(ArraySequence(batch_size=5), epochs=1, verbose=0, shuffle=False,
                        callbacks=[callbacks.LambdaCallback(
                            on_batch_end=lambda batch, logs: record.append(logs["size"]))])
    assert record == [5, 5, 2]


def test_sequence_validation_data():
    model = linear_model(lr=0.)
    history = model.fit_generator(ArraySequence(), epochs=1, verbose=0, workers=2,
                                  validation_data=ArraySequence(batch_size=4))
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(X, Y, verbose=0),
                                                           rel=1e-5)


def test_predict_generator_with_processes():
    model = linear_model()
    got = run_with_timeout(lambda: model.predict_generator(
        ArraySequence(), workers=2, use_multiprocessing=True))
    np.testing.assert_allclose(got, model.predict(X), rtol=1e-6)


# --- errors -------------------------------------------------------------------------------

@pytest.mark.parametrize("workers, use_multiprocessing", [(0, False), (1, False), (2, False),
                                                          (2, True)])
def test_sequence_error_surfaces_and_workers_stop(workers, use_multiprocessing):
    model = linear_model()
    before = set(worker_threads())
    with pytest.raises(KeyError, match="no batch 2"):
        run_with_timeout(lambda: model.fit_generator(
            ArraySequence(fail_at=2), epochs=2, workers=workers,
            use_multiprocessing=use_multiprocessing, shuffle=False, verbose=0))
    assert not set(wait_for_no_workers()) - before
    if use_multiprocessing:
        import multiprocessing
        deadline = time.monotonic() + 5.
        while multiprocessing.active_children() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert multiprocessing.active_children() == []


@pytest.mark.parametrize("method", ["evaluate_generator", "predict_generator"])
def test_sequence_error_in_evaluate_and_predict(method):
    model = linear_model()
    with pytest.raises(KeyError, match="no batch 1"):
        run_with_timeout(lambda: getattr(model, method)(ArraySequence(fail_at=1), workers=2))
    assert not wait_for_no_workers()


@pytest.mark.parametrize("workers", [0, 1])
def test_generator_error_surfaces(workers):
    def broken():
        yield X[:3], Y[:3]
        raise OSError("disk gone")
    model = linear_model()
    with pytest.raises(OSError, match="disk gone"):
        run_with_timeout(lambda: model.fit_generator(broken(), steps_per_epoch=4, epochs=1,
                                                     workers=workers, verbose=0))
    assert not wait_for_no_workers()


@pytest.mark.parametrize("workers", [0, 1])
def test_generator_running_out_is_a_clear_error(workers):
    def short():
        for start in range(0, 9, 3):
            yield X[start:start + 3], Y[start:start + 3]
    model = linear_model()
    with pytest.raises(ValueError, match="ran out of data after 3 batch"):
        run_with_timeout(lambda: model.fit_generator(short(), steps_per_epoch=2, epochs=2,
                                                     workers=workers, verbose=0))
    with pytest.raises(ValueError, match="predict_generator: the generator ran out"):
        model.predict_generator(short(), steps=4, workers=workers)


def test_generator_items_must_be_tuples():
    def lists():
        while True:
            yield [X, Y]
    model = linear_model()
    with pytest.raises(ValueError, match=r"should be a tuple `\(x, y, sample_weight\)`"):
        model.fit_generator(lists(), steps_per_epoch=1, workers=0, verbose=0)


def test_plain_generator_needs_steps():
    model = linear_model()
    with pytest.raises(ValueError, match="`steps_per_epoch=None` is only valid for a "
                                         "generator based on the `polykeras.utils.Sequence`"):
        model.fit_generator(looping(), verbose=0)
    with pytest.raises(ValueError, match="`steps=None`"):
        model.predict_generator(looping())


def test_terminate_on_nan_in_fit_generator():
    def nan_batches():
        while True:
            yield X[:3], np.full((3, 2), np.nan, "float32")
    model = linear_model()
    history = run_with_timeout(lambda: model.fit_generator(
        nan_batches(), steps_per_epoch=5, epochs=3, workers=1, verbose=0,
        callbacks=[callbacks.TerminateOnNaN()]))
    assert history.epoch == [0]
    assert np.isnan(history.history["loss"][0])
    assert not wait_for_no_workers()


# --- Keras 1 argument names ---------------------------------------------------------------

def test_keras1_generator_arguments_warn_and_work():
    model = linear_model()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit_generator(looping(), samples_per_epoch=4, nb_epoch=2,
                                      validation_data=looping(), nb_val_samples=2,
                                      max_q_size=3, pickle_safe=False, nb_worker=1,
                                      verbose=0)
    messages = [str(w.message) for w in caught if w.category is DeprecationWarning]
    for old, new in [("samples_per_epoch", "steps_per_epoch"), ("nb_epoch", "epochs"),
                     ("nb_val_samples", "validation_steps"), ("max_q_size", "max_queue_size"),
                     ("pickle_safe", "use_multiprocessing"), ("nb_worker", "workers")]:
        assert any(f"`{old}` is deprecated; use `{new}` instead" in m for m in messages), old
    assert history.epoch == [0, 1]
    assert history.params["steps"] == 4
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = model.predict_generator(looping(), val_samples=4, max_q_size=2)
        model.evaluate_generator(looping(), steps=2, max_q_size=2, pickle_safe=False)
    assert out.shape == (12, 2)
    messages = [str(w.message) for w in caught if w.category is DeprecationWarning]
    assert messages == [
        "predict_generator: the argument `val_samples` is deprecated; use `steps` instead. "
        "Note that `val_samples` counted samples while `steps` counts batches (steps); the "
        "value is passed on unchanged, so divide it by the batch size if it was a number of "
        "samples.",
        "predict_generator: the argument `max_q_size` is deprecated; use `max_queue_size` "
        "instead.",
        "evaluate_generator: the argument `max_q_size` is deprecated; use `max_queue_size` "
        "instead.",
        "evaluate_generator: the argument `pickle_safe` is deprecated; use "
        "`use_multiprocessing` instead."]

