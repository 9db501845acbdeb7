"""Fixtures of the deploy suite (the helpers live in deploy_support.py, a name no other suite uses)."""

from deploy_support import cloud, parley_variables  # noqa: F401  (pytest fixtures)
