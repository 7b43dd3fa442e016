"""Render a :class:`CaseReport` to PDF bytes with fpdf2 (DejaVu Sans when present, else a Latin-1 fallback)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from osteo_core.config import PDF_FONT_ENV, pdf_font_file
from osteo_core.errors import ReportError

FONT_ENV = PDF_FONT_ENV
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
_ASCII = {"–": "-", "—": "-", "−": "-", "≥": ">=", "≤": "<=", "’": "'", "‘": "'", "“": '"', "”": '"', "…": "...",
          "•": "-", "→": "->", "×": "x", "·": "-", "²": "2", "µ": "u"}
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\u200d]")


@dataclass(frozen=True)
class ReportImage:
    """An image for the report: uint8 pixels (H, W) gray or (H, W, 3) RGB, with a caption."""

    caption: str
    pixels: Any


@dataclass(frozen=True)
class CaseReport:
    """Everything one case report shows; lists of ``(label, value)`` pairs are printed as two-column rows.
    ``date_label`` replaces the creation date and time in the header and footer (e.g. month only when anonymised)."""

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


class _Pdf:
    """Thin writer over fpdf2 with the few block types a case report needs."""

    def __init__(self, footer: str):
        from fpdf import FPDF

        font = find_font()
        self.unicode = font is not None
        text = self._text

        class _Doc(FPDF):
            def footer(inner) -> None:  # noqa: N805 - fpdf2 hook
                inner.set_y(-12)
                inner.set_font(inner.font_family, "", 7)
                inner.set_text_color(110)
                inner.cell(0, 5, text(f"{footer} — page {inner.page_no()}/{{nb}}"), align="C")

        self.doc = _Doc(format="A4")
        self.doc.set_margins(15, 15, 15)
        self.doc.set_auto_page_break(True, margin=18)
        if font is not None:
            regular, bold = font
            self.doc.add_font("Body", "", str(regular))
            self.doc.add_font("Body", "B", str(bold or regular))
            self.family = "Body"
        else:
            self.family = "Helvetica"
        self.doc.add_page()

    def _text(self, text: str) -> str:
        return plain_text(text, self.unicode)

    def heading(self, text: str, size: int = 12) -> None:
        self.doc.ln(2)
        self.doc.set_font(self.family, "B", size)
        self.doc.set_text_color(20, 50, 90)
        self.doc.multi_cell(0, size * 0.5, self._text(text), align="L", new_x="LMARGIN", new_y="NEXT")
        self.doc.set_text_color(0)
        self.doc.ln(1)

    def paragraph(self, text: str, size: int = 9, bold: bool = False, colour: int = 0) -> None:
        self.doc.set_font(self.family, "B" if bold else "", size)
        self.doc.set_text_color(colour)
        self.doc.multi_cell(0, size * 0.5, self._text(text), align="L", new_x="LMARGIN", new_y="NEXT")
        self.doc.set_text_color(0)

    def rows(self, pairs: list[tuple[str, str]]) -> None:
        width, left = self.doc.epw, self.doc.l_margin
        for label, value in pairs:
            if self.doc.get_y() + 10 > self.doc.h - 18:
                self.doc.add_page()
            y = self.doc.get_y()
            self.doc.set_font(self.family, "B", 9)
            self.doc.multi_cell(width * 0.38 - 2, 4.6, self._text(label), align="L", new_x="LMARGIN", new_y="NEXT")
            label_bottom = self.doc.get_y()
            self.doc.set_xy(left + width * 0.38, y)
            self.doc.set_font(self.family, "", 9)
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
                raise ReportError(f"A report image must be (H, W) or (H, W, 3) uint8 pixels. Got shape {shape}.")
            picture = Image.fromarray(pixels.astype("uint8"))
            x = left + i * (width + 6)
            height = width * picture.height / picture.width
            self.doc.image(picture, x=x, y=top, w=width, h=height)
            self.doc.set_xy(x, top + height + 1)
            self.doc.set_font(self.family, "", 7)
            self.doc.multi_cell(width, 3.5, self._text(image.caption), new_x="LMARGIN", new_y="NEXT")
            bottom = max(bottom, self.doc.get_y())
        self.doc.set_xy(left, bottom + 2)

    def output(self) -> bytes:
        return bytes(self.doc.output())


def build_case_report(report: CaseReport) -> bytes:
    """The PDF bytes of ``report`` (A4). Never fails on unusual characters; raises :class:`ReportError` for an
    image of the wrong shape."""
    when = report.date_label or f"{report.created:%Y-%m-%d %H:%M}"
    pdf = _Pdf(footer=f"{report.title} · {when} · an aid to referral, not a diagnosis")
    pdf.doc.set_title(plain_text(report.title, pdf.unicode))
    pdf.doc.set_creator("osteo_core")
    if report.anonymised:
        pdf.doc.set_creation_date(dt.datetime(report.created.year, report.created.month, 1, tzinfo=dt.UTC))
    pdf.heading(report.title, size=15)
    pdf.paragraph(f"Created {when}", size=8, colour=90)
    pdf.paragraph(report.disclaimer, size=8, bold=True, colour=120)
    sections = (("Patient", report.patient_facts), ("Results", report.results))
    for title, pairs in sections:
        if pairs:
            pdf.heading(title)
            pdf.rows(pairs)
    for note in report.notes:
        pdf.paragraph(f"Note: {note}", size=8, colour=90)
    if report.images:
        pdf.heading("Image and where the model looked")
        pdf.images(report.images)
    if report.tools:
        pdf.heading("Validated screening tools")
        pdf.rows(report.tools)
    if report.factors:
        pdf.heading("Top factors behind the estimate (SHAP)")
        pdf.rows(report.factors)
        pdf.paragraph("Associations learned by the model, not proof that changing a factor changes the risk.",
                      size=7, colour=90)
    if report.recommendations:
        pdf.heading("Recommendations (to discuss with your clinician)")
        for item in report.recommendations:
            pdf.paragraph(item.title, bold=True)
            pdf.paragraph(item.text)
            pdf.paragraph(f"Source: {item.source_label} · reviewed {item.reviewed:%Y-%m-%d}", size=7, colour=90)
            pdf.doc.ln(1.5)
    if report.model_versions:
        pdf.heading("Model versions")
        pdf.rows(sorted(report.model_versions.items()))
    pdf.heading("Disclaimer")
    pdf.paragraph(report.disclaimer, size=8)
    return pdf.output()
