"""Consult-link directory: the committed example, defaults, precedence and refusal of malformed entries."""

from __future__ import annotations

import pytest
import yaml

from osteo_core.recommend import consult
from osteo_core.recommend.consult import (
    DEFAULT_DIRECTORY,
    ConsultConfigError,
    load_consult_directory,
    parse_directory,
    url_problem,
)

GOOD_LINK = {"name": "Clinic", "url": "https://clinic.example.org/book", "region": "Here", "kind": "in_person"}


def _directory(*links, regions=("Here",), **extra) -> dict:
    return {"regions": list(regions), "links": list(links), **extra}


def test_committed_example_is_valid_and_holds_apollo():
    directory = load_consult_directory(consult.EXAMPLE_PATH)
    names = [link.name for link in directory.links]
    assert any("Apollo" in name for name in names)
    assert all(link.url.startswith("https://") for link in directory.links)
    assert directory.default_region in directory.regions
    india = [link.name for link in directory.for_region("India")]
    assert india[0].startswith("Apollo") and any("International" in n for n in india)


def test_defaults_when_nothing_is_configured(tmp_path, monkeypatch):
    monkeypatch.delenv(consult.ENV_VAR, raising=False)
    monkeypatch.setattr(consult, "CONFIG_PATH", tmp_path / "none.yaml")
    monkeypatch.setattr(consult, "EXAMPLE_PATH", tmp_path / "none.example.yaml")
    assert load_consult_directory() is DEFAULT_DIRECTORY
    assert DEFAULT_DIRECTORY.links and url_problem(DEFAULT_DIRECTORY.links[0].url) is None


def test_local_file_wins_over_the_example_and_env_var_wins_over_both(tmp_path, monkeypatch):
    local = tmp_path / "consult_links.yaml"
    local.write_text(yaml.safe_dump(_directory(GOOD_LINK)), encoding="utf-8")
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump(_directory({**GOOD_LINK, "name": "Other"})), encoding="utf-8")
    monkeypatch.delenv(consult.ENV_VAR, raising=False)
    monkeypatch.setattr(consult, "CONFIG_PATH", local)
    assert [link.name for link in load_consult_directory().links] == ["Clinic"]
    monkeypatch.setenv(consult.ENV_VAR, str(other))
    assert [link.name for link in load_consult_directory().links] == ["Other"]


@pytest.mark.parametrize(("url", "ok"), [
    ("https://www.apollo247.com/", True),
    ("https://example.org/a?b=c", True),
    ("http://example.org", False),
    ("javascript:alert(1)", False),
    ("https://localhost", False),
    ("https://user:pw@example.org", False),
    ("https://exa mple.org", False),
    ("", False),
    (None, False),
])
def test_url_problem_accepts_only_plain_https_web_addresses(url, ok):
    assert (url_problem(url) is None) == ok


@pytest.mark.parametrize(("raw", "match"), [
    (_directory({**GOOD_LINK, "url": "http://clinic.example.org"}), r"entry 1 \('Clinic'\): `url` must start with https://"),
    (_directory({**GOOD_LINK, "region": "Elsewhere"}), "`region` must be one of Here. Got 'Elsewhere'"),
    (_directory({**GOOD_LINK, "kind": "pharmacy"}), "`kind` must be one of teleconsult, in_person, information"),
    (_directory({**GOOD_LINK, "name": ""}), "`name` must be non-empty text"),
    (_directory({**GOOD_LINK, "name": "x" * 81}), "at most 80 characters"),
    (_directory({**GOOD_LINK, "phone": "123"}), "unknown key `phone`"),
    (_directory(GOOD_LINK, GOOD_LINK), "the name 'Clinic' is used more than once"),
    (_directory(GOOD_LINK, default_region="Mars"), "`default_region` must be one of Here"),
    (_directory(GOOD_LINK, regions=()), "`regions` must be a non-empty list"),
    (_directory(), "`links` must be a non-empty list"),
    (["not", "a", "mapping"], "must hold a mapping"),
])
def test_malformed_entries_are_refused_with_a_clear_message(raw, match):
    with pytest.raises(ConsultConfigError, match=match):
        parse_directory(raw, "test.yaml")


def test_every_problem_is_listed_at_once(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(_directory({**GOOD_LINK, "url": "ftp://x.org"}, {**GOOD_LINK, "name": "B",
                                                                                    "kind": "?"})))
    with pytest.raises(ConsultConfigError) as info:
        load_consult_directory(path)
    assert len(info.value.issues) == 2
    assert isinstance(info.value, ValueError)


def test_unreadable_and_invalid_yaml_files_are_refused(tmp_path):
    with pytest.raises(ConsultConfigError, match="cannot read the file"):
        load_consult_directory(tmp_path / "missing.yaml")
    path = tmp_path / "bad.yaml"
    path.write_text("links: [unclosed", encoding="utf-8")
    with pytest.raises(ConsultConfigError, match="not valid YAML"):
        load_consult_directory(path)
