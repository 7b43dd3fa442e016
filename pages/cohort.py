"""Cohort screening: score a whole table of patients, see who to refer and how many DXA scans that takes, and grade
a batch of knee radiographs. UI only: every number comes from ``osteo_core.cohort``."""

from __future__ import annotations

import hashlib
import tempfile
import time
from pathlib import Path

import streamlit as st

from app_support import DISCLAIMER
from app_support.auth import page_guard
from app_support.image_models import get_gate
from app_support.loaders import get_knee_grader, get_risk_model, knee_model_problem
from app_support.widgets import label
from osteo_core.clinical.fields import FIELDS
from osteo_core.cohort import export, outcome, summary, view
from osteo_core.cohort.columns import (
    ALTERNATIVE_UNITS,
    ID_NAMES,
    OUTCOME_NAMES,
    ColumnMappingError,
    detect_named,
    field_choices,
    map_columns,
    mapping_from_choices,
    mapping_notes,
    missing_required,
    target_for,
)
from osteo_core.cohort.demo import demo_cohort
from osteo_core.cohort.images import (
    ArchiveError,
    grade_figure,
    grade_files,
    image_summary,
    rejected_files,
    save_files,
    unpack_zip,
)
from osteo_core.cohort.reading import LoadedTable, read_table
from osteo_core.cohort.score import score_table
from osteo_core.errors import ModelLoadError, OsteoError, TableReadError

page_guard(__file__)

NONE = "(not in the file)"
SHOWN_ROWS = 5000
OUTCOME_NOTE = ("The outcome is whatever the chosen column records. For NHANES files it is a *self-reported* "
                "doctor's diagnosis of osteoporosis, not a DXA result, so these figures measure agreement with "
                "self-report.")

st.title("📊 Cohort screening")
st.info(DISCLAIMER)
table_tab, image_tab = st.tabs(["Patient table", "Radiograph batch"])


def _load_source() -> tuple[str, object] | None:
    """(digest, LoadedTable) of the uploaded file or the example, kept in the session; None when nothing yet."""
    limit = st.get_option("server.maxUploadSize")
    st.markdown(f"Upload a **CSV, Excel (.xlsx) or Parquet** file with one row per patient. Files up to "
                f"**{limit} MB** can be uploaded here. Larger files go through the command line, which streams "
                "any size in chunks: `python -m osteo_core score-cohort big.csv --out scored.csv` "
                "(add `--dask tcp://scheduler:8786` to use a Dask cluster; see the README).")
    upload = st.file_uploader("Patient table", type=["csv", "txt", "tsv", "xlsx", "xlsm", "parquet"],
                              key="cohort_file")
    if st.button("Use a made-up example: 2,000 synthetic patients with a synthetic outcome", key="cohort_example"):
        st.session_state["cohort_use_example"] = True
    if upload is not None:
        st.session_state["cohort_use_example"] = False
        data = upload.getvalue()
        digest = hashlib.sha256(data).hexdigest()[:16]
        if st.session_state.get("cohort_file_digest") != digest:  # a new file: first sheet
            st.session_state.pop("cohort_sheet", None)
            st.session_state["cohort_file_digest"] = digest
        sheet = st.session_state.get("cohort_sheet")
        key = f"{digest}:{sheet}"
        if st.session_state.get("cohort_loaded_key") != key:
            st.session_state.pop("cohort_loaded_key", None)
            st.session_state["cohort_loaded"] = read_table(data, upload.name, sheet)
            st.session_state["cohort_loaded_key"] = key
        return key, st.session_state["cohort_loaded"]
    if st.session_state.get("cohort_use_example"):
        if st.session_state.get("cohort_loaded_key") != "example":
            frame = demo_cohort(2000, seed=7, model=get_risk_model()).astype(str)
            st.session_state["cohort_loaded"] = LoadedTable(frame, ["Made-up example: no real patients; the "
                                                                    "outcome column is synthetic."])
            st.session_state["cohort_loaded_key"] = "example"
        return "example", st.session_state["cohort_loaded"]
    return None


def _mapping_form(columns: list[str], digest: str):
    """The editable column mapping; returns (mapping, outcome column, id column) on submit, else None."""
    auto = map_columns(columns)
    if st.session_state.get("cohort_digest") != digest:  # a new file: forget the old choices
        for key in [k for k in st.session_state if str(k).startswith("map_")]:
            del st.session_state[key]
        st.session_state["cohort_digest"] = digest
        st.session_state.pop("cohort_result", None)
    for note in mapping_notes(columns, auto):
        (st.warning if "cannot be scored" in note else st.caption)(note)
    detected = field_choices(auto)
    options = [NONE, *columns]
    with st.form("cohort_mapping"):
        st.markdown("**Which column holds what?** Detected automatically; change any choice. Fields marked * are "
                    "required.")
        choices: dict[str, str | None] = {}
        grid = st.columns(3)
        for position, spec in enumerate(FIELDS):
            column, unit = detected[spec.name]
            with grid[position % 3]:
                text = label(spec.name) + (" *" if spec.required else "")
                picked = st.selectbox(text, options, index=options.index(column) if column else 0,
                                      key=f"map_{spec.name}")
                if spec.name in ALTERNATIVE_UNITS:
                    units = list(ALTERNATIVE_UNITS[spec.name])
                    unit = st.radio(f"Unit of {spec.label.lower()}", units, index=units.index(unit),
                                    key=f"map_{spec.name}_unit", horizontal=True)
            choices[target_for(spec.name, unit)] = None if picked == NONE else picked
        left, right = st.columns(2)
        found = detect_named(columns, OUTCOME_NAMES)
        outcome_column = left.selectbox("Outcome column (optional, 1 = has osteoporosis, 0 = not)", options,
                                        index=options.index(found) if found else 0, key="map_outcome")
        found = detect_named(columns, ID_NAMES)
        id_column = right.selectbox("Patient id column (optional)", options,
                                    index=options.index(found) if found else 0, key="map_id")
        submitted = st.form_submit_button("Score the cohort", type="primary", key="cohort_score")
    if not submitted:
        return None
    try:
        mapping = mapping_from_choices(choices, columns)
    except ColumnMappingError as exc:
        st.error(str(exc))
        return None
    missing = missing_required(mapping)
    if missing:
        st.error("Cannot score: no column chosen for " + ", ".join(f"`{m}`" for m in missing) + ". The model "
                 "needs age (years), sex, weight (kg or lb) and height (cm or in) for every patient.")
        return None
    return mapping, None if outcome_column == NONE else outcome_column, None if id_column == NONE else id_column


def _score(loaded, digest: str, mapping, outcome_column: str | None, id_column: str | None) -> None:
    model = get_risk_model()
    bar = st.progress(0.0, text="Scoring…")
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        bar.progress(done / total, text=f"Scored {done:,} of {total:,} rows")

    result = score_table(loaded.frame, model, mapping, progress=progress)
    target = None if outcome_column is None else outcome.parse_outcome(loaded.frame[outcome_column])
    analysis = summary.analysis_frame(result.scored, result.values, target)
    bar.empty()
    st.session_state["cohort_result"] = {
        "digest": digest, "scored": result.scored, "values": result.values, "analysis": analysis,
        "outcome": outcome_column, "id": id_column, "seconds": time.perf_counter() - started,
    }
    st.session_state.pop("cohort_drivers", None)


def _results(result: dict) -> None:
    scored, analysis, model = result["scored"], result["analysis"], get_risk_model()
    numbers = view.counts(scored)
    cols = st.columns(4)
    cols[0].metric("Rows", f"{numbers['rows']:,}")
    cols[1].metric("Scored", f"{numbers['scored']:,}")
    cols[2].metric("Rows with problems", f"{numbers['with_issues']:,}")
    cols[3].metric("Scoring time", f"{result['seconds']:.1f} s")
    duplicates = view.duplicate_ids(scored, result["id"])
    if len(duplicates):
        st.warning(f"{len(duplicates):,} id(s) appear on more than one row (all rows are kept and scored). "
                   "Check for repeated records.")
        st.dataframe(duplicates.head(100), hide_index=True)
    if numbers["with_issues"]:
        issues = view.issues_table(scored, result["id"])
        with st.expander(f"Rows with problems ({numbers['with_issues']:,}): kept in every export, without scores"):
            st.dataframe(issues.head(SHOWN_ROWS), hide_index=True)
            st.download_button("Download the list of problems (CSV)", lambda: export.csv_bytes(issues),
                               "cohort_problems.csv", "text/csv", key="dl_issues")
    if numbers["scored"] == 0:
        st.error("No row could be scored; see the problems above.")
        return

    st.header("Who to refer, and how many scans")
    left, right = st.columns([2, 1])
    share = left.slider("Refer the top … % of scored patients (highest estimated risk first)", 1, 100, 10,
                        key="cohort_share")
    scans = right.number_input("DXA scans available (optional)", min_value=0, value=None, step=100,
                               key="cohort_capacity")
    rule = summary.referral(analysis, share / 100)
    st.success(rule.sentence() + ".")
    if scans is not None:
        covered = summary.capacity_share(analysis, int(scans))
        st.markdown(f"{int(scans):,} scans cover the top **{100 * covered:.1f} %** of scored patients.")
    left, right = st.columns(2)
    left.plotly_chart(summary.risk_distribution_figure(analysis, model.band_thresholds, rule.threshold),
                      width="stretch", key="fig_risk")
    right.plotly_chart(summary.referral_curve_figure(analysis, rule), width="stretch", key="fig_curve")
    st.subheader("Flagged by the model and by each screening tool")
    shares = summary.flag_shares(analysis, rule.threshold)
    st.plotly_chart(summary.flag_shares_figure(shares), width="stretch", key="fig_shares")
    st.dataframe(shares, hide_index=True)
    absent = summary.tools_without_patients(analysis)
    st.caption("Tools apply only to some patients (OST: age, sex and weight; ORAI: women ≥ 45 with hormone-therapy "
               "status; SCORE: women with race, rheumatoid arthritis, fracture count and estrogen status); "
               "'% flags' is of those it applies to. The model refers at the cut-off set by the slider."
               + (f" Not shown: {', '.join(absent)}, because the file lacks the facts they need." if absent else ""))
    st.markdown("**Agreement between each tool and the model's referral**")
    st.dataframe(summary.agreement(analysis, rule.threshold), hide_index=True)
    _drivers(result, model)
    if result["outcome"]:
        _outcome_section(result, rule.threshold)
    _results_table(scored, analysis)
    _exports(result, rule, shares)


def _drivers(result: dict, model) -> None:
    st.subheader("What drives the estimates across the cohort")
    if st.button("Compute global drivers (SHAP on a random sample of 200 patients, about 5 s)",
                 key="cohort_drivers_button"):
        with st.spinner("Computing SHAP values…"):
            st.session_state["cohort_drivers"] = summary.global_drivers(
                result["values"], result["analysis"]["valid"].to_numpy(), model, sample_size=200)
    drivers = st.session_state.get("cohort_drivers")
    if drivers is not None:
        importance, size = drivers
        st.plotly_chart(summary.drivers_figure(importance, size), width="stretch", key="fig_drivers")
        st.caption(f"Mean absolute SHAP value over a random sample of {size:,} scored patients: how many "
                   "percentage points each fact moves an estimate, on average. Associations, not causes.")


def _outcome_section(result: dict, threshold: float) -> None:
    st.header(f"Against the outcome column '{result['outcome']}'")
    st.caption(OUTCOME_NOTE)
    try:
        rows = outcome.usable(result["analysis"])
    except outcome.OutcomeError as exc:
        st.warning(str(exc))
        return
    head = outcome.headline(rows)
    cols = st.columns(4)
    cols[0].metric("Patients with an outcome", f"{head['patients']:,}")
    cols[1].metric("With the outcome", f"{head['with outcome (%)']} %", help=f"Mean predicted risk "
                   f"{head['mean predicted (%)']} %")
    cols[2].metric("AUC (95% CI, DeLong)", f"{head['AUC'].value:.3f}",
                   help=f"{head['AUC'].low:.3f}–{head['AUC'].high:.3f}")
    cols[3].metric("Calibration slope / intercept", f"{head['calibration slope']} / {head['calibration intercept']}",
                   help="Ideal: slope 1, intercept 0")
    left, right = st.columns(2)
    left.plotly_chart(outcome.roc_figure(rows, threshold), width="stretch", key="fig_roc")
    right.plotly_chart(outcome.calibration_figure(rows), width="stretch", key="fig_calibration")
    left, right = st.columns(2)
    table = outcome.confusion(rows, threshold)
    with left:
        st.markdown(f"**Confusion at the cut-off {100 * threshold:.1f} %**")
        st.dataframe(table)
        st.markdown("\n".join(f"- {name}: {text}" for name, text in table.attrs["metrics"].items()))
    right.plotly_chart(outcome.decision_curve_figure(rows), width="stretch", key="fig_decision")
    right.caption("Decision curve: net benefit of referring by the model, compared with referring everyone or "
                  "no one, for each threshold probability.")
    st.markdown("**By subgroup** (95% CIs: DeLong for AUC, Wilson for proportions)")
    st.dataframe(outcome.subgroups(rows, threshold), hide_index=True)


def _results_table(scored, analysis) -> None:
    st.header("Results table")
    cols = st.columns(4)
    bands = cols[0].multiselect("Risk band", ["high", "moderate", "low"], key="filter_band")
    sexes = cols[1].multiselect("Sex", ["female", "male"], key="filter_sex")
    ages = cols[2].slider("Age (years)", 18, 110, (18, 110), key="filter_age")
    only_issues = cols[3].checkbox("Only rows with problems", key="filter_issues")
    age_range = None if ages == (18, 110) else ages
    shown = view.filter_results(scored, analysis, bands, sexes, age_range, only_issues)
    st.caption(f"{len(shown):,} matching rows" + (f"; the first {SHOWN_ROWS:,} are shown (download for all)"
                                                  if len(shown) > SHOWN_ROWS else "") + ". Risk is 0–1.")
    st.dataframe(shown.head(SHOWN_ROWS), hide_index=True, key="cohort_table")


def _exports(result: dict, rule, shares) -> None:
    st.header("Downloads")
    scored, analysis = result["scored"], result["analysis"]
    model = get_risk_model()

    def report() -> bytes:
        figures = [("Estimated risk", summary.risk_distribution_figure(analysis, model.band_thresholds,
                                                                        rule.threshold)),
                   ("Flagged by model and tools", summary.flag_shares_figure(shares))]
        drivers = st.session_state.get("cohort_drivers")
        if drivers is not None:
            figures.append(("Global drivers", summary.drivers_figure(*drivers)))
        numbers = view.counts(scored)
        facts = [f"{numbers['rows']:,} rows; {numbers['scored']:,} scored; {numbers['with_issues']:,} with "
                 "problems (kept, unscored).", rule.sentence() + ".", DISCLAIMER.replace("*", "")]
        tables = [("Flagged by group", shares), ("Tool–model agreement", summary.agreement(analysis, rule.threshold))]
        return export.summary_html("Cohort screening summary", facts, figures, tables,
                                   f"Model version {model.version}.").encode("utf-8")

    cols = st.columns(3)
    cols[0].download_button("Scored cohort (CSV)", lambda: export.csv_bytes(scored), "scored_cohort.csv",
                            "text/csv", key="dl_csv")
    cols[1].download_button("Scored cohort (Parquet)", lambda: export.parquet_bytes(scored),
                            "scored_cohort.parquet", "application/octet-stream", key="dl_parquet")
    cols[2].download_button("One-page summary (HTML)", report, "cohort_summary.html", "text/html", key="dl_html")
    st.caption("In the CSV, text cells starting with =, +, - or @ get a leading ' so spreadsheet programs do not "
               "run them as formulas. Every input row is kept, in the file's order.")


with table_tab:
    model_error = None
    try:
        get_risk_model()
    except ModelLoadError as exc:
        model_error = str(exc)
        st.error(f"The risk model cannot be loaded, so no cohort can be scored. Details: {exc}")
    source = None
    try:
        source = _load_source()
    except TableReadError as exc:
        st.error(f"{exc} Nothing was scored.")
    if source is not None and model_error is None:
        digest, loaded = source
        for note in loaded.notes:
            st.caption(note)
        if len(loaded.sheets) > 1:
            st.selectbox("Excel sheet", loaded.sheets, index=loaded.sheets.index(loaded.sheet), key="cohort_sheet")
        st.markdown(f"**{len(loaded.frame):,} rows, {len(loaded.frame.columns)} columns.** First rows:")
        st.dataframe(loaded.frame.head(5), hide_index=True)
        chosen = _mapping_form([str(c) for c in loaded.frame.columns], digest)
        if chosen is not None:
            try:
                _score(loaded, digest, *chosen)
            except OsteoError as exc:
                st.error(str(exc))
        result = st.session_state.get("cohort_result")
        if result is not None and result["digest"] == digest:
            _results(result)


with image_tab:
    st.markdown("Grade a batch of **knee radiographs** (Kellgren–Lawrence grade 0–4, osteoarthritis severity) "
                "with the knee model, behind the body-part check that refuses non-knee images. Upload one zip file "
                "or several images (.png, .jpg, .dcm). Files that cannot be graded are listed with the reason. "
                "The command line does the same for folders of any size: "
                "`python -m osteo_core predict-images --task knee-kl --out grades.csv FOLDER`.")
    problem = knee_model_problem()
    if problem:
        st.warning("The knee radiograph model is not available yet, so images cannot be graded here. "
                   f"Details: {problem}")
    else:
        files = st.file_uploader("Radiographs (a zip, or several images)", type=["zip", "png", "jpg", "jpeg", "dcm"],
                                 accept_multiple_files=True, key="image_files")
        if files and st.button("Grade the images", type="primary", key="image_grade"):
            bar = st.progress(0.0, text="Grading…")
            try:
                with tempfile.TemporaryDirectory() as folder:
                    named = []
                    for upload in files:
                        if upload.name.lower().endswith(".zip"):
                            named += unpack_zip(upload.getvalue(), Path(folder) / f"zip{len(named)}")
                        else:
                            named += save_files([(upload.name, upload.getvalue())], Path(folder) / "files")
                    st.session_state["image_result"] = grade_files(
                        named, get_knee_grader(), get_gate(),
                        progress=lambda done, total: bar.progress(done / total, text=f"Graded {done} of {total}"))
            except (ArchiveError, ModelLoadError) as exc:
                st.error(str(exc))
            bar.empty()
        table = st.session_state.get("image_result")
        if table is not None:
            numbers = image_summary(table)
            cols = st.columns(3)
            cols[0].metric("Files", numbers["files"])
            cols[1].metric("Graded", numbers["graded"])
            cols[2].metric("Rejected", numbers["rejected"])
            st.plotly_chart(grade_figure(table), width="stretch", key="fig_grades")
            rejected = rejected_files(table)
            if len(rejected):
                st.markdown("**Rejected files and why**")
                st.dataframe(rejected, hide_index=True)
            st.download_button("Download the grades (CSV)", export.csv_bytes(table), "knee_grades.csv", "text/csv",
                               key="dl_images")

st.info(DISCLAIMER)
