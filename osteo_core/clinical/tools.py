"""Validated osteoporosis screening tools: OST, ORAI and SCORE.

Each tool is vectorised over a validated frame (see :func:`osteo_core.clinical.validate.validate_frame`) and returns
its score (NaN where it does not apply or an input is unknown), its flag and, where empty, the reason. Formulas and
cut-offs follow the original publications as summarised in ``shared/REFERENCE.md``:

* OST  — Koh et al. 2001 (women); Adler et al., Mayo Clin Proc 2003;78:723 (men). 0.2 × (weight kg − age years),
  truncated to an integer. Adults aged 50 or older. Refer women if OST < 2 (Geusens et al., Mayo Clin Proc
  2002;77:629; University of Washington osteoporosis tool) and men if OST < 4 (University of Washington tool, after
  Adler 2003).
* ORAI — Cadarette et al., CMAJ 2000;162:1289. Women aged 45 or older. Refer if score ≥ 9.
* SCORE — Lydick et al., Am J Manag Care 1998;4:37. Postmenopausal women aged 45 or older. Refer if score ≥ 6.

Outside the population a tool was developed in, it returns no score and the reason "not validated for this patient
(…)".

OSIRIS is left out: its exact weights could not be confirmed from the primary paper here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from osteo_core.clinical.fields import LB_PER_KG
from osteo_core.i18n import N_, _


@dataclass(frozen=True)
class ToolInfo:
    """Description of a screening tool for display: name, cut-off in words, citation.

    ``cutoff``, ``population`` and the two meanings are marked for translation: show them as ``_(info.cutoff)``.
    The tool's name and the citations stay in English.
    """

    key: str
    name: str
    cutoff: str
    population: str
    citation: str
    meaning_flagged: str
    meaning_not_flagged: str
    cutoff_source: str = ""


TOOL_INFO: dict[str, ToolInfo] = {
    "ost": ToolInfo(
        "ost", "OST (Osteoporosis Self-assessment Tool)",
        N_("refer women if OST < 2, men if OST < 4"), N_("women and men aged 50 or older"),
        "Koh LKH et al. Osteoporos Int 2001;12:699-705; Adler RA et al. Mayo Clin Proc 2003;78:723-7",
        N_("Low weight for age: DXA referral is advised by this tool."),
        N_("Weight for age above the cut-off: this tool alone does not call for DXA."),
        "women < 2: Geusens P et al. Mayo Clin Proc 2002;77:629-37 and the University of Washington osteoporosis "
        "tool; men < 4: University of Washington osteoporosis tool, after Adler RA et al. Mayo Clin Proc "
        "2003;78:723-7 (validated OST in men; cut-off 3 there: sensitivity 93 %, specificity 66 %)",
    ),
    "orai": ToolInfo(
        "orai", "ORAI (Osteoporosis Risk Assessment Instrument)", N_("refer if score ≥ 9"),
        N_("women aged 45 or older"),
        "Cadarette SM et al. CMAJ 2000;162:1289-94",
        N_("Score at or above 9: DXA referral is advised by this tool."),
        N_("Score below 9: this tool alone does not call for DXA."),
        "≥ 9: Cadarette SM et al. CMAJ 2000;162:1289-94",
    ),
    "score": ToolInfo(
        "score", "SCORE (Simple Calculated Osteoporosis Risk Estimation)", N_("refer if score ≥ 6"),
        N_("women aged 45 or older"), "Lydick E et al. Am J Manag Care 1998;4:37-48",
        N_("Score at or above 6: DXA referral is advised by this tool."),
        N_("Score below 6: this tool alone does not call for DXA."),
        "≥ 6: Lydick E et al. Am J Manag Care 1998;4:37-48",
    ),
}


@dataclass
class ToolScores:
    """Vectorised result of one tool: ``score`` (float, NaN when not computed), ``flag`` (1.0/0.0/NaN),
    ``reason`` ("" when computed, otherwise why not, in the current language) and ``outside`` (True where the
    patient is outside the tool's development population)."""

    score: pd.Series
    flag: pd.Series
    reason: pd.Series
    outside: pd.Series | None = None


def not_validated(why: str) -> str:
    """The reason text for a patient outside a tool's development population (``why`` already translated)."""
    return _("not validated for this patient ({why})").format(why=why)


def _outside(mask: pd.Series, why: str) -> tuple[pd.Series, str, bool]:
    """A condition for :func:`_reasons`: the patient is outside the population (``why``, translated)."""
    return mask, not_validated(why), True


def _reasons(index: pd.Index, conditions: list[tuple[pd.Series, str] | tuple[pd.Series, str, bool]]
             ) -> tuple[pd.Series, pd.Series]:
    """The first matching reason per row, and whether it says the patient is outside the population."""
    reason = pd.Series("", index=index, dtype=object)
    outside = pd.Series(False, index=index)
    for mask, text, *population in conditions:
        first = mask & (reason == "")
        reason = reason.where(~first, text)
        if population and population[0]:
            outside = outside | first
    return reason, outside


def _finish(score: pd.Series, reasons: tuple[pd.Series, pd.Series], flagged: pd.Series) -> ToolScores:
    reason, outside = reasons
    usable = reason == ""
    score = score.where(usable)
    flag = flagged.astype("float64").where(usable)
    return ToolScores(score=score, flag=flag, reason=reason, outside=outside)


def ost(values: pd.DataFrame) -> ToolScores:
    """OST index = trunc(0.2 × (weight kg − age years)). Flag: women < 2, men < 4."""
    raw = 0.2 * (values["weight_kg"] - values["age"])
    score = np.trunc(raw.round(9))
    reason = _reasons(values.index, [
        (values["age"].isna() | values["weight_kg"].isna() | values["sex"].isna(), _("needs age, sex and weight")),
        _outside(values["age"] < 50, _("OST was developed and validated in adults aged 50 or older")),
    ])
    cutoff = np.where(values["sex"] == "male", 4.0, 2.0)
    return _finish(score, reason, score < cutoff)


def orai(values: pd.DataFrame) -> ToolScores:
    """ORAI for women ≥ 45: age points + weight points + 2 if not on estrogen now. Flag: ≥ 9."""
    age, weight = values["age"], values["weight_kg"]
    age_points = np.select([age >= 75, age >= 65, age >= 55], [15.0, 9.0, 5.0], default=0.0)
    weight_points = np.select([weight < 60, weight < 70], [9.0, 3.0], default=0.0)
    estrogen_points = np.where(values["estrogen_therapy"] == "current", 0.0, 2.0)
    score = pd.Series(age_points + weight_points + estrogen_points, index=values.index)
    reason = _reasons(values.index, [
        _outside(values["sex"] != "female", _("ORAI was developed in women aged 45 or older; not in men")),
        _outside(age < 45, _("ORAI was developed in women aged 45 or older")),
        (values["estrogen_therapy"].isna(), _("needs estrogen/hormone therapy status")),
        (age.isna() | weight.isna(), _("needs age and weight")),
    ])
    return _finish(score, reason, score >= 9)


def fracture_count(values: pd.DataFrame) -> pd.Series:
    """Fragility fractures after 45 as used by SCORE: the count if given, 0 if no prior fracture, else NaN."""
    count = values["fracture_count_after_45"]
    return count.where(count.notna(), np.where(values["prior_fracture"] == 0.0, 0.0, np.nan))


def score(values: pd.DataFrame) -> ToolScores:
    """SCORE for women: 5 if not Black + 4 if RA + 4 per fracture after 45 (max 3) + 1 if never estrogen
    + 3 × first digit of age − trunc(weight lb / 10). Flag: ≥ 6."""
    fractures = fracture_count(values)
    weight_lb = values["weight_kg"] * LB_PER_KG
    total = (
        np.where(values["race"] == "nh_black", 0.0, 5.0)
        + 4.0 * values["rheumatoid_arthritis"].fillna(0.0)
        + 4.0 * fractures.clip(upper=3).fillna(0.0)
        + np.where(values["estrogen_therapy"] == "never", 1.0, 0.0)
        + 3.0 * np.floor(values["age"] / 10.0)
        - np.trunc((weight_lb / 10.0).round(9))
    )
    reason = _reasons(values.index, [
        _outside(values["sex"] != "female", _("SCORE was developed in women aged 45 or older; not in men")),
        _outside(values["age"] < 45, _("SCORE was developed in women aged 45 or older")),
        (values["race"].isna(), _("needs race/ethnicity")),
        (values["rheumatoid_arthritis"].isna(), _("needs rheumatoid arthritis status")),
        (fractures.isna(), _("needs the number of fragility fractures after 45")),
        (values["estrogen_therapy"].isna(), _("needs estrogen/hormone therapy status")),
        (values["age"].isna() | values["weight_kg"].isna(), _("needs age and weight")),
    ])
    return _finish(pd.Series(total, index=values.index), reason, total >= 6)


TOOLS = {"ost": ost, "orai": orai, "score": score}
