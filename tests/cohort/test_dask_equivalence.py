"""The Dask path (map_partitions on a LocalCluster) must give byte-for-byte the single-machine output."""

import pandas as pd
import pytest

pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from osteo_core.__main__ import main  # noqa: E402
from osteo_core.cohort.demo import demo_cohort  # noqa: E402
from osteo_core.cohort.distributed import read_dask_frame, score_file_dask  # noqa: E402
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
    frame.to_csv(source, index=False, sep=";", encoding="utf-8-sig")
    return source


def test_dask_output_is_identical_to_single_machine(cohort_file, cluster, tmp_path):
    _, client = cluster
    single, dask_out = tmp_path / "single.csv", tmp_path / "dask.csv"
    expected = score_file(cohort_file, single, chunk_rows=1000)
    assert read_dask_frame(str(cohort_file), blocksize=40_000).npartitions > 2
    seen = []
    totals = score_file_dask(cohort_file, dask_out, client=client, blocksize=40_000, progress=seen.append)
    assert totals == expected and seen[-1] == 5000 and len(seen) > 2
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
    with pytest.raises(TableReadError, match="xlsx"):
        score_file_dask(tmp_path / "x.xlsx", tmp_path / "o.csv", client=client)
