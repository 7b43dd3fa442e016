"""The Cohort page's result panels: counts and problems, referral dashboard, drivers, outcome, table, downloads.
Streamlit rendering only; every number comes from ``osteo_core.cohort``, whose display tables (flag shares,
agreement, confusion, subgroups) come already labelled in the current language. The row-level tables (problems,
duplicate ids, results) keep English column names, labelled here on screen only: the downloads stay English."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_support import DISCLAIMER
from osteo_core.cohort import SCORE_COLUMNS, export, outcome, summary, view
from osteo_core.cohort.analysis import CohortResult, summary_report
from osteo_core.i18n import N_, _, current_language, format_decimal, ngettext, use_language

SHOWN_ROWS = 5000
OUTCOME_NOTE = N_("The outcome is whatever the chosen column records; the model estimates hip DXA osteoporosis "
                  "(T ≤ −2.5). For NHANES files pick `osteoporosis_dxa_hip` (detected first when present): a "
                  "*self-reported* diagnosis column measures agreement with who was diagnosed, not with DXA.")
# English column name of a row-level table (problems, duplicate ids, results) → its header on screen. Names not
# listed (the file's own columns) are shown as they are.
HEADERS = {
    "row": N_("Row"), "id": N_("Id"), "rows": N_("Rows"), "problems": N_("Problems"),
    # the score columns of the results table
    "osteo_risk": N_("Estimated risk (0–1)"), "risk_category": N_("Risk band"),
    "t_score_estimate": N_("Estimated T-score (SD)"), "t_score_low": N_("T-score range, low (SD)"),
    "t_score_high": N_("T-score range, high (SD)"), "ost_index": N_("OST index"), "ost_flag": N_("OST flag"),
    "orai_score": N_("ORAI score"), "score_score": N_("SCORE score"), "issues": N_("Problems"),
}
BAND_LABELS = {"high": N_("high"), "moderate": N_("moderate"), "low": N_("low")}
SEX_LABELS = {"female": N_("female"), "male": N_("male")}


def shown(table: pd.DataFrame, only: set[str] | None = None) -> pd.DataFrame:
    """``table`` with its English column names (only those in ``only`` when given) replaced by their headers in the
    current language, for the screen; a header that would repeat another column's name is not used."""
    mapping, taken = {}, set(table.columns)
    for name in table.columns:
        header = _(HEADERS[name]) if name in HEADERS and (only is None or name in only) else name
        if header != name and header not in taken:
            mapping[name] = header
            taken.add(header)
    return table.rename(columns=mapping)


def _band(value: object) -> object:
    return _(BAND_LABELS[value]) if value in BAND_LABELS else value


def _number(value: int) -> str:
    return format_decimal(value, 0)


def show_results(result: CohortResult, model) -> None:
    """Every panel, top to bottom."""
    scored, analysis = result.scored, result.analysis
    numbers = view.counts(scored)
    cols = st.columns(4)
    cols[0].metric(_("Rows"), _number(numbers["rows"]))
    cols[1].metric(_("Scored"), _number(numbers["scored"]))
    cols[2].metric(_("Rows with problems"), _number(numbers["with_issues"]))
    cols[3].metric(_("Scoring time"), f"{format_decimal(result.seconds, 1)} s")
    duplicates = view.duplicate_ids(scored, result.id_column)
    if len(duplicates):
        st.warning(ngettext("{n} id(s) appear on more than one row (all rows are kept and scored). Check for "
                            "repeated records.",
                            "{n} id(s) appear on more than one row (all rows are kept and scored). Check for "
                            "repeated records.", len(duplicates)).format(n=_number(len(duplicates))))
        st.dataframe(shown(duplicates.head(100)), hide_index=True)
    if numbers["with_issues"]:
        issues = view.issues_table(scored, result.id_column)
        with st.expander(_("Rows with problems ({n}): kept in every export, without scores")
                         .format(n=_number(numbers["with_issues"]))):
            st.dataframe(shown(issues.head(SHOWN_ROWS)), hide_index=True)
            st.download_button(_("Download the list of problems (CSV)"), lambda: export.csv_bytes(issues),
                               "cohort_problems.csv", "text/csv", key="dl_issues")
    if numbers["scored"] == 0:
        st.error(_("No row could be scored; see the problems above."))
        return
    st.header(_("Who to refer, and how many scans"))
    left, right = st.columns([2, 1])
    share = left.slider(_("Refer the top … % of scored patients (highest estimated risk first)"), 1, 100, 10,
                        key="cohort_share")
    scans = right.number_input(_("DXA scans available (optional)"), min_value=0, value=None, step=100,
                               key="cohort_capacity")
    rule = summary.referral(analysis, share / 100)
    st.success(rule.sentence() + ".")
    if scans is not None:
        covered = summary.capacity_share(analysis, int(scans))
        st.markdown(_("{scans} scans cover the top **{share} %** of scored patients.")
                    .format(scans=_number(int(scans)), share=format_decimal(100 * covered, 1)))
    left, right = st.columns(2)
    left.plotly_chart(summary.risk_distribution_figure(analysis, model.band_thresholds, rule.threshold),
                      width="stretch", key="fig_risk")
    right.plotly_chart(summary.referral_curve_figure(analysis, rule), width="stretch", key="fig_curve")
    st.subheader(_("Flagged by the model and by each screening tool"))
    shares = summary.flag_shares(analysis, rule.threshold)
    st.plotly_chart(summary.flag_shares_figure(shares), width="stretch", key="fig_shares")
    st.dataframe(shares, hide_index=True)
    absent = summary.tools_without_patients(analysis)
    note = _("Tools apply only to some patients (OST: age, sex and weight; ORAI: women ≥ 45 with hormone-therapy "
             "status; SCORE: women with race, rheumatoid arthritis, fracture count and estrogen status); "
             "each tool's flagged share (%) counts only the patients it applies to. The model refers at the cut-off "
             "set by the slider.")
    if absent:
        note += " " + _("Not shown: {tools}, because the file lacks the facts they need.").format(
            tools=", ".join(absent))
    st.caption(note)
    st.markdown("**" + _("Agreement between each tool and the model's referral") + "**")
    st.dataframe(summary.agreement(analysis, rule.threshold), hide_index=True)
    _drivers(result, model)
    if result.outcome:
        _outcome_section(result, rule.threshold)
    _results_table(result)
    _downloads(result, model, share / 100)


def _drivers(result: CohortResult, model) -> None:
    st.subheader(_("What drives the estimates across the cohort"))
    if st.button(_("Compute global drivers (SHAP on a random sample of 200 patients, about 5 s)"),
                 key="cohort_drivers_button"):
        with st.spinner(_("Computing SHAP values…")):
            result.compute_drivers(model, sample_size=200)
    if result.drivers is not None:
        importance, size = result.drivers
        st.plotly_chart(summary.drivers_figure(importance, size), width="stretch", key="fig_drivers")
        st.caption(_("Mean absolute SHAP value over a random sample of {n} scored patients: how many percentage "
                     "points each fact moves an estimate, on average. Associations, not causes.")
                   .format(n=_number(size)))


def _outcome_section(result: CohortResult, threshold: float) -> None:
    st.header(_("Against the outcome column '{column}'").format(column=result.outcome))
    st.caption(_(OUTCOME_NOTE))
    try:
        rows = outcome.usable(result.analysis)
    except outcome.OutcomeError as exc:
        st.warning(str(exc))
        return
    head = outcome.headline(rows)
    auc = head["AUC"]
    cols = st.columns(4)
    cols[0].metric(_("Patients with an outcome"), _number(head["patients"]))
    cols[1].metric(_("With the outcome"), f"{format_decimal(head['with outcome (%)'], 1)} %",
                   help=_("Mean predicted risk {value} %").format(value=format_decimal(head["mean predicted (%)"], 1)))
    cols[2].metric(_("AUC (95% CI, DeLong)"), format_decimal(auc.value, 3),
                   help=f"{format_decimal(auc.low, 3)}–{format_decimal(auc.high, 3)}")
    slope, intercept = format_decimal(head["calibration slope"], 2), format_decimal(head["calibration intercept"], 2)
    cols[3].metric(_("Calibration slope / intercept"), f"{slope} / {intercept}", help=_("Ideal: slope 1, intercept 0"))
    left, right = st.columns(2)
    left.plotly_chart(outcome.roc_figure(rows, threshold), width="stretch", key="fig_roc")
    right.plotly_chart(outcome.calibration_figure(rows), width="stretch", key="fig_calibration")
    left, right = st.columns(2)
    table = outcome.confusion(rows, threshold)
    with left:
        st.markdown(_("**Confusion at the cut-off {cutoff} %**").format(cutoff=format_decimal(100 * threshold, 1)))
        st.dataframe(table)
        st.markdown("\n".join(f"- {name}: {text}" for name, text in table.attrs["metrics"].items()))
    right.plotly_chart(outcome.decision_curve_figure(rows), width="stretch", key="fig_decision")
    right.caption(_("Decision curve: net benefit of referring by the model, compared with referring everyone or "
                    "no one, for each threshold probability."))
    st.markdown(_("**By subgroup** (95% CIs: DeLong for AUC, Wilson for proportions)"))
    st.dataframe(outcome.subgroups(rows, threshold), hide_index=True)


def _results_table(result: CohortResult) -> None:
    st.header(_("Results table"))
    cols = st.columns(4)
    bands = cols[0].multiselect(_("Risk band"), list(BAND_LABELS), key="filter_band", format_func=_band)
    sexes = cols[1].multiselect(_("Sex"), list(SEX_LABELS), key="filter_sex",
                                format_func=lambda sex: _(SEX_LABELS[sex]))
    ages = cols[2].slider(_("Age (years)"), 18, 110, (18, 110), key="filter_age")
    only_issues = cols[3].checkbox(_("Only rows with problems"), key="filter_issues")
    age_range = None if ages == (18, 110) else ages
    matching = view.filter_results(result.scored, result.analysis, bands, sexes, age_range, only_issues)
    count = _number(len(matching))
    if len(matching) > SHOWN_ROWS:
        st.caption(_("{count} matching rows; the first {shown} are shown (download for all). Risk is 0–1.")
                   .format(count=count, shown=_number(SHOWN_ROWS)))
    else:
        st.caption(_("{count} matching rows. Risk is 0–1.").format(count=count))
    page = matching.head(SHOWN_ROWS)
    if "risk_category" in page:
        page = page.assign(risk_category=page["risk_category"].map(_band))
    st.dataframe(shown(page, {"row", *SCORE_COLUMNS}), hide_index=True, key="cohort_table")
    st.caption(_("On screen the score columns have readable names; the downloads keep the fixed English column "
                 "names (osteo_risk, risk_category, t_score_estimate, …) and values."))


def _downloads(result: CohortResult, model, share: float) -> None:
    st.header(_("Downloads"))
    cols = st.columns(3)
    language, disclaimer = current_language(), _(DISCLAIMER)

    def summary_html() -> str:  # run when the button is clicked, outside this run: speak the page's language
        with use_language(language):
            return summary_report(result, model, share, disclaimer)

    cols[0].download_button(_("Scored cohort (CSV)"), lambda: export.csv_bytes(result.scored), "scored_cohort.csv",
                            "text/csv", key="dl_csv")
    cols[1].download_button(_("Scored cohort (Parquet)"), lambda: export.parquet_bytes(result.scored),
                            "scored_cohort.parquet", "application/octet-stream", key="dl_parquet")
    cols[2].download_button(_("One-page summary (HTML)"), summary_html, "cohort_summary.html", "text/html",
                            key="dl_html")
    st.caption(_("In the CSV, text cells starting with =, +, - or @ get a leading ' so spreadsheet programs do not "
                 "run them as formulas. Every input row is kept, in the file's order."))
