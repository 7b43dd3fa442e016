"""The cohort scoring on a Dask cluster: ``dask.dataframe`` reads the file in partitions on the workers,
``map_partitions`` runs :func:`osteo_core.cohort.score.score_frame` on each, and the client writes one CSV in the
input's row order, exactly as the single-machine ``score_file`` does.

Python API::

    from osteo_core.cohort.distributed import score_file_dask
    score_file_dask("s3://bucket/cohort.csv", "scored.csv", address="tcp://scheduler:8786")

The workers need this package (same version, with its dependencies) and must be able to read ``input_path`` (a
shared disk, or a URL such as ``s3://`` with ``s3fs`` installed). ``address="local"`` starts a cluster on this machine.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from osteo_core.clinical.risk_model import RiskModel, load_risk_model
from osteo_core.cohort.columns import ColumnMapping, map_columns
from osteo_core.cohort.reading import sniff_delimiter
from osteo_core.cohort.score import score_frame
from osteo_core.errors import OsteoError, TableReadError

DEFAULT_BLOCKSIZE = "16MB"  # about 450,000 rows of a 9-column cohort file


class DaskUnavailableError(OsteoError, RuntimeError):
    """Dask (``dask[dataframe]`` and ``distributed``) is not installed, or the scheduler cannot be reached."""


def score_partition(partition: pd.DataFrame, model: RiskModel, mapping: ColumnMapping) -> pd.DataFrame:
    """Score one partition (runs on a worker). Same as ``score_frame``, with the mapping fixed by the client."""
    return score_frame(partition, model, mapping)


def read_dask_frame(input_path: str, blocksize: str | int = DEFAULT_BLOCKSIZE):
    """A ``dask.dataframe`` over a CSV (cells as text, delimiter sniffed, BOM removed) or Parquet file/folder.

    Raises :class:`TableReadError` for another type or an unreadable file.
    """
    import dask.dataframe as dd
    import fsspec

    suffix = Path(str(input_path).rstrip("/")).suffix.lower()
    try:
        if suffix in (".csv", ".txt", ".tsv"):
            with fsspec.open(input_path, "rb") as handle:
                head = handle.read(65536).decode("utf-8-sig", errors="replace")
            if not head.strip():
                raise TableReadError(f"{input_path} is empty.")
            return dd.read_csv(input_path, sep=sniff_delimiter(head), dtype=str, keep_default_na=False,
                               encoding="utf-8-sig", blocksize=blocksize)
        if suffix == ".parquet":
            return dd.read_parquet(input_path)
    except TableReadError:
        raise
    except (ValueError, OSError) as exc:
        raise TableReadError(f"Cannot read {input_path}: {exc}") from exc
    raise TableReadError(f"--dask reads .csv or .parquet files; got '{suffix}'. Convert Excel files to CSV first.")


def connect(address: str):
    """A ``distributed.Client`` for ``address`` (``tcp://host:8786``), or a new local cluster for ``"local"``.

    Raises :class:`DaskUnavailableError` when Dask is missing or the scheduler does not answer.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise DaskUnavailableError("Dask is not installed: pip install 'dask[dataframe]' distributed") from exc
    try:
        if address == "local":
            return Client(LocalCluster(processes=True, threads_per_worker=1, dashboard_address=None))
        return Client(address, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise DaskUnavailableError(f"Cannot reach the Dask scheduler at {address}: {exc}") from exc


def score_file_dask(
    input_path: str | Path,
    output_path: str | Path,
    address: str | None = None,
    client=None,
    model: RiskModel | None = None,
    blocksize: str | int = DEFAULT_BLOCKSIZE,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Score ``input_path`` on a Dask cluster into the local CSV ``output_path`` (same content and row order as
    ``score_file``). Pass a connected ``client`` or an ``address`` ("local" for a cluster on this machine).

    ``progress`` gets the rows written so far. Returns counts of rows, valid rows and rows with issues. Raises
    :class:`TableReadError` for an unreadable file or missing required columns, :class:`DaskUnavailableError`
    when no cluster can be used.
    """
    if client is None and address is None:
        raise ValueError("Give a Dask client or a scheduler address (e.g. tcp://scheduler:8786 or 'local').")
    model = model or load_risk_model()
    frame = read_dask_frame(str(input_path), blocksize)
    mapping = map_columns(list(frame.columns))
    meta = score_frame(frame._meta, model, mapping)
    own_client = client is None
    client = client or connect(address)
    try:
        model_future = client.scatter(model, broadcast=True)
        scored = frame.map_partitions(score_partition, model_future, mapping, meta=meta)
        futures = client.compute(scored.to_delayed())
        totals = {"rows": 0, "valid": 0, "with_issues": 0}
        with open(output_path, "w", newline="", encoding="utf-8") as out:
            for index, future in enumerate(futures):
                part = future.result()
                future.release()
                part.to_csv(out, header=index == 0, index=False)
                bad = int((part["issues"] != "").sum())
                totals["rows"] += len(part)
                totals["with_issues"] += bad
                totals["valid"] += len(part) - bad
                if progress:
                    progress(totals["rows"])
        if totals["rows"] == 0:
            raise TableReadError(f"{Path(str(input_path)).name} has no rows.")
        return totals
    finally:
        if own_client:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()
