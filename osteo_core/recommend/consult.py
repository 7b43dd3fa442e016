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

CONFIG_PATH = PROJECT_ROOT / "config" / "consult_links.yaml"
EXAMPLE_PATH = PROJECT_ROOT / "config" / "consult_links.example.yaml"
ENV_VAR = CONSULT_LINKS_ENV
KINDS = {"teleconsult": "Teleconsultation", "in_person": "In person", "information": "Information"}
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
        return KINDS[self.kind]


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


DEFAULT_DIRECTORY = ConsultDirectory(
    regions=("International",), default_region="International", origin="built-in defaults",
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
        return f"`url` must be text starting with https://. Got {url!r}."
    if any(ch.isspace() for ch in url) or len(url) > 500:
        return f"`url` must be one web address without spaces (≤ 500 characters). Got {url!r}."
    parts = urlsplit(url)
    if parts.scheme != "https":
        return (f"`url` must start with https:// (plain http and other schemes are refused). "
                f"Got {url!r}.")
    host = parts.hostname or ""
    if "." not in host or parts.username or parts.password:
        return f"`url` must name a web host such as https://www.example.org/ (no user name or password). Got {url!r}."
    return None


def _link(raw: Any, index: int, regions: tuple[str, ...], problems: list[str]) -> ConsultLink | None:
    if not isinstance(raw, Mapping):
        problems.append(f"entry {index + 1} must be a mapping with name, url, region, kind. Got {raw!r}.")
        return None
    name = raw.get("name")
    where = f"entry {index + 1} ({name!r})" if isinstance(name, str) else f"entry {index + 1}"
    before = len(problems)
    for key in sorted(set(raw) - _LINK_KEYS):
        problems.append(f"{where}: unknown key `{key}` (known: {', '.join(sorted(_LINK_KEYS))}).")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        problems.append(f"{where}: `name` must be non-empty text of at most {MAX_NAME} characters. Got {name!r}.")
    if (problem := url_problem(raw.get("url"))) is not None:
        problems.append(f"{where}: {problem}")
    if raw.get("region") not in regions:
        problems.append(f"{where}: `region` must be one of {', '.join(regions)}. Got {raw.get('region')!r}.")
    if raw.get("kind") not in KINDS:
        problems.append(f"{where}: `kind` must be one of {', '.join(KINDS)}. Got {raw.get('kind')!r}.")
    description = raw.get("description", "")
    if not isinstance(description, str):
        problems.append(f"{where}: `description` must be text. Got {description!r}.")
    if len(problems) > before:
        return None
    return ConsultLink(name.strip(), raw["url"], raw["region"], raw["kind"], description.strip())


def parse_directory(raw: Any, origin: str) -> ConsultDirectory:
    """A validated directory from parsed YAML. Raises :class:`ConsultConfigError` listing every problem."""
    if not isinstance(raw, Mapping):
        raise ConsultConfigError(origin, [f"the file must hold a mapping with `regions` and `links`. Got {raw!r}."])
    problems: list[str] = []
    regions = raw.get("regions")
    if not isinstance(regions, list) or not regions or not all(isinstance(r, str) and r.strip() for r in regions):
        problems.append(f"`regions` must be a non-empty list of region names. Got {regions!r}.")
        regions = []
    elif len(set(regions)) != len(regions):
        problems.append(f"`regions` lists a region twice. Got {regions!r}.")
    regions = tuple(regions)
    default = raw.get("default_region", regions[0] if regions else None)
    if regions and default not in regions:
        problems.append(f"`default_region` must be one of {', '.join(regions)}. Got {default!r}.")
    items = raw.get("links")
    if not isinstance(items, list) or not items:
        problems.append(f"`links` must be a non-empty list. Got {items!r}.")
        items = []
    links = [link for i, item in enumerate(items) if (link := _link(item, i, regions, problems)) is not None]
    names = [link.name.casefold() for link in links]
    problems += [f"the name {link.name!r} is used more than once." for i, link in enumerate(links)
                 if link.name.casefold() in names[:i]]
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
        raise ConsultConfigError(_shown(path), [f"cannot read the file: {exc.strerror or exc}"]) from exc
    except yaml.YAMLError as exc:
        raise ConsultConfigError(_shown(path), [f"not valid YAML: {exc}"]) from exc
    return parse_directory(raw, _shown(path))


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)
