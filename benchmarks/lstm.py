"""LSTM training-speed benchmark: polykeras on each backend against tf_keras, side by side.

Trains ``LSTM(128)`` over 100 timesteps (input dim 32, batch 64) followed by
``Dense(1)`` with SGD on MSE, and reports the time of one training step
(``train_on_batch``) after warm-up steps, the best of several, each
framework/backend measured in a fresh process. Both LSTM implementations
are measured with the same setting in both frameworks (tf_keras defaults to
``implementation=2``, Keras 2.2 and polykeras to 1).

    python benchmarks/lstm.py
    python benchmarks/lstm.py --backends numpy,tensorflow --implementations 1,2
    python benchmarks/lstm.py --python theano=/path/to/theano-venv/bin/python
    python benchmarks/lstm.py --threads 1    # same thread count for BLAS and TensorFlow

On a machine whose cores are busy with other work, multi-threaded BLAS (the
NumPy backend) degrades far more than TensorFlow's thread pool; ``--threads``
gives every framework the same number of threads.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.abspath(__file__)
UNITS, STEPS, INPUT_DIM, BATCH = 128, 100, 32, 64


def _limit_tensorflow_threads(threads):
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)


def worker(framework, implementation, warmup, repeats, threads):
    """Time the training step in this process; print one JSON line."""
    import numpy as np
    if threads and (framework == "tf_keras" or
                    os.environ.get("POLYKERAS_BACKEND") == "tensorflow"):
        _limit_tensorflow_threads(threads)
    if framework == "tf_keras":
        import tf_keras as keras
        extra = {"recurrent_activation": "hard_sigmoid"}  # the Keras 2.2 default
    else:
        import polykeras as keras
        extra = {}
    layers = keras.layers
    model = keras.models.Sequential([
        layers.LSTM(UNITS, implementation=implementation, input_shape=(STEPS, INPUT_DIM),
                    **extra),
        layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.01), "mse")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, STEPS, INPUT_DIM)).astype("float32")
    y = rng.standard_normal((BATCH, 1)).astype("float32")
    for _ in range(warmup):
        model.train_on_batch(x, y)
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.train_on_batch(x, y)
        timings.append(time.perf_counter() - start)
    print(json.dumps({"framework": framework, "backend": keras.backend.backend(),
                      "implementation": implementation, "seconds": min(timings),
                      "median": sorted(timings)[len(timings) // 2]}))


def _measure(python, framework, backend, implementation, warmup, repeats, threads):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    if threads:
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = str(threads)
    if backend:
        env["POLYKERAS_BACKEND"] = backend
    command = [python, HERE, "--worker", framework, str(implementation),
               "--warmup", str(warmup), "--repeats", str(repeats), "--threads", str(threads)]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode:
        return {"error": (result.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def _importable(python, module):
    return subprocess.run([python, "-c", f"import {module}"], capture_output=True).returncode == 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="numpy,tensorflow,theano,pytensor")
    parser.add_argument("--implementations", default="1,2")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--threads", type=int, default=0,
                        help="threads for BLAS and TensorFlow (0: their defaults)")
    parser.add_argument("--python", action="append", default=[],
                        help="backend=interpreter for a backend installed elsewhere")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker[0], int(args.worker[1]), args.warmup, args.repeats,
               args.threads)
        return
    interpreters = dict(item.split("=", 1) for item in args.python)
    modules = {"tensorflow": "tensorflow", "theano": "theano", "pytensor": "pytensor"}
    rows = []
    for implementation in (int(i) for i in args.implementations.split(",")):
        reference = None
        if _importable(sys.executable, "tf_keras"):
            reference = _measure(sys.executable, "tf_keras", None, implementation,
                                 args.warmup, args.repeats, args.threads)
            rows.append(("tf_keras", implementation, reference, None))
        for backend in args.backends.split(","):
            python = interpreters.get(backend, sys.executable)
            if backend in modules and not _importable(python, modules[backend]):
                continue
            result = _measure(python, "polykeras", backend, implementation, args.warmup,
                              args.repeats, args.threads)
            ratio = None
            if reference and "seconds" in reference and "seconds" in result:
                ratio = result["seconds"] / reference["seconds"]
            rows.append((f"polykeras/{backend}", implementation, result, ratio))
    threads = f", {args.threads} thread(s)" if args.threads else ""
    print(f"\nLSTM({UNITS}) + Dense(1), {STEPS} steps, input dim {INPUT_DIM}, batch {BATCH}"
          f"{threads}: seconds per training step (best of {args.repeats} after "
          f"{args.warmup} warm-up)\n")
    print("| implementation | framework | s/step | median | vs tf_keras |")
    print("|---|---|---|---|---|")
    for name, implementation, result, ratio in rows:
        if "error" in result:
            print(f"| {implementation} | {name} | error: {result['error']} | | |")
            continue
        print(f"| {implementation} | {name} | {result['seconds']:.4f} | {result['median']:.4f} "
              f"| {'' if ratio is None else f'{ratio:.2f}x'} |")


if __name__ == "__main__":
    main()
