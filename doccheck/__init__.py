"""doccheck: prove that ML framework docstrings say what the code does."""

__version__ = "0.1.0"
