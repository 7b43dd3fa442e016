"""Command-line safety (issue 14, item 11): ``--spreadsheet-safe`` neutralises formula cells with the page export's
function, and ``--dask`` refuses a remote scheduler without TLS unless ``--insecure``."""

from __future__ import annotations

import pandas as pd
import pytest

from osteo_core.__main__ import main
from osteo_core.cohort.export import neutralise_formulas

FORMULAS = ["=1+1", "@SUM(A1)", "+41-1", "-2+3", "ok", "-5"]


def _table(tmp_path):
    frame = pd.DataFrame({"id": FORMULAS, "age": ["67"] * 6, "sex": ["F"] * 6, "weight_kg": ["58"] * 6,
                          "height_cm": ["160"] * 6})
    source = tmp_path / "formulas.csv"
    frame.to_csv(source, index=False)
    return source


def test_score_cohort_writes_formulas_unchanged_by_default_and_neutralised_on_request(tmp_path):
    source = _table(tmp_path)
    assert main(["score-cohort", str(source), "--out", str(tmp_path / "raw.csv")]) == 0
    assert main(["score-cohort", str(source), "--out", str(tmp_path / "safe.csv"), "--spreadsheet-safe"]) == 0
    raw = pd.read_csv(tmp_path / "raw.csv", dtype=str, keep_default_na=False)
    safe = pd.read_csv(tmp_path / "safe.csv", dtype=str, keep_default_na=False)
    assert list(raw["id"]) == FORMULAS
    assert list(safe["id"]) == ["'=1+1", "'@SUM(A1)", "'+41-1", "'-2+3", "ok", "-5"]
    assert safe.astype(str).values.tolist() == neutralise_formulas(raw).astype(str).values.tolist()


def test_help_says_when_to_use_spreadsheet_safe(capsys):
    for command in ("score-cohort", "predict-images"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "--spreadsheet-safe" in capsys.readouterr().out


@pytest.mark.parametrize("address", ["tcp://10.1.2.3:8786", "scheduler.example.org:8786", "tcp://[2001:db8::1]:8786"])
def test_remote_scheduler_without_tls_is_refused(tmp_path, capsys, monkeypatch, address):
    from osteo_core.cohort import distributed

    monkeypatch.setattr(distributed, "connect", lambda *a, **k: pytest.fail("must not connect"))
    assert main(["score-cohort", str(_table(tmp_path)), "--out", str(tmp_path / "o.csv"), "--dask", address]) == 2
    err = capsys.readouterr().err
    assert "not on this machine and no TLS is configured" in err and "--insecure" in err


@pytest.mark.parametrize("address, insecure", [("local", False), ("tcp://127.0.0.1:8786", False),
                                               ("tcp://localhost:8786", False), ("tcp://10.1.2.3:8786", True)])
def test_loopback_or_insecure_scheduler_needs_no_tls(address, insecure):
    from osteo_core.cohort.distributed import cluster_security

    assert cluster_security(address, insecure=insecure) is None


def test_tls_files_give_a_distributed_security_object(tmp_path):
    pytest.importorskip("distributed")
    from distributed.security import Security

    from osteo_core.cohort.distributed import cluster_security
    from osteo_core.errors import InsecureClusterError

    files = [tmp_path / n for n in ("ca.pem", "me.pem", "me.key")]
    for file in files:
        file.write_text("-----BEGIN CERTIFICATE-----\n")
    security = cluster_security("tls://10.1.2.3:8786", *map(str, files))
    assert isinstance(security, Security) and security.require_encryption
    assert security.tls_ca_file == str(files[0]) and security.tls_client_key == str(files[2])
    with pytest.raises(InsecureClusterError, match="all three"):
        cluster_security("tls://10.1.2.3:8786", tls_ca=str(files[0]))
