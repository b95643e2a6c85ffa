"""Shared test set-up: results are cached in a fresh directory per session, never in the user's cache."""

import os
import tempfile

os.environ.setdefault("DOCCHECK_CACHE_DIR", tempfile.mkdtemp(prefix="doccheck-test-cache-"))
