"""Keras 1 argument names, accepted with a warning and moved to their Keras 2 names.

Keras 2 renamed many arguments (``nb_epoch`` became ``epochs``,
``samples_per_epoch`` became ``steps_per_epoch``...). Code written for Keras 1
still passes the old names; this module moves them to the new ones, warns
with a :class:`DeprecationWarning` that names both and the place they were
used, and refuses calls that give both spellings.

Two ways to apply a rename table, each one line:

* inside a function that takes ``**kwargs``::

      rename_arguments(kwargs, {"input_dtype": "dtype"}, where="Dense")

* around a function or method with explicit parameters::

      @legacy_arguments(FIT_ARGS)
      def fit(self, x=None, y=None, batch_size=None, epochs=1, ...): ...

The tables the training engine needs are module constants (``FIT_ARGS``,
``FIT_GENERATOR_ARGS``, ``EVALUATE_GENERATOR_ARGS``,
``PREDICT_GENERATOR_ARGS``).

Renames are names only: values pass through unchanged. Keras 2 itself turned
``samples_per_epoch`` (a count of samples) into ``steps_per_epoch`` (a count of
batches) by dividing by the batch size only in the few places where it knew
the batch size; here the value is passed on as it is, and the warning for
the arguments whose unit changed says so, so the caller can fix the number.
"""
import functools
import inspect
import reprlib
import warnings

__all__ = [
    "EVALUATE_GENERATOR_ARGS",
    "FIT_ARGS",
    "FIT_GENERATOR_ARGS",
    "PREDICT_GENERATOR_ARGS",
    "legacy_arguments",
    "rename_arguments",
]

#: ``Model.fit`` / ``Sequential.fit``.
FIT_ARGS = {"nb_epoch": "epochs"}

#: ``Model.fit_generator``.
FIT_GENERATOR_ARGS = {
    "samples_per_epoch": "steps_per_epoch",
    "nb_val_samples": "validation_steps",
    "nb_epoch": "epochs",
    "max_q_size": "max_queue_size",
    "nb_worker": "workers",
    "pickle_safe": "use_multiprocessing",
}

#: ``Model.evaluate_generator``.
EVALUATE_GENERATOR_ARGS = {
    "val_samples": "steps",
    "max_q_size": "max_queue_size",
    "nb_worker": "workers",
    "pickle_safe": "use_multiprocessing",
}

#: ``Model.predict_generator``.
PREDICT_GENERATOR_ARGS = dict(EVALUATE_GENERATOR_ARGS)

# Old names whose unit changed, not only their spelling: said in the warning.
_UNIT_NOTES = {
    "samples_per_epoch": "samples",
    "nb_val_samples": "samples",
    "val_samples": "samples",
}

_short_repr = reprlib.Repr()
_short_repr.maxstring = 40
_short_repr.maxother = 40


def _warning_text(where, old, new):
    text = f"{where}: the argument `{old}` is deprecated; use `{new}` instead."
    if old in _UNIT_NOTES:
        text += (f" Note that `{old}` counted {_UNIT_NOTES[old]} while `{new}` counts "
                 f"batches (steps); the value is passed on unchanged, so divide it by "
                 f"the batch size if it was a number of samples.")
    return text


def _conflict(where, old, new, old_value, new_value):
    return TypeError(
        f"{where} expected either `{new}` or its deprecated Keras 1 name `{old}`, "
        f"not both. Received: {old}={_short_repr.repr(old_value)}, "
        f"{new}={_short_repr.repr(new_value)}.")


def rename_arguments(kwargs, renames, where, stacklevel=3):
    """Move Keras 1 argument names in ``kwargs`` to their Keras 2 names, in place.

    Each old name found is removed and its value stored under the new name,
    with a ``DeprecationWarning`` that names the old argument, the new one
    and ``where``. Names not in ``renames`` are left alone.

    Args:
        kwargs: the keyword arguments dict; modified in place.
        renames: mapping old name -> new name (for example ``FIT_ARGS``).
        where: what was called, for the messages (``"fit"``, ``"Dense"``).
        stacklevel: passed to :func:`warnings.warn`; the default points at the
            caller of the function that calls ``rename_arguments``.

    Returns:
        ``kwargs`` itself, for chaining.

    Raises:
        TypeError: when an old name and its new name are both present.

    Example:
        >>> kwargs = {"nb_epoch": 3}
        >>> rename_arguments(kwargs, FIT_ARGS, where="fit")  # warns
        {'epochs': 3}
    """
    for old, new in renames.items():
        if old not in kwargs:
            continue
        if new in kwargs:
            raise _conflict(where, old, new, kwargs[old], kwargs[new])
        warnings.warn(_warning_text(where, old, new), DeprecationWarning,
                      stacklevel=stacklevel)
        kwargs[new] = kwargs.pop(old)
    return kwargs


def legacy_arguments(renames, where=None):
    """Decorator: accept the Keras 1 names in ``renames`` when the function is called.

    The wrapped function sees only the new names. Giving an old name together
    with its new name, by keyword or by position, raises ``TypeError``.

    Args:
        renames: mapping old name -> new name (for example ``FIT_GENERATOR_ARGS``).
        where: what to call the function in messages; defaults to its ``__name__``.

    Returns:
        A decorator.

    Example:
        >>> @legacy_arguments({"nb_epoch": "epochs"})
        ... def fit(x, epochs=1):
        ...     return epochs
        >>> fit(None, nb_epoch=5)  # warns: use `epochs`
        5
    """
    renames = dict(renames)

    def decorate(function):
        label = where or function.__name__
        positional = [p.name for p in inspect.signature(function).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            if not kwargs.keys() & renames.keys():
                return function(*args, **kwargs)
            given = dict(zip(positional, args))
            for old, new in renames.items():
                if old in kwargs and new in given:
                    raise _conflict(label, old, new, kwargs[old], given[new])
            rename_arguments(kwargs, renames, label)
            return function(*args, **kwargs)

        return wrapper

    return decorate
