"""The NumPy backend of polykeras: runs and trains on plain NumPy arrays."""
