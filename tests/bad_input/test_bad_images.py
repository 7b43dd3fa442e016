"""Bad image files on Knee staging and Image screening: each is refused with a plain message, and a good knee
uploaded next in the same session is still analysed. The command-line batch keeps going past every bad file."""

from __future__ import annotations

import pytest

from osteo_core.imaging.batch import predict_knee_files
from osteo_core.imaging.gate import load_gate
from osteo_core.imaging.knee_grader import load_knee_grader
from tests.bad_input.conftest import (
    BAD_IMAGES,
    ODD_BUT_VALID,
    bright_other_radiograph,
    elongated_radiograph,
    good_knee,
    page_test,
    upload,
)

KNEE_CASES = {**BAD_IMAGES, "wrong_body_part": ("spine.png", elongated_radiograph(), "an aspect ratio above 3:1")}
SCREENING_CASES = {**BAD_IMAGES, "wrong_body_part": ("chest.png", bright_other_radiograph(),
                                                     "does not look like a knee or hand radiograph")}


def _errors(at) -> str:
    return "\n".join(e.value for e in at.error)


def _knee_graded(at) -> bool:
    return any(m.label == "Kellgren–Lawrence grade" for m in at.metric) and not at.error


def _density_shown(at) -> bool:
    return any(m.value.startswith("**Estimated T-score (image model)") for m in at.markdown) and not at.error


@pytest.mark.parametrize("case", list(KNEE_CASES))
def test_knee_staging_refuses_then_grades_the_next_file(models_env, case):
    name, data, message = KNEE_CASES[case]
    at = upload(page_test("knee_staging.py"), "knee_upload", name, data)
    errors = _errors(at)
    assert f"{name} cannot be graded" in errors
    assert message.lower() in errors.lower(), errors
    assert not any(m.label == "Kellgren–Lawrence grade" for m in at.metric)
    upload(at, "knee_upload", "good_knee.png", good_knee(), "image/png")
    assert _knee_graded(at), _errors(at)


@pytest.mark.parametrize("case", list(SCREENING_CASES))
def test_image_screening_refuses_then_analyses_the_next_file(models_env, case):
    name, data, message = SCREENING_CASES[case]
    at = upload(page_test("image_screening.py"), "img_upload", name, data)
    errors = _errors(at)
    assert message.lower() in errors.lower(), errors
    assert not any(m.value.startswith("**Estimated T-score (image model)") for m in at.markdown)
    upload(at, "img_upload", "good_knee.png", good_knee(), "image/png")
    assert _density_shown(at), _errors(at)


@pytest.mark.parametrize("case", list(ODD_BUT_VALID))
def test_16_bit_alpha_and_cmyk_knees_are_analysed_on_both_pages(models_env, case):
    name, make = ODD_BUT_VALID[case]
    knee = upload(page_test("knee_staging.py"), "knee_upload", name, make())
    assert _knee_graded(knee), _errors(knee)
    screening = upload(page_test("image_screening.py"), "img_upload", name, make())
    assert _density_shown(screening), _errors(screening)
    assert any("Knee radiograph recognised" in s.value for s in screening.success)


def test_batch_grading_keeps_going_past_every_bad_file(models_env, tmp_path):
    """`predict-images --task knee-kl` and the cohort page's radiograph batch: one row per file, bad files rejected
    with their reason, good files (first, middle and last) still graded."""
    cases = {**SCREENING_CASES}
    files = [tmp_path / "00_good.png"]
    files[0].write_bytes(good_knee())
    for index, (case, (name, data, _)) in enumerate(cases.items(), start=1):
        path = tmp_path / f"{index:02d}_{case}_{name}"
        path.write_bytes(data)
        files.append(path)
        if index == 4:
            files.append(tmp_path / "04b_good.png")
            files[-1].write_bytes(good_knee())
    files.append(tmp_path / "99_good.png")
    files[-1].write_bytes(good_knee())

    table = predict_knee_files(files, load_knee_grader(), load_gate())
    assert len(table) == len(files)
    by_name = {path.name: row for path, (_, row) in zip(files, table.iterrows(), strict=True)}
    for name in ("00_good.png", "04b_good.png", "99_good.png"):
        assert by_name[name]["status"] == "ok" and by_name[name]["prediction"] in range(5)
    for index, (case, (name, _, message)) in enumerate(cases.items(), start=1):
        row = by_name[f"{index:02d}_{case}_{name}"]
        assert row["status"] == "rejected", (case, dict(row))
        assert message.lower() in str(row["reason"]).lower(), (case, row["reason"])
