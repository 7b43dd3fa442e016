"""Streamlit-aware helpers shared by the pages: cached loaders and small widget builders.

This package is the only place (with ``pages/`` and ``streamlit_app.py``) that imports Streamlit; ``osteo_core``
never does. Importing it is cheap: heavy libraries are imported lazily by the functions that need them.
"""

DISCLAIMER = (
    "**An aid to referral, not a diagnosis.** The estimate is the probability of a *self-reported doctor's "
    "diagnosis* of osteoporosis among US NHANES adults aged 40–80; it is not a DXA result. "
    "A DXA scan is the diagnostic test."
)
