"""Small widget builders for the patient form and the result panels (Streamlit only, no ML libraries)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from osteo_core.clinical.fields import FIELDS_BY_NAME
from osteo_core.vocabulary import NOT_STATED, YES_NO


def label(name: str, unit: str | None = None) -> str:
    """Widget label of a patient field with its unit, e.g. ``"Age (years)"``."""
    spec = FIELDS_BY_NAME[name]
    unit = spec.unit if unit is None else unit
    return f"{spec.label} ({unit})" if unit else spec.label


def help_text(name: str) -> str | None:
    """The field's help text from the schema, or ``None``."""
    return FIELDS_BY_NAME[name].help or None


def yes_no(name: str, key: str, text: str | None = None) -> bool | None:
    """A "Not stated / No / Yes" radio; returns ``None`` for not stated."""
    choice = st.radio(text or label(name), list(YES_NO), key=key, horizontal=True, help=help_text(name))
    return YES_NO[choice]


def category(name: str, labels: Mapping[str, str], key: str, text: str | None = None) -> str | None:
    """A select box over a category field's canonical values shown as ``labels``, with :data:`NOT_STATED` first."""
    options = [NOT_STATED, *labels]
    choice = st.selectbox(text or label(name), options, key=key, help=help_text(name),
                          format_func=lambda value: value if value == NOT_STATED else labels[value])
    return None if choice == NOT_STATED else choice


def error_slot(slots: dict[str, DeltaGenerator], *names: str) -> None:
    """Reserve a place under the widget just drawn where the messages of ``names`` will appear."""
    slot = st.empty()
    for name in names:
        slots[name] = slot


def show_field_issues(slots: Mapping[str, DeltaGenerator], issues: Mapping[str, list[str]]) -> None:
    """Write each field's messages in its slot; fields without a slot are left to the summary."""
    grouped: dict[int, tuple[DeltaGenerator, list[str]]] = {}
    for name, messages in issues.items():
        if name in slots and messages:
            slot = slots[name]
            grouped.setdefault(id(slot), (slot, []))[1].extend(messages)
    for slot, messages in grouped.values():
        slot.error("\n\n".join(messages), icon="⚠️")


def issues_summary(issues: Mapping[str, list[str]]) -> str:
    """One-line summary of validation problems naming the fields, for the top of the form."""
    names = [FIELDS_BY_NAME[n].label if n in FIELDS_BY_NAME else "Body-mass index (from weight and height)"
             if n == "bmi" else n for n in issues]
    return f"Please correct {len(issues)} entr{'y' if len(issues) == 1 else 'ies'}: " + ", ".join(names) + "."


def compact(values: Mapping[str, Any]) -> dict[str, Any]:
    """The form values without the unknown ones (``None``), as ``parse_patient`` expects."""
    return {name: value for name, value in values.items() if value is not None}


def tool_card(tool: Any) -> None:
    """One screening tool: name, score or why it does not apply, cut-off, meaning and citation."""
    st.markdown(f"**{tool.info.name}**")
    if tool.score is None and tool.reason.startswith("not validated"):
        st.markdown(f"⚪ {tool.reason[0].upper()}{tool.reason[1:]}.")
    elif tool.score is None:
        st.markdown(f"Not applicable: {tool.reason}")
    else:
        verdict = "refer / consider DXA" if tool.flagged else "below the referral cut-off"
        st.metric("Score", f"{tool.score:g}", help=f"For {tool.info.population}")
        st.markdown(f"{'🔶' if tool.flagged else '🟢'} {verdict}. {tool.meaning}")
    st.caption(f"Cut-off: {tool.info.cutoff}. Population: {tool.info.population}.")
    st.caption(f"Source: {tool.info.citation}")
    if tool.info.cutoff_source:
        st.caption(f"Cut-off source: {tool.info.cutoff_source}")


def modifiable_lines(contributions: Mapping[str, float], labels: Mapping[str, str],
                     values: Mapping[str, str]) -> list[str]:
    """Plain-words lines for the factors a patient can change, largest effect first (probability units in)."""
    lines = []
    for feature, value in sorted(contributions.items(), key=lambda item: -abs(item[1])):
        name = labels.get(feature, feature)
        shown = values.get(feature, "")
        shown = "not given, average used" if shown.startswith("unknown") else shown
        points = 100 * value
        if abs(points) < 0.05:
            effect = "makes almost no difference to this estimate"
        elif points > 0:
            effect = f"adds {points:+.1f} percentage points to this estimate"
        else:
            effect = f"takes {abs(points):.1f} percentage points off this estimate"
        lines.append(f"**{name}** ({shown}) {effect}.")
    return lines


def screening_tools_row(tools: list[Any]) -> None:
    """The validated screening tools side by side, one bordered card each."""
    st.subheader("Validated screening tools")
    for column, tool in zip(st.columns(len(tools)), tools, strict=True):
        with column, st.container(border=True):
            tool_card(tool)
