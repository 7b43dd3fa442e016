"""Demo mode: a curated, guided set of synthetic patients made here by code — no real person behind any of them.

The order walks a presentation from a low-risk case to a measured osteoporotic T-score. Nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from osteo_core.clinical.patient import Patient, parse_patient
from osteo_core.i18n import N_


@dataclass(frozen=True)
class DemoCase:
    """One synthetic patient: ``values`` are the Clinical risk form's inputs (kg, cm, years, SD). ``title``,
    ``story`` and ``point`` are English msgids (marked with ``N_``): show them as ``_(case.title)``."""

    key: str
    title: str
    story: str
    point: str  # what the presenter shows with this case
    values: dict[str, Any]

    def patient(self) -> Patient:
        """The validated patient (raises InputValidationError if a case is ever edited into nonsense)."""
        return parse_patient(self.values)


def _woman(age: float, weight_kg: float, height_cm: float, **facts: Any) -> dict[str, Any]:
    menopause = "postmenopausal" if age >= 52 else "premenopausal"
    return {"age": age, "sex": "female", "weight_kg": weight_kg, "height_cm": height_cm,
            "menopause_status": menopause, **facts}


def make_demo_cases() -> tuple[DemoCase, ...]:
    """The five demo cases, in presentation order."""
    no = False
    return (
        DemoCase("low", N_("Case A — 54-year-old woman, no risk factors"),
                 N_("Postmenopausal, normal weight, never broke a bone, no steroids, does not smoke."),
                 N_("A low estimate: no referral suggested, and the screening tools agree."),
                 _woman(54, 74, 168, race="nh_black", prior_fracture=no, parent_hip_fracture=no, glucocorticoids=no,
                        smoker_current=no, alcohol_drinks_per_day=0.5, rheumatoid_arthritis=no,
                        estrogen_therapy="never")),
        DemoCase("moderate", N_("Case B — 59-year-old woman, smoker, mother broke a hip"),
                 N_("Postmenopausal, average weight, smokes; her mother had a hip fracture."),
                 N_("A middle estimate: which facts pushed it up, and which of them she can change."),
                 _woman(59, 68, 163, race="nh_white", prior_fracture=no, parent_hip_fracture=True, glucocorticoids=no,
                        smoker_current=True, alcohol_drinks_per_day=1, rheumatoid_arthritis=no,
                        estrogen_therapy="never")),
        DemoCase("high", N_("Case C — 77-year-old woman, earlier fracture, on steroids"),
                 N_("Low body weight, a wrist fracture after 45, daily prednisolone for rheumatoid arthritis."),
                 N_("A high estimate: DXA referral suggested; OST, ORAI and SCORE all flag her."),
                 _woman(77, 47, 154, race="nh_asian", prior_fracture=True, fracture_count_after_45=1,
                        parent_hip_fracture=no, glucocorticoids=True, smoker_current=no, alcohol_drinks_per_day=0,
                        rheumatoid_arthritis=True, estrogen_therapy="past")),
        DemoCase("man", N_("Case D — 71-year-old man who smokes and drinks"),
                 N_("Men get osteoporosis too: smoker, three drinks a day, took steroids for his lungs."),
                 N_("ORAI and SCORE are for women only and say so; OST uses the men's cut-off."),
                 {"age": 71, "sex": "male", "weight_kg": 66, "height_cm": 174, "race": "nh_white", "prior_fracture": no,
                  "parent_hip_fracture": no, "glucocorticoids": True, "smoker_current": True,
                  "alcohol_drinks_per_day": 3, "rheumatoid_arthritis": no,
                  "menopause_status": "not_applicable"}),
        DemoCase("t_score", N_("Case E — 68-year-old woman with a DXA T-score of −2.7"),
                 N_("She already had a DXA scan: T-score −2.7 SD at the hip."),
                 N_("A measured T-score is the diagnosis (WHO: osteoporosis); the model estimate is secondary."),
                 _woman(68, 55, 158, race="mexican_american", prior_fracture=no, parent_hip_fracture=no,
                        glucocorticoids=no, smoker_current=no, alcohol_drinks_per_day=0, rheumatoid_arthritis=no,
                        estrogen_therapy="past", t_score=-2.7)),
    )


DEMO_CASES: tuple[DemoCase, ...] = make_demo_cases()
