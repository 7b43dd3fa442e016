"""One vocabulary: KL grade names, the "KL low–high" label, roles and the "Not stated" choices come from
osteo_core.vocabulary, and no other module of the app defines its own copy."""

import re

import pandas as pd
import pytest

from osteo_core import vocabulary
from osteo_core.vocabulary import KL_NAMES, grade_range_text, kl_grade_label
from tests.conftest import PROJECT_ROOT


def test_kl_names_follow_kellgren_and_lawrence_1957():
    assert KL_NAMES == {0: "None", 1: "Doubtful", 2: "Minimal", 3: "Moderate", 4: "Severe"}
    assert kl_grade_label(2) == "KL 2 — Minimal"
    assert (grade_range_text(2, 2), grade_range_text(1, 3)) == ("KL 2", "KL 1–3")


def test_every_kl_table_of_the_app_is_the_shared_one():
    from app_support.profile_form import KL
    from osteo_core.cohort.images import grade_figure
    from osteo_core.conformal import format_grade_set
    from osteo_core.imaging import kl_model
    from osteo_core.imaging.figures import kl_probability_figure

    assert kl_model.KL_NAMES is KL_NAMES and kl_model.KL_DEFINITIONS is vocabulary.KL_DEFINITIONS
    assert [KL[g] for g in range(5)] == [kl_grade_label(g) for g in range(5)]
    (bars,) = kl_probability_figure([0.2] * 5, (0, 4)).data
    assert list(bars.y) == [f"KL {g} {KL_NAMES[g]}" for g in range(5)]
    table = pd.DataFrame({"status": ["ok"] * 5, "prediction": [0, 1, 2, 3, 4]})
    assert list(grade_figure(table).data[0].x) == ["0 none", "1 doubtful", "2 minimal", "3 moderate", "4 severe"]
    assert format_grade_set((2, 3), 0.9) == "KL 2–3, 90 %"


def test_roles_and_form_choices_are_shared():
    from app_support import navigation, profile_form, widgets
    from osteo_core import auth_users

    assert auth_users.ROLES is navigation.ALL_ROLES is vocabulary.ROLES
    assert widgets.NOT_STATED is profile_form.NOT_STATED is vocabulary.NOT_STATED
    assert widgets.YES_NO is profile_form.YES_NO is vocabulary.YES_NO


@pytest.mark.parametrize(("what", "pattern"), [
    ("a KL name table", r"""["'](Doubtful|doubtful)["']|\d ?doubtful"""),
    ("a KL range label", r"""f["']KL \{\w+\}–\{"""),
    ("a 'Not stated' literal", r"""["']Not stated["']"""),
    ("a role list", r"""\(["']admin["'], ["']clinician["'], ["']analyst["']"""),
])
def test_no_module_outside_vocabulary_defines_its_own(what, pattern):
    files = [f for folder in ("osteo_core", "app_support", "pages") for f in (PROJECT_ROOT / folder).rglob("*.py")]
    offenders = [str(f.relative_to(PROJECT_ROOT)) for f in files
                 if f.name != "vocabulary.py" and re.search(pattern, f.read_text())]
    assert offenders == [], what


def test_the_risk_number_has_one_table_name():
    from osteo_core.cohort.score import SCORE_COLUMNS

    assert SCORE_COLUMNS[0] == vocabulary.RISK_COLUMN == "osteo_risk"
    cohort = sorted((PROJECT_ROOT / "osteo_core" / "cohort").glob("*.py"))
    assert [f.name for f in cohort if re.search(r"""\[["'](risk|osteo_risk)["']\]""", f.read_text())] == []
