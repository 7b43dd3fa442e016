"""WHO bone-density categories of a DXA T-score, defined once for the whole app.

WHO 1994 / Kanis, Osteoporos Int 1994;4:368: normal T ≥ −1.0; low bone mass (osteopenia) −2.5 < T < −1.0;
osteoporosis T ≤ −2.5. The categories are meant for postmenopausal women and men aged 50 or older; for younger
adults and premenopausal women ISCD advises Z-scores instead (:func:`who_applicability_note`).
"""

from __future__ import annotations

import math
from typing import Literal

from osteo_core.i18n import N_, _

WhoCategory = Literal["normal", "osteopenia", "osteoporosis"]
WHO_CATEGORIES: tuple[WhoCategory, ...] = ("normal", "osteopenia", "osteoporosis")
NORMAL_FROM = -1.0  # SD; a T-score of −1.0 or higher is normal
OSTEOPOROSIS_AT = -2.5  # SD; a T-score of −2.5 or lower is osteoporosis
WHO_SOURCE = "WHO 1994; Kanis JA, Osteoporos Int 1994;4:368"
WHO_MIN_AGE = 50  # years; the categories apply to postmenopausal women and men aged 50 or older

# Display texts, marked for translation and translated where shown: _(WHO_CATEGORY_TEXT[category]).
WHO_CATEGORY_TEXT: dict[str, str] = {
    "normal": N_("Normal bone density (T-score −1.0 or higher)"),
    "osteopenia": N_("Low bone mass / osteopenia (T-score below −1.0 and above −2.5)"),
    "osteoporosis": N_("Osteoporosis (T-score −2.5 or lower)"),
}
WHO_SHORT_TEXT: dict[str, str] = {
    "normal": N_("Normal (T ≥ −1)"),
    "osteopenia": N_("Osteopenia (−2.5 < T < −1)"),
    "osteoporosis": N_("Osteoporosis (T ≤ −2.5)"),
}
# The category names alone (chart bands, tables), translated where shown.
WHO_CATEGORY_NAMES: dict[str, str] = {
    "normal": N_("normal"), "osteopenia": N_("osteopenia"), "osteoporosis": N_("osteoporosis"),
}
# (lowest T, highest T, category) for drawing the bands; the boundary value belongs as stated above
WHO_BANDS: tuple[tuple[float, float, WhoCategory], ...] = (
    (-math.inf, OSTEOPOROSIS_AT, "osteoporosis"), (OSTEOPOROSIS_AT, NORMAL_FROM, "osteopenia"),
    (NORMAL_FROM, math.inf, "normal"),
)
YOUNGER_NOTE = N_(
    "WHO T-score categories are meant for postmenopausal women and men aged 50 or older. For younger adults and "
    "premenopausal women, ISCD advises using the Z-score (compared with people of the same age) instead: a Z-score "
    "of −2.0 or lower is 'below the expected range for age'. The category is shown for information only."
)


def who_category(t_score: float) -> WhoCategory:
    """WHO category of a DXA T-score (SD): normal T ≥ −1.0; osteopenia −2.5 < T < −1.0; osteoporosis T ≤ −2.5.

    Raises ``ValueError`` for a missing or non-finite T-score.
    """
    if t_score is None or isinstance(t_score, bool) or not math.isfinite(t_score):
        raise ValueError(_("`t_score` must be a finite number (SD). Got {value}.").format(value=repr(t_score)))
    if t_score >= NORMAL_FROM:
        return "normal"
    if t_score > OSTEOPOROSIS_AT:
        return "osteopenia"
    return "osteoporosis"


def who_applicability_note(age: float | None, sex: str | None, postmenopausal: bool | None) -> str | None:
    """:data:`YOUNGER_NOTE` (the English msgid: show it as ``_(note)``) when the WHO categories do not apply, else
    ``None``.

    ISCD: T-scores for postmenopausal women (any age) and men aged 50 or older; Z-scores for premenopausal women and
    men under 50. A woman of unknown menopause status, or of unknown sex, is judged by age; unknown facts are not
    held against the category.
    """
    if sex == "female" and postmenopausal is not None:
        return None if postmenopausal else YOUNGER_NOTE
    if age is not None and age < WHO_MIN_AGE:
        return YOUNGER_NOTE
    return None
