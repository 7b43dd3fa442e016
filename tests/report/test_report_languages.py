"""Issue 16: the PDF case report in Spanish and Hindi. Devanagari is shaped with the bundled Noto Sans Devanagari
(also without DejaVu on the machine), Spanish accents survive, and a translation not yet reviewed by a clinician
says so. The Hindi catalogue may not hold these texts yet, so the tests pass Devanagari text in directly."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

from osteo_core.i18n import _, needs_review, use_language
from osteo_core.report import CaseReport, build_case_report, knee_case_report
from osteo_core.report import pdf as pdf_module

CREATED = dt.datetime(2026, 11, 25, 10, 30)
CONJUNCTS = "क्षति, श्रेणी, स्क्रीनिंग, हड्डी, द्वितीय, प्रश्न"  # क्ष, श्र, स्क्र, ड्ड, द्व, प्र and matras
NO_PDFTOPPM = "pdftoppm (poppler-utils) is not installed, so the page cannot be rendered to PNG"


def _hindi_report() -> CaseReport:
    advice = SimpleNamespace(title="हड्डी की जाँच: DXA स्कैन", text=f"{CONJUNCTS} — T-स्कोर −2.5 या उससे कम।",
                             source_label="BHOF 2022 — Diagnosis", reviewed=dt.date(2026, 12, 2))
    with use_language("hi"):
        return CaseReport(title="ऑस्टियोपोरोसिस क्लिनिकल जोखिम — केस रिपोर्ट", created=CREATED,
                          disclaimer="An aid to referral, not a diagnosis.",
                          patient_facts=[("आयु", "67 वर्ष"), ("प्रश्न", CONJUNCTS)],
                          results=[("T-स्कोर", "−2.7 SD (DXA)")], recommendations=[advice])


def _fonts(data: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+")[-1])
    return names


def _text(data: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages)


def _render(data: bytes, folder: Path, dpi: int = 100) -> np.ndarray:
    """Page 1 as a grey image (0 black … 255 white), rendered by pdftoppm."""
    pdf = folder / "report.pdf"
    pdf.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(folder / "page")], check=True, timeout=60, capture_output=True)
    return np.asarray(Image.open(folder / "page.png").convert("L"))


def test_a_report_remembers_the_language_it_was_made_in():
    with use_language("es"):
        report = CaseReport(title="t", created=CREATED, disclaimer="d")
    assert report.language == "es"
    assert CaseReport(title="t", created=CREATED, disclaimer="d").language == "en"


def test_hindi_report_embeds_the_bundled_devanagari_font_and_renders(tmp_path):
    report = _hindi_report()
    assert report.language == "hi" and pdf_module.needs_devanagari(report)
    data = build_case_report(report)
    fonts = _fonts(data)
    assert {"NotoSansDevanagari", "NotoSansDevanagariBold"} <= fonts, fonts
    if shutil.which("pdftoppm") is None:
        pytest.skip(NO_PDFTOPPM)
    page = _render(data, tmp_path)
    assert (page < 128).mean() > 0.005, "the rendered page is blank"


def test_hindi_report_without_dejavu_still_uses_the_bundled_font(monkeypatch, tmp_path):
    monkeypatch.setenv(pdf_module.FONT_ENV, str(tmp_path / "no-such-font.ttf"))
    assert pdf_module.find_font() is None
    data = build_case_report(_hindi_report())
    fonts = _fonts(data)
    assert "NotoSansDevanagari" in fonts and "Helvetica" in fonts, fonts  # Latin words from the core font
    if shutil.which("pdftoppm") is None:
        pytest.skip(NO_PDFTOPPM)
    assert (_render(data, tmp_path) < 128).mean() > 0.005, "the rendered page is blank"


def test_devanagari_after_a_latin_only_block_is_drawn_in_the_devanagari_font(tmp_path):
    """fpdf2 2.8.9 loses the font of a block that starts in the fallback (Latin) font, and the next block in the
    same font is then drawn with the wrong font's glyphs: the same Hindi line must look the same either way."""
    if shutil.which("pdftoppm") is None:
        pytest.skip(NO_PDFTOPPM)
    pages = []
    for second in ("An aid to referral.", "रेफ़रल में सहायता।"):
        pdf = pdf_module._Pdf("", devanagari=True)
        pdf.paragraph("बनाया गया: 25 नव॰ 2026", size=10, colour=90)  # the report's header: the page's font
        pdf.paragraph(second, size=10, bold=True, colour=120)  # then the disclaimer and the review note
        pdf.paragraph(CONJUNCTS, size=10, bold=True, colour=120)
        pages.append(_render(pdf.output(), tmp_path, dpi=150))
    top, bottom = (round(mm * 150 / 25.4) for mm in (25, 30))  # the third line: 15 mm margin, 5 mm lines
    latin_first, hindi_first = (page[top:bottom].astype(int) for page in pages)
    assert (hindi_first < 128).sum() > 200, "the Hindi line is missing"
    assert np.abs(latin_first - hindi_first).mean() < 2, "the Hindi line is drawn with the wrong font"


def test_english_and_spanish_reports_do_not_need_the_devanagari_font():
    report = CaseReport(title="Informe", created=CREATED, disclaimer="d", results=[("a", "á é í ó ú ñ")])
    assert not pdf_module.needs_devanagari(report)
    assert not any("Devanagari" in name for name in _fonts(build_case_report(report)))


def test_spanish_report_keeps_its_accents_and_says_it_is_not_yet_reviewed():
    accents = "¿Cuál es el riesgo? ¡Atención! Densitometría ósea, señal de alerta: á é í ó ú ñ Á É Í Ó Ú Ñ"
    with use_language("es"):
        report = CaseReport(title="Riesgo clínico de osteoporosis — informe del caso", created=CREATED,
                            disclaimer="Una ayuda para la derivación, no un diagnóstico.",
                            results=[("Categoría", accents)])
        review = " ".join(_(pdf_module.REVIEW_NOTE).split())
    text = _text(build_case_report(report))
    assert accents in text and "Riesgo clínico de osteoporosis — informe del caso" in text
    assert "25 nov 2026" in text  # the date in Spanish
    assert needs_review("es") == (review in text)


def test_spanish_accents_survive_the_core_font_fallback(monkeypatch, tmp_path):
    monkeypatch.setenv(pdf_module.FONT_ENV, str(tmp_path / "no-such-font.ttf"))
    with use_language("es"):
        report = CaseReport(title="Informe", created=CREATED, disclaimer="d", results=[("a", "¿Qué? ¡Sí! áéíóúñ")])
    assert "¿Qué? ¡Sí! áéíóúñ" in _text(build_case_report(report))


def test_english_report_has_no_review_note():
    text = _text(build_case_report(CaseReport(title="t", created=CREATED, disclaimer="d")))
    assert "not yet reviewed" not in text


def test_numbers_follow_the_language_of_the_report():
    view = np.zeros((16, 16), np.uint8)
    prediction = SimpleNamespace(grade=2, grade_range=(1, 2), probabilities=np.array([.1, .3, .5, .08, .02]),
                                 model_view=view)
    evaluation = {"test": {"n": 1656, "accuracy": 0.642, "qwk": 0.8123}}
    with use_language("es"):
        report = knee_case_report(prediction, np.dstack([view] * 3), model_version="v", coverage=0.9,
                                  method="Grad-CAM", recommendations=[], disclaimer="d", evaluation=evaluation,
                                  created=CREATED)
    results = dict(report.results)
    values = " ".join(results.values())
    assert "1.656" in values and "0,81" in values and "64 %" in values  # Spanish separators
    assert report.date_label == "25 nov 2026 10:30"
