"""Helpers shared by several test packages (never a conftest: import these, not another package's conftest)."""
