"""What every result page shows at the end: a link to sourced recommendations (pre-filled), consult links that
open in a new tab, and a PDF case report download with an anonymise option. Also the shared recommendation and
consult-link blocks of the Recommendations page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitAPIException

from osteo_core.errors import InputValidationError
from osteo_core.i18n import N_, _, current_language, format_date, ngettext, use_language
from osteo_core.recommend import Profile, Recommendation, RuleFileError, by_section, default_rules, recommend
from osteo_core.recommend.consult import ConsultConfigError, ConsultDirectory, load_consult_directory
from osteo_core.report import build_case_report

RECOMMENDATIONS_PAGE = "pages/recommendations.py"
PREFILL_KEY = "recommend_prefill"  # {"clinical": Profile dict, "knee": Profile dict}
PREFILL_ORIGINS = {"clinical": N_("Clinical risk result"), "knee": N_("Knee staging result"),
                   "image": N_("Image screening result")}  # English; translated where shown
ADVICE_NOTE = N_("Advice to discuss with your clinician, not a prescription: medicines are named by class only, "
                 "never with a dose. Each item shows its source and the date it was last checked against it.")
BONE_WORDS = {"normal": N_("normal"), "osteopenia": N_("osteopenia"), "osteoporosis": N_("osteoporosis")}


def consult_directory() -> ConsultDirectory | None:
    """The validated consult directory, or ``None`` after showing why the settings file is refused."""
    try:
        return load_consult_directory()
    except ConsultConfigError as exc:
        problems = "\n".join(f"- {problem}" for problem in exc.issues)
        st.error(_("**The consult-links settings file `{origin}` is refused**, so no consult links are shown. "
                   "Fix these entries:\n{problems}").format(origin=exc.origin, problems=problems))
        return None


def show_consult_links(directory: ConsultDirectory, region: str) -> None:
    """The consult options of ``region`` (plus international ones) as links that open in a new tab."""
    for link in directory.for_region(region):
        description = f" — {link.shown_description}" if link.description else ""
        st.markdown(f"- [{link.shown_name}]({link.url}) · *{link.kind_label}*{description}")
    st.caption(_("Links open in a new tab. Directory: {origin}.").format(origin=directory.shown_origin))


def show_recommendations(items: list[Recommendation]) -> None:
    """Recommendations under their section headings, each with its source and review date (the texts come worded
    in the current language by :func:`osteo_core.recommend.recommend`)."""
    for section, entries in by_section(items).items():
        st.subheader(section)
        for item in entries:
            with st.container(border=True):
                st.markdown(f"**{item.title}**\n\n{item.text}")
                sources = " · ".join((f"[{s.label}]({s.url})" if s.url else s.label) + f" ({s.section})"
                                     for s in item.sources)  # guideline citations stay in English
                st.caption(_("Source: {sources} — reviewed {date}").format(sources=sources,
                                                                           date=format_date(item.reviewed)))


def safe_recommend(profile: Profile) -> list[Recommendation] | None:
    """Recommendations for ``profile``, or ``None`` after showing why the rule file is refused."""
    try:
        return recommend(profile)
    except RuleFileError as exc:
        st.error(_("The recommendation rules cannot be used ({error}).").format(error=exc))
        return None


def prefilled_profile() -> tuple[Profile | None, list[str]]:
    """The profile left by the result pages (merged in :data:`PREFILL_ORIGINS` order; a measured DXA is never
    replaced by a model estimate) and where it came from (in the current language), with a note for each estimate
    a DXA outranked."""
    stored: dict[str, dict[str, Any]] = st.session_state.get(PREFILL_KEY, {})
    profile, origins = None, []
    for kind in PREFILL_ORIGINS:
        if kind in stored:
            try:
                part = Profile.from_dict(stored[kind])
            except InputValidationError:
                continue
            origin = _(PREFILL_ORIGINS[kind])
            if profile is not None and part.bone_category is not None and profile.outranks_bone_fact(part):
                origin = _("{origin} (its {category} estimate is not used: the measured DXA outranks it)").format(
                    origin=origin, category=_(BONE_WORDS.get(part.bone_category, part.bone_category)))
            profile = part if profile is None else profile.merged(part)
            origins.append(origin)
    return profile, origins


def _recommendations_link() -> None:
    try:
        st.page_link(RECOMMENDATIONS_PAGE, label=_("See recommendations for this result"), icon="📋")
    except StreamlitAPIException:  # the page is run on its own (not through the app's navigation)
        st.caption(_("Open **Recommendations** from the menu: this result is pre-filled there."))


def result_actions(kind: str, profile: Profile, make_report: Callable[..., Any], key: str) -> None:
    """The "Follow-up" block at the end of a result.

    ``kind`` is ``"clinical"``, ``"knee"`` or ``"image"`` (what the Recommendations page is pre-filled from);
    ``make_report`` is called as ``make_report(recommendations=..., anonymise=..., patient_label=...)`` and returns a
    :class:`osteo_core.report.CaseReport`, built into a PDF only when the button is pressed.
    """
    st.session_state.setdefault(PREFILL_KEY, {})[kind] = profile.to_dict()
    recommendations = safe_recommend(profile) or []
    st.subheader(_("Follow-up: advice, consult links and report"))
    link_col, pdf_col = st.columns(2)
    with link_col:
        _recommendations_link()
        count = len(recommendations)
        st.caption(ngettext("{count} sourced recommendation for this result.",
                            "{count} sourced recommendations for this result.", count).format(count=count))
        directory = consult_directory()
        if directory is not None:
            st.markdown(_("**Consult a clinician**"))
            show_consult_links(directory, directory.default_region)
    with pdf_col, st.container(border=True):
        st.markdown(_("**PDF case report**"))
        anonymise = st.checkbox(_("Anonymise (no name or ID, age in 5-year bands, month only)"), value=True,
                                key=f"{key}_anonymise")
        label = st.text_input(_("Patient name or ID to print (optional)"), key=f"{key}_patient_label",
                              disabled=anonymise, max_chars=80)

        language = current_language()  # the download runs later, in another thread: build it in this language

        def pdf_bytes() -> bytes:
            with use_language(language):
                return build_case_report(make_report(recommendations=recommendations, anonymise=anonymise,
                                                     patient_label="" if anonymise else label))

        st.download_button(_("Download PDF case report"), data=pdf_bytes, mime="application/pdf",
                           file_name=f"{kind}_case_report_{dt.date.today():%Y%m%d}.pdf", on_click="ignore",
                           key=f"{key}_pdf", icon="📄")
        st.caption(_("The report holds the result, the recommendations, the model version, the date and the "
                     "disclaimer."))


def load_rules_or_stop() -> None:
    """Validate the shipped rules at page start; shows the problems and stops the page if they are broken."""
    try:
        default_rules()
    except RuleFileError as exc:
        problems = "\n".join(f"- {problem}" for problem in exc.issues)
        st.error(_("**The recommendation rules are refused**, so no advice can be shown:\n{problems}").format(
            problems=problems))
        st.stop()
