"""One error family: every error class of osteo_core lives in errors.py, lists its problems in ``issues``, and
errors about bad input are also ``ValueError`` (the scikit-learn habit)."""

import ast
import inspect
from pathlib import Path

import pytest

from osteo_core import errors
from osteo_core.errors import ConsultConfigError, InputValidationError, OsteoError, RuleFileError
from tests.conftest import PROJECT_ROOT

ENVIRONMENT_ERRORS = {"ModelLoadError", "StoreError", "DaskUnavailableError", "LoginLockedError"}


def _error_classes_defined_in(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
            and any(isinstance(b, ast.Name) and b.id.endswith(("Error", "Exception")) or
                    isinstance(b, ast.Attribute) and b.attr.endswith(("Error", "Exception")) for b in node.bases)
            and not node.name.startswith("_")]


def test_every_public_error_class_is_defined_in_errors_py():
    outside = {str(f.relative_to(PROJECT_ROOT)): names for f in sorted((PROJECT_ROOT / "osteo_core").rglob("*.py"))
               if f.name != "errors.py" and (names := _error_classes_defined_in(f))}
    assert outside == {}


def test_error_classes_still_importable_from_their_old_homes():
    from osteo_core.cohort.distributed import DaskUnavailableError
    from osteo_core.recommend import RuleFileError as RulesError
    from osteo_core.store import StoreError
    from osteo_core.store.logins import LoginLockedError

    assert (DaskUnavailableError, RulesError, StoreError, LoginLockedError) == (
        errors.DaskUnavailableError, errors.RuleFileError, errors.StoreError, errors.LoginLockedError)


def test_input_errors_are_value_errors_and_environment_errors_are_not():
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass)
               if issubclass(c, OsteoError) and c is not OsteoError]
    assert len(classes) >= 14
    for cls in classes:
        assert issubclass(cls, ValueError) == (cls.__name__ not in ENVIRONMENT_ERRORS), cls.__name__


@pytest.mark.parametrize("error", [RuleFileError(Path("rules.yaml"), ["a", "b"]), ConsultConfigError("x", ["a", "b"]),
                                   InputValidationError({"age": ["a"], "sex": ["b"]})])
def test_errors_with_several_problems_list_them_in_issues(error):
    assert error.issues == ["a", "b"] and not hasattr(error, "problems")
