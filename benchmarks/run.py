"""Training-speed benchmark: polykeras on each backend against tf_keras, side by side.

Trains the MNIST MLP (Dense 512-Dropout-512-Dropout-10, RMSprop) and a small
convnet (Conv32-Conv64-MaxPool-Dropout-Dense128-Dense10, Adadelta) with batch
128, each measurement in a fresh process, and prints seconds per epoch, the
ratio to tf_keras, peak resident memory, the time of ``import polykeras`` and
the BLAS library NumPy loaded with the kernels it picked (NumPy 1.23.5's
OpenBLAS runs generic ``Prescott`` kernels on CPUs newer than it, about three
times slower; ``OPENBLAS_CORETYPE``, passed on to every process, overrides it).

    python benchmarks/run.py                         # backends importable here
    python benchmarks/run.py --backends numpy,tensorflow --epochs 2
    python benchmarks/run.py --python theano=/path/to/theano-venv/bin/python
    python benchmarks/run.py --rounds 3      # on a noisy machine

Every epoch after a warm-up epoch (which pays for compilation) is timed.
With ``--rounds N`` every framework is measured in N fresh processes, the
frameworks taking turns, and the best is kept.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = ("mlp", "convnet")


def _load_mnist(keras, samples):
    # polykeras's loader for every framework: the same arrays, and it honours
    # POLYKERAS_DATASETS_DIR (tf_keras's loader always wants the network).
    from polykeras.datasets import mnist
    (x_train, y_train), _ = mnist.load_data()
    x = x_train[:samples].astype("float32") / 255
    y = keras.utils.to_categorical(y_train[:samples], 10)
    return x, y


def _build(keras, model_name):
    layers = keras.layers
    if model_name == "mlp":
        model = keras.models.Sequential([
            layers.Dense(512, activation="relu", input_shape=(784,)), layers.Dropout(0.2),
            layers.Dense(512, activation="relu"), layers.Dropout(0.2),
            layers.Dense(10, activation="softmax")])
        optimizer = keras.optimizers.RMSprop()
    else:
        model = keras.models.Sequential([
            layers.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
            layers.Conv2D(64, (3, 3), activation="relu"), layers.MaxPooling2D((2, 2)),
            layers.Dropout(0.25), layers.Flatten(), layers.Dense(128, activation="relu"),
            layers.Dropout(0.5), layers.Dense(10, activation="softmax")])
        optimizer = keras.optimizers.Adadelta()
    model.compile(optimizer, "categorical_crossentropy", metrics=["accuracy"])
    return model


def _numpy_blas():
    """The BLAS NumPy loaded in this process and the kernels it picked
    (an OpenBLAS that does not know the CPU falls back to slow generic ones)."""
    from threadpoolctl import threadpool_info
    return ", ".join(
        f"{lib['internal_api']} {lib['version']} {lib.get('architecture') or ''}".strip()
        for lib in threadpool_info() if lib["user_api"] == "blas")


def worker(framework, model_name, samples, epochs):
    """Run one measurement in this process; print one JSON line."""
    started = time.perf_counter()
    if framework == "tf_keras":
        import tf_keras as keras
    else:
        import polykeras as keras
    import_seconds = time.perf_counter() - started
    x, y = _load_mnist(keras, samples)
    x = x.reshape(-1, 784) if model_name == "mlp" else x.reshape(-1, 28, 28, 1)
    model = _build(keras, model_name)
    model.fit(x[:1024], y[:1024], batch_size=128, epochs=1, verbose=0)
    timings = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.fit(x, y, batch_size=128, epochs=1, verbose=0)
        timings.append(time.perf_counter() - start)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    backend = keras.backend.backend()
    print(json.dumps({"framework": framework, "backend": backend, "model": model_name,
                      "seconds_per_epoch": min(timings), "peak_mb": peak_mb,
                      "import_seconds": import_seconds, "numpy_blas": _numpy_blas()}))


def _measure(python, framework, backend, model_name, samples, epochs):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    if backend:
        env["POLYKERAS_BACKEND"] = backend
    command = [python, os.path.join(HERE, "run.py"), "--worker", framework, model_name,
               "--samples", str(samples), "--epochs", str(epochs)]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode:
        return {"error": (result.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def _importable(python, module):
    return subprocess.run([python, "-c", f"import {module}"], capture_output=True).returncode == 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="numpy,tensorflow,theano,pytensor")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--samples", type=int, default=60000,
                        help="training samples per epoch (MNIST has 60000)")
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs (best is kept)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="fresh processes per framework, interleaved (best is kept)")
    parser.add_argument("--python", action="append", default=[],
                        help="backend=interpreter for a backend installed elsewhere")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker[0], args.worker[1], args.samples, args.epochs)
        return
    interpreters = dict(item.split("=", 1) for item in args.python)
    modules = {"tensorflow": "tensorflow", "theano": "theano", "pytensor": "pytensor"}
    runs = []  # (label, python, framework, backend)
    if _importable(sys.executable, "tf_keras"):
        runs.append(("tf_keras", sys.executable, "tf_keras", None))
    for backend in args.backends.split(","):
        python = interpreters.get(backend, sys.executable)
        if backend not in modules or _importable(python, modules[backend]):
            runs.append((f"polykeras/{backend}", python, "polykeras", backend))
    rows = []
    for model_name in args.models.split(","):
        best = {}
        for _ in range(args.rounds):  # interleaved, so that a slow spell hits everyone
            for label, python, framework, backend in runs:
                result = _measure(python, framework, backend, model_name, args.samples,
                                  args.epochs)
                kept = best.get(label)
                if kept is None or "error" in kept or (
                        "error" not in result
                        and result["seconds_per_epoch"] < kept["seconds_per_epoch"]):
                    best[label] = result
        reference = best.get("tf_keras", {})
        for label, *_ in runs:
            result, ratio = best[label], None
            if label != "tf_keras" and "seconds_per_epoch" in reference \
                    and "seconds_per_epoch" in result:
                ratio = result["seconds_per_epoch"] / reference["seconds_per_epoch"]
            rows.append((label, model_name, result, ratio))
    print(f"\nMNIST, {args.samples} samples per epoch, batch 128, best of {args.epochs} "
          f"timed epochs in each of {args.rounds} fresh processes\n")
    print("| model | framework | s/epoch | vs tf_keras | peak MB | import s | NumPy's BLAS |")
    print("|---|---|---|---|---|---|---|")
    for name, model_name, result, ratio in rows:
        if "error" in result:
            print(f"| {model_name} | {name} | error: {result['error']} | | | | |")
            continue
        print(f"| {model_name} | {name} | {result['seconds_per_epoch']:.2f} | "
              f"{'' if ratio is None else f'{ratio:.2f}x'} | {result['peak_mb']:.0f} | "
              f"{result['import_seconds']:.2f} | {result['numpy_blas']} |")


if __name__ == "__main__":
    main()
