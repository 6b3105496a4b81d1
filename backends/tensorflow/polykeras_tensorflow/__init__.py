"""The TensorFlow backend of polykeras: programs compiled with tf.function."""
