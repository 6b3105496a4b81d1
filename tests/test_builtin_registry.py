"""The built-ins register through the plugin hooks; every family resolves names there."""
import subprocess
import sys

import pytest

import polykeras as keras
from polykeras import (activations, callbacks, constraints, initializers, layers, losses,
                       metrics, optimizers, plugins, regularizers)

FAMILY_LOOKUPS = {  # registry kind -> (lookup by name, a built-in name, a misspelling)
    "layers": (lambda name: layers.deserialize({"class_name": name, "config": {}}),
               "Flatten", "Flaten"),
    "losses": (losses.get, "mean_squared_error", "mean_squared_eror"),
    "metrics": (metrics.get, "categorical_accuracy", "categorical_acuracy"),
    "optimizers": (optimizers.get, "adam", "adamm"),
    "initializers": (initializers.get, "glorot_uniform", "glorot_unifrom"),
    "regularizers": (regularizers.get, "l1", "l11"),
    "constraints": (constraints.get, "max_norm", "max_nrom"),
    "activations": (activations.get, "relu", "rellu"),
}

PLUGIN = """
from polykeras import hookimpl
from polykeras.constraints import Constraint
from polykeras.initializers import Initializer
from polykeras.layers import Layer
from polykeras.optimizers import SGD
from polykeras.regularizers import L1L2


class Doubler(Layer):
    def call(self, inputs):
        return inputs * 2


class Halving(SGD):
    pass


class Fives(Initializer):
    def __call__(self, shape, dtype=None):
        import numpy as np
        return np.full(shape, 5., dtype=dtype or "float32")


class Clip1(Constraint):
    def __call__(self, w):
        from polykeras import backend as K
        return K.clip(w, -1., 1.)


class Tiny(L1L2):
    def __init__(self):
        super().__init__(l1=1e-6)


def cube(x):
    return x * x * x


def abs_error(y_true, y_pred):
    from polykeras import backend as K
    return K.mean(K.abs(y_true - y_pred), axis=-1)


@hookimpl
def polykeras_register_layers(register):
    register(Doubler)


@hookimpl
def polykeras_register_losses(register):
    register(abs_error)


@hookimpl
def polykeras_register_metrics(register):
    register(abs_error, name="abs_error_metric")


@hookimpl
def polykeras_register_optimizers(register):
    register(Halving)


@hookimpl
def polykeras_register_initializers(register):
    register(Fives)


@hookimpl
def polykeras_register_regularizers(register):
    register(Tiny)


@hookimpl
def polykeras_register_constraints(register):
    register(Clip1)


@hookimpl
def polykeras_register_activations(register):
    register(cube)


@hookimpl
def polykeras_register_callbacks(register):
    register(Tiny, name="NotReallyACallback")
"""


def test_every_built_in_is_registered_by_the_builtins_plugin():
    registry = {kind: plugins.manager.registry(kind) for kind in plugins.REGISTRY_KINDS}
    exported_layers = {name for name in layers.__all__
                       if isinstance(getattr(layers, name), type)
                       and issubclass(getattr(layers, name), layers.Layer)}
    assert exported_layers <= set(registry["layers"])
    assert {"Dense", "Conv2D", "LSTM", "InputLayer", "Model", "Sequential"} <= \
        set(registry["layers"])
    assert dict(losses.BUILTIN_LOSSES).items() <= registry["losses"].items()
    assert dict(metrics.BUILTIN_METRICS).items() <= registry["metrics"].items()
    assert registry["optimizers"]["Adam"] is optimizers.Adam
    assert registry["initializers"]["he_normal"] is initializers.he_normal
    assert registry["regularizers"]["L1L2"] is regularizers.L1L2
    assert registry["constraints"]["unit_norm"] is constraints.UnitNorm
    assert registry["activations"]["softmax"] is activations.softmax
    assert {"History", "ModelCheckpoint", "EarlyStopping", "TensorBoard"} <= \
        set(registry["callbacks"])
    assert registry["callbacks"]["TensorBoard"] is callbacks.TensorBoard
    info = plugins.manager.plugins["builtins"]
    assert (info.distribution, info.group, info.status) == \
        ("polykeras", "polykeras.plugins", "loaded")
    assert "Dense" in plugins.manager.registered_by("builtins")["layers"]


@pytest.mark.parametrize("kind", sorted(FAMILY_LOOKUPS))
def test_unknown_names_suggest_close_registered_ones(kind):
    lookup, name, typo = FAMILY_LOOKUPS[kind]
    assert name in plugins.manager.registry(kind)
    with pytest.raises(ValueError, match=rf"Unknown .*'{typo}'.*Did you mean: .*{name}"):
        lookup(typo)


def test_plugin_names_load_in_every_family_without_custom_objects(install_distribution):
    install_distribution("every-family", {"polykeras.plugins": {"every": "everymod"}},
                         {"everymod": PLUGIN})
    layer = layers.deserialize({"class_name": "Doubler", "config": {"name": "twice"}})
    assert type(layer).__name__ == "Doubler" and layer.name == "twice"
    assert losses.get("abs_error").__name__ == "abs_error"
    assert metrics.get("abs_error_metric").__name__ == "abs_error"
    assert type(optimizers.get("Halving")).__name__ == "Halving"
    assert initializers.get("Fives")((2,)).tolist() == [5., 5.]
    assert type(regularizers.get({"class_name": "Tiny", "config": {}})).__name__ == "Tiny"
    assert type(constraints.get({"class_name": "Clip1", "config": {}})).__name__ == "Clip1"
    assert activations.get("cube").__name__ == "cube"
    assert plugins.manager.registry("callbacks")["NotReallyACallback"].__name__ == "Tiny"

    model = keras.Sequential([keras.layers.Dense(2, input_dim=3, kernel_initializer="Fives",
                                                 activation="cube"), layer])
    clone = keras.models.model_from_json(model.to_json())
    assert [type(x).__name__ for x in clone.layers] == ["Dense", "Doubler"]
    assert clone.layers[0].activation.__name__ == "cube"


def test_a_plugin_reusing_a_built_in_name_is_broken_and_loses_all_its_names(
        install_distribution):
    clash = """
from polykeras import hookimpl
from polykeras.layers import Layer


class Mine(Layer):
    pass


@hookimpl
def polykeras_register_layers(register):
    register(Mine)
    register(Mine, name="Dense")


@hookimpl
def polykeras_register_activations(register):
    register(abs, name="my_abs")
"""
    manager = install_distribution("clashing-layers", {"polykeras.plugins": {"clash": "clashmod"}},
                                   {"clashmod": clash})
    with pytest.warns(plugins.PluginWarning, match="clashing-layers"):
        registry = manager.registry("layers")
    assert registry["Dense"] is keras.layers.Dense
    assert "Mine" not in registry and "my_abs" not in manager.registry("activations")
    error = manager.plugins["clash"].error
    assert "plugin 'clash' from distribution clashing-layers 1.2.3" in str(error)
    assert "'Dense' is already registered by plugin 'builtins' from distribution polykeras" \
        in str(error)
    assert isinstance(error.__cause__, plugins.PluginError)


def test_disabling_the_builtins_keeps_the_core_names_working(install_distribution,
                                                             monkeypatch):
    monkeypatch.setenv("POLYKERAS_DISABLE_PLUGINS", "builtins")
    manager = install_distribution("nothing", {}, {})
    assert "Dense" not in manager.registry("layers")
    assert manager.plugins["builtins"].status == "disabled"
    assert losses.get("mse") is losses.mean_squared_error
    assert type(layers.deserialize({"class_name": "Dense", "config": {"units": 1}})) \
        is keras.layers.Dense


def test_importing_polykeras_loads_no_plugin_and_no_backend():
    code = ("import sys, polykeras; from polykeras import plugins; "
            "print(plugins.manager._loaded, sorted(m for m in sys.modules if m.split('.')[0] in "
            "('polykeras_numpy', 'tensorflow', 'theano', 'pytensor', 'tensorboardX', 'pydot', "
            "'polykeras_attention') or m == 'polykeras.builtin_plugin'))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout
    assert output.strip() == "False []"
