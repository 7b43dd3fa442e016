"""Cohorts: read a whole table, map its columns, score every row (valid rows plus an issues table), summarise,
compare with an outcome column, export; and batches of knee radiographs. Names are imported lazily from the
submodule that defines them."""

from osteo_core._lazy import lazy_loader

__all__ = [
    "CohortResult", "analyse_table", "summary_report",  # analysis
    "ALTERNATIVE_UNITS", "ID_NAMES", "OUTCOME_NAMES", "ColumnMapping", "ColumnMappingError", "MappingNote",  # columns
    "detect_named", "field_choices", "map_columns", "mapping_from_choices", "mapping_notes", "missing_required",
    "target_for",
    "csv_bytes", "parquet_bytes", "summary_html",  # export
    "ArchiveError", "grade_figure", "grade_files", "image_summary", "rejected_files", "stage_uploads",  # images
    "MAX_PAGE_ROWS", "LoadedTable", "TableReadError", "open_table", "read_table",  # reading
    "SCORE_COLUMNS", "score_file", "score_frame", "score_table",  # score
    "Referral", "referral",  # summary
    "counts", "filter_results", "issues_table",  # view
]
__getattr__, __dir__ = lazy_loader(__name__, __all__, (
    "analysis", "columns", "export", "images", "reading", "score", "summary", "view",
))
