"""Reading optimizers saved by other Keras 2 releases: tf_keras configs, Keras 2.2.4 state.

:meth:`Optimizer.from_config <polykeras.optimizer_base.Optimizer.from_config>`
passes every config through :func:`_keras2_arguments`. Later Keras 2 releases
(tf_keras) save ``learning_rate`` (read as ``lr``) and keys polykeras has no
argument for: ``name``, ``jit_compile``... are dropped whatever their value;
``use_ema``, ``weight_decay``, ``global_clipnorm``, RMSprop's ``centered`` and
``momentum``... only while they hold the value that turns their feature off.
Any other value, or a learning-rate schedule, raises a ``ValueError`` naming
it.

:func:`_prepend_iterations` reads the state lists Keras 2.2.4 wrote for
RMSprop, Adagrad and Adadelta, which lack ``iterations``; the older layouts of
the other optimizers are converted by their own ``_upgrade_weights``
(:mod:`polykeras.optimizers`).
"""
import numpy as np

# Keys tf_keras optimizers save that polykeras has no argument for: some are
# ignored whatever their value, the others only while they hold a value that
# turns their feature off.
_TF_KERAS_IGNORED = frozenset({"name", "jit_compile", "is_legacy_optimizer", "ema_momentum",
                               "ema_overwrite_frequency", "initial_accumulator_value"})
_TF_KERAS_OFF = {"use_ema": (False,), "weight_decay": (None, 0.), "global_clipnorm": (None,),
                 "clipnorm": (None,), "clipvalue": (None,), "centered": (False,),
                 "momentum": (0.,)}


def _keras2_arguments(cls_name, config):
    """Constructor arguments from a config of any Keras 2 release."""
    from polykeras.optimizers import _BUILTINS  # here: polykeras.optimizers imports this module
    config = dict(config)
    accepted = {"clipnorm", "clipvalue", "learning_rate"}
    accepted |= set(_BUILTINS[cls_name].__init__.__code__.co_varnames) \
        if cls_name in _BUILTINS else set(config)
    for key in [k for k in config if k not in accepted or config[k] is None]:
        value = config[key]
        if value is None or key in _TF_KERAS_IGNORED or (
                key in _TF_KERAS_OFF and value in _TF_KERAS_OFF[key]):
            del config[key]
        elif key in _TF_KERAS_OFF:
            raise ValueError(f"{cls_name} was saved with {key}={value!r}, a feature of later "
                             "Keras releases that polykeras does not implement (it follows "
                             "Keras 2.2.4). Compile the loaded model with a polykeras "
                             "optimizer instead.")
    if isinstance(config.get("learning_rate"), dict):
        raise ValueError(f"{cls_name} was saved with a learning-rate schedule "
                         f"({config['learning_rate'].get('class_name')!r}); polykeras "
                         "optimizers take a number (use a LearningRateScheduler callback).")
    return config


def _prepend_iterations(optimizer, weights):
    """Keras 2.2.4 layout of RMSprop, Adagrad and Adadelta: no ``iterations``."""
    if len(weights) == len(optimizer.weights) - 1:
        return [np.zeros((), dtype="int64")] + weights
    return weights
