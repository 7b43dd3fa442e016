"""Sentences shared by the result pages and their PDF reports, so both say the same thing."""

from __future__ import annotations

from typing import Any

from osteo_core.vocabulary import grade_range_text

DEFAULT_T_COVERAGE = 0.8  # the clinical model's T-score prediction interval (issue 11)


def signed(value: float, decimals: int = 1) -> str:
    """A number with a true minus sign, e.g. ``"−2.7"``."""
    return f"{value:.{decimals}f}".replace("-", "−")


def percent(probability: float, decimals: int = 0) -> str:
    """A 0–1 probability as a percentage, whole by default: ``0.268`` → ``"27 %"``."""
    return f"{100 * probability:.{decimals}f} %"


def conformal_range_text(coverage: float, low: int, high: int) -> str:
    """What a conformal grade set means: ``"For 90 % of knees like this one, the true grade lies in KL 2–3."``
    (``coverage`` 0–1). It is a frequency over many knees, not a confidence about this one."""
    return f"For {100 * coverage:.0f} % of knees like this one, the true grade lies in {grade_range_text(low, high)}."


def knee_accuracy_text(evaluation: dict[str, Any] | None) -> str | None:
    """The knee grader's measured accuracy on its held-out test knees, read from ``evaluation.json``; ``None``
    when the file or its test block is missing."""
    try:
        test = evaluation["test"]  # type: ignore[index]
        text = (f"Measured on {test['n']:,} held-out test knees: the grade shown was exactly right for "
                f"{percent(test['accuracy'])} of them (quadratic-weighted kappa {test['qwk']:.2f}).")
    except (KeyError, TypeError):
        return None
    conformal = (evaluation or {}).get("conformal", {})
    if "test_coverage" in conformal and "coverage" in conformal:
        text += (f" The {percent(conformal['coverage'])} grade range held the true grade for "
                 f"{percent(conformal['test_coverage'])} of them.")
    return text


def clinical_estimate_rows(assessment: Any, decimals: int = 0) -> list[tuple[str, str]]:
    """``(label, value)`` rows of a clinical :class:`~osteo_core.clinical.assess.RiskAssessment`: the probability
    that a hip DXA would show osteoporosis and, when the model gives it, the estimated T-score with its interval —
    both estimates, never a measurement."""
    rows = [("Clinical model: probability that a hip DXA would show osteoporosis",
             f"{percent(assessment.probability, decimals)} (an estimate from risk factors, not a diagnosis)")]
    estimate = getattr(assessment, "t_score_estimate", None)
    if estimate is not None:
        value = f"{signed(estimate)} SD"
        low, high = getattr(assessment, "t_score_low", None), getattr(assessment, "t_score_high", None)
        if low is not None and high is not None:
            coverage = getattr(assessment, "t_score_coverage", None) or DEFAULT_T_COVERAGE
            value += f" ({percent(coverage)} interval {signed(low)} to {signed(high)} SD)"
        rows.append(("Clinical model: estimated femoral-neck T-score",
                     value + "; an estimate, not a DXA measurement"))
    return rows
