"""PDF case reports of the result pages (fpdf2), with an anonymise option."""

from osteo_core.report.cases import (
    ANONYMISED,
    case_reference,
    clinical_case_report,
    density_case_report,
    knee_case_report,
)
from osteo_core.report.pdf import CaseReport, ReportError, ReportImage, build_case_report, find_font, plain_text

__all__ = [
    "ANONYMISED", "CaseReport", "ReportError", "ReportImage", "build_case_report", "case_reference",
    "clinical_case_report", "density_case_report", "find_font", "knee_case_report", "plain_text",
]
