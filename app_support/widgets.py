"""Small widget builders for the patient form and the result panels (Streamlit only, no ML libraries)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from osteo_core.clinical.fields import FIELDS_BY_NAME
from osteo_core.i18n import N_, _, format_decimal, ngettext
from osteo_core.vocabulary import NOT_STATED, YES_NO

# The field units written as words (translated in labels); unit symbols (kg, cm, SD) stay as they are.
UNIT_WORDS = (N_("years"), N_("drinks/day"), N_("count"), N_("number"))
BMI_LABEL = N_("Body-mass index (from weight and height)")


def percent_text(probability: float, digits: int = 0) -> str:
    """A probability (0–1) as a percentage with the language's separators and a spaced sign: ``"27 %"``."""
    return f"{format_decimal(100 * probability, digits)} %"


def signed_text(value: float, digits: int = 1) -> str:
    """A number with the language's decimal mark and a true minus sign, e.g. ``"−2.7"`` (``"−2,7"`` in es)."""
    return format_decimal(value, digits).replace("-", "−")


def label(name: str, unit: str | None = None) -> str:
    """Widget label of a patient field with its unit, in the current language, e.g. ``"Age (years)"``."""
    spec = FIELDS_BY_NAME[name]
    unit = spec.unit if unit is None else unit
    if not unit:
        return _(spec.label)
    return _("{label} ({unit})").format(label=_(spec.label), unit=_(unit))


def help_text(name: str) -> str | None:
    """The field's help text from the schema (translated), or ``None``."""
    return _(FIELDS_BY_NAME[name].help) or None


def yes_no(name: str, key: str, text: str | None = None) -> bool | None:
    """A "Not stated / No / Yes" radio (values stay English, labels are translated); ``None`` for not stated."""
    choice = st.radio(text or label(name), list(YES_NO), key=key, horizontal=True, help=help_text(name),
                      format_func=_)
    return YES_NO[choice]


def category(name: str, labels: Mapping[str, str], key: str, text: str | None = None) -> str | None:
    """A select box over a category field's canonical values shown as ``labels`` (English, translated when shown),
    with :data:`NOT_STATED` first."""
    options = [NOT_STATED, *labels]
    choice = st.selectbox(text or label(name), options, key=key, help=help_text(name),
                          format_func=lambda value: _(NOT_STATED) if value == NOT_STATED else _(labels[value]))
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
    names = [_(FIELDS_BY_NAME[n].label) if n in FIELDS_BY_NAME else _(BMI_LABEL) if n == "bmi" else n
             for n in issues]
    count = len(issues)
    return ngettext("Please correct {count} entry: {fields}.", "Please correct {count} entries: {fields}.",
                    count).format(count=count, fields=", ".join(names))


def compact(values: Mapping[str, Any]) -> dict[str, Any]:
    """The form values without the unknown ones (``None``), as ``parse_patient`` expects."""
    return {name: value for name, value in values.items() if value is not None}


def tool_card(tool: Any) -> None:
    """One screening tool: name, score or why it does not apply, cut-off, meaning and citation."""
    st.markdown(f"**{tool.info.name}**")  # the tool's own (English) name
    population = _(tool.info.population)
    if tool.score is None and tool.outside_population:
        st.markdown(f"⚪ {tool.reason[0].upper()}{tool.reason[1:]}.")
    elif tool.score is None:
        st.markdown(_("Not applicable: {reason}").format(reason=tool.reason))
    else:
        verdict = _("refer / consider DXA") if tool.flagged else _("below the referral cut-off")
        st.metric(_("Score"), f"{tool.score:g}", help=_("For {population}").format(population=population))
        icon = "🔶" if tool.flagged else "🟢"
        st.markdown(f"{icon} " + _("{verdict}. {meaning}").format(verdict=verdict, meaning=tool.meaning))
    st.caption(_("Cut-off: {cutoff}. Population: {population}.").format(cutoff=_(tool.info.cutoff),
                                                                        population=population))
    st.caption(_("Source: {citation}").format(citation=tool.info.citation))
    if tool.info.cutoff_source:
        st.caption(_("Cut-off source: {source}").format(source=tool.info.cutoff_source))


def modifiable_lines(contributions: Mapping[str, float], labels: Mapping[str, str],
                     values: Mapping[str, str]) -> list[str]:
    """Plain-words lines for the factors a patient can change, largest effect first (probability units in;
    ``labels`` are English and translated here)."""
    lines = []
    for feature, value in sorted(contributions.items(), key=lambda item: -abs(item[1])):
        name = _(labels.get(feature, feature))
        shown = values.get(feature, "")
        unknown = shown.startswith("unknown") or shown == _("unknown (average used)")  # worded by osteo_core
        shown = _("not given, average used") if unknown else shown
        points = 100 * value
        if abs(points) < 0.05:
            line = _("**{factor}** ({value}) makes almost no difference to this estimate.")
        elif points > 0:
            line = _("**{factor}** ({value}) adds {points} percentage points to this estimate.")
        else:
            line = _("**{factor}** ({value}) takes {points} percentage points off this estimate.")
        sign = "+" if points > 0 else ""
        lines.append(line.format(factor=name, value=shown, points=sign + format_decimal(abs(points), 1)))
    return lines


def screening_tools_row(tools: list[Any]) -> None:
    """The validated screening tools side by side, one bordered card each."""
    st.subheader(_("Validated screening tools"))
    for column, tool in zip(st.columns(len(tools)), tools, strict=True):
        with column, st.container(border=True):
            tool_card(tool)
