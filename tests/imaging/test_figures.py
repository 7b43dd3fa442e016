"""The KL probability bars: five grades labelled in words, values in %, the conformal range highlighted."""

from __future__ import annotations

import pytest

from osteo_core.imaging.figures import IN_RANGE, OUT_OF_RANGE, kl_probability_figure

PROBABILITIES = [0.05, 0.15, 0.5, 0.25, 0.05]


def test_bars_are_the_five_grades_in_percent():
    figure = kl_probability_figure(PROBABILITIES, (2, 3))
    (bars,) = figure.data
    assert list(bars.y) == ["KL 0 None", "KL 1 Doubtful", "KL 2 Minimal", "KL 3 Moderate", "KL 4 Severe"]
    assert list(bars.x) == pytest.approx([5, 15, 50, 25, 5])
    assert list(bars.text) == ["5.0 %", "15.0 %", "50.0 %", "25.0 %", "5.0 %"]
    assert figure.layout.xaxis.title.text == "Probability (%)"


@pytest.mark.parametrize(("grade_range", "highlighted"), [((2, 3), [2, 3]), ((1, 1), [1]), ((0, 4), [0, 1, 2, 3, 4])])
def test_only_the_grade_range_is_highlighted(grade_range, highlighted):
    (bars,) = kl_probability_figure(PROBABILITIES, grade_range, coverage=0.9).data
    colours = list(bars.marker.color)
    assert [g for g, c in enumerate(colours) if c == IN_RANGE] == highlighted
    assert all(c == OUT_OF_RANGE for g, c in enumerate(colours) if g not in highlighted)


def test_title_names_the_range_and_coverage():
    figure = kl_probability_figure(PROBABILITIES, (2, 3), coverage=0.9)
    assert "90 %" in figure.layout.title.text
    assert "KL 2–3" in figure.layout.title.text


@pytest.mark.parametrize(("probabilities", "grade_range"), [([0.5, 0.5], (0, 1)), (PROBABILITIES, (3, 2)),
                                                            (PROBABILITIES, (0, 5))])
def test_bad_input_is_refused(probabilities, grade_range):
    with pytest.raises(ValueError):
        kl_probability_figure(probabilities, grade_range)
