"""The architecture rules (listed in docs/ARCHITECTURE.md): pages are UI only and use only public names; osteo_core
never imports Streamlit and has no import cycle; TensorFlow is never loaded by clinical code; only config reads the
environment; training never imports benchmarks; tests share helpers through tests/helpers."""

import ast
import importlib
import re
import subprocess
import sys

from tests.conftest import PROJECT_ROOT

FORBIDDEN_IN_PAGES = {"numpy", "pandas", "sklearn", "scipy", "shap", "tensorflow", "keras", "cv2", "joblib",
                      "plotly", "PIL", "pydicom", "torch", "ai_edge_litert"}


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


PUBLIC_PACKAGES = ("osteo_core.clinical", "osteo_core.cohort", "osteo_core.explain")
# Files another engineer owns that still break a rule below; the owner changes one import line, then remove them.
PENDING: dict[str, set[str]] = {"environment": set(), "benchmarks": set()}


def _page_files() -> list:
    return sorted((PROJECT_ROOT / "pages").glob("*.py"))


def _imports_from(path) -> list[tuple[str, str]]:
    """(module, name) of every ``from module import name`` (absolute) and (module, "") of every ``import module``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
    return found


def test_pages_import_only_the_public_names_of_clinical_cohort_and_explain():
    public = {name: set(importlib.import_module(name).__all__) for name in PUBLIC_PACKAGES}
    offenders = []
    for page in _page_files():
        for module, name in _imports_from(page):
            package = next((p for p in PUBLIC_PACKAGES if module == p or module.startswith(p + ".")), None)
            if package and (module != package or name not in public[package]):
                offenders.append(f"{page.name}: from {module} import {name or '*'}")
    assert offenders == []


def test_public_names_of_clinical_cohort_and_explain_resolve():
    for package in PUBLIC_PACKAGES:
        module = importlib.import_module(package)
        assert len(module.__all__) == len(set(module.__all__)) > 0
        assert all(getattr(module, name) is not None for name in module.__all__), package


def test_pages_reach_the_store_only_through_app_support_history():
    offenders = [f"{page.name}: {module}" for page in _page_files() for module, _ in _imports_from(page)
                 if module == "osteo_core.store" or module.startswith("osteo_core.store.")]
    assert offenders == []


def test_only_config_reads_the_environment():
    files = [f for folder in ("osteo_core", "app_support", "pages") for f in (PROJECT_ROOT / folder).rglob("*.py")]
    files.append(PROJECT_ROOT / "streamlit_app.py")
    pattern = re.compile(r"\bos\.environ\b|\bgetenv\(")
    offenders = {str(f.relative_to(PROJECT_ROOT)) for f in files if pattern.search(f.read_text())}
    assert offenders - {"osteo_core/config.py"} - PENDING["environment"] == set()


def _module_name(path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_osteo_core_has_no_import_cycle():
    """Imports inside functions count too: a lazy import still ties two modules together."""
    files = {_module_name(f): f for f in (PROJECT_ROOT / "osteo_core").rglob("*.py")}
    graph = {}
    for name, path in files.items():
        targets = {f"{module}.{imported}" if f"{module}.{imported}" in files else module
                   for module, imported in _imports_from(path)}
        graph[name] = {t for t in targets if t in files and t != name}
    cycles, done = [], set()

    def visit(node: str, trail: list[str]) -> None:
        if node in trail:
            cycles.append(trail[trail.index(node):] + [node])
            return
        if node in done:
            return
        for nxt in sorted(graph[node]):
            visit(nxt, trail + [node])
        done.add(node)

    for node in sorted(graph):
        visit(node, [])
    assert cycles == []


def test_training_never_imports_benchmarks():
    offenders = {str(f.relative_to(PROJECT_ROOT)) for f in (PROJECT_ROOT / "training").rglob("*.py")
                 if any(m == "benchmarks" or m.startswith("benchmarks.") for m, _ in _imports_from(f))}
    assert offenders - PENDING["benchmarks"] == set()


def test_tests_share_helpers_through_tests_helpers_not_another_packages_conftest():
    offenders = []
    for path in sorted((PROJECT_ROOT / "tests").rglob("*.py")):
        package = path.relative_to(PROJECT_ROOT).parts[1] if len(path.relative_to(PROJECT_ROOT).parts) > 2 else ""
        for module, _ in _imports_from(path):
            parts = module.split(".")
            if parts[0] == "tests" and len(parts) > 2 and parts[1] not in ("helpers", package):
                offenders.append(f"{path.relative_to(PROJECT_ROOT)}: {module}")
    assert offenders == []
