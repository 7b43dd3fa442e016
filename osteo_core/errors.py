"""Every error osteo_core raises on purpose, in one place.

All subclass :class:`OsteoError`. Errors about bad input (a value, a file, a table, a setting) also subclass
:class:`ValueError`, so callers that already catch ``ValueError`` (the scikit-learn habit) keep working; errors about
the environment (a model file, the database, a cluster) subclass ``RuntimeError``. Errors that carry several problems
list them, one message each, in ``issues``.
"""

from __future__ import annotations

from pathlib import Path

from osteo_core.i18n import _


class OsteoError(Exception):
    """Base class of every error raised on purpose by osteo_core."""


class InputValidationError(OsteoError, ValueError):
    """One or more input values are invalid.

    ``issues`` holds one message per problem, keyed by field name in ``field_issues``.
    """

    def __init__(self, field_issues: dict[str, list[str]]):
        self.field_issues = {name: list(msgs) for name, msgs in field_issues.items() if msgs}
        self.issues = [msg for msgs in self.field_issues.values() for msg in msgs]
        super().__init__("; ".join(self.issues) if self.issues else _("invalid input"))


class TableReadError(OsteoError, ValueError):
    """A table file (CSV, XLSX, Parquet) cannot be read or lacks required columns."""


class ColumnMappingError(OsteoError, ValueError):
    """A user-edited column mapping is not usable (unknown column, a column used twice)."""


class OutcomeError(OsteoError, ValueError):
    """The outcome column cannot be used (no 0/1 values, or a single class among scored patients)."""


class ArchiveError(OsteoError, ValueError):
    """A zip file cannot be opened, or is too large once unpacked."""


class ImageReadError(OsteoError, ValueError):
    """An image file is empty, corrupt, too large or in an unsupported format."""


class ReportError(OsteoError, ValueError):
    """A report cannot be built from what was given (e.g. an image of the wrong shape)."""


class UserError(OsteoError, ValueError):
    """A username, role, password or credentials file is not acceptable."""


class InsecureClusterError(OsteoError, ValueError):
    """A remote Dask scheduler was given without TLS security (and without ``--insecure``)."""


class RuleFileError(OsteoError, ValueError):
    """The rule file is missing, not YAML, or breaks the schema; ``issues`` lists every problem found."""

    def __init__(self, path: Path, issues: list[str]):
        self.path = path
        self.issues = list(issues)
        super().__init__(_("{origin}: {count} problem(s): {issues}").format(
            origin=path.name, count=len(self.issues), issues="; ".join(self.issues)))


class ConsultConfigError(OsteoError, ValueError):
    """The consult-links file is unreadable or has malformed entries; ``issues`` lists each one."""

    def __init__(self, origin: str, issues: list[str]):
        self.origin = origin
        self.issues = list(issues)
        super().__init__(_("{origin}: {count} problem(s): {issues}").format(
            origin=origin, count=len(self.issues), issues="; ".join(self.issues)))


class ModelLoadError(OsteoError, RuntimeError):
    """A shipped model file is missing, corrupt or does not match its manifest."""


class StoreError(OsteoError, RuntimeError):
    """The history database cannot be opened, migrated, read or written (the message holds no patient data)."""


class DaskUnavailableError(OsteoError, RuntimeError):
    """Dask (``dask[dataframe]`` and ``distributed``) is not installed, or the scheduler cannot be reached."""


class LoginLockedError(OsteoError, PermissionError):
    """Too many failed logins in the last ``minutes`` minutes; ``scope`` is ``"user"`` or ``"client"``."""

    def __init__(self, scope: str, minutes: float) -> None:
        self.scope = scope
        text = (_("Too many failed logins for this user: wait {minutes} minutes and try again.") if scope == "user"
                else _("Too many failed logins from this computer: wait {minutes} minutes and try again."))
        super().__init__(text.format(minutes=f"{minutes:g}"))
