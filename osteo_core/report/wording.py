"""Sentences shared by the result pages and their PDF reports, so both say the same thing (in the current
language, numbers with its separators)."""

from __future__ import annotations

from typing import Any

from osteo_core.i18n import _, format_decimal
from osteo_core.vocabulary import grade_range_text

DEFAULT_T_COVERAGE = 0.8  # the clinical model's T-score prediction interval (issue 11)


def signed(value: float, decimals: int = 1) -> str:
    """A number with a true minus sign and the language's decimal mark, e.g. ``"−2.7"`` (``"−2,7"`` in es)."""
    return format_decimal(value, decimals).replace("-", "−")


def percent(probability: float, decimals: int = 0) -> str:
    """A 0–1 probability as a percentage, whole by default: ``0.268`` → ``"27 %"`` (``"26,8 %"`` in es)."""
    return _("{value} %").format(value=format_decimal(100 * probability, decimals))


def conformal_range_text(coverage: float, low: int, high: int) -> str:
    """What a conformal grade set means: ``"For 90 % of knees like this one, the true grade lies in KL 2–3."``
    (``coverage`` 0–1). It is a frequency over many knees, not a confidence about this one."""
    return _("For {coverage} of knees like this one, the true grade lies in {grades}.").format(
        coverage=percent(coverage), grades=grade_range_text(low, high))


def knee_accuracy_text(evaluation: dict[str, Any] | None) -> str | None:
    """The knee grader's measured accuracy on its held-out test knees, read from ``evaluation.json``; ``None``
    when the file or its test block is missing."""
    try:
        test = evaluation["test"]  # type: ignore[index]
        text = _("Measured on {n} held-out test knees: the grade shown was exactly right for {accuracy} of them "
                 "(quadratic-weighted kappa {kappa}).").format(n=format_decimal(test["n"], 0),
                                                               accuracy=percent(test["accuracy"]),
                                                               kappa=format_decimal(test["qwk"], 2))
    except (KeyError, TypeError):
        return None
    conformal = (evaluation or {}).get("conformal", {})
    if "test_coverage" in conformal and "coverage" in conformal:
        text += " " + _("The {coverage} grade range held the true grade for {held} of them.").format(
            coverage=percent(conformal["coverage"]), held=percent(conformal["test_coverage"]))
    return text


def clinical_estimate_rows(assessment: Any, decimals: int = 0) -> list[tuple[str, str]]:
    """``(label, value)`` rows of a clinical :class:`~osteo_core.clinical.assess.RiskAssessment`: the probability
    that a hip DXA would show osteoporosis and, when the model gives it, the estimated T-score with its interval —
    both estimates, never a measurement."""
    rows = [(_("Clinical model: probability that a hip DXA would show osteoporosis"),
             _("{probability} (an estimate from risk factors, not a diagnosis)").format(
                 probability=percent(assessment.probability, decimals)))]
    estimate = getattr(assessment, "t_score_estimate", None)
    if estimate is not None:
        low, high = getattr(assessment, "t_score_low", None), getattr(assessment, "t_score_high", None)
        if low is not None and high is not None:
            coverage = getattr(assessment, "t_score_coverage", None) or DEFAULT_T_COVERAGE
            value = _("{estimate} SD ({coverage} interval {low} to {high} SD); an estimate, not a DXA "
                      "measurement").format(estimate=signed(estimate), coverage=percent(coverage), low=signed(low),
                                            high=signed(high))
        else:
            value = _("{estimate} SD; an estimate, not a DXA measurement").format(estimate=signed(estimate))
        rows.append((_("Clinical model: estimated femoral-neck T-score"), value))
    return rows
