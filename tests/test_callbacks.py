"""Callbacks driven through CallbackList the way the training engine drives them,
with a small model-like object and scripted batch / epoch logs."""
import csv
import re
import warnings

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import callbacks as cbks


class FakeOptimizer:
    def __init__(self, lr):
        self.lr = K.variable(lr)


class FakeModel:
    """What callbacks use of a model: weights, saving, an optimizer with ``lr``."""

    def __init__(self, lr=0.01):
        self.stop_training = False
        self.optimizer = FakeOptimizer(lr)
        self.weights = [np.zeros((2, 2), "float32"), np.zeros(2, "float32")]
        self.saves = []

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        assert [w.shape for w in weights] == [w.shape for w in self.weights]
        self.weights = [np.array(w) for w in weights]

    def _write(self, filepath, kind):
        with open(filepath, "wb") as f:
            np.savez(f, *self.weights)
        self.saves.append((kind, str(filepath)))

    def save(self, filepath, overwrite=True):
        self._write(filepath, "model")

    def save_weights(self, filepath, overwrite=True):
        self._write(filepath, "weights")


def load_weights(path):
    with np.load(path) as data:
        return [data[f"arr_{i}"] for i in range(len(data.files))]


def train(callbacks, model, epochs, batches=((32, {"loss": 1.0}),), val=None, metrics=None,
          verbose=0, count_mode_steps=False):
    """Run the engine's callback protocol (Keras 2.2.4 fit loop).

    Args:
        batches: per-batch ``(size, metric logs)``, the same every epoch, or a
            function ``epoch -> batches``.
        val: function ``epoch -> dict`` of epoch logs (``val_*``) or ``None``.
        metrics: ``params["metrics"]``; by default the batch metric names plus
            their ``val_`` versions.
    Before each ``on_epoch_end`` the fake weights are set to the epoch index, so
    restored / saved weights say which epoch they come from.

    Returns:
        the list of epochs run.
    """
    batches_for = batches if callable(batches) else (lambda epoch: batches)
    first = batches_for(0)
    names = list(first[0][1])
    if metrics is None:
        metrics = names + ["val_" + name for name in names]
    samples = sum(size for size, _ in first)
    callback_list = cbks.CallbackList(callbacks)
    callback_list.set_model(model)
    callback_list.set_params({"batch_size": first[0][0], "epochs": epochs,
                              "steps": len(first) if count_mode_steps else None,
                              "samples": samples, "verbose": verbose,
                              "do_validation": val is not None, "metrics": metrics})
    model.stop_training = False
    callback_list.on_train_begin()
    ran = []
    for epoch in range(epochs):
        callback_list.on_epoch_begin(epoch)
        for index, (size, values) in enumerate(batches_for(epoch)):
            logs = {"batch": index, "size": size}
            callback_list.on_batch_begin(index, logs)
            logs.update(values)
            callback_list.on_batch_end(index, logs)
            if model.stop_training:
                break
        model.weights = [np.full_like(w, epoch) for w in model.weights]
        epoch_logs = dict(val(epoch)) if val is not None else {}
        callback_list.on_epoch_end(epoch, epoch_logs)
        ran.append(epoch)
        if model.stop_training:
            break
    callback_list.on_train_end()
    return ran


def val_losses(values):
    return lambda epoch: {"val_loss": values[epoch]}


# --- CallbackList ---------------------------------------------------------------

class Recorder(cbks.Callback):
    def __init__(self, name, journal):
        super().__init__()
        self.name = name
        self.journal = journal

    def on_train_begin(self, logs=None):
        self.journal.append((self.name, "train_begin"))

    def on_epoch_begin(self, epoch, logs=None):
        self.journal.append((self.name, "epoch_begin", epoch))

    def on_batch_begin(self, batch, logs=None):
        self.journal.append((self.name, "batch_begin", batch, dict(logs)))

    def on_batch_end(self, batch, logs=None):
        self.journal.append((self.name, "batch_end", batch, logs["loss"]))

    def on_epoch_end(self, epoch, logs=None):
        self.journal.append((self.name, "epoch_end", epoch, dict(logs)))

    def on_train_end(self, logs=None):
        self.journal.append((self.name, "train_end"))


def test_callback_list_calls_every_hook_in_order():
    journal = []
    first, second = Recorder("a", journal), Recorder("b", journal)
    callback_list = cbks.CallbackList([first])
    callback_list.append(second)
    model = FakeModel()
    callback_list.set_model(model)
    callback_list.set_params({"epochs": 1, "metrics": ["loss"]})
    assert first.model is model and second.params == {"epochs": 1, "metrics": ["loss"]}
    assert list(callback_list) == [first, second] and len(callback_list) == 2

    callback_list.on_train_begin()
    callback_list.on_epoch_begin(0)
    callback_list.on_batch_begin(0, {"batch": 0, "size": 4})
    callback_list.on_batch_end(0, {"batch": 0, "size": 4, "loss": 0.5})
    callback_list.on_epoch_end(0, {"val_loss": 0.25})
    callback_list.on_train_end()
    assert journal == [
        ("a", "train_begin"), ("b", "train_begin"),
        ("a", "epoch_begin", 0), ("b", "epoch_begin", 0),
        ("a", "batch_begin", 0, {"batch": 0, "size": 4}),
        ("b", "batch_begin", 0, {"batch": 0, "size": 4}),
        ("a", "batch_end", 0, 0.5), ("b", "batch_end", 0, 0.5),
        ("a", "epoch_end", 0, {"val_loss": 0.25}), ("b", "epoch_end", 0, {"val_loss": 0.25}),
        ("a", "train_end"), ("b", "train_end"),
    ]


def test_callback_list_passes_one_logs_dict_along():
    seen = []
    writer = cbks.LambdaCallback(on_epoch_end=lambda epoch, logs: logs.update(extra=epoch))
    reader = cbks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(dict(logs)))
    callback_list = cbks.CallbackList([writer, reader])
    epoch_logs = {}
    callback_list.on_epoch_end(3, epoch_logs)
    assert seen == [{"extra": 3}]
    assert epoch_logs == {"extra": 3}  # an empty dict is used, not replaced


@pytest.mark.parametrize("bad", [cbks.EarlyStopping, print, "history"])
def test_callback_list_rejects_non_callbacks(bad):
    with pytest.raises(TypeError, match=r"Expected a callback instance.*Received"):
        cbks.CallbackList([bad])
    with pytest.raises(TypeError, match="Received"):
        cbks.CallbackList().append(bad)


def test_callback_list_accepts_duck_typed_callbacks():
    class Foreign:  # e.g. a callback written against another Keras 2
        def __getattr__(self, name):
            if name.startswith(("on_", "set_")):
                return lambda *args, **kwargs: None
            raise AttributeError(name)

    callback_list = cbks.CallbackList([Foreign()])
    callback_list.on_epoch_end(0, {})


class FakeClock:
    def __init__(self):
        self.t = 0.

    def __call__(self):
        return self.t


@pytest.mark.parametrize("hook_seconds,warns", [(0.5, True), (0.01, False)])
def test_slow_batch_hooks_warn_once(monkeypatch, hook_seconds, warns):
    clock = FakeClock()
    monkeypatch.setattr(cbks, "_now", clock)

    def slow(batch, logs):
        clock.t += hook_seconds

    callback_list = cbks.CallbackList([cbks.LambdaCallback(on_batch_end=slow)])
    callback_list.on_train_begin()
    callback_list.on_epoch_begin(0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for batch in range(5):
            callback_list.on_batch_begin(batch, {})
            clock.t += 0.2  # the batch itself
            callback_list.on_batch_end(batch, {})
    messages = [str(w.message) for w in caught]
    if warns:
        assert len(messages) == 1 and "on_batch_end() is slow" in messages[0]
    else:
        assert messages == []


# --- BaseLogger, History, TerminateOnNaN --------------------------------------------

def test_base_logger_weights_batch_metrics_by_size():
    history = cbks.History()
    batches = [(32, {"loss": 1.0, "acc": 0.5, "tp": 3.0}),
               (32, {"loss": 2.0, "acc": 0.25, "tp": 5.0}),
               (36, {"loss": 3.0, "acc": 1.0, "tp": 9.0})]
    train([cbks.BaseLogger(stateful_metrics=["tp"]), history], FakeModel(), epochs=2,
          batches=batches, val=lambda epoch: {"val_loss": 0.1 * (epoch + 1)},
          metrics=["loss", "acc", "tp", "val_loss"])
    assert history.history["loss"] == pytest.approx([2.04, 2.04])  # (32+64+108)/100
    assert history.history["acc"] == pytest.approx([(16 + 8 + 36) / 100] * 2)
    assert history.history["tp"] == [9.0, 9.0]  # stateful: the last value
    assert history.history["val_loss"] == pytest.approx([0.1, 0.2])  # left as given
    assert "batch" not in history.history and "size" not in history.history


def test_base_logger_writes_only_params_metrics_and_resets_each_epoch():
    history = cbks.History()
    def batches(epoch):
        return [(10, {"loss": float(epoch), "other": 7.0})]

    train([cbks.BaseLogger(), history], FakeModel(), epochs=3, batches=batches,
          metrics=["loss"])
    assert history.history == {"loss": [0.0, 1.0, 2.0]}


def test_history_records_epochs_and_sets_model_history():
    model = FakeModel()
    history = cbks.History()
    train([cbks.BaseLogger(), history], model, epochs=3,
          batches=[(8, {"loss": 0.5})], val=val_losses([0.9, 0.8, 0.7]))
    assert model.history is history
    assert history.epoch == [0, 1, 2]
    assert history.history == {"val_loss": [0.9, 0.8, 0.7], "loss": [0.5, 0.5, 0.5]}
    # a second run starts a fresh record
    train([cbks.BaseLogger(), history], model, epochs=1, batches=[(8, {"loss": 0.25})])
    assert history.epoch == [0] and history.history == {"loss": [0.25]}


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), np.float32("-inf")])
def test_terminate_on_nan_stops_at_the_bad_batch(capsys, bad):
    model = FakeModel()
    journal = []
    batches = [(4, {"loss": 1.0}), (4, {"loss": 0.5}), (4, {"loss": bad}), (4, {"loss": 0.2})]
    ran = train([cbks.TerminateOnNaN(), Recorder("r", journal)], model, epochs=3,
                batches=batches)
    assert ran == [0] and model.stop_training
    assert "Batch 2: Invalid loss, terminating training" in capsys.readouterr().out
    assert [entry[2] for entry in journal if entry[1] == "batch_end"] == [0, 1, 2]


def test_terminate_on_nan_lets_finite_losses_through(capsys):
    model = FakeModel()
    ran = train([cbks.TerminateOnNaN()], model, epochs=2, batches=[(4, {"loss": 1e30})])
    assert ran == [0, 1] and not model.stop_training
    assert capsys.readouterr().out == ""


# --- ProgbarLogger ----------------------------------------------------------------

PROGBAR_BATCHES = [(32, {"loss": 1.0, "acc": 0.5}), (32, {"loss": 2.0, "acc": 0.5}),
                   (36, {"loss": 3.0, "acc": 0.5})]


def test_progbar_logger_verbose_1_draws_a_bar_with_metrics(capsys):
    train([cbks.BaseLogger(), cbks.ProgbarLogger()], FakeModel(), epochs=2,
          batches=PROGBAR_BATCHES, val=lambda epoch: {"val_loss": 0.5, "val_acc": 0.75},
          verbose=1)
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.strip()]
    assert lines[0] == "Epoch 1/2" and "Epoch 2/2" in lines
    bars = [line for line in lines if line.startswith("100/100 [")]
    assert len(bars) == 2
    for bar in bars:
        assert "[" + "=" * 30 + "]" in bar
        assert re.search(r" \d+(s|ms|us)/step", bar)
        # the bar's loss is the size-weighted average over the epoch
        assert "loss: 2.0400" in bar and "acc: 0.5000" in bar
        assert "val_loss: 0.5000" in bar and "val_acc: 0.7500" in bar


def test_progbar_logger_verbose_2_prints_one_line_per_epoch(capsys):
    train([cbks.BaseLogger(), cbks.ProgbarLogger()], FakeModel(), epochs=3,
          batches=PROGBAR_BATCHES, val=lambda epoch: {"val_loss": 0.5, "val_acc": 0.75},
          verbose=2)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert lines[0::2] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    for line in lines[1::2]:
        assert "[" not in line and "/" not in line  # no bar
        assert line.split(" - ")[0].endswith("s")  # elapsed time first
        assert "loss: 2.0400 - acc: 0.5000 - val_loss: 0.5000 - val_acc: 0.7500" in line


def test_progbar_logger_counts_steps_and_shows_stateful_metrics_as_is(capsys):
    batches = [(10, {"loss": 1.0, "tp": 2.0}), (10, {"loss": 3.0, "tp": 7.0})]
    # The bar averages the batch values itself; the epoch logs add only the other metrics.
    train([cbks.ProgbarLogger(count_mode="steps", stateful_metrics=["tp"])], FakeModel(),
          epochs=1, batches=batches, verbose=1, count_mode_steps=True,
          val=lambda epoch: {"loss": 99.0, "val_loss": 0.5})
    out = capsys.readouterr().out
    assert "2/2 [" in out and "tp: 7.0000" in out
    assert "loss: 2.0000" in out and "val_loss: 0.5000" in out
    assert "loss: 99" not in out  # the epoch's own "loss" does not replace the bar's average


def test_progbar_logger_unknown_length_finishes_at_epoch_end(capsys):
    batches = [(10, {"loss": 1.0}), (10, {"loss": 3.0})]
    train([cbks.ProgbarLogger(count_mode="steps")], FakeModel(), epochs=1, batches=batches,
          verbose=2, count_mode_steps=False)  # params["steps"] is None
    out = capsys.readouterr().out
    assert "Epoch 1/1" in out and "loss: 2.0000" in out


def test_progbar_logger_silent_at_verbose_0(capsys):
    train([cbks.ProgbarLogger()], FakeModel(), epochs=2, batches=PROGBAR_BATCHES)
    assert capsys.readouterr().out == ""


def test_progbar_logger_rejects_unknown_count_mode():
    expected = "'samples' or 'steps'. Received: count_mode='rows'"
    with pytest.raises(ValueError, match=re.escape(expected)):
        cbks.ProgbarLogger(count_mode="rows")


# --- ModelCheckpoint ---------------------------------------------------------------

def test_model_checkpoint_formats_file_names_from_epoch_and_logs(tmp_path):
    model = FakeModel()
    template = str(tmp_path / "model-ep{epoch:03d}-loss{loss:.3f}-val_loss{val_loss:.3f}.h5")
    train([cbks.BaseLogger(), cbks.ModelCheckpoint(template)], model, epochs=3,
          batches=[(4, {"loss": 0.25})], val=val_losses([1.0, 0.5, 0.125]))
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["model-ep001-loss0.250-val_loss1.000.h5",
                     "model-ep002-loss0.250-val_loss0.500.h5",
                     "model-ep003-loss0.250-val_loss0.125.h5"]
    assert [kind for kind, _ in model.saves] == ["model"] * 3
    third = load_weights(tmp_path / names[2])
    assert all((w == 2).all() for w in third)  # weights at the end of epoch index 2


def test_model_checkpoint_save_best_only_keeps_improvements(tmp_path, capsys):
    model = FakeModel()
    template = str(tmp_path / "best-{epoch:02d}.h5")
    train([cbks.ModelCheckpoint(template, save_best_only=True, verbose=1)], model, epochs=5,
          val=val_losses([1.0, 0.8, 0.9, 0.5, 0.5]))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best-01.h5", "best-02.h5",
                                                          "best-04.h5"]
    out = capsys.readouterr().out
    assert "Epoch 00002: val_loss improved from 1.00000 to 0.80000" in out
    assert "Epoch 00003: val_loss did not improve from 0.80000" in out
    assert "Epoch 00005: val_loss did not improve from 0.50000" in out  # equal is not better


def test_model_checkpoint_single_file_holds_the_best_weights(tmp_path):
    model = FakeModel()
    path = tmp_path / "best.h5"
    train([cbks.ModelCheckpoint(path, save_best_only=True, save_weights_only=True)], model,
          epochs=4, val=val_losses([1.0, 0.3, 0.9, 0.4]))
    assert [kind for kind, _ in model.saves] == ["weights", "weights"]
    assert all((w == 1).all() for w in load_weights(path))


def test_model_checkpoint_auto_mode_maximises_accuracy(tmp_path):
    checkpoint = cbks.ModelCheckpoint(str(tmp_path / "m{epoch}.h5"), monitor="val_acc",
                                      save_best_only=True)
    assert checkpoint.mode == "max"
    train([checkpoint], FakeModel(), epochs=3,
          val=lambda epoch: {"val_acc": [0.5, 0.4, 0.9][epoch]})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m1.h5", "m3.h5"]
    assert cbks.ModelCheckpoint("x", monitor="val_fmeasure").mode == "max"
    assert cbks.ModelCheckpoint("x", monitor="acc", mode="min").mode == "min"


def test_model_checkpoint_period(tmp_path):
    model = FakeModel()
    train([cbks.ModelCheckpoint(str(tmp_path / "m{epoch}.h5"), period=2)], model, epochs=5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m2.h5", "m4.h5"]


def test_model_checkpoint_missing_template_key_names_it(tmp_path):
    checkpoint = cbks.ModelCheckpoint(str(tmp_path / "m-{val_acc:.2f}.h5"))
    with pytest.raises(KeyError) as info:
        train([checkpoint], FakeModel(), epochs=1, val=val_losses([0.5]))
    message = str(info.value)
    assert "'val_acc'" in message and "Received logs with keys: ['epoch', 'val_loss']" in message


def test_model_checkpoint_warns_when_monitor_is_missing(tmp_path):
    model = FakeModel()
    checkpoint = cbks.ModelCheckpoint(str(tmp_path / "m.h5"), save_best_only=True)
    with pytest.warns(RuntimeWarning, match="`val_loss`.*Available metrics are: loss"):
        train([cbks.BaseLogger(), checkpoint], model, epochs=1, metrics=["loss"])
    assert model.saves == []


def test_model_checkpoint_unknown_mode_falls_back_to_auto():
    with pytest.warns(RuntimeWarning, match="Received: mode='best'"):
        checkpoint = cbks.ModelCheckpoint("x", monitor="val_acc", mode="best")
    assert checkpoint.mode == "max"


# --- EarlyStopping -------------------------------------------------------------------

def test_early_stopping_patience():
    model = FakeModel()
    stopper = cbks.EarlyStopping(patience=2)
    ran = train([stopper], model, epochs=10, val=val_losses([1.0, 0.9, 0.95, 0.97, 0.1] + [0] * 5))
    assert ran == [0, 1, 2, 3] and model.stop_training
    assert stopper.stopped_epoch == 3 and stopper.wait == 2 and stopper.best == 0.9
    assert all((w == 3).all() for w in model.weights)  # not restored unless asked


def test_early_stopping_min_delta():
    stopper = cbks.EarlyStopping(min_delta=0.1, patience=1)
    ran = train([stopper], FakeModel(), epochs=5, val=val_losses([1.0, 0.95, 0.5, 0.4, 0.3]))
    assert ran == [0, 1] and stopper.best == 1.0
    # improvements larger than min_delta keep it going
    stopper = cbks.EarlyStopping(min_delta=0.1, patience=1)
    ran = train([stopper], FakeModel(), epochs=4, val=val_losses([1.0, 0.85, 0.7, 0.55]))
    assert ran == [0, 1, 2, 3] and stopper.stopped_epoch == 0


def test_early_stopping_maximises_accuracy():
    stopper = cbks.EarlyStopping(monitor="val_acc", patience=1, min_delta=0.01)
    ran = train([stopper], FakeModel(), epochs=5,
                val=lambda epoch: {"val_acc": [0.5, 0.6, 0.605, 0.9, 0.9][epoch]})
    assert ran == [0, 1, 2] and stopper.best == 0.6


def test_early_stopping_baseline_must_be_beaten():
    stopper = cbks.EarlyStopping(patience=2, baseline=0.5)
    ran = train([stopper], FakeModel(), epochs=5, val=val_losses([0.8, 0.7, 0.4, 0.3, 0.2]))
    assert ran == [0, 1] and stopper.best == 0.5 and stopper.stopped_epoch == 1
    stopper = cbks.EarlyStopping(patience=2, baseline=0.5)
    ran = train([stopper], FakeModel(), epochs=5, val=val_losses([0.8, 0.4, 0.45, 0.3, 0.35]))
    assert ran == [0, 1, 2, 3, 4] and stopper.best == 0.3


def test_early_stopping_restores_best_weights(capsys):
    model = FakeModel()
    stopper = cbks.EarlyStopping(patience=2, restore_best_weights=True, verbose=1)
    ran = train([stopper], model, epochs=10, val=val_losses([1.0, 0.5, 0.7, 0.6, 0.1] + [0] * 5))
    assert ran == [0, 1, 2, 3]
    assert all((w == 1).all() for w in model.weights)  # epoch 1 had the best val_loss
    out = capsys.readouterr().out
    assert "Restoring model weights from the end of the best epoch" in out
    assert "Epoch 00004: early stopping" in out


def test_early_stopping_restore_without_any_improvement_keeps_weights():
    model = FakeModel()
    stopper = cbks.EarlyStopping(patience=1, baseline=0.1, restore_best_weights=True)
    ran = train([stopper], model, epochs=5, val=val_losses([0.5] * 5))
    assert ran == [0] and all((w == 0).all() for w in model.weights)


def test_early_stopping_warns_on_missing_monitor():
    stopper = cbks.EarlyStopping(monitor="val_auc")
    with pytest.warns(RuntimeWarning, match="`val_auc`.*Available metrics are: val_loss"):
        ran = train([stopper], FakeModel(), epochs=2, val=val_losses([1.0, 2.0]))
    assert ran == [0, 1]


# --- learning rate ----------------------------------------------------------------------

def test_reduce_lr_on_plateau_with_cooldown_and_min_lr():
    model = FakeModel(lr=1.0)
    history = cbks.History()
    reduce_lr = cbks.ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2, min_lr=0.2)
    train([reduce_lr, history], model, epochs=9, val=val_losses([1.0] * 9))
    # the lr logged at each epoch end is the one the epoch trained with
    assert history.history["lr"] == pytest.approx(
        [1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2])
    assert float(K.get_value(model.optimizer.lr)) == pytest.approx(0.2)


def test_reduce_lr_on_plateau_improvement_resets_patience():
    model = FakeModel(lr=1.0)
    reduce_lr = cbks.ReduceLROnPlateau(factor=0.1, patience=2, min_delta=0.05)
    history = cbks.History()
    # 0.97 is within min_delta of 1.0 so not an improvement; 0.8 is.
    train([reduce_lr, history], model, epochs=6,
          val=val_losses([1.0, 0.97, 0.8, 0.79, 0.78, 0.77]))
    assert history.history["lr"] == pytest.approx([1.0, 1.0, 1.0, 1.0, 1.0, 0.1])


def test_reduce_lr_on_plateau_does_not_go_below_min_lr_in_float32(capsys):
    model = FakeModel(lr=0.001)
    reduce_lr = cbks.ReduceLROnPlateau(factor=0.5, patience=1, min_lr=0.001, verbose=1)
    train([reduce_lr], model, epochs=4, val=val_losses([1.0] * 4))
    assert capsys.readouterr().out == ""
    assert float(K.get_value(model.optimizer.lr)) == pytest.approx(0.001)


def test_reduce_lr_on_plateau_verbose_message(capsys):
    model = FakeModel(lr=0.5)
    train([cbks.ReduceLROnPlateau(monitor="val_acc", patience=1, verbose=1)], model, epochs=2,
          val=lambda epoch: {"val_acc": 0.5})
    assert "Epoch 00002: ReduceLROnPlateau reducing learning rate to 0.05." in (
        capsys.readouterr().out)


def test_reduce_lr_on_plateau_arguments():
    with pytest.raises(ValueError, match=re.escape("below 1.0. Received: factor=1.5")):
        cbks.ReduceLROnPlateau(factor=1.5)
    with pytest.raises(ValueError, match="factor=1"):
        cbks.ReduceLROnPlateau(factor=1)
    with pytest.warns(DeprecationWarning, match="min_delta"):
        reduce_lr = cbks.ReduceLROnPlateau(epsilon=0.01)
    assert reduce_lr.min_delta == 0.01
    with pytest.raises(TypeError, match="Received: \\['delta'\\]"):
        cbks.ReduceLROnPlateau(delta=0.01)


def test_lr_callbacks_need_an_optimizer_with_lr():
    model = FakeModel()
    model.optimizer = object()
    with pytest.raises(ValueError, match="`lr` attribute"):
        train([cbks.LearningRateScheduler(lambda epoch: 0.1)], model, epochs=1)


def test_learning_rate_scheduler_epoch_only_schedule(capsys):
    model = FakeModel(lr=1.0)
    seen = []
    scheduler = cbks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1), verbose=1)
    spy = cbks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: seen.append(float(K.get_value(model.optimizer.lr))))
    train([scheduler, spy], model, epochs=3)
    assert seen == pytest.approx([0.1, 0.05, 0.1 / 3])
    assert "Epoch 00003: LearningRateScheduler setting learning rate to 0.0333" in (
        capsys.readouterr().out)


def test_learning_rate_scheduler_epoch_and_lr_schedule():
    model = FakeModel(lr=0.8)
    calls = []

    def schedule(epoch, lr):
        calls.append((epoch, lr))
        return lr * 0.5

    train([cbks.LearningRateScheduler(schedule)], model, epochs=3)
    assert [epoch for epoch, _ in calls] == [0, 1, 2]
    assert [lr for _, lr in calls] == pytest.approx([0.8, 0.4, 0.2])
    assert all(isinstance(lr, float) for _, lr in calls)
    assert float(K.get_value(model.optimizer.lr)) == pytest.approx(0.1)


def test_learning_rate_scheduler_callable_object_and_numpy_float():
    class Schedule:
        def __call__(self, epoch, lr):
            return np.float32(lr * 2)

    model = FakeModel(lr=0.25)
    train([cbks.LearningRateScheduler(Schedule())], model, epochs=2)
    assert float(K.get_value(model.optimizer.lr)) == pytest.approx(1.0)


def test_learning_rate_scheduler_does_not_hide_errors_in_the_schedule():
    def schedule(epoch, lr):
        raise TypeError("bug inside the schedule")

    with pytest.raises(TypeError, match="bug inside the schedule"):
        train([cbks.LearningRateScheduler(schedule)], FakeModel(), epochs=1)


@pytest.mark.parametrize("returned", [1, "0.1", None, True])
def test_learning_rate_scheduler_rejects_non_float(returned):
    scheduler = cbks.LearningRateScheduler(lambda epoch: returned)
    with pytest.raises(ValueError, match=re.escape("should be a float. Received: ")):
        train([scheduler], FakeModel(), epochs=1)


def test_learning_rate_scheduler_rejects_non_callable():
    with pytest.raises(TypeError, match=re.escape("Received: schedule=0.1")):
        cbks.LearningRateScheduler(0.1)


# --- CSVLogger ------------------------------------------------------------------------------

def read_csv(path, delimiter=","):
    with open(path, newline="") as f:
        return list(csv.reader(f, delimiter=delimiter))


def test_csv_logger_writes_sorted_header_and_rows(tmp_path):
    path = tmp_path / "log.csv"
    batches = [(10, {"loss": 0.5, "acc": 0.25})]
    train([cbks.BaseLogger(), cbks.CSVLogger(str(path))], FakeModel(), epochs=2,
          batches=batches, val=lambda epoch: {"val_loss": 0.75, "val_acc": 0.125 * epoch})
    assert path.read_text() == ("epoch,acc,loss,val_acc,val_loss\n"
                                "0,0.25,0.5,0.0,0.75\n"
                                "1,0.25,0.5,0.125,0.75\n")


def test_csv_logger_separator_and_non_scalar_values(tmp_path):
    path = tmp_path / "log.tsv"
    logs = {"loss": np.float32(0.5), "lr": np.array(0.001, dtype="float32"),
            "per_class": np.array([1, 2, 3]), "name": "run a"}
    train([cbks.CSVLogger(path, separator="\t")], FakeModel(), epochs=1, val=lambda e: logs)
    rows = read_csv(path, delimiter="\t")
    assert rows == [["epoch", "loss", "lr", "name", "per_class"],
                    ["0", "0.5", "0.001", "run a", "[1, 2, 3]"]]
    path = tmp_path / "log.csv"
    train([cbks.CSVLogger(path)], FakeModel(), epochs=1, val=lambda e: {"v": [0.5, 1.5]})
    assert path.read_text().splitlines()[1] == '0,"[0.5, 1.5]"'


def test_csv_logger_overwrites_unless_appending(tmp_path):
    path = tmp_path / "log.csv"

    def run(append, epochs):
        train([cbks.CSVLogger(path, append=append)], FakeModel(), epochs=epochs,
              val=lambda epoch: {"val_loss": float(epoch)})

    run(False, 2)
    run(False, 2)
    assert len(read_csv(path)) == 3
    run(True, 3)
    rows = read_csv(path)
    assert rows == [["epoch", "val_loss"], ["0", "0.0"], ["1", "1.0"],
                    ["0", "0.0"], ["1", "1.0"], ["2", "2.0"]]


def test_csv_logger_append_to_new_file_writes_header(tmp_path):
    path = tmp_path / "fresh.csv"
    train([cbks.CSVLogger(path, append=True)], FakeModel(), epochs=1,
          val=lambda epoch: {"val_loss": 1.0})
    assert read_csv(path) == [["epoch", "val_loss"], ["0", "1.0"]]


def test_csv_logger_marks_missing_values_na(tmp_path):
    path = tmp_path / "log.csv"

    def val(epoch):
        return {"val_loss": 1.0, "val_acc": 0.5} if epoch == 0 else {"val_loss": 2.0}

    train([cbks.CSVLogger(path)], FakeModel(), epochs=2, val=val)
    assert read_csv(path) == [["epoch", "val_acc", "val_loss"], ["0", "0.5", "1.0"],
                              ["1", "NA", "2.0"]]


# --- LambdaCallback -------------------------------------------------------------------------

def test_lambda_callback_calls_the_given_functions():
    journal = []
    callback = cbks.LambdaCallback(
        on_train_begin=lambda logs: journal.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: journal.append(("epoch_begin", epoch)),
        on_batch_begin=lambda batch, logs: journal.append(("batch_begin", batch)),
        on_batch_end=lambda batch, logs: journal.append(("batch_end", batch, logs["loss"])),
        on_epoch_end=lambda epoch, logs: journal.append(("epoch_end", epoch, logs)),
        on_train_end=lambda logs: journal.append("train_end"),
        tag="mine")
    assert callback.tag == "mine"
    train([callback], FakeModel(), epochs=1, batches=[(2, {"loss": 0.5})],
          val=val_losses([0.25]))
    assert journal == ["train_begin", ("epoch_begin", 0), ("batch_begin", 0),
                       ("batch_end", 0, 0.5), ("epoch_end", 0, {"val_loss": 0.25}),
                       "train_end"]


def test_lambda_callback_defaults_do_nothing_and_checks_callables():
    train([cbks.LambdaCallback()], FakeModel(), epochs=1)
    with pytest.raises(TypeError, match="Received: on_epoch_end=3"):
        cbks.LambdaCallback(on_epoch_end=3)


# --- the engine's full list -----------------------------------------------------------------

def test_engine_callback_list_end_to_end(tmp_path, capsys):
    model = FakeModel(lr=0.5)
    history = cbks.History()
    user = [cbks.EarlyStopping(patience=1, restore_best_weights=True),
            cbks.ReduceLROnPlateau(patience=1, factor=0.5),
            cbks.ModelCheckpoint(str(tmp_path / "ep{epoch}-{val_loss:.1f}.h5"),
                                 save_best_only=True),
            cbks.CSVLogger(tmp_path / "log.csv")]
    callbacks = ([cbks.BaseLogger(stateful_metrics=[])] + user + [history]
                 + [cbks.ProgbarLogger(count_mode="samples", stateful_metrics=[])])

    def batches(epoch):
        return [(16, {"loss": 1.0 / (epoch + 1)}), (16, {"loss": 0.5 / (epoch + 1)})]

    ran = train(callbacks, model, epochs=10, batches=batches,
                val=val_losses([0.9, 0.5, 0.6, 0.4]), verbose=2)
    assert ran == [0, 1, 2]
    assert history.history["loss"] == pytest.approx([0.75, 0.375, 0.25])
    assert history.history["lr"] == pytest.approx([0.5, 0.5, 0.5])
    assert float(K.get_value(model.optimizer.lr)) == pytest.approx(0.25)
    assert all((w == 1).all() for w in model.weights)
    assert sorted(p.name for p in tmp_path.glob("*.h5")) == ["ep1-0.9.h5", "ep2-0.5.h5"]
    assert read_csv(tmp_path / "log.csv")[0] == ["epoch", "loss", "lr", "val_loss"]
    out = capsys.readouterr().out
    assert out.count("Epoch ") == 3 and "loss: 0.2500 - val_loss: 0.6000" in out


@pytest.mark.parametrize("seconds, text", [(2.4, "2s/step"), (0.0153, "15ms/step"),
                                           (6.7e-05, "67us/step")])
def test_time_per_step_uses_keras_units(seconds, text):
    from polykeras.utils.generic_utils import time_per_step
    assert time_per_step(seconds) == text
