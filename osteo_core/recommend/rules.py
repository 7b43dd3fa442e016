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
from osteo_core.recommend.profile import BONE_CATEGORIES, BONE_SOURCES, KL_GRADES, RISK_BANDS, SEXES

RULES_PATH = Path(__file__).resolve().parent / "data" / "rules.yaml"

SECTIONS = {
    "next_step": "Next diagnostic step",
    "lifestyle": "Lifestyle: diet, exercise, smoking and alcohol",
    "falls": "Fall prevention",
    "medication": "Medicines to discuss with your clinician",
    "knee": "Knee osteoarthritis",
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
    """One validated rule. ``when`` must all hold; at least one of ``when_any`` must hold when it is not empty."""

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
        problems.append(f"{where} must be a mapping of condition: values. Got {raw!r}.")
        return {}
    clean: dict[str, Any] = {}
    for key, value in raw.items():
        if key in CHOICE_CONDITIONS:
            values = value if isinstance(value, list) else [value]
            allowed = CHOICE_CONDITIONS[key]
            bad = [v for v in values if v != UNKNOWN and (v not in allowed or isinstance(v, bool) != isinstance(
                allowed[0], bool))]
            if bad or not values:
                problems.append(f"{where}: `{key}` allows {', '.join(map(str, allowed))} or {UNKNOWN}. Got {value!r}.")
            clean[key] = tuple(None if v == UNKNOWN else v for v in values)
        elif key in NUMBER_CONDITIONS:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                problems.append(f"{where}: `{key}` must be a number. Got {value!r}.")
            clean[key] = value
        else:
            known = ", ".join([*CHOICE_CONDITIONS, *NUMBER_CONDITIONS])
            problems.append(f"{where}: unknown condition `{key}` (known: {known}).")
    return clean


def _rule(raw: Any, index: int, sources: Mapping[str, Source], problems: list[str]) -> Rule | None:
    if not isinstance(raw, Mapping):
        problems.append(f"rule #{index + 1} must be a mapping. Got {raw!r}.")
        return None
    where = f"rule '{raw.get('id', f'#{index + 1}')}'"
    before = len(problems)
    for key in sorted(set(raw) - _RULE_KEYS):
        problems.append(f"{where}: unknown key `{key}`.")
    for key in ("id", "topic", "title", "text"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            problems.append(f"{where}: `{key}` must be non-empty text. Got {raw.get(key)!r}.")
    if isinstance(raw.get("id"), str) and not _ID_PATTERN.match(raw["id"]):
        problems.append(f"{where}: `id` must be lower-case letters, digits, '-' or '_'. Got {raw['id']!r}.")
    if raw.get("domain") not in DOMAINS:
        problems.append(f"{where}: `domain` must be one of {', '.join(DOMAINS)}. Got {raw.get('domain')!r}.")
    if raw.get("section") not in SECTIONS:
        problems.append(f"{where}: `section` must be one of {', '.join(SECTIONS)}. Got {raw.get('section')!r}.")
    cited = _cited_sources(raw.get("sources"), where, sources, problems)
    for key in ("reviewed", "next_review"):
        if not isinstance(raw.get(key), dt.date):
            problems.append(f"{where}: `{key}` must be a date written YYYY-MM-DD. Got {raw.get(key)!r}.")
    if isinstance(raw.get("reviewed"), dt.date) and isinstance(raw.get("next_review"), dt.date) \
            and raw["next_review"] <= raw["reviewed"]:
        problems.append(f"{where}: `next_review` ({raw['next_review']}) must be after `reviewed` ({raw['reviewed']}).")
    text = raw.get("text") if isinstance(raw.get("text"), str) else ""
    sections = " ".join(str(e.get("section", "")) for e in raw.get("sources") or [] if isinstance(e, Mapping))
    medicines = _medicines(raw, f"{text} {sections}", where, problems)
    if raw.get("section") == "medication":
        if MEDICATION_PHRASE not in text.lower():
            problems.append(f"{where}: a medication rule must say \"{MEDICATION_PHRASE}\".")
        if DOSE_PATTERN.search(text):
            problems.append(f"{where}: a medication rule must never give a dose. Got {DOSE_PATTERN.search(text)[0]!r}.")
    when = _conditions(raw.get("when", {}), f"{where} `when`", problems)
    any_raw = raw.get("when_any", [])
    if not isinstance(any_raw, list):
        problems.append(f"{where}: `when_any` must be a list of condition mappings. Got {any_raw!r}.")
        any_raw = []
    when_any = tuple(_conditions(c, f"{where} `when_any` #{i + 1}", problems) for i, c in enumerate(any_raw))
    if len(problems) > before:
        return None
    return Rule(id=raw["id"], domain=raw["domain"], section=raw["section"], topic=raw["topic"],
                title=raw["title"].strip(), text=" ".join(text.split()),
                sources=cited, reviewed=raw["reviewed"], next_review=raw["next_review"],
                when=when, when_any=when_any, medicines=medicines)


def _cited_sources(raw: Any, where: str, sources: Mapping[str, Source], problems: list[str]) -> tuple[Source, ...]:
    """Each entry of a rule's ``sources``: ``{id: <source id>, section: <the part of the guideline quoted>}``."""
    if not isinstance(raw, list) or not raw:
        problems.append(f"{where}: `sources` must be a non-empty list of {{id, section}} entries. Got {raw!r}.")
        return ()
    cited = []
    for entry in raw:
        key = entry.get("id") if isinstance(entry, Mapping) else entry
        section = entry.get("section") if isinstance(entry, Mapping) else None
        if not isinstance(key, str) or key not in sources:
            problems.append(f"{where}: unknown source {key!r} (known: {', '.join(sources)}).")
            continue
        if not isinstance(section, str) or not section.strip():
            problems.append(f"{where}: source {key!r} must quote the guideline section the rule follows "
                            f"(`section`). Got {section!r}.")
            continue
        cited.append(dataclasses.replace(sources[key], section=" ".join(section.split())))
    return tuple(cited)


def _medicines(raw: Mapping[str, Any], text: str, where: str, problems: list[str]) -> tuple[str, ...]:
    """The medicine classes a rule names: each from :data:`MEDICINE_CLASSES` and named in the text; no single drug
    may be named anywhere (title, text or the quoted guideline sections)."""
    for match in DRUG_NAME_PATTERN.finditer(f"{raw.get('title', '')} {text}"):
        problems.append(f"{where}: name medicines by class only (one of {', '.join(MEDICINE_CLASSES)}). "
                        f"Got the drug name {match[0]!r}.")
    medicines = raw.get("medicines", [])
    if not isinstance(medicines, list):
        problems.append(f"{where}: `medicines` must be a list of medicine classes. Got {medicines!r}.")
        return ()
    for name in medicines:
        if name not in MEDICINE_CLASSES:
            problems.append(f"{where}: `medicines` allows only the classes {', '.join(MEDICINE_CLASSES)}. "
                            f"Got {name!r}.")
        elif name.lower() not in text.lower():
            problems.append(f"{where}: the medicine class {name!r} is listed but not named in the text.")
    if raw.get("section") != "medication" and medicines:
        problems.append(f"{where}: only a medication rule may list `medicines`. Got {medicines!r}.")
    return tuple(str(name) for name in medicines)


def _sources(raw: Any, problems: list[str]) -> dict[str, Source]:
    if not isinstance(raw, Mapping) or not raw:
        problems.append(f"`sources` must be a non-empty mapping of id: {{label, citation, url}}. Got {raw!r}.")
        return {}
    sources = {}
    for key, entry in raw.items():
        if not isinstance(entry, Mapping) or not all(isinstance(entry.get(k), str) and entry[k].strip()
                                                     for k in ("label", "citation")):
            problems.append(f"source {key!r} needs non-empty `label` and `citation`. Got {entry!r}.")
            continue
        url = str(entry.get("url", ""))
        if url and not url.startswith("https://"):
            problems.append(f"source {key!r}: `url` must start with https://. Got {url!r}.")
        sources[str(key)] = Source(str(key), entry["label"], entry["citation"], url)
    return sources


def load_rules(path: Path | str = RULES_PATH) -> RuleSet:
    """Read and validate a rule file.

    Raises :class:`RuleFileError` listing every problem (unreadable file, bad YAML, unknown key or condition,
    missing source, guideline section or review date, a medication rule without "discuss with your clinician" or
    with a dose, a medicine class outside :data:`MEDICINE_CLASSES`, or a single drug named anywhere).
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RuleFileError(path, [f"cannot read the file: {exc}"]) from exc
    except yaml.YAMLError as exc:
        raise RuleFileError(path, [f"not valid YAML: {exc}"]) from exc
    if not isinstance(raw, Mapping):
        raise RuleFileError(path, ["the file must hold a mapping with `sources` and `rules`. "
                                   f"Got {type(raw).__name__}."])
    problems: list[str] = []
    sources = _sources(raw.get("sources"), problems)
    items = raw.get("rules")
    if not isinstance(items, list) or not items:
        problems.append(f"`rules` must be a non-empty list. Got {items!r}.")
        items = []
    rules = [rule for i, item in enumerate(items) if (rule := _rule(item, i, sources, problems)) is not None]
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            problems.append(f"rule id {rule.id!r} is used more than once.")
        seen.add(rule.id)
    if problems:
        raise RuleFileError(path, problems)
    return RuleSet(rules=tuple(rules), sources=sources, path=path)


@cache
def default_rules() -> RuleSet:
    """The shipped rules, loaded and validated once per process. Raises :class:`RuleFileError`."""
    return load_rules(RULES_PATH)
