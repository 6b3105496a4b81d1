"""Saving and loading models and weights (Keras 2 HDF5 layout, JSON/YAML configs)."""
