"""Fixtures of the deploy suite (the helpers live in deploy_support.py, a name no other suite uses)."""

import sys
from pathlib import Path

# Tests/ holds process_helpers.py, shared with the browser suite.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deploy_support import cloud, parley_variables  # noqa: F401  (pytest fixtures)
