"""The cohort scoring on a Dask cluster: the client streams the table with the one reader
(:func:`osteo_core.cohort.reading.open_table`), the workers score the chunks
(:func:`osteo_core.cohort.score.score_chunk`), and the client writes one CSV in the input's row order, exactly as
the single-machine ``score_file`` does (same encodings, bad rows, counts).

Python API::

    from osteo_core.cohort.distributed import cluster_security, score_file_dask
    security = cluster_security("tls://scheduler:8786", tls_ca="ca.pem", tls_cert="me.pem", tls_key="me.key")
    score_file_dask("cohort.csv", "scored.csv", address="tls://scheduler:8786", security=security)

Patient rows travel to the workers: a scheduler that is not on this machine must use TLS (``distributed``'s
``Security``), unless ``insecure=True`` says the network is trusted. The workers need this package (same version).
``address="local"`` starts a cluster on this machine.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

from osteo_core.clinical.risk_model import RiskModel, load_risk_model
from osteo_core.cohort.columns import ColumnMapping, map_columns
from osteo_core.cohort.reading import DEFAULT_CHUNK_ROWS, TableChunk, open_table
from osteo_core.cohort.score import _require_fields, score_chunk, write_scored
from osteo_core.cohort.view import counts
from osteo_core.errors import DaskUnavailableError, InsecureClusterError, TableReadError
from osteo_core.i18n import _

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def score_partition(chunk: TableChunk, model: RiskModel, mapping: ColumnMapping) -> pd.DataFrame:
    """Score one chunk (runs on a worker): :func:`osteo_core.cohort.score.score_chunk` with the client's mapping."""
    return score_chunk(chunk, model, mapping)[0]


def is_loopback(address: str) -> bool:
    """True for ``"local"`` and for a scheduler address on this machine (localhost, 127.x.x.x, ::1)."""
    if address == "local":
        return True
    host = urlsplit(address if "://" in address else f"tcp://{address}").hostname or ""
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def cluster_security(address: str, tls_ca: str | None = None, tls_cert: str | None = None,
                     tls_key: str | None = None, insecure: bool = False):
    """The ``distributed.Security`` for ``address``: TLS with the given CA, client certificate and key, or
    ``None`` for plain TCP on this machine (or anywhere with ``insecure=True``).

    Raises :class:`InsecureClusterError` for a remote scheduler without TLS and without ``insecure``.
    """
    if tls_ca or tls_cert or tls_key:
        if not (tls_ca and tls_cert and tls_key):
            raise InsecureClusterError(_("TLS needs all three of --dask-tls-ca, --dask-tls-cert and "
                                         "--dask-tls-key."))
        from distributed.security import Security

        return Security(tls_ca_file=tls_ca, tls_client_cert=tls_cert, tls_client_key=tls_key,
                        require_encryption=True)
    if is_loopback(address) or insecure:
        return None
    raise InsecureClusterError(_(
        "The Dask scheduler {address} is not on this machine and no TLS is configured, so patient rows would "
        "cross the network unencrypted and unauthenticated. Give --dask-tls-ca, --dask-tls-cert and "
        "--dask-tls-key (and a tls:// address), or --insecure if the network is trusted.").format(address=address))


def connect(address: str, security=None):
    """A ``distributed.Client`` for ``address`` (``tcp://host:8786`` or ``tls://…`` with ``security``), or a new
    local cluster for ``"local"``.

    Raises :class:`DaskUnavailableError` when Dask is missing or the scheduler does not answer.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise DaskUnavailableError(_("Dask is not installed: {command}").format(
            command="pip install 'dask[dataframe]' distributed")) from exc
    try:
        if address == "local":
            return Client(LocalCluster(processes=True, threads_per_worker=1, dashboard_address=None))
        if security is not None and address.startswith("tcp://"):
            address = "tls://" + address[len("tcp://"):]
        return Client(address, timeout="20s", security=security)
    except (OSError, TimeoutError) as exc:
        raise DaskUnavailableError(_("Cannot reach the Dask scheduler at {address}: {error}").format(
            address=address, error=exc)) from exc


def score_file_dask(
    input_path: str | Path,
    output_path: str | Path,
    address: str | None = None,
    client=None,
    model: RiskModel | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: Callable[[int], None] | None = None,
    spreadsheet_safe: bool = False,
    security=None,
    in_flight: int = 4,
) -> dict[str, int]:
    """Score ``input_path`` on a Dask cluster into the local CSV ``output_path`` (same content and row order as
    ``score_file``). Pass a connected ``client`` or an ``address`` ("local" for a cluster on this machine) and
    its ``security`` (see :func:`cluster_security`). At most ``in_flight`` chunks are on the cluster at once.

    ``progress`` gets the rows written so far. Returns the counts of ``score_file``. Raises
    :class:`TableReadError` for an unreadable file or missing required columns, :class:`DaskUnavailableError`
    when no cluster can be used.
    """
    if client is None and address is None:
        raise ValueError(_("Give a Dask client or a scheduler address (e.g. tcp://scheduler:8786 or 'local')."))
    stream = open_table(input_path, chunk_rows=chunk_rows)
    mapping = map_columns(stream.columns)
    _require_fields(mapping)
    model = model or load_risk_model()
    own_client = client is None
    client = client or connect(address, security)
    totals = {"rows": 0, "scored": 0, "with_issues": 0}
    try:
        model_future = client.scatter(model, broadcast=True)
        pending = []
        with open(output_path, "wb") as out:
            def drain(limit: int) -> None:
                while len(pending) > limit:
                    future, header = pending.pop(0)
                    part = future.result()
                    future.release()
                    write_scored(part, out, header, spreadsheet_safe)
                    for key, value in counts(part).items():
                        totals[key] += value
                    if progress:
                        progress(totals["rows"])

            for chunk in stream.chunks:
                pending.append((client.submit(score_partition, chunk, model_future, mapping, pure=False),
                                chunk.start == 0))
                drain(in_flight)
            drain(0)
        if totals["rows"] == 0:
            raise TableReadError(_("{name} has no rows.").format(name=Path(str(input_path)).name))
        return totals
    finally:
        if own_client:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()
