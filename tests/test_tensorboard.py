"""callbacks.TensorBoard: event files read back with TensorBoard's own EventAccumulator."""
import io
import sys

import numpy as np
import pytest
from tensorboard.backend.event_processing import event_accumulator

import polykeras as keras
from polykeras.callbacks import TensorBoard


def _read(log_dir):
    accumulator = event_accumulator.EventAccumulator(
        str(log_dir), size_guidance={"scalars": 0, "histograms": 0, "images": 0})
    accumulator.Reload()
    return accumulator


def _linear_data(samples=20):
    rng = np.random.RandomState(3)
    x = rng.rand(samples, 4).astype("float32")
    return x, (x @ np.array([[1.], [-2.], [3.], [0.5]], dtype="float32") + 1.)


def test_scalars_histograms_gradients_images_and_graph(tmp_path):
    x, y = _linear_data()
    model = keras.Sequential([keras.layers.Dense(3, input_dim=4, name="dense_1"),
                              keras.layers.Dense(1, name="dense_2")])
    model.compile(keras.optimizers.SGD(lr=0.05), "mse", metrics=["mae"])
    callback = TensorBoard(tmp_path, histogram_freq=1, batch_size=4, write_grads=True,
                           write_images=True, update_freq="batch")
    history = model.fit(x[:15], y[:15], epochs=2, batch_size=10, verbose=0,
                        validation_data=(x[15:], y[15:]), callbacks=[callback])
    events = _read(tmp_path)

    # Scalars: the epoch logs at step "samples seen" (update_freq != 'epoch'), the
    # batch logs as batch_<name> after every batch.
    for name in ("loss", "val_loss", "mean_absolute_error", "val_mean_absolute_error"):
        written = events.Scalars(name)
        assert [e.step for e in written] == [15, 30]
        np.testing.assert_allclose([e.value for e in written], history.history[name], rtol=1e-6)
    assert [e.step for e in events.Scalars("batch_loss")] == [10, 15, 25, 30]

    # Weight histograms hold the weights at the end of each epoch.
    kernel, bias = model.layers[1].get_weights()
    last = events.Histograms("dense_2/kernel")[-1]
    assert [h.step for h in events.Histograms("dense_2/kernel")] == [0, 1]
    assert last.histogram_value.num == kernel.size
    np.testing.assert_allclose(last.histogram_value.sum, kernel.sum(), rtol=1e-5, atol=1e-6)
    assert last.histogram_value.max == pytest.approx(kernel.max(), rel=1e-6)

    # Output and gradient histograms on the first batch_size validation samples,
    # against the mse gradient worked out in NumPy.
    x_val, y_val = x[15:19], y[15:19]
    hidden = x_val @ model.layers[0].get_weights()[0] + model.layers[0].get_weights()[1]
    error = hidden @ kernel + bias - y_val
    out = events.Histograms("dense_2_out")[-1].histogram_value
    assert out.num == 4
    # Entries of both signs can cancel in a sum: float32 rounding is relative
    # to the entries' magnitudes, not to the sum's.
    expected = hidden @ kernel + bias
    np.testing.assert_allclose(out.sum, expected.sum(), rtol=1e-5,
                               atol=1e-6 * np.abs(expected).sum())
    grad = events.Histograms("dense_2/kernel_grad")[-1].histogram_value
    expected = 2. / 4. * hidden.T @ error
    np.testing.assert_allclose(grad.sum, expected.sum(), rtol=1e-4,
                               atol=1e-5 * np.abs(expected).sum())

    # Images: the Dense kernel (4, 3) drawn with its longer side horizontal,
    # scaled from [min, max] to [0, 255].
    from PIL import Image
    image = events.Images("dense_1/kernel")[-1]
    assert (image.width, image.height) == (4, 3)
    pixels = np.asarray(Image.open(io.BytesIO(image.encoded_image_string)).convert("L"),
                        dtype="float32")
    first_kernel = model.layers[0].get_weights()[0].T
    expected = (first_kernel - first_kernel.min()) / (first_kernel.max() - first_kernel.min())
    np.testing.assert_allclose(pixels, expected * 255, atol=1.5)

    # The graph: one node per layer, wired as the model.
    graph = {node.name: node for node in events.Graph().node}
    assert graph["dense_2"].op == "Dense" and list(graph["dense_2"].input) == ["dense_1"]
    assert graph["dense_1"].input[0] in graph


def test_update_freq_in_samples_and_histograms_every_few_epochs(tmp_path):
    x, y = _linear_data()
    model = keras.Sequential([keras.layers.Dense(1, input_dim=4, name="dense_1")])
    model.compile("sgd", "mse")
    callback = TensorBoard(tmp_path, histogram_freq=2, update_freq=25, write_graph=False)
    model.fit(x, y, epochs=3, batch_size=10, verbose=0, callbacks=[callback])
    events = _read(tmp_path)
    assert [e.step for e in events.Scalars("batch_loss")] == [30, 60]
    assert [h.step for h in events.Histograms("dense_1/kernel")] == [0, 2]
    assert "dense_1_out" not in events.Tags()["histograms"]   # no validation data
    assert not events.Tags()["graph"]
    assert callback.writer is None   # closed at the end of training


def test_functional_graph_lists_merges_and_shapes(tmp_path):
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    merged = keras.layers.Add(name="sum")([keras.layers.Dense(2, name="da")(a),
                                           keras.layers.Dense(2, name="db")(b)])
    model = keras.Model([a, b], merged)
    callback = TensorBoard(tmp_path)
    callback.set_model(model)
    callback.on_train_end()
    graph = {node.name: node for node in _read(tmp_path).Graph().node}
    assert set(graph) == {"a", "b", "da", "db", "sum"}
    assert graph["sum"].op == "Add" and sorted(graph["sum"].input) == ["da", "db"]
    shape = graph["sum"].attr["_output_shapes"].list.shape[0]
    assert [d.size for d in shape.dim] == [-1, 2]


def test_embeddings_are_written_for_the_projector(tmp_path):
    tokens = np.array([[1, 2], [3, 0], [4, 4]])
    model = keras.Sequential([keras.layers.Embedding(5, 3, input_length=2, name="emb")])
    model.compile("sgd", "mse")
    metadata = tmp_path / "labels.tsv"
    metadata.write_text("first\nsecond\nthird\n")
    callback = TensorBoard(tmp_path / "logs", embeddings_freq=1, embeddings_data=tokens,
                           embeddings_metadata=str(metadata), write_graph=False)
    model.fit(tokens, np.zeros((3, 2, 3), "float32"), epochs=1, verbose=0,
              callbacks=[callback])
    table = model.layers[0].get_weights()[0]
    folder = tmp_path / "logs" / "00000" / "emb"
    written = np.loadtxt(folder / "tensors.tsv", delimiter="\t", dtype="float32")
    np.testing.assert_allclose(written, table[tokens].reshape(3, 6), rtol=1e-5)
    assert (folder / "metadata.tsv").read_text().split() == ["first", "second", "third"]
    assert "emb" in (tmp_path / "logs" / "projector_config.pbtxt").read_text()


def test_arguments_and_missing_writer_are_explained(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match=r"update_freq.*Received: update_freq='often'"):
        TensorBoard(tmp_path, update_freq="often")
    with pytest.raises(ValueError, match=r"histogram_freq.*Received: histogram_freq=-1"):
        TensorBoard(tmp_path, histogram_freq=-1)
    with pytest.raises(ValueError, match=r"embeddings_data must be provided"):
        TensorBoard(tmp_path, embeddings_freq=1)
    model = keras.Sequential([keras.layers.Dense(1, input_dim=2)])
    model.compile("sgd", "mse")
    x = np.ones((4, 2), "float32")
    with pytest.raises(ValueError, match=r"write_grads needs validation data"):
        model.fit(x, x[:, :1], epochs=1, verbose=0,
                  callbacks=[TensorBoard(tmp_path, histogram_freq=1, write_grads=True)])
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match=r"pip install tensorboardX"):
        TensorBoard(tmp_path / "other").set_model(model)
