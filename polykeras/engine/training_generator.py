"""The loops behind fit_generator, evaluate_generator and predict_generator."""
import contextlib

import numpy as np

from polykeras.engine.training_arrays import configure_callbacks
from polykeras.utils.data_utils import GeneratorEnqueuer, OrderedEnqueuer, Sequence
from polykeras.utils.generic_utils import Progbar


def _is_generator(data):
    return isinstance(data, Sequence) or hasattr(data, "__next__")


def _steps_for(generator, steps, what):
    if steps is not None:
        return steps
    if isinstance(generator, Sequence):
        return len(generator)
    raise ValueError(f"`{what}=None` is only valid for a generator based on the "
                     "`polykeras.utils.Sequence` class. Please specify "
                     f"`{what}` or use the `polykeras.utils.Sequence` class.")


@contextlib.contextmanager
def _batches(generator, workers, max_queue_size, use_multiprocessing, shuffle=False):
    """An iterator over the generator's items, filled by ``workers`` in the background."""
    if workers > 0:
        if isinstance(generator, Sequence):
            enqueuer = OrderedEnqueuer(generator, use_multiprocessing=use_multiprocessing,
                                       shuffle=shuffle)
        else:
            enqueuer = GeneratorEnqueuer(generator, use_multiprocessing=use_multiprocessing)
        enqueuer.start(workers=workers, max_queue_size=max_queue_size)
        try:
            yield enqueuer.get()
        finally:
            enqueuer.stop()
    elif isinstance(generator, Sequence):
        # Like the enqueuers: on_epoch_end once all of an epoch's batches were
        # taken, when the next batch is asked for or when reading stops.
        epoch_done = [False]

        def in_order():
            while True:
                order = np.random.permutation(len(generator)) if shuffle \
                    else range(len(generator))
                for position, index in enumerate(order):
                    item = generator[int(index)]
                    epoch_done[0] = position == len(order) - 1
                    yield item
                epoch_done[0] = False
                generator.on_epoch_end()
        try:
            yield in_order()
        finally:
            if epoch_done[0]:
                generator.on_epoch_end()
    else:
        yield generator


def _next_batch(batches, what, taken, expected):
    """The next item; a generator that runs out early is an error that says so."""
    try:
        return next(batches)
    except StopIteration:
        raise ValueError(f"{what}: the generator ran out of data after {taken} batch(es), "
                         f"but {expected} were expected. A generator should loop over its "
                         "data forever (`while True:`), or use a keras.utils.Sequence.") \
            from None


def _unpack(item, with_targets=True):
    if not with_targets:
        if isinstance(item, tuple) and len(item) in (2, 3):
            return item[0], None, None
        return item, None, None
    if not isinstance(item, tuple) or len(item) not in (2, 3):
        raise ValueError("Output of generator should be a tuple `(x, y, sample_weight)` or "
                         f"`(x, y)`. Found: {str(item)[:200]}")
    x, y, *weights = item
    return x, y, weights[0] if weights else None


def _batch_size(x):
    first = next(iter(x.values())) if isinstance(x, dict) else \
        x[0] if isinstance(x, list) else x
    return len(first)


def fit_generator(model, generator, *, steps_per_epoch, epochs, verbose, callbacks,
                  validation_data, validation_steps, class_weight, max_queue_size, workers,
                  use_multiprocessing, shuffle, initial_epoch):
    """Train on the generator's batches; returns the History."""
    model._make_train_function()
    steps_per_epoch = _steps_for(generator, steps_per_epoch, "steps_per_epoch")
    validate_from_generator = _is_generator(validation_data)
    if validate_from_generator:
        validation_steps = _steps_for(validation_data, validation_steps, "validation_steps")
        model._make_test_function()
    elif validation_data is not None:
        if len(validation_data) not in (2, 3):
            raise ValueError("validation_data should be a tuple `(val_x, val_y)` or "
                             "`(val_x, val_y, val_sample_weight)` or a generator. "
                             f"Received {len(validation_data)} items.")
        model._make_test_function()
    do_validation = validation_data is not None
    callback_list, callback_model = configure_callbacks(
        model, callbacks, epochs=epochs, verbose=verbose, out_labels=model.metrics_names,
        do_validation=do_validation, steps=steps_per_epoch, count_mode="steps")
    callback_list.on_train_begin()
    with _batches(generator, workers, max_queue_size, use_multiprocessing,
                  shuffle) as batches:
        for epoch in range(initial_epoch, epochs):
            callback_list.on_epoch_begin(epoch)
            epoch_logs, completed = {}, True
            for step in range(steps_per_epoch):
                x, y, weights = _unpack(_next_batch(
                    batches, "fit_generator", (epoch - initial_epoch) * steps_per_epoch + step,
                    f"steps_per_epoch * epochs = {steps_per_epoch * (epochs - initial_epoch)}"))
                logs = {"batch": step, "size": _batch_size(x)}
                callback_list.on_batch_begin(step, logs)
                outs = model.train_on_batch(x, y, sample_weight=weights,
                                            class_weight=class_weight)
                logs.update(zip(model.metrics_names, outs if isinstance(outs, list)
                                else [outs]))
                callback_list.on_batch_end(step, logs)
                if callback_model.stop_training:
                    completed = step == steps_per_epoch - 1
                    break
            if do_validation and completed:
                if validate_from_generator:
                    val_outs = evaluate_generator(
                        model, validation_data, steps=validation_steps,
                        max_queue_size=max_queue_size, workers=workers,
                        use_multiprocessing=use_multiprocessing, verbose=0)
                else:
                    val_x, val_y, *val_w = validation_data
                    val_outs = model.evaluate(val_x, val_y, sample_weight=val_w[0] if val_w
                                              else None, verbose=0)
                val_outs = val_outs if isinstance(val_outs, list) else [val_outs]
                epoch_logs.update(("val_" + name, value)
                                  for name, value in zip(model.metrics_names, val_outs))
            callback_list.on_epoch_end(epoch, epoch_logs)
            if callback_model.stop_training:
                break
    callback_list.on_train_end()
    return model.history


def evaluate_generator(model, generator, *, steps, max_queue_size, workers,
                       use_multiprocessing, verbose):
    """Loss and metrics averaged over ``steps`` batches, weighted by batch size."""
    model._make_test_function()
    steps = _steps_for(generator, steps, "steps")
    totals, seen = None, 0
    bar = Progbar(steps) if verbose == 1 else None
    with _batches(generator, workers, max_queue_size, use_multiprocessing) as batches:
        for step in range(steps):
            x, y, weights = _unpack(_next_batch(batches, "evaluate_generator", step,
                                                f"steps={steps}"))
            outs = model.test_on_batch(x, y, sample_weight=weights)
            size = _batch_size(x)
            weighted = [np.float64(o) * size for o in (outs if isinstance(outs, list)
                                                       else [outs])]
            totals = weighted if totals is None else [t + w for t, w in zip(totals, weighted)]
            seen += size
            if bar:
                bar.update(step + 1)
    results = [float(t / seen) for t in totals]
    return results[0] if len(results) == 1 else results


def predict_generator(model, generator, *, steps, max_queue_size, workers,
                      use_multiprocessing, verbose):
    """Outputs for ``steps`` batches of inputs, concatenated."""
    model._make_predict_function()
    steps = _steps_for(generator, steps, "steps")
    chunks = []
    bar = Progbar(steps) if verbose == 1 else None
    with _batches(generator, workers, max_queue_size, use_multiprocessing) as batches:
        for step in range(steps):
            x, _, _ = _unpack(_next_batch(batches, "predict_generator", step, f"steps={steps}"),
                              with_targets=False)
            outs = model.predict_on_batch(x)
            chunks.append(outs if isinstance(outs, list) else [outs])
            if bar:
                bar.update(step + 1)
    outputs = [np.concatenate(parts) for parts in zip(*chunks)]
    return outputs[0] if len(outputs) == 1 else outputs
