"""Model: a Network with compile / fit / evaluate / predict.

``compile`` builds the symbolic total loss and metrics once; the train,
test and predict programs are compiled lazily by the active backend (one
``K.function`` each, so one compiled step per batch on every backend).
"""
import warnings

import numpy as np

from polykeras import backend as K
from polykeras import losses as losses_module
from polykeras import metrics as metrics_module
from polykeras import optimizers
from polykeras.engine import training_arrays, training_generator
from polykeras.engine.base_layer import to_list, unpack_singleton
from polykeras.engine.network import Network
from polykeras.engine.training_utils import (check_array_lengths, per_output,
                                             standardize_input_data, standardize_weights,
                                             weighted_masked_objective)
from polykeras.utils.legacy import (EVALUATE_GENERATOR_ARGS, FIT_ARGS, FIT_GENERATOR_ARGS,
                                    PREDICT_GENERATOR_ARGS, legacy_arguments,
                                    rename_arguments)



def _scalars(outs):
    """Loss and metric values as NumPy scalars (``np.float32``), as Keras 2
    returns them, whatever array type the backend's function gives back."""
    return [np.asarray(o)[()] for o in outs]


class Model(Network):
    """The Functional API model: ``Model(inputs, outputs)``, trainable with :meth:`fit`.

    Example:
        >>> x = Input(shape=(784,))
        >>> y = Dense(10, activation="softmax")(x)
        >>> model = Model(inputs=x, outputs=y)
        >>> model.compile("rmsprop", "categorical_crossentropy", metrics=["accuracy"])
    """

    def __init__(self, inputs=None, outputs=None, name=None, **kwargs):
        rename_arguments(kwargs, {"input": "inputs", "output": "outputs"}, where="Model")
        inputs = kwargs.pop("inputs", inputs)
        outputs = kwargs.pop("outputs", outputs)
        if kwargs:
            raise TypeError(f"Model got unexpected keyword argument(s): {sorted(kwargs)}")
        if inputs is None or outputs is None:
            raise ValueError("Model needs `inputs` and `outputs` (tensors from Input and "
                             f"layers). Received: inputs={inputs!r}, outputs={outputs!r}")
        super().__init__(inputs, outputs, name=name)
        self._reset_compiled_state()

    def _reset_compiled_state(self):
        self.optimizer = None
        self.train_function = self.test_function = self.predict_function = None
        self.stop_training = False
        self.history = None

    # --- compile ----------------------------------------------------------------------

    def compile(self, optimizer, loss=None, metrics=None, loss_weights=None,
                sample_weight_mode=None, weighted_metrics=None, target_tensors=None, **kwargs):
        """Configure training.

        Args:
            optimizer: name (``"rmsprop"``) or optimizer instance.
            loss: name or function, or a list / dict (by output name) of them.
            metrics: list of metrics (names or functions), or a dict by output name.
            loss_weights: list or dict of scalars weighting each output's loss.
            sample_weight_mode: ``None`` (per sample) or ``"temporal"`` (per
                timestep), or a list / dict of them.
            weighted_metrics: metrics weighted by sample weights and class weights.
            target_tensors: not supported (placeholders are always created).
        """
        if kwargs:
            raise TypeError(f"Invalid keyword argument(s) to compile: {sorted(kwargs)}")
        if target_tensors is not None:
            raise ValueError("target_tensors is not supported by polykeras: pass targets "
                             f"as arrays to fit(). Received: {target_tensors!r}")
        if loss is None:
            raise ValueError("compile() needs a loss. Received: loss=None")
        self.optimizer = optimizers.get(optimizer)
        if not self.outputs:
            # A Sequential model without an input shape: compiled once it is built.
            self._pending_compile = dict(
                optimizer=self.optimizer, loss=loss, metrics=metrics, loss_weights=loss_weights,
                sample_weight_mode=sample_weight_mode, weighted_metrics=weighted_metrics)
            return
        self._pending_compile = None
        self.loss = loss
        self.loss_weights = loss_weights
        self.sample_weight_mode = sample_weight_mode
        names = self.output_names
        if isinstance(loss, dict):
            for name in names:
                if name not in loss:
                    warnings.warn(f"Output {name!r} missing from loss dictionary. We assume "
                                  "this was done on purpose: it will not be trained.")
        loss_fns = [None if item is None else losses_module.get(item)
                    for item in per_output(loss, names, "loss")]
        weights = per_output(loss_weights, names, "loss_weights", default=1.)
        modes = per_output(sample_weight_mode, names, "sample_weight_mode")
        for mode in modes:
            if mode not in (None, "temporal"):
                raise ValueError(f"sample_weight_mode must be None or 'temporal'. "
                                 f"Received: {mode!r}")
        self.loss_functions = loss_fns
        self.sample_weight_modes = modes
        self._feed_output_names, self._feed_targets = [], []
        self._feed_sample_weights, self._feed_output_shapes = [], []
        self._feed_loss_fns, self._feed_sample_weight_modes = [], []
        total_loss = None
        self.metrics_names = ["loss"]
        output_losses = []
        for index, (name, output, fn, weight, mode) in enumerate(
                zip(names, self.outputs, loss_fns, weights, modes)):
            if fn is None:
                continue
            ndim = K.ndim(output)
            target = K.placeholder(ndim=ndim, name=f"{name}_target", dtype=K.dtype(output))
            sample_weight = K.placeholder(ndim=2 if mode == "temporal" else 1,
                                          name=f"{name}_sample_weights")
            mask = getattr(output, "_keras_mask", None)
            output_loss = weighted_masked_objective(fn)(target, output, sample_weight, mask)
            if len(names) > 1:
                self.metrics_names.append(f"{name}_loss")
            output_losses.append(output_loss)
            term = output_loss * weight if weight != 1. else output_loss
            total_loss = term if total_loss is None else total_loss + term
            shape = self._target_shape(output, fn)
            self._feed_output_names.append(name)
            self._feed_targets.append(target)
            self._feed_sample_weights.append(sample_weight)
            self._feed_output_shapes.append(shape)
            self._feed_loss_fns.append(fn)
            self._feed_sample_weight_modes.append(mode)
        if total_loss is None:
            raise ValueError("The model cannot be compiled because it has no loss to "
                             f"optimize. Received: loss={loss!r}")
        for regularization in self.losses:
            total_loss = total_loss + regularization
        self.total_loss = total_loss
        self.metrics = metrics
        self.weighted_metrics = weighted_metrics
        self.metrics_tensors = list(output_losses) if len(names) > 1 else []
        self._compile_metrics(metrics, weighted=False)
        self._compile_metrics(weighted_metrics, weighted=True)
        self._collected_trainable_weights = self.trainable_weights
        self.train_function = self.test_function = self.predict_function = None

    def _target_shape(self, output, loss_fn):
        shape = getattr(output, "_keras_shape", None) or K.int_shape(output)
        if shape is None:
            return None
        if loss_fn is losses_module.sparse_categorical_crossentropy:
            return tuple(shape[:-1]) + (1,)
        if getattr(losses_module, getattr(loss_fn, "__name__", ""), None) is not loss_fn:
            return None  # a user loss decides what its targets look like (Keras 2)
        return tuple(shape)

    def _compile_metrics(self, metrics, weighted):
        if isinstance(metrics, (list, tuple)):  # a list applies to every output
            per = [list(metrics) for _ in self.output_names]
        else:
            per = per_output(metrics, self.output_names, "metrics", default=[])
        feed = {name: i for i, name in enumerate(self._feed_output_names)}
        multi = len(self.output_names) > 1
        for name, output, items in zip(self.output_names, self.outputs, per):
            if name not in feed:
                continue
            index = feed[name]
            for item in to_list(items) if items else []:
                fn, display = metrics_module.resolve_accuracy(
                    item, self._feed_loss_fns[index], K.int_shape(output))
                display = ("weighted_" if weighted else "") + display
                tensor = weighted_masked_objective(fn)(
                    self._feed_targets[index], output,
                    self._feed_sample_weights[index] if weighted else None,
                    getattr(output, "_keras_mask", None))
                full_name = f"{name}_{display}" if multi else display
                base, suffix = full_name, 1
                while full_name in self.metrics_names:
                    full_name = f"{base}_{suffix}"
                    suffix += 1
                self.metrics_names.append(full_name)
                self.metrics_tensors.append(tensor)

    def _check_compiled(self, what):
        if self.optimizer is None or not hasattr(self, "total_loss"):
            raise RuntimeError(f"You must compile your model before {what}. "
                               "Use `model.compile(optimizer, loss)`.")

    # --- compiled programs --------------------------------------------------------------

    def _learning_phase_inputs(self):
        phase = K.learning_phase()
        return [phase] if K.is_tensor(phase) else []

    def _make_train_function(self):
        self._check_compiled("training the model")
        if self.train_function is None:
            inputs = (self.inputs + self._feed_targets + self._feed_sample_weights
                      + self._learning_phase_inputs())
            updates = self.optimizer.get_updates(loss=self.total_loss,
                                                 params=self._collected_trainable_weights)
            self.train_function = K.function(inputs, [self.total_loss] + self.metrics_tensors,
                                             updates=updates + self.updates,
                                             name="train_function")

    def _make_test_function(self):
        self._check_compiled("evaluating the model")
        if self.test_function is None:
            inputs = (self.inputs + self._feed_targets + self._feed_sample_weights
                      + self._learning_phase_inputs())
            self.test_function = K.function(inputs, [self.total_loss] + self.metrics_tensors,
                                            updates=self.state_updates, name="test_function")

    def _make_predict_function(self):
        if self.predict_function is None:
            self.predict_function = K.function(self.inputs + self._learning_phase_inputs(),
                                               self.outputs, updates=self.state_updates,
                                               name="predict_function")

    def _phase(self, value):
        return [np.array(value, dtype=bool)] if self._learning_phase_inputs() else []

    # --- user data ----------------------------------------------------------------------

    def _build_from_data(self, x):
        """Hook for models built on first use (Sequential without an input shape)."""

    def _standardize_user_data(self, x, y=None, sample_weight=None, class_weight=None,
                               check_array_lengths_=True, batch_size=None):
        self._build_from_data(x)
        x = standardize_input_data(x, self.input_names,
                                   [getattr(t, "_keras_shape", None) for t in self.inputs],
                                   check_batch_axis=False, exception_prefix="input")
        if y is None:
            return x, [], []
        self._check_compiled("fitting or evaluating it")
        y = standardize_input_data(y, self._feed_output_names, exception_prefix="target")
        for target, fn in zip(y, self._feed_loss_fns):
            if fn is losses_module.categorical_crossentropy and target.shape[-1] == 1:
                raise ValueError(
                    f"You are passing a target array of shape {target.shape} while using as "
                    "loss `categorical_crossentropy`, which expects targets to be binary "
                    "matrices (1s and 0s) of shape (samples, classes). Convert integer "
                    "targets with `to_categorical`, or use sparse_categorical_crossentropy.")
        y = standardize_input_data(y, self._feed_output_names, self._feed_output_shapes,
                                   check_batch_axis=False, exception_prefix="target")
        weights = per_output(sample_weight, self._feed_output_names, "sample_weight")
        classes = class_weight if isinstance(class_weight, dict) and any(
            k in self._feed_output_names for k in class_weight) else None
        class_weights = per_output(classes, self._feed_output_names, "class_weight") \
            if classes else [class_weight] * len(y)
        weights = [standardize_weights(target, w, cw, mode) for target, w, cw, mode in
                   zip(y, weights, class_weights, self._feed_sample_weight_modes)]
        if check_array_lengths_:
            check_array_lengths(x, y, weights)
        if batch_size is not None and self.stateful and x and len(x[0]) % batch_size:
            raise ValueError(f"In a stateful network, you should only pass inputs with a "
                             f"number of samples that can be divided by the batch size. "
                             f"Found: {len(x[0])} samples")
        return x, y, weights

    # --- fit / evaluate / predict ---------------------------------------------------------

    @legacy_arguments(FIT_ARGS)
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None,
            validation_split=0., validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None):
        """Train for ``epochs`` epochs on arrays; returns the :class:`History`.

        Args:
            x, y: arrays, lists of arrays or dicts keyed by input / output names.
            batch_size: samples per step (default 32).
            epochs: index of the last epoch (training starts at ``initial_epoch``).
            verbose: 0 silent, 1 progress bar, 2 one line per epoch.
            callbacks: list of :class:`~polykeras.callbacks.Callback`.
            validation_split: fraction of the data (taken from the end, before
                shuffling) held out for validation.
            validation_data: ``(x_val, y_val)`` or ``(x_val, y_val, sample_weights)``.
            shuffle: ``True``, ``False`` or ``"batch"`` (shuffle whole batches).
            class_weight: dict class index -> weight (or a dict of them by output).
            sample_weight: per-sample (or per-timestep) weights.
            initial_epoch: epoch to resume from.
            steps_per_epoch, validation_steps: number of steps, each on the whole arrays.
        """
        if hasattr(x, "__next__") or hasattr(x, "on_epoch_end"):
            hint = " validation_split is not supported with generators either: pass " \
                "validation_data." if validation_split else ""
            raise ValueError("fit() takes arrays; to train from a generator or a Sequence use "
                             f"fit_generator(). Received: x={x!r}.{hint}")
        if x is None and y is None and steps_per_epoch is None:
            raise ValueError("If fitting from data tensors, you should specify the "
                             "`steps_per_epoch` argument. Received: x=None, y=None")
        if batch_size is None and steps_per_epoch is None:
            batch_size = 32
        x, y, weights = self._standardize_user_data(x, y, sample_weight, class_weight,
                                                    batch_size=batch_size)
        val_ins = None
        if validation_data is not None:
            if len(validation_data) not in (2, 3):
                raise ValueError("When passing validation_data, it must contain 2 (x_val, "
                                 "y_val) or 3 (x_val, y_val, val_sample_weights) items. "
                                 f"Received {len(validation_data)} items.")
            val_x, val_y, *val_w = validation_data
            vx, vy, vw = self._standardize_user_data(val_x, val_y, val_w[0] if val_w else None,
                                                     batch_size=batch_size)
            val_ins = vx + vy + vw
        elif validation_split and 0. < validation_split < 1.:
            split_at = int(len(x[0]) * (1. - validation_split))
            val_ins = [a[split_at:] for a in x + y + weights]
            x, y, weights = ([a[:split_at] for a in group] for group in (x, y, weights))
        elif validation_steps:
            val_ins = None
        self._make_train_function()
        if val_ins is not None:
            self._make_test_function()
        return training_arrays.fit_loop(
            self, self.train_function, x + y + weights, self._phase(1),
            out_labels=self.metrics_names, batch_size=batch_size, epochs=epochs,
            verbose=verbose, callbacks=callbacks, val_function=self.test_function,
            val_ins=val_ins, shuffle=shuffle, initial_epoch=initial_epoch,
            steps_per_epoch=steps_per_epoch, validation_steps=validation_steps)

    def evaluate(self, x=None, y=None, batch_size=None, verbose=1, sample_weight=None,
                 steps=None):
        """Loss and metrics on arrays: a scalar, or a list ordered like :attr:`metrics_names`."""
        if batch_size is None and steps is None:
            batch_size = 32
        x, y, weights = self._standardize_user_data(x, y, sample_weight,
                                                    batch_size=batch_size)
        self._make_test_function()
        return training_arrays.test_loop(self, self.test_function, x + y + weights,
                                         self._phase(0), batch_size=batch_size,
                                         verbose=verbose, steps=steps)

    def predict(self, x, batch_size=None, verbose=0, steps=None):
        """Outputs for ``x``: an array, or a list of arrays for several outputs."""
        if batch_size is None and steps is None:
            batch_size = 32
        x, _, _ = self._standardize_user_data(x)
        if self.stateful and batch_size and len(x[0]) > batch_size and len(x[0]) % batch_size:
            raise ValueError(f"In a stateful network, you should only pass inputs with a "
                             f"number of samples that can be divided by the batch size. "
                             f"Found: {len(x[0])} samples. Batch size: {batch_size}.")
        self._make_predict_function()
        return training_arrays.predict_loop(self, self.predict_function, x, self._phase(0),
                                            batch_size=batch_size, verbose=verbose,
                                            steps=steps)

    def train_on_batch(self, x, y, sample_weight=None, class_weight=None):
        """One gradient step on one batch; returns the loss (and metrics)."""
        x, y, weights = self._standardize_user_data(x, y, sample_weight, class_weight)
        self._make_train_function()
        return unpack_singleton(_scalars(self.train_function(x + y + weights + self._phase(1))))

    def test_on_batch(self, x, y, sample_weight=None):
        """Loss (and metrics) on one batch, without updating the weights."""
        x, y, weights = self._standardize_user_data(x, y, sample_weight)
        self._make_test_function()
        return unpack_singleton(_scalars(self.test_function(x + y + weights + self._phase(0))))

    def predict_on_batch(self, x):
        """Outputs for one batch."""
        x, _, _ = self._standardize_user_data(x)
        self._make_predict_function()
        return unpack_singleton(self.predict_function(x + self._phase(0)))

    # --- generators ---------------------------------------------------------------------

    @legacy_arguments(FIT_GENERATOR_ARGS)
    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1,
                      callbacks=None, validation_data=None, validation_steps=None,
                      class_weight=None, max_queue_size=10, workers=1,
                      use_multiprocessing=False, shuffle=True, initial_epoch=0):
        """Train on batches from a generator or a :class:`~polykeras.utils.Sequence`.

        Each item is ``(x, y)`` or ``(x, y, sample_weight)``. ``steps_per_epoch``
        defaults to ``len(sequence)``; a plain generator needs it. ``workers``
        threads (or processes with ``use_multiprocessing``) fill a queue of
        ``max_queue_size`` batches; a Sequence yields each item once per epoch.
        """
        return training_generator.fit_generator(
            self, generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
            callbacks=callbacks, validation_data=validation_data,
            validation_steps=validation_steps, class_weight=class_weight,
            max_queue_size=max_queue_size, workers=workers,
            use_multiprocessing=use_multiprocessing, shuffle=shuffle,
            initial_epoch=initial_epoch)

    @legacy_arguments(EVALUATE_GENERATOR_ARGS)
    def evaluate_generator(self, generator, steps=None, max_queue_size=10, workers=1,
                           use_multiprocessing=False, verbose=0):
        """Loss and metrics over ``steps`` batches of a generator or Sequence."""
        return training_generator.evaluate_generator(
            self, generator, steps=steps, max_queue_size=max_queue_size, workers=workers,
            use_multiprocessing=use_multiprocessing, verbose=verbose)

    @legacy_arguments(PREDICT_GENERATOR_ARGS)
    def predict_generator(self, generator, steps=None, max_queue_size=10, workers=1,
                          use_multiprocessing=False, verbose=0):
        """Outputs for ``steps`` batches of inputs from a generator or Sequence."""
        return training_generator.predict_generator(
            self, generator, steps=steps, max_queue_size=max_queue_size, workers=workers,
            use_multiprocessing=use_multiprocessing, verbose=verbose)

