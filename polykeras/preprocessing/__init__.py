"""Data preprocessing: sequence, text and image utilities."""
