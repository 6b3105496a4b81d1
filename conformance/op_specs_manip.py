"""Op specs: shape manipulation, padding, resizing, one-hot, slicing."""
import numpy as np

from polykeras import backend as K
from op_specs import case, spec
from op_specs_math import W, X

F = "manip"

spec("concatenate", lambda *xs, axis=-1: K.concatenate(list(xs), axis=axis),
     lambda *xs, axis=-1: np.concatenate(xs, axis=axis), [
         case("last", X(4, 2, 3), X(4, 2, 1)),
         case("axis0", X(4, 3), X(2, 3), axis=0),
         case("axis1_three", X(4, 1, 2), X(4, 3, 2), X(4, 2, 2), axis=1),
     ], family=F, grad=True)
spec("stack", lambda *xs, axis=0: K.stack(list(xs), axis=axis),
     lambda *xs, axis=0: np.stack(xs, axis=axis), [
         case("axis0", X(4, 3), X(4, 3)),
         case("axis1", X(4, 3), X(4, 3), X(4, 3), axis=1),
         case("axis-1", X(4, 3), X(4, 3), axis=-1),
     ], family=F, grad=True)
spec("reshape", lambda x, shape: K.reshape(x, shape), lambda x, shape: np.reshape(x, shape), [
    case("infer_batch", X(4, 3, 2), shape=(-1, 6)),
    case("explicit", X(4, 3, 2), shape=(2, 2, 6)),
    case("to_vector", X(4, 3), shape=(-1,)),
    case("add_unit_dims", X(4, 6), shape=(4, 1, 6, 1)),
], family=F, grad=True)
spec("reshape", lambda x: K.reshape(x, (K.shape(x)[0], -1)), lambda x: x.reshape(len(x), -1),
     [case("dynamic_batch", X(4, 3, 2))], family=F, grad=True)
spec("permute_dimensions", lambda x, pattern: K.permute_dimensions(x, pattern),
     lambda x, pattern: np.transpose(x, pattern), [
         case("swap_last", X(4, 3, 2), pattern=(0, 2, 1)),
         case("rotate", X(4, 3, 2), pattern=(2, 0, 1)),
         case("4d", X(2, 3, 4, 5), pattern=[0, 3, 1, 2]),
     ], family=F, grad=True)
spec("repeat_elements", lambda x, rep, axis: K.repeat_elements(x, rep, axis),
     lambda x, rep, axis: np.repeat(x, rep, axis=axis), [
         case("axis1", X(4, 3, 2), rep=2, axis=1),
         case("axis-1", X(4, 3, 2), rep=3, axis=-1),
         case("batch_axis", X(4, 3), rep=2, axis=0),
     ], family=F, grad=True)
spec("repeat", lambda x, n: K.repeat(x, n), lambda x, n: np.repeat(x[:, None, :], n, axis=1),
     [case("n3", X(4, 3), n=3)], family=F, grad=True)
spec("tile", lambda x, n: K.tile(x, n), lambda x, n: np.tile(x, n), [
    case("rows", X(4, 3), n=[2, 1]), case("cols", X(4, 3), n=(1, 3)),
    case("3d", X(2, 3, 2), n=[2, 1, 2]),
], family=F, grad=True)
spec("tile", lambda x: K.tile(x, [1, K.shape(x)[0]]), lambda x: np.tile(x, [1, len(x)]),
     [case("dynamic_reps", X(4, 3))], family=F)
spec("expand_dims", lambda x, **kw: K.expand_dims(x, **kw),
     lambda x, axis=-1: np.expand_dims(x, axis), [
         case("default_last", X(4, 3)), case("axis0", X(4, 3), axis=0),
         case("axis1", X(4, 3), axis=1),
     ], family=F, grad=True)
spec("squeeze", lambda x, axis: K.squeeze(x, axis), lambda x, axis: np.squeeze(x, axis), [
    case("axis1", X(4, 1, 3), axis=1), case("axis-1", X(4, 3, 1), axis=-1),
], family=F, grad=True)
spec("flatten", lambda x: K.flatten(x), lambda x: x.reshape(-1),
     [case("3d", X(4, 3, 2))], family=F, grad=True)
spec("batch_flatten", lambda x: K.batch_flatten(x), lambda x: x.reshape(len(x), -1),
     [case("3d", X(4, 3, 2)), case("4d", X(2, 3, 2, 2)), case("2d", X(4, 3))],
     family=F, grad=True)
spec("reverse", lambda x, axes: K.reverse(x, axes),
     lambda x, axes: np.flip(x, tuple(axes) if isinstance(axes, list) else axes), [
         case("axis0", X(4, 3), axes=0), case("axes12", X(4, 3, 2), axes=[1, 2]),
         case("last", X(4, 3, 2), axes=-1),
     ], family=F, grad=True)


def _arange_ref(start, stop=None, step=1, dtype="int32"):
    return np.arange(start, stop, step).astype(dtype) if stop is not None else np.arange(
        start).astype(dtype)


spec("arange", lambda **kw: K.arange(**kw), _arange_ref, [
    case("stop_only", start=5), case("start_stop_step", start=2, stop=9, step=3),
    case("negative_step", start=5, stop=0, step=-2),
], family=F, dtype="int32")
spec("arange", lambda **kw: K.arange(**kw), _arange_ref,
     [case("float32", start=0, stop=2, step=0.5, dtype="float32")], family=F, dtype="float32")


def _pad_ref(x, widths):
    return np.pad(x, widths)


spec("temporal_padding", lambda x, **kw: K.temporal_padding(x, **kw),
     lambda x, padding=(1, 1): _pad_ref(x, [(0, 0), tuple(padding), (0, 0)]), [
         case("default", X(4, 3, 2)), case("asymmetric", X(4, 3, 2), padding=(2, 0)),
     ], family=F, grad=True)


def _spatial_ref(x, padding, data_format, n):
    pads = [tuple(p) for p in padding]
    if data_format == "channels_first":
        return _pad_ref(x, [(0, 0), (0, 0)] + pads)
    return _pad_ref(x, [(0, 0)] + pads + [(0, 0)])


spec("spatial_2d_padding",
     lambda x, padding, data_format: K.spatial_2d_padding(x, padding, data_format=data_format),
     lambda x, padding, data_format: _spatial_ref(x, padding, data_format, 2), [
         case("channels_last", X(2, 3, 4, 2), padding=((1, 0), (2, 1)),
              data_format="channels_last"),
         case("channels_first", X(2, 2, 3, 4), padding=((1, 1), (0, 2)),
              data_format="channels_first"),
     ], family=F, grad=True)
spec("spatial_3d_padding",
     lambda x, padding, data_format: K.spatial_3d_padding(x, padding, data_format=data_format),
     lambda x, padding, data_format: _spatial_ref(x, padding, data_format, 3), [
         case("channels_last", X(2, 2, 3, 2, 1), padding=((1, 0), (0, 1), (2, 2)),
              data_format="channels_last"),
         case("channels_first", X(2, 1, 2, 3, 2), padding=((1, 1), (0, 0), (1, 0)),
              data_format="channels_first"),
     ], family=F, grad=True)
spec("one_hot", lambda i, num_classes: K.one_hot(i, num_classes),
     lambda i, num_classes: np.eye(num_classes)[i], [
         case("1d", W(5, gen="int", low=0, high=4, dtype="int32"), num_classes=4),
         case("2d", X(3, 5, gen="int", low=0, high=3, dtype="int32"), num_classes=3),
     ], family=F, dtype="float32")


def _slice_ref(x, start, size):
    return x[tuple(slice(b, b + n) for b, n in zip(start, size))]


spec("slice", lambda x, start, size: K.slice(x, start, size), _slice_ref, [
    case("2d", X(4, 5), start=(1, 2), size=(2, 3)),
    case("3d", X(4, 3, 5), start=[0, 1, 0], size=[4, 2, 5]),
], family=F, grad=True)


def _resize_ref(x, factors, data_format):
    first = 2 if data_format == "channels_first" else 1
    for i, f in enumerate(factors):
        x = np.repeat(x, f, axis=first + i)
    return x


spec("resize_images",
     lambda x, height_factor, width_factor, data_format: K.resize_images(
         x, height_factor, width_factor, data_format),
     lambda x, height_factor, width_factor, data_format: _resize_ref(
         x, (height_factor, width_factor), data_format), [
         case("channels_last", X(2, 3, 2, 3), height_factor=2, width_factor=3,
              data_format="channels_last"),
         case("channels_first", X(2, 3, 2, 3), height_factor=3, width_factor=2,
              data_format="channels_first"),
     ], family=F, grad=True)
spec("resize_volumes",
     lambda x, depth_factor, height_factor, width_factor, data_format: K.resize_volumes(
         x, depth_factor, height_factor, width_factor, data_format),
     lambda x, depth_factor, height_factor, width_factor, data_format: _resize_ref(
         x, (depth_factor, height_factor, width_factor), data_format), [
         case("channels_last", X(2, 2, 2, 1, 2), depth_factor=2, height_factor=1,
              width_factor=3, data_format="channels_last"),
         case("channels_first", X(2, 2, 2, 1, 2), depth_factor=1, height_factor=2,
              width_factor=2, data_format="channels_first"),
     ], family=F, grad=True)
spec("shape", lambda x: K.shape(x), lambda x: np.array(x.shape),
     [case("3d", X(4, 3, 2)), case("1d", W(7))], family=F, dtype="int32")
spec("cast", lambda x, dtype: K.cast(x, dtype), lambda x, dtype: x.astype(dtype), [
    case("to_int32", X(4, 3, gen="halves"), dtype="int32"),
    case("bool_to_float32", X(4, 3, gen="bool", dtype="bool"), dtype="float32"),
    case("int_to_float64", X(4, 3, gen="int", low=-5, high=5, dtype="int32"), dtype="float64"),
], family=F, dtype=lambda params: params["dtype"])
spec("cast", lambda x: K.cast(x, "float16"), lambda x: x.astype("float16"),
     [case("to_float16", X(4, 3))], family=F, dtype="float16", atol=1e-3, rtol=1e-3)
spec("cast", lambda x: K.cast(x, "float64"), lambda x: x,
     [case("float32_to_float64", X(4, 3))], family=F, dtype="float64", grad=True)
