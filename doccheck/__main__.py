"""``python -m doccheck``: the working directory must not shadow the modules doccheck imports (see
`doccheck.startup`); the ``doccheck`` package itself is already loaded, its submodules come from its folder."""

import sys

from doccheck.startup import drop_working_directory

drop_working_directory(sys.path, bool(getattr(sys.flags, "safe_path", False)))

from doccheck.cli import main  # noqa: E402 - only after sys.path is safe

sys.exit(main())
