"""The English-leftover detector used by the browser language tests can fail."""

from osteo_core.i18n import N_
from tests.helpers.english_text import english_left


def test_prose_in_english_is_found_and_citations_are_not() -> None:
    text = ("Riesgo clínico\nThe estimate is not a diagnosis and you should ask your clinician.\n"
            "LeBoff MS et al. The clinician's guide to prevention and treatment of osteoporosis. 2022;33:2049.")
    assert english_left(text, "es") == ["The estimate is not a diagnosis and you should ask your clinician."]


def test_a_catalogue_message_left_in_english_is_found() -> None:
    message = N_("Translation not yet reviewed by a clinician. The English text is the reference.")
    assert english_left(f"Idioma\n{message}", "es")
    assert not english_left("Idioma\nTraducción aún no revisada", "es")
