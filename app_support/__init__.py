"""Streamlit-aware helpers shared by the pages: cached loaders and small widget builders.

This package is the only place (with ``pages/`` and ``streamlit_app.py``) that imports Streamlit; ``osteo_core``
never does. Importing it is cheap: heavy libraries are imported lazily by the functions that need them.
"""

from osteo_core.i18n import N_

DISCLAIMER = N_(
    "**An aid to referral, not a diagnosis.** The clinical estimate is the chance that a hip DXA scan would show "
    "osteoporosis (T-score ≤ −2.5), learned from US NHANES adults aged 40–80 whose hips were scanned, and an "
    "estimated femoral-neck T-score with an 80 % range. Only a DXA scan measures bone density."
)
