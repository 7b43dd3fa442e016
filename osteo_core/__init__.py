"""osteo_core: the pure-Python core of the osteoporosis screening dashboard.

Nothing in this package imports Streamlit. Heavy libraries (TensorFlow, shap) are imported lazily by the
functions that need them, so importing ``osteo_core`` is cheap.
"""

__version__ = "0.1.0"
