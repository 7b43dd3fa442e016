"""Pages are UI only; osteo_core never imports Streamlit; TensorFlow is never loaded by clinical code."""

import ast
import subprocess
import sys

from tests.conftest import PROJECT_ROOT

FORBIDDEN_IN_PAGES = {"numpy", "pandas", "sklearn", "scipy", "shap", "tensorflow", "keras", "cv2", "joblib",
                      "plotly", "PIL", "pydicom", "torch"}


def _imported_modules(path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_pages_import_no_ml_or_array_library():
    files = sorted((PROJECT_ROOT / "pages").glob("*.py")) + [PROJECT_ROOT / "streamlit_app.py"]
    assert len(files) >= 2
    offenders = {f.name: sorted(_imported_modules(f) & FORBIDDEN_IN_PAGES) for f in files}
    assert not {k: v for k, v in offenders.items() if v}


def test_osteo_core_never_imports_streamlit():
    files = sorted((PROJECT_ROOT / "osteo_core").rglob("*.py"))
    assert files
    offenders = [str(f.relative_to(PROJECT_ROOT)) for f in files if "streamlit" in _imported_modules(f)]
    assert offenders == []


def test_clinical_path_does_not_load_tensorflow():
    code = ("import sys; import osteo_core.clinical.assess, osteo_core.cohort.score, osteo_core.__main__; "
            "print('tensorflow' in sys.modules, 'streamlit' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["False", "False"], done.stderr
