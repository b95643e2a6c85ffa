"""What ``python -m doccheck`` does before importing anything: the working directory off ``sys.path``.

``python -m`` puts the working directory first on ``sys.path``; in a hook or CI job that is the repository
under review, whose ``tomllib.py`` or ``sympy.py`` would then run instead of the real module.  Only that first
entry goes (``-P``/``PYTHONSAFEPATH`` never add it); an explicit PYTHONPATH entry stays the user's choice.
This module imports nothing but ``os``.
"""

import os


def drop_working_directory(path: list, safe_path: bool) -> None:
    if safe_path or not path:
        return
    first = path[0]
    try:
        here = first == "" or os.path.samefile(first, os.getcwd())
    except OSError:  # the entry or the working directory is gone: it cannot be the working directory
        here = False
    if here:
        del path[0]
