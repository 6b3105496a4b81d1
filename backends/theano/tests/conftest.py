"""Leaves the Theano-only tests out where Theano is not installed (the pytensor env)."""
import importlib.util

collect_ignore = [] if importlib.util.find_spec("theano") else ["test_theano_only.py"]
