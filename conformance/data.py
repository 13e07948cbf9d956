"""Where the conventions data (`schemas/`) lives: beside the package in a checkout, inside it when installed."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def schemas_dir() -> Path:
    here = Path(__file__).resolve().parent
    # A wheel carries `schemas/` as `conformance/_data/schemas`; an editable install or a checkout has it at the top.
    for candidate in (here / "_data" / "schemas", here.parent / "schemas"):
        if (candidate / "profiles").is_dir():
            return candidate
    raise FileNotFoundError("the conventions data (schemas/) is missing from this installation")


def bundled_spec_path() -> Path:
    return schemas_dir() / "openapi" / "voipbin.yaml"
