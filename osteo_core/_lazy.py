"""Lazy public names for a package's ``__init__``: ``from osteo_core.clinical import assess_patient`` imports only
the submodule that defines it, so importing one name never loads the whole package (or TensorFlow)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any


def lazy_loader(package: str, names: Sequence[str], submodules: Sequence[str]
                ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: a name of ``names`` (its ``__all__``) is looked up in
    ``submodules`` in order, imported on first use and cached on the package. Other names raise AttributeError."""
    public = frozenset(names)

    def __getattr__(name: str) -> Any:  # noqa: N807 (the module hook's fixed name)
        if name in public:
            module = importlib.import_module(package)
            for sub in submodules:
                source = importlib.import_module(f"{package}.{sub}")
                if hasattr(source, name):
                    value = getattr(source, name)
                    setattr(module, name, value)
                    return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:  # noqa: N807
        return sorted(public | set(submodules))

    return __getattr__, __dir__
