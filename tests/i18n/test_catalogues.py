"""The translation catalogues: every message of the sources is translated, placeholders survive, .mo is fresh."""

from __future__ import annotations

import io

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from osteo_core.i18n import LANGUAGES, N_, _, needs_review, ngettext, use_language
from osteo_core.i18n.__main__ import TRANSLATED, coverage
from osteo_core.i18n.extract import extract_template, placeholders
from osteo_core.i18n.languages import po_path, reviewer_in_header


@pytest.fixture(scope="module")
def report() -> dict[str, dict]:
    return coverage()


def test_the_sources_have_messages_to_translate() -> None:
    template = extract_template()
    ids = {message.id for message in template if message.id}
    assert "An aid to referral, not a diagnosis." in ids
    assert "Clinical risk" in ids  # a page title marked with N_
    assert len(ids) > 50


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated(report: dict[str, dict], language: str) -> None:
    row = report[language]
    assert not row["missing"], f"{language}: {len(row['missing'])} messages have no translation, e.g. " \
        f"{row['missing'][:5]} — run `python -m osteo_core.i18n update`, translate, then `compile`"
    assert not row["fuzzy"], f"{language}: fuzzy (unchecked) translations: {row['fuzzy'][:5]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_placeholders_match_the_english(report: dict[str, dict], language: str) -> None:
    assert not report[language]["placeholder_mismatch"], report[language]["placeholder_mismatch"][:5]


def test_placeholder_check_sees_a_lost_or_renamed_field() -> None:
    assert placeholders("{count} rows, {share:.0%} with issues") == {"{count}", "{share}"}
    assert placeholders("{count} filas") != placeholders("{count} rows, {share:.0%} with issues")
    assert placeholders("%(name)s scored") == {"%(name)"}


@pytest.mark.parametrize("language", TRANSLATED)
def test_compiled_catalogue_matches_its_source(language: str) -> None:
    with po_path(language).open("rb") as handle:
        catalog = read_po(handle, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    assert po_path(language).with_suffix(".mo").read_bytes() == compiled.getvalue(), \
        f"{language}: osteo.mo is older than osteo.po — run `python -m osteo_core.i18n compile`"


@pytest.mark.parametrize("language", TRANSLATED)
def test_disclaimer_is_translated_at_run_time(language: str) -> None:
    english = "An aid to referral, not a diagnosis."
    with use_language(language):
        translated = _(english)
    assert translated != english and translated.strip()
    assert _(english) == english  # the block restored English


def test_unknown_language_falls_back_to_english() -> None:
    with use_language("xx"):
        assert _("An aid to referral, not a diagnosis.") == "An aid to referral, not a diagnosis."
        assert ngettext("{n} row", "{n} rows", 2) == "{n} rows"
    assert N_("Clinical risk") == "Clinical risk"


def test_review_marker_follows_the_catalogue_header() -> None:
    assert reviewer_in_header('msgid ""\nmsgstr ""\n"X-Clinical-Reviewer: \\n"\n') == ""
    assert reviewer_in_header('msgid ""\nmsgstr ""\n"X-Clinical-Reviewer: Dr A. Rao, 2027-01-10\\n"\n') \
        == "Dr A. Rao, 2027-01-10"
    assert not needs_review("en")
    for code in TRANSLATED:  # drafted here; flip this once a clinician signs a catalogue
        assert needs_review(code) == (reviewer_in_header(po_path(code).read_text(encoding="utf-8")) == "")
    assert set(LANGUAGES) == {"en", "es", "hi"}


def test_readme_coverage_figure_is_the_catalogues(report: dict[str, dict]) -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    count = f"{report['es']['messages']:,}"
    assert f"{count} of {count} messages translated in each language" in readme, \
        "update the coverage line in the README's Languages section (python -m osteo_core.i18n stats)"
