"""Cohort screening: score a whole table of patients and see who to refer and how many DXA scans that takes.
UI only: the state lives in ``app_support.cohort_session``, every number comes from ``osteo_core.cohort``."""

from __future__ import annotations

import streamlit as st

from app_support import DISCLAIMER
from app_support.auth import page_guard
from app_support.cohort_panels import show_results
from app_support.cohort_session import NONE, choice_label, current
from app_support.loaders import get_risk_model
from app_support.widgets import label
from osteo_core.clinical import FIELDS
from osteo_core.cohort import (
    ALTERNATIVE_UNITS,
    ID_NAMES,
    MAX_PAGE_ROWS,
    OUTCOME_NAMES,
    ColumnMappingError,
    analyse_table,
    detect_named,
    field_choices,
    map_columns,
    mapping_from_choices,
    mapping_notes,
    missing_required,
    target_for,
)
from osteo_core.errors import ModelLoadError, OsteoError, TableReadError
from osteo_core.i18n import _, format_decimal

page_guard(__file__)
session = current()

st.title("📊 " + _("Cohort screening"))
st.info(_(DISCLAIMER))


def _load_source():
    """The uploaded table or the example (kept in the session); ``None`` when there is nothing yet."""
    limit = st.get_option("server.maxUploadSize")
    rows = format_decimal(MAX_PAGE_ROWS, 0)
    st.markdown(_("Upload a **CSV, Excel (.xlsx) or Parquet** file with one row per patient: up to **{limit} MB** "
                  "and **{rows} rows** here. Larger files go through the command line, which streams any size in "
                  "chunks: `python -m osteo_core score-cohort big.csv --out scored.csv` (add "
                  "`--dask tls://scheduler:8786` to use a Dask cluster; see the README).")
                .format(limit=limit, rows=rows))
    upload = st.file_uploader(_("Patient table (at most {rows} rows)").format(rows=rows),
                              type=["csv", "txt", "tsv", "xlsx", "xlsm", "parquet"], key="cohort_file",
                              help=_("Up to {limit} MB and {rows} rows; use the command line for more.")
                              .format(limit=limit, rows=rows))
    if st.button(_("Use a made-up example: {n} synthetic patients with a synthetic outcome")
                 .format(n=format_decimal(2000, 0)), key="cohort_example"):
        return session.load_example(get_risk_model())
    if upload is not None:
        return session.load_upload(upload.getvalue(), upload.name, st.session_state.get("cohort_sheet"))
    if session.key == "example":
        return session.table
    session.forget()  # no file (removed, or the user left the page and came back): free the memory
    return None


def _mapping_form(columns: list[str]):
    """The editable column mapping; returns (mapping, outcome column, id column) on submit, else None."""
    auto = map_columns(columns)
    for note in mapping_notes(columns, auto):
        (st.warning if note.severity == "error" else st.caption)(note.text)
    detected = field_choices(auto)
    options = [NONE, *columns]
    with st.form("cohort_mapping"):
        st.markdown(_("**Which column holds what?** Detected automatically; change any choice. Fields marked * "
                      "are required."))
        choices: dict[str, str | None] = {}
        grid = st.columns(3)
        for position, spec in enumerate(FIELDS):
            column, unit = detected[spec.name]
            with grid[position % 3]:
                picked = st.selectbox(label(spec.name) + (" *" if spec.required else ""), options,
                                      index=options.index(column) if column else 0, key=f"map_{spec.name}",
                                      format_func=choice_label)
                if spec.name in ALTERNATIVE_UNITS:
                    units = list(ALTERNATIVE_UNITS[spec.name])
                    unit = st.radio(_("Unit of {field}").format(field=_(spec.label).lower()), units,
                                    index=units.index(unit),
                                    key=f"map_{spec.name}_unit", horizontal=True)
            choices[target_for(spec.name, unit)] = None if picked == NONE else picked
        left, right = st.columns(2)
        found = detect_named(columns, OUTCOME_NAMES)
        outcome_column = left.selectbox(_("Outcome column (optional, 1 = has osteoporosis, 0 = not)"), options,
                                        index=options.index(found) if found else 0, key="map_outcome",
                                        format_func=choice_label)
        found = detect_named(columns, ID_NAMES)
        id_column = right.selectbox(_("Patient id column (optional)"), options,
                                    index=options.index(found) if found else 0, key="map_id", format_func=choice_label)
        submitted = st.form_submit_button(_("Score the cohort"), type="primary", key="cohort_score")
    if not submitted:
        return None
    try:
        mapping = mapping_from_choices(choices, columns)
    except ColumnMappingError as exc:
        st.error(str(exc))
        return None
    missing = missing_required(mapping)
    if missing:
        st.error(_("Cannot score: no column chosen for {columns}. The model needs age (years), sex, weight (kg or "
                   "lb) and height (cm or in) for every patient.").format(columns=", ".join(f"`{m}`" for m in missing)))
        return None
    return mapping, None if outcome_column == NONE else outcome_column, None if id_column == NONE else id_column


def _score(loaded, mapping, outcome_column: str | None, id_column: str | None) -> None:
    bar = st.progress(0.0, text=_("Scoring…"))
    session.result = analyse_table(loaded, get_risk_model(), mapping, outcome_column, id_column,
                                   progress=lambda done, total: bar.progress(done / total, text=_(
                                       "Scored {done} of {total} rows").format(done=format_decimal(done, 0),
                                                                              total=format_decimal(total, 0))))
    bar.empty()


try:
    get_risk_model()
    model_error = None
except ModelLoadError as exc:
    model_error = exc
    st.error(_("The risk model cannot be loaded, so no cohort can be scored. Details: {error}").format(error=exc))
loaded = None
try:
    loaded = _load_source()
except TableReadError as exc:
    st.error(_("{error} Nothing was scored.").format(error=exc))
if loaded is not None and model_error is None:
    for note in loaded.notes:
        st.caption(note)
    if len(loaded.sheets) > 1:
        st.selectbox(_("Excel sheet"), loaded.sheets, index=loaded.sheets.index(loaded.sheet), key="cohort_sheet")
    st.markdown(_("**{rows} rows, {columns} columns.** First rows:").format(
        rows=format_decimal(len(loaded.frame), 0), columns=format_decimal(len(loaded.frame.columns), 0)))
    st.dataframe(loaded.frame.head(5), hide_index=True)
    chosen = _mapping_form([str(c) for c in loaded.frame.columns])
    if chosen is not None:
        try:
            _score(loaded, *chosen)
        except OsteoError as exc:
            st.error(str(exc))
    if session.result is not None:
        show_results(session.result, get_risk_model())
st.caption(_("Knee radiographs in bulk: see the **Radiograph batch** page."))
st.info(_(DISCLAIMER))
