"""The Cohort page's result panels: counts and problems, referral dashboard, drivers, outcome, table, downloads.
Streamlit rendering only; every number comes from ``osteo_core.cohort``."""

from __future__ import annotations

import streamlit as st

from app_support import DISCLAIMER
from osteo_core.cohort import export, outcome, summary, view
from osteo_core.cohort.analysis import CohortResult, summary_report

SHOWN_ROWS = 5000
OUTCOME_NOTE = ("The outcome is whatever the chosen column records; the model estimates hip DXA osteoporosis "
                "(T ≤ −2.5). For NHANES files pick `osteoporosis_dxa_hip` (detected first when present): a "
                "*self-reported* diagnosis column measures agreement with who was diagnosed, not with DXA.")


def show_results(result: CohortResult, model) -> None:
    """Every panel, top to bottom."""
    scored, analysis = result.scored, result.analysis
    numbers = view.counts(scored)
    cols = st.columns(4)
    cols[0].metric("Rows", f"{numbers['rows']:,}")
    cols[1].metric("Scored", f"{numbers['scored']:,}")
    cols[2].metric("Rows with problems", f"{numbers['with_issues']:,}")
    cols[3].metric("Scoring time", f"{result.seconds:.1f} s")
    duplicates = view.duplicate_ids(scored, result.id_column)
    if len(duplicates):
        st.warning(f"{len(duplicates):,} id(s) appear on more than one row (all rows are kept and scored). "
                   "Check for repeated records.")
        st.dataframe(duplicates.head(100), hide_index=True)
    if numbers["with_issues"]:
        issues = view.issues_table(scored, result.id_column)
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
    if result.outcome:
        _outcome_section(result, rule.threshold)
    _results_table(result)
    _downloads(result, model, share / 100)


def _drivers(result: CohortResult, model) -> None:
    st.subheader("What drives the estimates across the cohort")
    if st.button("Compute global drivers (SHAP on a random sample of 200 patients, about 5 s)",
                 key="cohort_drivers_button"):
        with st.spinner("Computing SHAP values…"):
            result.compute_drivers(model, sample_size=200)
    if result.drivers is not None:
        importance, size = result.drivers
        st.plotly_chart(summary.drivers_figure(importance, size), width="stretch", key="fig_drivers")
        st.caption(f"Mean absolute SHAP value over a random sample of {size:,} scored patients: how many "
                   "percentage points each fact moves an estimate, on average. Associations, not causes.")


def _outcome_section(result: CohortResult, threshold: float) -> None:
    st.header(f"Against the outcome column '{result.outcome}'")
    st.caption(OUTCOME_NOTE)
    try:
        rows = outcome.usable(result.analysis)
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


def _results_table(result: CohortResult) -> None:
    st.header("Results table")
    cols = st.columns(4)
    bands = cols[0].multiselect("Risk band", ["high", "moderate", "low"], key="filter_band")
    sexes = cols[1].multiselect("Sex", ["female", "male"], key="filter_sex")
    ages = cols[2].slider("Age (years)", 18, 110, (18, 110), key="filter_age")
    only_issues = cols[3].checkbox("Only rows with problems", key="filter_issues")
    age_range = None if ages == (18, 110) else ages
    shown = view.filter_results(result.scored, result.analysis, bands, sexes, age_range, only_issues)
    st.caption(f"{len(shown):,} matching rows" + (f"; the first {SHOWN_ROWS:,} are shown (download for all)"
                                                  if len(shown) > SHOWN_ROWS else "") + ". Risk is 0–1.")
    st.dataframe(shown.head(SHOWN_ROWS), hide_index=True, key="cohort_table")


def _downloads(result: CohortResult, model, share: float) -> None:
    st.header("Downloads")
    cols = st.columns(3)
    cols[0].download_button("Scored cohort (CSV)", lambda: export.csv_bytes(result.scored), "scored_cohort.csv",
                            "text/csv", key="dl_csv")
    cols[1].download_button("Scored cohort (Parquet)", lambda: export.parquet_bytes(result.scored),
                            "scored_cohort.parquet", "application/octet-stream", key="dl_parquet")
    cols[2].download_button("One-page summary (HTML)", lambda: summary_report(result, model, share, DISCLAIMER),
                            "cohort_summary.html", "text/html", key="dl_html")
    st.caption("In the CSV, text cells starting with =, +, - or @ get a leading ' so spreadsheet programs do not "
               "run them as formulas. Every input row is kept, in the file's order.")
