"""The polykeras plugin module: the entry point ``attention`` in ``polykeras.plugins``.

polykeras imports this module when it first needs a registry or a backend
and calls the hooks below; every registered name then loads by name (in
``model_from_json``, ``load_model``, ``compile(loss="...")``) without
``custom_objects``.
"""
from polykeras import hookimpl


@hookimpl
def polykeras_register_layers(register):
    from polykeras_attention import Attention, GroupNormalization, LayerNormalization
    for layer in (Attention, GroupNormalization, LayerNormalization):
        register(layer)


@hookimpl
def polykeras_register_losses(register):
    from polykeras_attention import BinaryFocalLoss
    register(BinaryFocalLoss)
    register(BinaryFocalLoss(), name="binary_focal_loss")


@hookimpl
def polykeras_register_metrics(register):
    from polykeras_attention import binary_f1
    register(binary_f1)
