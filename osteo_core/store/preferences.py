"""Per-user preferences kept in the database: the language each user chose in the sidebar."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from osteo_core.errors import StoreError
from osteo_core.i18n.languages import LANGUAGES
from osteo_core.store.tables import user_settings
from osteo_core.store.transactions import reading, writing


def saved_language(engine: sa.Engine, username: str) -> str | None:
    """The language ``username`` chose last time (``None`` when they never chose one)."""
    with reading(engine) as connection:
        value = connection.execute(
            sa.select(user_settings.c.language).where(user_settings.c.username == username)).scalar()
    return value if value in LANGUAGES else None


def save_language(engine: sa.Engine, username: str, language: str) -> None:
    """Remember ``language`` for ``username``; raises :class:`StoreError` for an unsupported code."""
    if language not in LANGUAGES:
        raise StoreError(f"language must be one of {', '.join(LANGUAGES)}. Got {language!r}.")
    now = datetime.now(UTC)
    with writing(engine) as connection:
        updated = connection.execute(user_settings.update().where(user_settings.c.username == username)
                                     .values(language=language, updated_at=now))
        if updated.rowcount == 0:
            connection.execute(user_settings.insert().values(username=username, language=language, updated_at=now))
