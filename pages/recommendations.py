"""Recommendations: a profile (chosen here or pre-filled from a result) -> sourced advice and consult links."""

from __future__ import annotations

import streamlit as st

from app_support.auth import page_guard
from app_support.profile_form import apply_prefill, profile_form
from app_support.result_actions import (
    ADVICE_NOTE,
    consult_directory,
    load_rules_or_stop,
    prefilled_profile,
    safe_recommend,
    show_consult_links,
    show_recommendations,
)
from osteo_core.i18n import _
from osteo_core.recommend import default_rules
from osteo_core.vocabulary import NOT_KNOWN, NOT_STATED

page_guard(__file__)

st.title("📋 " + _("Recommendations"))
st.info(_(ADVICE_NOTE) + " **" + _("An aid to referral, not a diagnosis.") + "**")
load_rules_or_stop()

prefill, origins = prefilled_profile()
if prefill is not None and (st.session_state.get("rec_applied") != prefill.to_dict()
                            or "rec_bone" not in st.session_state):
    apply_prefill(prefill)
    st.session_state["rec_applied"] = prefill.to_dict()

st.subheader(_("Profile"))
if origins:
    st.caption(_("Pre-filled from: {origins}. Change anything below; the advice updates at once.")
               .format(origins=", ".join(origins)))
else:
    st.caption(_("Choose what is known; leave the rest as “{not_known}” / “{not_stated}”. Results from the "
                 "Clinical risk and Knee staging pages are filled in here automatically.")
               .format(not_known=_(NOT_KNOWN), not_stated=_(NOT_STATED)))
profile = profile_form()

if profile is not None:
    facts = profile.fact_sources()
    if facts:
        st.markdown(_("**Where each bone fact comes from** (a measured DXA always outranks a model estimate)") + "\n"
                    + "\n".join(f"- {fact}: {value} — *{source}*" for fact, value, source in facts))
    if profile.who_note:
        st.caption(profile.who_note)
    if not (profile.has_bone_facts or profile.has_knee_facts):
        st.info(_("Enter at least an age, a bone-density result, a risk band or a KL grade to see advice."))
    else:
        items = safe_recommend(profile) or []
        st.header(_("Advice"))
        show_recommendations(items)
        if profile.has_knee_facts:
            st.caption(_("The KL grade describes knee osteoarthritis, not bone density."))

st.header(_("Consult a clinician"))
directory = consult_directory()
if directory is not None:
    region = st.selectbox(_("Region"), list(directory.regions), key="rec_region",
                          index=list(directory.regions).index(directory.default_region))
    show_consult_links(directory, region)

with st.expander(_("All sources of these rules")):
    for source in default_rules().sources.values():
        link = f" [{source.url}]({source.url})" if source.url else ""
        st.markdown(f"- **{source.label}** — {source.citation}{link}")

st.info("**" + _("An aid to referral, not a diagnosis.") + "** "
        + _("The advice is general; your clinician decides what fits you."))
