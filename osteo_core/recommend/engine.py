"""Select the rules that fit a profile: first match per topic, in rule-file order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from osteo_core.i18n import _
from osteo_core.recommend.profile import Profile, profile_from_knee
from osteo_core.recommend.rules import SECTIONS, Rule, RuleSet, Source, default_rules

_NUMBER_FIELDS = {"age_min": "age", "age_max": "age", "alcohol_min": "alcohol_drinks_per_day",
                  "t_score_below": "t_score"}


@dataclass(frozen=True)
class Recommendation:
    """One piece of advice for the page and the PDF: plain-words ``text`` with its sources and review date.

    ``section_title``, ``title`` and ``text`` are in the language that was current when :func:`recommend` made it;
    the sources' citations and quoted guideline sections stay in English (they quote the guideline)."""

    rule_id: str
    section: str
    section_title: str
    title: str
    text: str
    sources: tuple[Source, ...]
    reviewed: dt.date
    next_review: dt.date

    @property
    def source_label(self) -> str:
        """Sources with the guideline section each quotes, e.g. ``"BHOF 2022 — Universal recommendations: …"``."""
        return "; ".join(source.cited for source in self.sources)


def _holds(conditions: Mapping[str, Any], profile: Profile) -> bool:
    for key, expected in conditions.items():
        if key in _NUMBER_FIELDS:
            value = getattr(profile, _NUMBER_FIELDS[key])
            if value is None:
                return False
            if key.endswith("_min") and not value >= expected:
                return False
            if (key.endswith("_max") or key.endswith("_below")) and not value < expected:
                return False
        elif getattr(profile, key) not in expected:
            return False
    return True


def rule_matches(rule: Rule, profile: Profile) -> bool:
    """Whether ``rule`` applies to ``profile`` (its domain has facts, ``when`` holds, one ``when_any`` holds)."""
    if rule.domain == "bone" and not profile.has_bone_facts:
        return False
    if rule.domain == "knee" and not profile.has_knee_facts:
        return False
    if not _holds(rule.when, profile):
        return False
    return not rule.when_any or any(_holds(conditions, profile) for conditions in rule.when_any)


def recommend(profile: Profile, rules: RuleSet | None = None) -> list[Recommendation]:
    """Advice for ``profile`` in the current language, grouped by section in :data:`SECTIONS` order; within a topic
    only the first matching rule of the file is kept. Raises :class:`~osteo_core.recommend.rules.RuleFileError` if
    the shipped rules are broken."""
    rules = rules or default_rules()
    chosen: dict[str, Rule] = {}
    for rule in rules.rules:
        if rule.topic not in chosen and rule_matches(rule, profile):
            chosen[rule.topic] = rule
    order = list(SECTIONS)
    picked = sorted(chosen.values(), key=lambda rule: order.index(rule.section))
    return [Recommendation(rule_id=r.id, section=r.section, section_title=_(SECTIONS[r.section]),
                           title=r.shown_title(), text=r.shown_text(), sources=r.sources, reviewed=r.reviewed,
                           next_review=r.next_review)
            for r in picked]


def by_section(recommendations: list[Recommendation]) -> dict[str, list[Recommendation]]:
    """Recommendations grouped under their section titles, in display order."""
    grouped: dict[str, list[Recommendation]] = {}
    for item in recommendations:
        grouped.setdefault(item.section_title, []).append(item)
    return grouped


def knee_advice(grade: int, rules: RuleSet | None = None) -> list[Recommendation]:
    """The sourced next steps for a knee with KL ``grade`` (0–4) from the rule file's knee section, without the
    general note that KL is not bone density (the knee page states it already)."""
    return [r for r in recommend(profile_from_knee(grade), rules)
            if r.section == "knee" and r.rule_id != "knee-kl-not-bone-density"]
