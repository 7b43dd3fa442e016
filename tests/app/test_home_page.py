"""The app entry and the Home page render without errors, and Home stays light (no ML libraries)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def _run_app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    return at.run()


def test_app_entry_renders_home_without_exception():
    at = _run_app()
    assert not at.exception
    assert at.title[0].value == "🦴 Osteoporosis screening"
    text = " ".join(m.value for m in at.markdown) + " ".join(w.value for w in at.warning)
    assert "not a diagnosis" in text
    assert "DXA" in text
    assert "An aid to referral, not a diagnosis." in [c.value for c in at.sidebar.caption]


def test_every_registered_page_renders_without_exception():
    for page in ("pages/clinical_risk.py", "pages/model_cards.py", "pages/home.py"):
        at = _run_app()
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert at.title, page


def test_model_cards_page_shows_the_clinical_risk_card():
    at = _run_app()
    at.switch_page("pages/model_cards.py").run()
    assert not at.exception
    assert at.selectbox(key="model_card").value == "clinical_risk"
    assert any("Model card: clinical estimate of hip DXA osteoporosis" in m.value for m in at.markdown)
    assert len(at.get("plotly_chart")) == 2  # calibration plot and decision curve from evaluation.json


def test_home_page_imports_no_ml_library():
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({str(ROOT / 'streamlit_app.py')!r}, default_timeout=60).run()\n"
        "assert not at.exception, at.exception\n"
        "heavy = sorted(m for m in ('sklearn', 'shap', 'tensorflow', 'torch', 'joblib') if m in sys.modules)\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "HEAVY=\n" in done.stdout, done.stdout
