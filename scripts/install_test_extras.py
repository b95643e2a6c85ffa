"""Install what the tests read besides the `test` extra: pinned framework sources and a headless browser.

The framework packages are installed with ``--no-deps``: doccheck reads their sources and never imports them,
so their native runtimes (CUDA, Metal, XLA, …) are not needed.  Chromium (Debian's package) lets
tests/test_sphinx_rendering.py lay the rendered docs out in a real browser; it is installed only where
``apt-get`` can run as root (CI), and that test is skipped elsewhere.  Safe to run twice.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

# the versions the tests pin (each test skips, with the reason, when its package is absent or another version)
SOURCES = ["mlx==0.32.4", "keras==3.15.1", "flax==0.12.8", "jax==0.10.2", "transformers==5.23.0", "timm==1.0.31",
           "torch-geometric==2.8.1", "torchvision==0.29.1"]


def main() -> int:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
                    *SOURCES], check=True)
    if not any(shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")):
        if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            done = subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], env=env,
                                  stdout=subprocess.DEVNULL).returncode == 0
            if not done:  # a fresh image may need its package lists first
                subprocess.run(["apt-get", "update", "-q"], env=env, stdout=subprocess.DEVNULL)
                subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], env=env, stdout=subprocess.DEVNULL)
        else:
            print("install_test_extras: no Chromium and no root apt-get: the browser test will be skipped",
                  file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
