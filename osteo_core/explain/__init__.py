"""Explanations: Grad-CAM family on one base, heatmap overlays, SHAP for the clinical risk model and its figures.
Names are imported lazily from the submodule that defines them (Grad-CAM needs TensorFlow only when used)."""

from osteo_core._lazy import lazy_loader

__all__ = [
    "CAM_METHODS", "CamBase", "GradCam", "GradCamPlusPlus", "make_cam",  # gradcam
    "overlay_heatmap", "png_bytes",  # overlay
    "RiskExplanation", "explain_risk", "global_importance",  # shap_risk
    "risk_gauge_figure", "shap_waterfall_figure",  # plots
    "deletion_insertion",  # faithfulness
]
__getattr__, __dir__ = lazy_loader(__name__, __all__, ("gradcam", "overlay", "shap_risk", "plots", "faithfulness"))
