"""Keras 1 argument names: renamed with a warning, refused when doubled."""
import warnings

import pytest

from polykeras.utils import legacy
from polykeras.utils.legacy import (
    FIT_ARGS,
    FIT_GENERATOR_ARGS,
    legacy_arguments,
    rename_arguments,
)


def test_an_old_name_moves_to_the_new_one_with_a_warning_naming_both():
    kwargs = {"nb_epoch": 4, "verbose": 0}
    with pytest.warns(DeprecationWarning) as record:
        result = rename_arguments(kwargs, FIT_ARGS, where="fit")
    assert result is kwargs
    assert kwargs == {"epochs": 4, "verbose": 0}
    assert len(record) == 1
    assert str(record[0].message) == (
        "fit: the argument `nb_epoch` is deprecated; use `epochs` instead.")


def test_nothing_happens_without_old_names():
    kwargs = {"epochs": 2}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rename_arguments(kwargs, FIT_ARGS, where="fit")
    assert kwargs == {"epochs": 2}


def test_old_and_new_name_together_is_a_type_error():
    with pytest.raises(TypeError) as err:
        rename_arguments({"nb_epoch": 4, "epochs": 5}, FIT_ARGS, where="fit")
    message = str(err.value)
    assert message.startswith("fit expected either `epochs`")
    assert "nb_epoch=4" in message and "epochs=5" in message


def test_the_generator_table():
    assert FIT_GENERATOR_ARGS == {
        "samples_per_epoch": "steps_per_epoch",
        "nb_val_samples": "validation_steps",
        "nb_epoch": "epochs",
        "max_q_size": "max_queue_size",
        "nb_worker": "workers",
        "pickle_safe": "use_multiprocessing",
    }
    assert legacy.EVALUATE_GENERATOR_ARGS["val_samples"] == "steps"
    assert legacy.PREDICT_GENERATOR_ARGS["pickle_safe"] == "use_multiprocessing"


def test_samples_are_passed_on_unchanged_and_the_warning_says_so():
    kwargs = {"samples_per_epoch": 640, "nb_worker": 2}
    with pytest.warns(DeprecationWarning) as record:
        rename_arguments(kwargs, FIT_GENERATOR_ARGS, where="fit_generator")
    assert kwargs == {"steps_per_epoch": 640, "workers": 2}
    texts = sorted(str(w.message) for w in record)
    assert texts[0].startswith("fit_generator: the argument `nb_worker` is deprecated; "
                               "use `workers` instead.")
    assert texts[1].startswith("fit_generator: the argument `samples_per_epoch` is "
                               "deprecated; use `steps_per_epoch` instead.")
    assert "unchanged" in texts[1] and "batch size" in texts[1]


class Model:
    @legacy_arguments(FIT_ARGS)
    def fit(self, x=None, epochs=1, verbose=1):
        return x, epochs, verbose


def test_the_decorator_renames_for_a_method_and_keeps_its_name():
    model = Model()
    with pytest.warns(DeprecationWarning, match=r"fit: the argument `nb_epoch`") as record:
        assert model.fit("data", nb_epoch=7) == ("data", 7, 1)
    assert record[0].filename == __file__  # points at the caller, not at polykeras
    assert Model.fit.__name__ == "fit"


def test_the_decorator_refuses_an_old_name_beside_a_positional_new_one():
    with pytest.raises(TypeError, match=r"nb_epoch=3.*epochs=5"):
        Model().fit("data", 5, nb_epoch=3)


def test_the_decorator_refuses_an_old_name_beside_a_keyword_new_one():
    with pytest.raises(TypeError, match="not both"):
        Model().fit(epochs=5, nb_epoch=3)


def test_the_decorator_is_silent_for_keras_2_calls():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Model().fit("data", 2, verbose=0) == ("data", 2, 0)


def test_a_custom_label_for_the_messages():
    @legacy_arguments({"max_q_size": "max_queue_size"}, where="Model.fit_generator")
    def fit_generator(max_queue_size=10):
        return max_queue_size

    with pytest.warns(DeprecationWarning, match=r"^Model\.fit_generator: the argument"):
        assert fit_generator(max_q_size=3) == 3
