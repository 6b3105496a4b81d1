"""GPU memory settings of the TensorFlow backend.

Two optional keys of ``polykeras.json`` tune how much GPU memory TensorFlow
takes: ``gpu_memory_growth`` (allocate on demand instead of grabbing the
whole device) and ``gpu_memory_fraction`` (cap each visible GPU at that share
of its total memory, through a logical device configuration). When both are
set the fraction wins, because TensorFlow refuses memory growth on a device
that has a logical configuration.

The decision (:func:`memory_plan`) and the parsing of the device's total
memory (:func:`parse_nvidia_smi_memory`, :func:`visible_indices`) are pure
functions; :func:`apply_memory_settings` is the only part that talks to
TensorFlow and ``nvidia-smi``.
"""
import shutil
import subprocess
import warnings

#: the plan applied in this process (TensorFlow takes GPU settings only once).
_state = {"plan": None}


def memory_plan(n_gpus, growth, fraction, totals_mib=None):
    """Decide what to configure on each of ``n_gpus`` visible GPUs.

    Args:
        n_gpus: number of GPUs TensorFlow sees.
        growth: the ``gpu_memory_growth`` setting (bool).
        fraction: the ``gpu_memory_fraction`` setting (``None`` or in (0, 1]).
        totals_mib: total memory of each GPU in MiB (``None`` where unknown);
            only needed when ``fraction`` is set.

    Returns:
        a list with one ``(kind, gpu_index, limit_mib)`` per GPU to configure:
        ``("growth", i, None)`` or ``("limit", i, limit_mib)``.

    Raises:
        ValueError: ``fraction`` is set but a GPU's total memory is unknown.

    Example:
        >>> memory_plan(2, False, 0.5, [8000, 16000])
        [('limit', 0, 4000), ('limit', 1, 8000)]
    """
    if fraction is not None:
        if isinstance(fraction, bool) or not 0 < fraction <= 1:
            raise ValueError(f"gpu_memory_fraction must be null or a number in (0, 1]. "
                             f"Received: {fraction!r}")
        totals = list(totals_mib or [])
        if len(totals) < n_gpus or any(t is None for t in totals[:n_gpus]):
            raise ValueError(
                "gpu_memory_fraction needs the total memory of every visible GPU. "
                f"Received: {n_gpus} GPU(s) and totals_mib={totals_mib!r}")
        return [("limit", i, max(1, int(totals[i] * fraction))) for i in range(n_gpus)]
    if growth:
        return [("growth", i, None) for i in range(n_gpus)]
    return []


def parse_nvidia_smi_memory(text):
    """Total memory per GPU (MiB) from ``nvidia-smi --query-gpu=memory.total
    --format=csv,noheader,nounits`` output.

    Example:
        >>> parse_nvidia_smi_memory("81559\\n81559\\n")
        [81559, 81559]
    """
    totals = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        value = line.split(",")[0].strip().split()[0]
        try:
            totals.append(int(float(value)))
        except ValueError:
            raise ValueError(f"Expected one number of MiB per line from nvidia-smi. "
                             f"Received: {line!r}") from None
    return totals


def visible_indices(cuda_visible_devices, n_physical):
    """Physical GPU indices TensorFlow sees, in its order.

    Args:
        cuda_visible_devices: the ``CUDA_VISIBLE_DEVICES`` value (or ``None``).
        n_physical: number of GPUs ``nvidia-smi`` lists.

    Returns:
        a list of indices into the ``nvidia-smi`` listing; ``None`` when the
        variable names devices by UUID (the mapping is then unknown).

    Example:
        >>> visible_indices("2,0", 4)
        [2, 0]
    """
    if cuda_visible_devices is None:
        return list(range(n_physical))
    indices = []
    for item in cuda_visible_devices.split(","):
        item = item.strip()
        if not item:
            continue
        if not item.lstrip("-").isdigit():
            return None
        index = int(item)
        if index < 0 or index >= n_physical:
            break  # CUDA stops at the first invalid entry
        indices.append(index)
    return indices


def _query_totals(n_gpus, environ):
    """Total MiB of each visible GPU via nvidia-smi, ``None`` entries if unknown."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return [None] * n_gpus
    try:
        out = subprocess.run([exe, "--query-gpu=memory.total", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=20, check=True).stdout
        physical = parse_nvidia_smi_memory(out)
    except (OSError, subprocess.SubprocessError, ValueError):
        return [None] * n_gpus
    order = visible_indices(environ.get("CUDA_VISIBLE_DEVICES"), len(physical))
    if order is None:
        return [None] * n_gpus
    totals = [physical[i] for i in order]
    return (totals + [None] * n_gpus)[:n_gpus]


def apply_memory_settings(tf, growth, fraction, environ):
    """Configure TensorFlow's visible GPUs; returns the plan applied (or ``[]``).

    Must run before TensorFlow initializes its GPUs; if it is too late the
    settings are skipped with a warning rather than failing the backend.
    """
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus or (fraction is None and not growth):
        return []
    totals = _query_totals(len(gpus), environ) if fraction is not None else None
    try:
        plan = memory_plan(len(gpus), growth, fraction, totals)
    except ValueError as exc:
        warnings.warn(f"polykeras: gpu_memory_fraction not applied: {exc}", stacklevel=2)
        plan = memory_plan(len(gpus), growth, None)
    try:
        for kind, index, limit in plan:
            if kind == "growth":
                tf.config.experimental.set_memory_growth(gpus[index], True)
            else:
                tf.config.set_logical_device_configuration(
                    gpus[index], [tf.config.LogicalDeviceConfiguration(memory_limit=limit)])
    except (RuntimeError, ValueError) as exc:
        warnings.warn("polykeras: GPU memory settings not applied because TensorFlow has "
                      f"already initialized its GPUs. Received: {exc}", stacklevel=2)
        return []
    return plan


def configure(tf, settings, environ):
    """Apply the GPU settings of ``settings`` the first time it is called.

    TensorFlow accepts GPU memory settings only before it initializes its
    devices, so later calls (a second backend instance) return the plan
    applied the first time.

    Args:
        tf: the ``tensorflow`` module.
        settings: the polykeras configuration (``gpu_memory_growth``,
            ``gpu_memory_fraction``).
        environ: the process environment (for ``CUDA_VISIBLE_DEVICES``).
    """
    if _state["plan"] is None:
        _state["plan"] = apply_memory_settings(
            tf, bool(settings.get("gpu_memory_growth", False)),
            settings.get("gpu_memory_fraction"), environ)
    return _state["plan"]
