"""Consult and teleconsult directory by region, read from ``config/consult_links.yaml`` (or the committed example,
or built-in defaults) and validated: https links only, unique names, known regions and kinds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from osteo_core.config import CONSULT_LINKS_ENV, PROJECT_ROOT, consult_links_file
from osteo_core.errors import ConsultConfigError
from osteo_core.i18n import N_, _

CONFIG_PATH = PROJECT_ROOT / "config" / "consult_links.yaml"
EXAMPLE_PATH = PROJECT_ROOT / "config" / "consult_links.example.yaml"
ENV_VAR = CONSULT_LINKS_ENV
# Kind → label (English msgid; translated where shown, see :attr:`ConsultLink.kind_label`).
KINDS = {"teleconsult": N_("Teleconsultation"), "in_person": N_("In person"), "information": N_("Information")}
DEFAULT_ORIGIN = N_("built-in defaults")
# The words readers see in the committed example directory and the built-in defaults (region names, the service
# part of link names, descriptions), marked so the catalogue translates them. Organisation names and URLs stay as
# written; a site's own entries are shown as written unless the catalogue happens to hold them.
DIRECTORY_WORDS = (
    N_("International"), N_("India"), N_("United Kingdom"), N_("United States"),
    N_("International Osteoporosis Foundation — patient information"),
    N_("Plain-language information on osteoporosis, risk factors and treatment."),
    N_("Apollo 24|7 online consultation"),
    N_("Book a video or in-person consultation with an orthopaedic doctor or endocrinologist."),
    N_("NHS — find a GP"),
    N_("Find a general practice near you to discuss a bone-density scan or knee symptoms."),
    N_("Royal Osteoporosis Society — helpline"),
    N_("Specialist nurse helpline and information on bone health."),
    N_("Patient information and support on bone health and osteoporosis."),
)
MAX_NAME = 80
_LINK_KEYS = {"name", "url", "region", "kind", "description"}


@dataclass(frozen=True)
class ConsultLink:
    """One consult option; ``url`` is always https."""

    name: str
    url: str
    region: str
    kind: str
    description: str = ""

    @property
    def kind_label(self) -> str:
        """The kind in the current language (``"Teleconsultation"``, ``"Teleconsulta"`` …)."""
        return _(KINDS[self.kind])

    @property
    def shown_name(self) -> str:
        """The name in the current language where the catalogue holds it (organisation names stay as written)."""
        return _(self.name)

    @property
    def shown_description(self) -> str:
        """The description in the current language where the catalogue holds it ("" when there is none)."""
        return _(self.description)


@dataclass(frozen=True)
class ConsultDirectory:
    """Validated links with their regions; ``origin`` names where they came from."""

    regions: tuple[str, ...]
    default_region: str
    links: tuple[ConsultLink, ...]
    origin: str

    def for_region(self, region: str) -> list[ConsultLink]:
        """Links of ``region`` followed by the "International" ones (if that region exists)."""
        own = [link for link in self.links if link.region == region]
        shared = [link for link in self.links if link.region == "International" and region != "International"]
        return own + shared

    @property
    def shown_origin(self) -> str:
        """Where the links came from, for a caption: the file's path, or "built-in defaults" in the current
        language."""
        return _(self.origin)


def region_label(region: str) -> str:
    """A region's name in the current language where the catalogue holds it (for a selectbox's ``format_func``;
    the option value stays the region as written in the file)."""
    return _(region)


DEFAULT_DIRECTORY = ConsultDirectory(
    regions=("International",), default_region="International", origin=DEFAULT_ORIGIN,
    links=(
        ConsultLink("International Osteoporosis Foundation — patient information",
                    "https://www.osteoporosis.foundation/patients", "International", "information",
                    "Plain-language information on osteoporosis, risk factors and treatment."),
    ),
)


def url_problem(url: Any) -> str | None:
    """Why ``url`` is not an acceptable consult link (https, a host name with a dot, no spaces or credentials),
    or ``None`` when it is fine."""
    if not isinstance(url, str) or not url.strip():
        return _("`url` must be text starting with https://. Got {value}.").format(value=repr(url))
    if any(ch.isspace() for ch in url) or len(url) > 500:
        return _("`url` must be one web address without spaces (≤ 500 characters). Got {value}.").format(
            value=repr(url))
    parts = urlsplit(url)
    if parts.scheme != "https":
        return _("`url` must start with https:// (plain http and other schemes are refused). Got {value}.").format(
            value=repr(url))
    host = parts.hostname or ""
    if "." not in host or parts.username or parts.password:
        return _("`url` must name a web host such as https://www.example.org/ (no user name or password). "
                 "Got {value}.").format(value=repr(url))
    return None


def _link(raw: Any, index: int, regions: tuple[str, ...], problems: list[str]) -> ConsultLink | None:
    if not isinstance(raw, Mapping):
        problems.append(_("entry {number} must be a mapping with name, url, region, kind. Got {value}.").format(
            number=index + 1, value=repr(raw)))
        return None
    name = raw.get("name")
    where = (_("entry {number} ({name})").format(number=index + 1, name=repr(name)) if isinstance(name, str)
             else _("entry {number}").format(number=index + 1))
    before = len(problems)
    for key in sorted(set(raw) - _LINK_KEYS):
        problems.append(_("{where}: unknown key `{key}` (known: {known}).").format(
            where=where, key=key, known=", ".join(sorted(_LINK_KEYS))))
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        problems.append(_("{where}: `name` must be non-empty text of at most {limit} characters. "
                          "Got {value}.").format(where=where, limit=MAX_NAME, value=repr(name)))
    if (problem := url_problem(raw.get("url"))) is not None:
        problems.append(_("{where}: {problem}").format(where=where, problem=problem))
    if raw.get("region") not in regions:
        problems.append(_("{where}: `region` must be one of {allowed}. Got {value}.").format(
            where=where, allowed=", ".join(regions), value=repr(raw.get("region"))))
    if raw.get("kind") not in KINDS:
        problems.append(_("{where}: `kind` must be one of {allowed}. Got {value}.").format(
            where=where, allowed=", ".join(KINDS), value=repr(raw.get("kind"))))
    description = raw.get("description", "")
    if not isinstance(description, str):
        problems.append(_("{where}: `description` must be text. Got {value}.").format(
            where=where, value=repr(description)))
    if len(problems) > before:
        return None
    return ConsultLink(name.strip(), raw["url"], raw["region"], raw["kind"], description.strip())


def parse_directory(raw: Any, origin: str) -> ConsultDirectory:
    """A validated directory from parsed YAML. Raises :class:`ConsultConfigError` listing every problem."""
    if not isinstance(raw, Mapping):
        raise ConsultConfigError(origin, [_("the file must hold a mapping with `regions` and `links`. "
                                            "Got {value}.").format(value=repr(raw))])
    problems: list[str] = []
    regions = raw.get("regions")
    if not isinstance(regions, list) or not regions or not all(isinstance(r, str) and r.strip() for r in regions):
        problems.append(_("`regions` must be a non-empty list of region names. Got {value}.").format(
            value=repr(regions)))
        regions = []
    elif len(set(regions)) != len(regions):
        problems.append(_("`regions` lists a region twice. Got {value}.").format(value=repr(regions)))
    regions = tuple(regions)
    default = raw.get("default_region", regions[0] if regions else None)
    if regions and default not in regions:
        problems.append(_("`default_region` must be one of {allowed}. Got {value}.").format(
            allowed=", ".join(regions), value=repr(default)))
    items = raw.get("links")
    if not isinstance(items, list) or not items:
        problems.append(_("`links` must be a non-empty list. Got {value}.").format(value=repr(items)))
        items = []
    links = [link for i, item in enumerate(items) if (link := _link(item, i, regions, problems)) is not None]
    names = [link.name.casefold() for link in links]
    problems += [_("the name {name} is used more than once.").format(name=repr(link.name))
                 for i, link in enumerate(links) if link.name.casefold() in names[:i]]
    if problems:
        raise ConsultConfigError(origin, problems)
    return ConsultDirectory(regions=regions, default_region=default, links=tuple(links), origin=origin)


def consult_links_path() -> Path | None:
    """The file to read: ``$OSTEO_CONSULT_LINKS``, else ``config/consult_links.yaml``, else the committed example;
    ``None`` when none exists (built-in defaults are used)."""
    if (named := consult_links_file()) is not None:
        return named
    for path in (CONFIG_PATH, EXAMPLE_PATH):
        if path.is_file():
            return path
    return None


def load_consult_directory(path: Path | str | None = None) -> ConsultDirectory:
    """Read and validate the consult directory (see :func:`consult_links_path`); built-in defaults when no file.

    Raises :class:`ConsultConfigError` for a missing named file, bad YAML or malformed entries.
    """
    path = Path(path) if path is not None else consult_links_path()
    if path is None:
        return DEFAULT_DIRECTORY
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        problem = _("cannot read the file: {error}").format(error=exc.strerror or exc)
        raise ConsultConfigError(_shown(path), [problem]) from exc
    except yaml.YAMLError as exc:
        raise ConsultConfigError(_shown(path), [_("not valid YAML: {error}").format(error=exc)]) from exc
    return parse_directory(raw, _shown(path))


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)
