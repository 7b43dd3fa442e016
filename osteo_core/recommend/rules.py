"""Load and validate the recommendation rule file (``data/rules.yaml``): every problem is reported at once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from osteo_core.errors import RuleFileError
from osteo_core.i18n import N_, _
from osteo_core.recommend.profile import BONE_CATEGORIES, BONE_SOURCES, KL_GRADES, RISK_BANDS, SEXES

RULES_PATH = Path(__file__).resolve().parent / "data" / "rules.yaml"

# Section id → heading (English msgid; translate where shown: ``_(SECTIONS[section])``).
SECTIONS = {
    "next_step": N_("Next diagnostic step"),
    "lifestyle": N_("Lifestyle: diet, exercise, smoking and alcohol"),
    "falls": N_("Fall prevention"),
    "medication": N_("Medicines to discuss with your clinician"),
    "knee": N_("Knee osteoarthritis"),
}
DOMAINS = ("bone", "knee")
CHOICE_CONDITIONS: dict[str, tuple[Any, ...]] = {
    "bone_category": BONE_CATEGORIES, "bone_source": BONE_SOURCES, "risk_band": RISK_BANDS, "sex": SEXES,
    "kl_grade": KL_GRADES, "postmenopausal": (True, False), "prior_fracture": (True, False),
    "glucocorticoids": (True, False), "falls": (True, False), "smoker": (True, False),
    "knee_symptoms": (True, False), "very_high_risk": (True, False), "recent_fracture": (True, False),
    "multiple_fractures": (True, False), "risk_tool_flagged": (True, False),
}
NUMBER_CONDITIONS = ("age_min", "age_max", "alcohol_min", "t_score_below")
UNKNOWN = "unknown"
MEDICATION_PHRASE = "discuss with your clinician"
DOSE_PATTERN = re.compile(r"\d\s*(mg|mcg|µg|μg|g|iu|units?|ml)\b", re.IGNORECASE)
# Medicines are named by class only: a medication rule lists the classes it names under `medicines`, each from this
# list, and no rule text may name a single drug (generic-name stems and a list of names that have no such stem).
MEDICINE_CLASSES = ("bisphosphonate", "intravenous bisphosphonate", "RANKL inhibitor", "anabolic agent",
                    "sclerostin inhibitor", "parathyroid hormone analogue", "selective estrogen receptor modulator",
                    "menopausal hormone therapy", "bone-protecting medicine")
DRUG_NAME_PATTERN = re.compile(
    r"\b[a-z]*(dronate|dronic|mab|paratide|oxifene)\b|\b(calcitonin|strontium|tibolone|estradiol)\b", re.IGNORECASE)
_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_RULE_KEYS = {"id", "domain", "section", "topic", "title", "text", "sources", "reviewed", "next_review", "when",
              "when_any", "medicines"}


@dataclass(frozen=True)
class Source:
    """A guideline or paper a rule rests on; in a rule, ``section`` quotes the part of it the rule follows."""

    key: str
    label: str
    citation: str
    url: str = ""
    section: str = ""

    @property
    def cited(self) -> str:
        """``"BHOF 2022 — section"`` (the label alone without a section)."""
        return f"{self.label} — {self.section}" if self.section else self.label


@dataclass(frozen=True)
class Rule:
    """One validated rule. ``when`` must all hold; at least one of ``when_any`` must hold when it is not empty.

    ``title`` and ``text`` are the English wording with whitespace tidied; ``title_msgid`` and ``text_msgid`` are the
    same fields exactly as the YAML loader gives them (the catalogue's msgids, see ``osteo_core.i18n.extract``).
    Show :meth:`shown_title` / :meth:`shown_text`, which are in the current language.
    """

    id: str
    domain: str
    section: str
    topic: str
    title: str
    text: str
    sources: tuple[Source, ...]
    reviewed: dt.date
    next_review: dt.date
    when: Mapping[str, Any] = field(default_factory=dict)
    when_any: tuple[Mapping[str, Any], ...] = ()
    medicines: tuple[str, ...] = ()
    title_msgid: str = ""
    text_msgid: str = ""

    def shown_title(self) -> str:
        """The title in the current language (English when the catalogue has no translation)."""
        return _(self.title_msgid or self.title).strip()

    def shown_text(self) -> str:
        """The text in the current language, on one line (English when the catalogue has no translation)."""
        return " ".join(_(self.text_msgid or self.text).split())


@dataclass(frozen=True)
class RuleSet:
    """All rules in file order and the sources they cite."""

    rules: tuple[Rule, ...]
    sources: Mapping[str, Source]
    path: Path

    def due_for_review(self, today: dt.date) -> list[Rule]:
        """Rules whose ``next_review`` date is on or before ``today``."""
        return [rule for rule in self.rules if rule.next_review <= today]


def _conditions(raw: Any, where: str, problems: list[str]) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        problems.append(_("{where} must be a mapping of condition: values. Got {value}.").format(
            where=where, value=repr(raw)))
        return {}
    clean: dict[str, Any] = {}
    for key, value in raw.items():
        if key in CHOICE_CONDITIONS:
            values = value if isinstance(value, list) else [value]
            allowed = CHOICE_CONDITIONS[key]
            bad = [v for v in values if v != UNKNOWN and (v not in allowed or isinstance(v, bool) != isinstance(
                allowed[0], bool))]
            if bad or not values:
                problems.append(_("{where}: `{key}` allows {allowed} or {unknown}. Got {value}.").format(
                    where=where, key=key, allowed=", ".join(map(str, allowed)), unknown=UNKNOWN, value=repr(value)))
            clean[key] = tuple(None if v == UNKNOWN else v for v in values)
        elif key in NUMBER_CONDITIONS:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                problems.append(_("{where}: `{key}` must be a number. Got {value}.").format(
                    where=where, key=key, value=repr(value)))
            clean[key] = value
        else:
            known = ", ".join([*CHOICE_CONDITIONS, *NUMBER_CONDITIONS])
            problems.append(_("{where}: unknown condition `{key}` (known: {known}).").format(
                where=where, key=key, known=known))
    return clean


def _rule(raw: Any, index: int, sources: Mapping[str, Source], problems: list[str]) -> Rule | None:
    if not isinstance(raw, Mapping):
        problems.append(_("rule #{number} must be a mapping. Got {value}.").format(number=index + 1, value=repr(raw)))
        return None
    where = _("rule '{id}'").format(id=raw.get("id", f"#{index + 1}"))
    before = len(problems)
    for key in sorted(set(raw) - _RULE_KEYS):
        problems.append(_("{where}: unknown key `{key}`.").format(where=where, key=key))
    for key in ("id", "topic", "title", "text"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            problems.append(_("{where}: `{key}` must be non-empty text. Got {value}.").format(
                where=where, key=key, value=repr(raw.get(key))))
    if isinstance(raw.get("id"), str) and not _ID_PATTERN.match(raw["id"]):
        problems.append(_("{where}: `id` must be lower-case letters, digits, '-' or '_'. Got {value}.").format(
            where=where, value=repr(raw["id"])))
    if raw.get("domain") not in DOMAINS:
        problems.append(_("{where}: `domain` must be one of {allowed}. Got {value}.").format(
            where=where, allowed=", ".join(DOMAINS), value=repr(raw.get("domain"))))
    if raw.get("section") not in SECTIONS:
        problems.append(_("{where}: `section` must be one of {allowed}. Got {value}.").format(
            where=where, allowed=", ".join(SECTIONS), value=repr(raw.get("section"))))
    cited = _cited_sources(raw.get("sources"), where, sources, problems)
    for key in ("reviewed", "next_review"):
        if not isinstance(raw.get(key), dt.date):
            problems.append(_("{where}: `{key}` must be a date written YYYY-MM-DD. Got {value}.").format(
                where=where, key=key, value=repr(raw.get(key))))
    if isinstance(raw.get("reviewed"), dt.date) and isinstance(raw.get("next_review"), dt.date) \
            and raw["next_review"] <= raw["reviewed"]:
        problems.append(_("{where}: `next_review` ({next_review}) must be after `reviewed` ({reviewed}).").format(
            where=where, next_review=raw["next_review"], reviewed=raw["reviewed"]))
    text = raw.get("text") if isinstance(raw.get("text"), str) else ""
    sections = " ".join(str(e.get("section", "")) for e in raw.get("sources") or [] if isinstance(e, Mapping))
    medicines = _medicines(raw, f"{text} {sections}", where, problems)
    if raw.get("section") == "medication":
        if MEDICATION_PHRASE not in text.lower():
            problems.append(_("{where}: a medication rule must say \"{phrase}\".").format(
                where=where, phrase=MEDICATION_PHRASE))
        if DOSE_PATTERN.search(text):
            problems.append(_("{where}: a medication rule must never give a dose. Got {value}.").format(
                where=where, value=repr(DOSE_PATTERN.search(text)[0])))
    when = _conditions(raw.get("when", {}), _("{where} `when`").format(where=where), problems)
    any_raw = raw.get("when_any", [])
    if not isinstance(any_raw, list):
        problems.append(_("{where}: `when_any` must be a list of condition mappings. Got {value}.").format(
            where=where, value=repr(any_raw)))
        any_raw = []
    when_any = tuple(_conditions(c, _("{where} `when_any` #{number}").format(where=where, number=i + 1), problems)
                     for i, c in enumerate(any_raw))
    if len(problems) > before:
        return None
    return Rule(id=raw["id"], domain=raw["domain"], section=raw["section"], topic=raw["topic"],
                title=raw["title"].strip(), text=" ".join(text.split()),
                sources=cited, reviewed=raw["reviewed"], next_review=raw["next_review"],
                when=when, when_any=when_any, medicines=medicines, title_msgid=raw["title"], text_msgid=text)


def _cited_sources(raw: Any, where: str, sources: Mapping[str, Source], problems: list[str]) -> tuple[Source, ...]:
    """Each entry of a rule's ``sources``: ``{id: <source id>, section: <the part of the guideline quoted>}``."""
    if not isinstance(raw, list) or not raw:
        problems.append(_("{where}: `sources` must be a non-empty list of {{id, section}} entries. "
                          "Got {value}.").format(where=where, value=repr(raw)))
        return ()
    cited = []
    for entry in raw:
        key = entry.get("id") if isinstance(entry, Mapping) else entry
        section = entry.get("section") if isinstance(entry, Mapping) else None
        if not isinstance(key, str) or key not in sources:
            problems.append(_("{where}: unknown source {source} (known: {known}).").format(
                where=where, source=repr(key), known=", ".join(sources)))
            continue
        if not isinstance(section, str) or not section.strip():
            problems.append(_("{where}: source {source} must quote the guideline section the rule follows "
                              "(`section`). Got {value}.").format(where=where, source=repr(key), value=repr(section)))
            continue
        cited.append(dataclasses.replace(sources[key], section=" ".join(section.split())))
    return tuple(cited)


def _medicines(raw: Mapping[str, Any], text: str, where: str, problems: list[str]) -> tuple[str, ...]:
    """The medicine classes a rule names: each from :data:`MEDICINE_CLASSES` and named in the text; no single drug
    may be named anywhere (title, text or the quoted guideline sections)."""
    classes = ", ".join(MEDICINE_CLASSES)
    for match in DRUG_NAME_PATTERN.finditer(f"{raw.get('title', '')} {text}"):
        problems.append(_("{where}: name medicines by class only (one of {classes}). Got the drug name {name}.").format(
            where=where, classes=classes, name=repr(match[0])))
    medicines = raw.get("medicines", [])
    if not isinstance(medicines, list):
        problems.append(_("{where}: `medicines` must be a list of medicine classes. Got {value}.").format(
            where=where, value=repr(medicines)))
        return ()
    for name in medicines:
        if name not in MEDICINE_CLASSES:
            problems.append(_("{where}: `medicines` allows only the classes {classes}. Got {value}.").format(
                where=where, classes=classes, value=repr(name)))
        elif name.lower() not in text.lower():
            problems.append(_("{where}: the medicine class {name} is listed but not named in the text.").format(
                where=where, name=repr(name)))
    if raw.get("section") != "medication" and medicines:
        problems.append(_("{where}: only a medication rule may list `medicines`. Got {value}.").format(
            where=where, value=repr(medicines)))
    return tuple(str(name) for name in medicines)


def _sources(raw: Any, problems: list[str]) -> dict[str, Source]:
    if not isinstance(raw, Mapping) or not raw:
        problems.append(_("`sources` must be a non-empty mapping of id: {{label, citation, url}}. Got {value}.").format(
            value=repr(raw)))
        return {}
    sources = {}
    for key, entry in raw.items():
        if not isinstance(entry, Mapping) or not all(isinstance(entry.get(k), str) and entry[k].strip()
                                                     for k in ("label", "citation")):
            problems.append(_("source {source} needs non-empty `label` and `citation`. Got {value}.").format(
                source=repr(key), value=repr(entry)))
            continue
        url = str(entry.get("url", ""))
        if url and not url.startswith("https://"):
            problems.append(_("source {source}: `url` must start with https://. Got {value}.").format(
                source=repr(key), value=repr(url)))
        sources[str(key)] = Source(str(key), entry["label"], entry["citation"], url)
    return sources


def load_rules(path: Path | str = RULES_PATH) -> RuleSet:
    """Read and validate a rule file; the problems are worded in the current language.

    Raises :class:`RuleFileError` listing every problem (unreadable file, bad YAML, unknown key or condition,
    missing source, guideline section or review date, a medication rule without "discuss with your clinician" or
    with a dose, a medicine class outside :data:`MEDICINE_CLASSES`, or a single drug named anywhere).
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RuleFileError(path, [_("cannot read the file: {error}").format(error=exc)]) from exc
    except yaml.YAMLError as exc:
        raise RuleFileError(path, [_("not valid YAML: {error}").format(error=exc)]) from exc
    if not isinstance(raw, Mapping):
        raise RuleFileError(path, [_("the file must hold a mapping with `sources` and `rules`. Got {type}.").format(
            type=type(raw).__name__)])
    problems: list[str] = []
    sources = _sources(raw.get("sources"), problems)
    items = raw.get("rules")
    if not isinstance(items, list) or not items:
        problems.append(_("`rules` must be a non-empty list. Got {value}.").format(value=repr(items)))
        items = []
    rules = [rule for i, item in enumerate(items) if (rule := _rule(item, i, sources, problems)) is not None]
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            problems.append(_("rule id {id} is used more than once.").format(id=repr(rule.id)))
        seen.add(rule.id)
    if problems:
        raise RuleFileError(path, problems)
    return RuleSet(rules=tuple(rules), sources=sources, path=path)


@cache
def default_rules() -> RuleSet:
    """The shipped rules, loaded and validated once per process. Raises :class:`RuleFileError`."""
    return load_rules(RULES_PATH)
