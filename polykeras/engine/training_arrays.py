"""The batch loops over in-memory arrays behind fit, evaluate and predict."""
import numpy as np

from polykeras import callbacks as callbacks_module
from polykeras.engine.training_utils import batch_shuffle, make_batches, slice_arrays
from polykeras.utils.generic_utils import Progbar


def configure_callbacks(model, callbacks, *, epochs, verbose, out_labels, do_validation,
                        batch_size=None, samples=None, steps=None, count_mode="samples"):
    """The CallbackList a training loop drives: logger, bar, user callbacks, history."""
    model.history = callbacks_module.History()
    items = [callbacks_module.BaseLogger()]
    if verbose:
        items.append(callbacks_module.ProgbarLogger(count_mode=count_mode))
    items += list(callbacks or []) + [model.history]
    callback_list = callbacks_module.CallbackList(items)
    callback_model = getattr(model, "callback_model", None) or model
    callback_list.set_model(callback_model)
    metrics = list(out_labels) + (["val_" + n for n in out_labels] if do_validation else [])
    callback_list.set_params({"batch_size": batch_size, "epochs": epochs, "steps": steps,
                              "samples": samples, "verbose": verbose,
                              "do_validation": do_validation, "metrics": metrics})
    callback_model.stop_training = False
    return callback_list, callback_model


def fit_loop(model, fit_function, ins, phase, *, out_labels, batch_size, epochs, verbose,
             callbacks, val_function, val_ins, shuffle, initial_epoch, steps_per_epoch,
             validation_steps):
    """Run the epochs; returns the History."""
    do_validation = bool(val_ins) or bool(validation_steps and val_function)
    samples = len(ins[0]) if ins and steps_per_epoch is None else None
    callback_list, callback_model = configure_callbacks(
        model, callbacks, epochs=epochs, verbose=verbose, out_labels=out_labels,
        do_validation=do_validation, batch_size=batch_size, samples=samples,
        steps=steps_per_epoch, count_mode="steps" if steps_per_epoch else "samples")
    for cbk in callback_list:
        cbk.validation_data = val_ins
    callback_list.on_train_begin()
    index_array = np.arange(samples) if samples is not None else None
    for epoch in range(initial_epoch, epochs):
        callback_list.on_epoch_begin(epoch)
        epoch_logs, completed = {}, True
        if steps_per_epoch is not None:
            for step in range(steps_per_epoch):
                logs = {"batch": step, "size": 1}
                callback_list.on_batch_begin(step, logs)
                logs.update(zip(out_labels, fit_function(ins + phase)))
                callback_list.on_batch_end(step, logs)
                if callback_model.stop_training:
                    completed = step == steps_per_epoch - 1
                    break
        else:
            if shuffle == "batch":
                index_array = batch_shuffle(index_array, batch_size)
            elif shuffle:
                np.random.shuffle(index_array)
            for batch_index, (start, end) in enumerate(make_batches(samples, batch_size)):
                batch_ids = index_array[start:end]
                logs = {"batch": batch_index, "size": len(batch_ids)}
                callback_list.on_batch_begin(batch_index, logs)
                outs = fit_function(slice_arrays(ins, batch_ids) + phase)
                logs.update(zip(out_labels, outs))
                callback_list.on_batch_end(batch_index, logs)
                if callback_model.stop_training:
                    completed = end == samples
                    break
        if do_validation and completed:
            val_outs = test_loop(model, val_function, val_ins, phase_for(phase, 0),
                                 batch_size=batch_size, verbose=0, steps=validation_steps)
            val_outs = val_outs if isinstance(val_outs, list) else [val_outs]
            epoch_logs.update(("val_" + label, value)
                              for label, value in zip(out_labels, val_outs))
        callback_list.on_epoch_end(epoch, epoch_logs)
        if callback_model.stop_training:
            break
    callback_list.on_train_end()
    return model.history


def phase_for(phase, value):
    """The learning-phase feed (empty when the phase is fixed) set to ``value``."""
    return [np.array(value, dtype=bool)] if phase else []


def test_loop(model, function, ins, phase, *, batch_size, verbose, steps=None):
    """Sample-weighted averages of the function's outputs over all batches."""
    if steps is not None:
        bar = Progbar(steps) if verbose == 1 else None
        totals = None
        for step in range(steps):
            outs = function(ins + phase)
            totals = outs if totals is None else [t + o for t, o in zip(totals, outs)]
            if bar:
                bar.update(step + 1)
        results = [t / steps for t in totals]
    else:
        samples = len(ins[0])
        bar = Progbar(samples) if verbose == 1 else None
        totals = None
        for start, end in make_batches(samples, batch_size):
            outs = function([a[start:end] for a in ins] + phase)
            weighted = [np.asarray(o, dtype=np.float64) * (end - start) for o in outs]
            totals = weighted if totals is None else [t + w for t, w in zip(totals, weighted)]
            if bar:
                bar.update(end)
        results = [float(t / samples) for t in totals]
    return results[0] if len(results) == 1 else results


def predict_loop(model, function, ins, phase, *, batch_size, verbose, steps=None):
    """The function's outputs over all batches, concatenated along the batch axis."""
    if steps is not None:
        chunks = [function(ins + phase) for _ in range(steps)]
        outputs = [np.concatenate(parts) for parts in zip(*chunks)]
    else:
        samples = len(ins[0])
        bar = Progbar(samples) if verbose == 1 else None
        outputs = None
        for start, end in make_batches(samples, batch_size):
            batch_outs = function([a[start:end] for a in ins] + phase)
            if outputs is None:
                outputs = [np.empty((samples,) + o.shape[1:], dtype=o.dtype)
                           for o in batch_outs]
            for out, batch_out in zip(outputs, batch_outs):
                out[start:end] = batch_out
            if bar:
                bar.update(end)
    return outputs[0] if len(outputs) == 1 else outputs
