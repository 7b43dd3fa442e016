"""The Dask path (the one reader on the client, chunks scored on a LocalCluster) must give byte-for-byte the
single-machine output, bad rows included."""

import pandas as pd
import pytest

pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from osteo_core.__main__ import main  # noqa: E402
from osteo_core.cohort.demo import demo_cohort  # noqa: E402
from osteo_core.cohort.distributed import score_file_dask  # noqa: E402
from osteo_core.cohort.score import score_file  # noqa: E402
from osteo_core.errors import TableReadError  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as local, distributed.Client(local) as client:
        yield local, client


@pytest.fixture(scope="module")
def cohort_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dask")
    frame = demo_cohort(5000, seed=3).astype(str)
    frame.loc[7, "weight_kg"] = "heavy"
    frame["note"] = "=1+1"
    source = folder / "cohort.csv"
    text = frame.to_csv(index=False, sep=";")
    lines = text.splitlines(keepends=True)
    lines[30] = lines[30].rstrip("\n") + ";stray\n"  # a ragged row, kept and flagged on both paths
    source.write_bytes("".join(lines).encode("cp1252"))  # not UTF-8: the same encoding rule on both paths
    return source


def test_dask_output_is_identical_to_single_machine(cohort_file, cluster, tmp_path):
    _, client = cluster
    single, dask_out = tmp_path / "single.csv", tmp_path / "dask.csv"
    expected = score_file(cohort_file, single, chunk_rows=1000)
    seen = []
    totals = score_file_dask(cohort_file, dask_out, client=client, chunk_rows=1000, progress=seen.append)
    assert totals == expected and seen[-1] == 5000 and len(seen) == 5 and totals["with_issues"] >= 2
    assert dask_out.read_bytes() == single.read_bytes()


def test_cli_runs_on_a_dask_scheduler(cohort_file, cluster, tmp_path, capsys):
    local, _ = cluster
    out = tmp_path / "cli.csv"
    assert main(["score-cohort", str(cohort_file), "--out", str(out), "--dask", local.scheduler_address]) == 0
    assert "Dask cluster" in capsys.readouterr().err
    assert len(pd.read_csv(out, sep=",")) == 5000


def test_dask_path_refuses_missing_columns_and_other_types(tmp_path, cluster):
    _, client = cluster
    source = tmp_path / "bad.csv"
    source.write_text("age,sex\n60,F\n")
    with pytest.raises(TableReadError, match="`weight_kg`, `height_cm`"):
        score_file_dask(source, tmp_path / "o.csv", client=client)
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(TableReadError, match="Unsupported file type"):
        score_file_dask(tmp_path / "x.json", tmp_path / "o.csv", client=client)
