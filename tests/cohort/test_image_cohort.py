"""Image cohorts: safe zip unpacking, every file graded or rejected with a reason (tiny hand-built model)."""

import io
import zipfile

import pytest

from osteo_core.cohort.images import (
    ArchiveError,
    grade_figure,
    grade_files,
    image_summary,
    rejected_files,
    save_files,
    unpack_zip,
)
from tests.helpers.images import encode, synthetic_knee
from tests.tiny_models import write_tiny_models


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_is_flattened_and_cannot_escape_the_folder(tmp_path):
    data = _zip({"../../evil.png": b"x", "a/knee.png": b"y", "b/knee.png": b"z", "__MACOSX/._knee.png": b"",
                 "folder/": b""})
    written = unpack_zip(data, tmp_path / "out")
    assert [name for name, _ in written] == ["../../evil.png", "a/knee.png", "b/knee.png"]
    assert all(path.parent == tmp_path / "out" for _, path in written)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["evil.png", "knee.png", "knee_2.png"]
    assert not (tmp_path / "evil.png").exists()


def test_zip_limits_and_bad_archives_are_refused(tmp_path):
    with pytest.raises(ArchiveError, match="not a readable zip"):
        unpack_zip(b"not a zip", tmp_path)
    with pytest.raises(ArchiveError, match="3 files; at most 2"):
        unpack_zip(_zip({"a": b"1", "b": b"2", "c": b"3"}), tmp_path, max_files=2)
    with pytest.raises(ArchiveError, match="unpacks to"):
        unpack_zip(_zip({"a": b"0" * 5000}), tmp_path, max_total_bytes=1000)


def test_image_batch_grades_good_files_and_lists_rejected_ones(tmp_path):
    from osteo_core.imaging.gate import load_gate
    from osteo_core.imaging.knee_grader import load_knee_grader

    models = write_tiny_models(tmp_path / "models")

    data = _zip({"k1.png": encode(synthetic_knee(seed=1)), "k2.png": encode(synthetic_knee(seed=2)),
                 "notes.txt": b"hello", "broken.png": b"\x89PNG broken"})
    named = unpack_zip(data, tmp_path / "z") + save_files([("k3.png", encode(synthetic_knee(seed=3)))],
                                                          tmp_path / "f")
    steps = []
    table = grade_files(named, load_knee_grader(models / "knee_kl"), load_gate(models / "body_part_gate"),
                        progress=lambda d, t: steps.append((d, t)))
    assert table["file"].tolist() == ["k1.png", "k2.png", "notes.txt", "broken.png", "k3.png"]
    assert image_summary(table) == {"files": 5, "graded": 3, "rejected": 2}
    rejected = rejected_files(table)
    assert rejected["file"].tolist() == ["notes.txt", "broken.png"] and (rejected["reason"] != "").all()
    assert steps[-1] == (5, 5)
    assert table.loc[table["status"] == "ok", "prediction"].between(0, 4).all()
    assert sum(grade_figure(table).data[0].y) == 3
