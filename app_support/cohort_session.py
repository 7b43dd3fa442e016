"""The Cohort page's state in one object: the loaded table, the mapping widgets' reset, and the result.

One :class:`CohortSession` lives in ``st.session_state["cohort"]``. A new file (or sheet) replaces the table and
forgets the result; removing the file frees both, and so does coming back to the page after leaving it (the
uploader is empty then). :func:`release` frees them at once, for the app's runner to call when another page opens.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st

from osteo_core.cohort.analysis import CohortResult
from osteo_core.cohort.demo import demo_cohort
from osteo_core.cohort.reading import MAX_PAGE_ROWS, LoadedTable, read_table
from osteo_core.i18n import N_, _

KEY = "cohort"
MAPPING_PREFIX = "map_"
EXAMPLE_NOTE = N_("Made-up example: no real patients; the outcome column is synthetic.")
NONE = N_("(not in the file)")  # the mapping widgets' "no column" choice: compared in English, shown translated


def choice_label(option: str) -> str:
    """How a column choice is shown: the "no column" choice in the current language, a column name as it is."""
    return _(NONE) if option == NONE else option


@dataclass
class CohortSession:
    """``key`` names what is loaded ("<digest>:<sheet>" or "example"); ``table`` is its rows; ``result`` the last
    scoring of it (``None`` until scored)."""

    key: str | None = None
    table: LoadedTable | None = None
    result: CohortResult | None = None

    def load_upload(self, data: bytes, name: str, sheet: str | None) -> LoadedTable:
        """Read an upload (at most ``MAX_PAGE_ROWS`` rows) unless it is already loaded. Raises
        :class:`~osteo_core.errors.TableReadError` (the previous table is then forgotten)."""
        digest = hashlib.sha256(data).hexdigest()[:16]
        if not str(self.key).startswith(digest + ":"):  # another file: its first sheet
            sheet = None
            st.session_state.pop("cohort_sheet", None)
        key = f"{digest}:{sheet}"
        if key != self.key:
            self._replace(None, None)
            self._replace(key, read_table(data, name, sheet, max_rows=MAX_PAGE_ROWS))
        return self.table

    def load_example(self, model) -> LoadedTable:
        """The synthetic 2,000-patient example (its note in the current language, like a file's reading notes)."""
        if self.key != "example":
            self._replace("example", LoadedTable(demo_cohort(2000, seed=7, model=model).astype(str),
                                                 [_(EXAMPLE_NOTE)]))
        return self.table

    def _replace(self, key: str | None, table: LoadedTable | None) -> None:
        if key != self.key:  # a new table: forget the result and the old mapping choices
            for name in [k for k in st.session_state if str(k).startswith(MAPPING_PREFIX)]:
                del st.session_state[name]
        self.key, self.table, self.result = key, table, None

    def forget(self) -> None:
        """Free the table and the result."""
        self._replace(None, None)


def current() -> CohortSession:
    """This browser session's cohort state (created on first use)."""
    if KEY not in st.session_state:
        st.session_state[KEY] = CohortSession()
    return st.session_state[KEY]


def release() -> None:
    """Free the cohort table and result of this session (a user who left the page does not hold memory)."""
    session = st.session_state.get(KEY)
    if session is not None:
        session.forget()
    st.session_state.pop("image_result", None)
