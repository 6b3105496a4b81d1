"""The Theano backend of polykeras; the same code drives PyTensor."""
