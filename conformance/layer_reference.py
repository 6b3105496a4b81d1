"""The NumPy backend's results for the layer cases, written to one ``.npz`` file.

Run as a script in its own process with ``POLYKERAS_BACKEND=numpy``
(``test_layers.py`` does this once per test session)::

    POLYKERAS_BACKEND=numpy python conformance/layer_reference.py OUT.npz [--ids IDS.json]

For every case (or every id listed in ``IDS.json``) it builds the case's
model with its deterministic weights, runs it on the case's inputs in
inference mode and several times in training mode, and records the weight shapes and
dtypes, the output values, shapes and dtypes, the output masks, and whether
the training-mode output is deterministic. A case whose model fails to build
or run records the error instead, so one broken layer does not hide the others.

File layout: ``meta`` is a JSON string, a list with one entry per case
(``id``, ``error``, ``weights``, ``outputs``, ``masks``, ``training_deterministic``);
the arrays are ``c<i>_out<k>``, ``c<i>_mask<k>`` and ``c<i>_train<k>`` for
case ``i`` (its position in ``meta``) and output ``k``.
"""
import argparse
import json
import os
import sys
import traceback

import numpy as np

from layer_cases import BuiltCase, all_cases, case_inputs

TRAINING_DRAWS = 5


def case_reference(case):
    """The NumPy backend's results for one case.

    Args:
        case: a :class:`layer_cases.LayerCase`.

    Returns:
        ``(meta, arrays)``: the JSON-able description and a dict of arrays
        named ``out<k>``, ``mask<k>``, ``train<k>``.
    """
    built = BuiltCase(case)
    run = built.program()
    inputs = case_inputs(case)
    outputs, masks, _ = run(inputs, training=False)
    train_first, _, _ = run(inputs, training=True)
    # A random layer with few random bits (SpatialDropout3D over 2 x 3 channels
    # has 64 masks) repeats a draw now and then: only identical results across
    # several draws count as deterministic.
    train_again = [run(inputs, training=True)[0] for _ in range(TRAINING_DRAWS - 1)]
    _, shapes, dtypes = built.weight_specs()
    meta = {
        "weights": [[list(s), d] for s, d in zip(shapes, dtypes)],
        "outputs": [[list(o.shape), str(o.dtype)] for o in outputs],
        "masks": [m is not None for m in masks],
        "training_deterministic": all(
            np.array_equal(a, b, equal_nan=True)
            for again in train_again for a, b in zip(train_first, again)),
    }
    arrays = {}
    for k, (out, mask, train) in enumerate(zip(outputs, masks, train_first)):
        arrays[f"out{k}"] = out
        arrays[f"train{k}"] = train
        if mask is not None:
            arrays[f"mask{k}"] = mask
    return meta, arrays


def write_reference(path, ids=None):
    """Compute the reference of every case (or of ``ids``) and save it to ``path``.

    Args:
        path: the ``.npz`` file to write.
        ids: case ids to compute, or ``None`` for all.

    Returns:
        The number of cases whose reference could not be computed.
    """
    from polykeras import backend as K
    if K.backend() != "numpy":
        raise RuntimeError("The layer reference must run on the NumPy backend. Received: "
                           f"backend={K.backend()!r} (set POLYKERAS_BACKEND=numpy).")
    wanted = None if ids is None else set(ids)
    metas, arrays, failures = [], {}, 0
    for case in all_cases():
        if wanted is not None and case.id not in wanted:
            continue
        index = len(metas)
        try:
            meta, case_arrays = case_reference(case)
        except Exception:
            failures += 1
            meta, case_arrays = {"error": traceback.format_exc(limit=8)}, {}
        finally:
            K.clear_session()
        metas.append({"id": case.id, **meta})
        arrays.update({f"c{index}_{key}": value for key, value in case_arrays.items()})
    tmp = path + ".tmp.npz"
    np.savez(tmp, meta=np.array(json.dumps(metas)), **arrays)
    os.replace(tmp, path)
    return failures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="the .npz file to write")
    parser.add_argument("--ids", help="a JSON file with the list of case ids to compute")
    args = parser.parse_args(argv)
    ids = None
    if args.ids:
        with open(args.ids, encoding="utf-8") as handle:
            ids = json.load(handle)
    failures = write_reference(args.out, ids)
    if failures:
        print(f"layer_reference: {failures} case(s) failed on the NumPy backend "
              "(recorded in the file)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
