"""Render a :class:`CaseReport` to PDF bytes with fpdf2, in the language the report was made in.

Fonts: DejaVu Sans when present (else a Latin-1 core font with plain characters). Devanagari (Hindi) text uses the
bundled Noto Sans Devanagari (``fonts/``, SIL OFL) with HarfBuzz text shaping, so conjuncts and vowel signs join;
Latin words in a Hindi report fall back to DejaVu Sans, or to the core font when DejaVu is missing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from osteo_core.config import PDF_FONT_ENV, pdf_font_file
from osteo_core.errors import ReportError
from osteo_core.i18n import N_, _, current_language, format_date, needs_review, use_language

FONT_ENV = PDF_FONT_ENV
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
BUNDLED_FONT_DIR = Path(__file__).resolve().with_name("fonts")
DEVANAGARI_FONT = (BUNDLED_FONT_DIR / "NotoSansDevanagari-Regular.ttf",  # regular, bold (SIL OFL, see OFL.txt)
                   BUNDLED_FONT_DIR / "NotoSansDevanagari-Bold.ttf")
SHAPED_LANGUAGES = ("hi",)  # languages whose script needs text shaping (and the Devanagari font)
REVIEW_NOTE = N_("Translation not yet reviewed by a clinician. The English text is the reference.")
_ASCII = {"–": "-", "—": "-", "−": "-", "≥": ">=", "≤": "<=", "’": "'", "‘": "'", "“": '"', "”": '"', "…": "...",
          "•": "-", "→": "->", "×": "x", "·": "-", "²": "2", "µ": "u"}
# Emoji, their variation selector, and a zero-width joiner only where it joins emoji (Devanagari uses it too).
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F]|\u200d(?=[\U0001F000-\U0001FAFF\u2600-\u27BF])")
_DEVANAGARI = re.compile("[\u0900-\u097F\uA8E0-\uA8FF]")
_CORE_FONT = "helvetica"


@dataclass(frozen=True)
class ReportImage:
    """An image for the report: uint8 pixels (H, W) gray or (H, W, 3) RGB, with a caption."""

    caption: str
    pixels: Any


@dataclass(frozen=True)
class CaseReport:
    """Everything one case report shows; lists of ``(label, value)`` pairs are printed as two-column rows.
    ``date_label`` replaces the creation date and time in the header and footer (e.g. month only when anonymised).
    ``language`` is the language its texts were written in (the current one when it is made); the PDF's own
    headings follow it."""

    title: str
    created: dt.datetime
    disclaimer: str
    date_label: str = ""
    anonymised: bool = False  # the PDF's metadata then keeps only the month, like the header
    patient_facts: list[tuple[str, str]] = field(default_factory=list)
    results: list[tuple[str, str]] = field(default_factory=list)
    images: list[ReportImage] = field(default_factory=list)
    tools: list[tuple[str, str]] = field(default_factory=list)
    factors: list[tuple[str, str]] = field(default_factory=list)
    recommendations: list[Any] = field(default_factory=list)
    model_versions: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    language: str = field(default_factory=current_language)


def find_font() -> tuple[Path, Path | None] | None:
    """Regular and bold TTF to embed: ``$OSTEO_PDF_FONT`` (regular only) or Debian's DejaVu Sans; ``None`` if
    neither exists (the report then falls back to a core font and plain characters)."""
    if (path := pdf_font_file()) is not None:
        return (path, None) if path.is_file() else None
    for folder in FONT_DIRS:
        regular = folder / "DejaVuSans.ttf"
        if regular.is_file():
            bold = folder / "DejaVuSans-Bold.ttf"
            return regular, bold if bold.is_file() else None
    return None


def plain_text(text: str, unicode_font: bool) -> str:
    """Text safe for the chosen font: markdown emphasis (``*``, backticks) and emoji removed; without a Unicode
    font, typographic characters replaced (``"≥"`` → ``">="``) and anything outside Latin-1 as ``"?"``."""
    text = _EMOJI.sub("", str(text).replace("*", "").replace("`", "")).strip()
    if unicode_font:
        return text
    text = "".join(_ASCII.get(ch, ch) for ch in text)
    return text.encode("latin-1", "replace").decode("latin-1")


def _report_texts(report: CaseReport) -> Iterator[str]:
    yield from (report.title, report.disclaimer, report.date_label, *report.notes)
    for pairs in (report.patient_facts, report.results, report.tools, report.factors,
                  list(report.model_versions.items())):
        for label, value in pairs:
            yield from (str(label), str(value))
    yield from (image.caption for image in report.images)
    for item in report.recommendations:
        yield from (str(getattr(item, "title", "")), str(getattr(item, "text", "")))


def needs_devanagari(report: CaseReport) -> bool:
    """Whether ``report`` needs the Devanagari font and text shaping: it is in Hindi, or any of its texts (a
    patient's name, say) is written in Devanagari."""
    return report.language in SHAPED_LANGUAGES or any(_DEVANAGARI.search(text) for text in _report_texts(report))


class _Pdf:
    """Thin writer over fpdf2 with the few block types a case report needs."""

    def __init__(self, footer: str, devanagari: bool = False):
        from fpdf import FPDF

        font = find_font()
        devanagari = devanagari and all(path.is_file() for path in DEVANAGARI_FONT)
        text = self._text
        page_text = _("page {page}/{pages}")

        class _Doc(FPDF):
            core_fallback = False  # Latin text of a Devanagari report without a Latin TTF: use the core font

            def footer(inner) -> None:  # noqa: N805 - fpdf2 hook
                inner.set_y(-12)
                inner.select_font(inner.font_family, "", 7)
                inner.set_text_color(110)
                page = page_text.format(page=inner.page_no(), pages="{nb}")
                inner.cell(0, 5, text(f"{footer} — {page}"), align="C")

            def get_fallback_font(inner, char: str, style: str = "") -> str | None:  # noqa: N805 - fpdf2 hook
                if inner.core_fallback and ord(char) < 256:
                    return _CORE_FONT + ("B" if "B" in style else "")
                return super().get_fallback_font(char, style)

            def select_font(inner, family: str, style: str, size: float) -> None:  # noqa: N805
                """``set_font``, then (with fallback fonts) the font written into the page itself: fpdf2 2.8.9
                otherwise sets it inside the first line's q…Q when that line starts in a fallback font, so the
                next block with the same font is drawn in whatever font the page had (garbled glyphs)."""
                inner.set_font(family, style, size)
                if inner.page and (inner._fallback_font_ids or inner.core_fallback):
                    inner._out(inner._set_font_for_page(inner.current_font, inner.font_size_pt))

        self.doc = _Doc(format="A4")
        self.doc.set_margins(15, 15, 15)
        self.doc.set_auto_page_break(True, margin=18)
        self.unicode = font is not None
        self.glyphs: set[int] | None = None  # when set: the only characters the fonts can draw (others replaced)
        if font is not None:
            regular, bold = font
            self.doc.add_font("Body", "", str(regular))
            self.doc.add_font("Body", "B", str(bold or regular))
            self.family = "Body"
        else:
            self.family = _CORE_FONT
        if devanagari:
            self.doc.add_font("Devanagari", "", str(DEVANAGARI_FONT[0]))
            self.doc.add_font("Devanagari", "B", str(DEVANAGARI_FONT[1]))
            if font is not None:
                self.doc.set_fallback_fonts(["Body"])
            else:  # no Latin TTF: Latin-1 characters from the core font, the rest from Noto or replaced
                self.doc.set_font(_CORE_FONT, "", 9)
                self.doc.set_font(_CORE_FONT, "B", 9)
                self.doc.core_fallback = True
                self.glyphs = set(self.doc.fonts["devanagari"].cmap) | set(range(32, 256)) | {ord("\n")}
            self.family = "Devanagari"
            self.unicode = True
            self.doc.set_text_shaping(True)
        self.doc.add_page()

    def _text(self, text: str) -> str:
        text = plain_text(text, self.unicode)
        if self.glyphs is None:
            return text
        return "".join(ch if ord(ch) in self.glyphs else _ASCII.get(ch, "?") for ch in text)

    def heading(self, text: str, size: int = 12) -> None:
        self.doc.ln(2)
        self.doc.select_font(self.family, "B", size)
        self.doc.set_text_color(20, 50, 90)
        self.doc.multi_cell(0, size * 0.5, self._text(text), align="L", new_x="LMARGIN", new_y="NEXT")
        self.doc.set_text_color(0)
        self.doc.ln(1)

    def paragraph(self, text: str, size: int = 9, bold: bool = False, colour: int = 0) -> None:
        self.doc.select_font(self.family, "B" if bold else "", size)
        self.doc.set_text_color(colour)
        self.doc.multi_cell(0, size * 0.5, self._text(text), align="L", new_x="LMARGIN", new_y="NEXT")
        self.doc.set_text_color(0)

    def rows(self, pairs: list[tuple[str, str]]) -> None:
        width, left = self.doc.epw, self.doc.l_margin
        for label, value in pairs:
            if self.doc.get_y() + 10 > self.doc.h - 18:
                self.doc.add_page()
            y = self.doc.get_y()
            self.doc.select_font(self.family, "B", 9)
            self.doc.multi_cell(width * 0.38 - 2, 4.6, self._text(label), align="L", new_x="LMARGIN", new_y="NEXT")
            label_bottom = self.doc.get_y()
            self.doc.set_xy(left + width * 0.38, y)
            self.doc.select_font(self.family, "", 9)
            self.doc.multi_cell(width * 0.62, 4.6, self._text(value), align="L", new_x="LMARGIN", new_y="NEXT")
            self.doc.set_y(max(label_bottom, self.doc.get_y()) + 0.6)

    def images(self, images: list[ReportImage]) -> None:
        from PIL import Image

        width = (self.doc.epw - 6 * (len(images) - 1)) / len(images)
        width = min(width, 80)
        if self.doc.get_y() + width + 12 > self.doc.h - 18:
            self.doc.add_page()
        top, left, bottom = self.doc.get_y(), self.doc.l_margin, self.doc.get_y()
        for i, image in enumerate(images):
            pixels = image.pixels
            shape = getattr(pixels, "shape", None)
            if shape is None or len(shape) not in (2, 3) or (len(shape) == 3 and shape[2] not in (3, 4)):
                raise ReportError(_("A report image must be (H, W) or (H, W, 3) uint8 pixels. Got shape {shape}.")
                                  .format(shape=shape))
            picture = Image.fromarray(pixels.astype("uint8"))
            x = left + i * (width + 6)
            height = width * picture.height / picture.width
            self.doc.image(picture, x=x, y=top, w=width, h=height)
            self.doc.set_xy(x, top + height + 1)
            self.doc.select_font(self.family, "", 7)
            self.doc.multi_cell(width, 3.5, self._text(image.caption), new_x="LMARGIN", new_y="NEXT")
            bottom = max(bottom, self.doc.get_y())
        self.doc.set_xy(left, bottom + 2)

    def output(self) -> bytes:
        return bytes(self.doc.output())


def build_case_report(report: CaseReport) -> bytes:
    """The PDF bytes of ``report`` (A4), its headings in ``report.language``; a Spanish or Hindi report not yet
    reviewed by a clinician says so. Never fails on unusual characters; raises :class:`ReportError` for an image of
    the wrong shape."""
    with use_language(report.language):
        return _build(report)


def _build(report: CaseReport) -> bytes:
    when = report.date_label or _("{date} {time}").format(date=format_date(report.created),
                                                          time=f"{report.created:%H:%M}")
    pdf = _Pdf(footer=_("{title} · {date} · an aid to referral, not a diagnosis").format(title=report.title,
                                                                                          date=when),
               devanagari=needs_devanagari(report))
    pdf.doc.set_title(plain_text(report.title, pdf.unicode))
    pdf.doc.set_creator("osteo_core")
    pdf.doc.set_lang(report.language)
    if report.anonymised:
        pdf.doc.set_creation_date(dt.datetime(report.created.year, report.created.month, 1, tzinfo=dt.UTC))
    review = _(REVIEW_NOTE) if needs_review(report.language) else ""
    pdf.heading(report.title, size=15)
    pdf.paragraph(_("Created {date}").format(date=when), size=8, colour=90)
    disclaimer = _(report.disclaimer)  # an English msgid is translated; text already translated stays as it is
    pdf.paragraph(disclaimer, size=8, bold=True, colour=120)
    if review:
        pdf.paragraph(review, size=8, bold=True, colour=120)
    sections = ((_("Patient"), report.patient_facts), (_("Results"), report.results))
    for title, pairs in sections:
        if pairs:
            pdf.heading(title)
            pdf.rows(pairs)
    for note in report.notes:
        pdf.paragraph(_("Note: {note}").format(note=note), size=8, colour=90)
    if report.images:
        pdf.heading(_("Image and where the model looked"))
        pdf.images(report.images)
    if report.tools:
        pdf.heading(_("Validated screening tools"))
        pdf.rows(report.tools)
    if report.factors:
        pdf.heading(_("Top factors behind the estimate (SHAP)"))
        pdf.rows(report.factors)
        pdf.paragraph(_("Associations learned by the model, not proof that changing a factor changes the risk."),
                      size=7, colour=90)
    if report.recommendations:
        pdf.heading(_("Recommendations (to discuss with your clinician)"))
        for item in report.recommendations:
            pdf.paragraph(item.title, bold=True)
            pdf.paragraph(item.text)
            pdf.paragraph(_("Source: {sources} · reviewed {date}").format(sources=item.source_label,
                                                                           date=format_date(item.reviewed)),
                          size=7, colour=90)
            pdf.doc.ln(1.5)
    if report.model_versions:
        pdf.heading(_("Model versions"))
        pdf.rows(sorted(report.model_versions.items()))
    pdf.heading(_("Disclaimer"))
    pdf.paragraph(disclaimer, size=8)
    if review:
        pdf.paragraph(review, size=8)
    return pdf.output()
