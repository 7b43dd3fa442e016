"""Exception hierarchy shared by the whole package.

Every domain error subclasses :class:`OsteoError`; validation errors also subclass :class:`ValueError` so callers
that already catch ``ValueError`` keep working.
"""

from __future__ import annotations


class OsteoError(Exception):
    """Base class of every error raised on purpose by osteo_core."""


class InputValidationError(OsteoError, ValueError):
    """One or more input values are invalid.

    ``issues`` holds one message per problem, keyed by field name in ``field_issues``.
    """

    def __init__(self, field_issues: dict[str, list[str]]):
        self.field_issues = {name: list(msgs) for name, msgs in field_issues.items() if msgs}
        self.issues = [msg for msgs in self.field_issues.values() for msg in msgs]
        super().__init__("; ".join(self.issues) if self.issues else "invalid input")


class TableReadError(OsteoError, ValueError):
    """A table file (CSV, XLSX, Parquet) cannot be read or lacks required columns."""


class ModelLoadError(OsteoError, RuntimeError):
    """A shipped model file is missing, corrupt or does not match its manifest."""


class ImageReadError(OsteoError, ValueError):
    """An image file is empty, corrupt, too large or in an unsupported format."""
