"""Spec loading: one bundled OpenAPI document from a file, a multi-file tree or a URL, and its VoIPBIN shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from conformance.openapi._params import INVALID, coerce
from conformance.openapi.bundle import Document, load_document
from conformance.openapi.shape import (
    Collection,
    IdSource,
    ListNames,
    Operation,
    Shape,
    fill_path,
    is_id_param,
    json_media,
    match_path,
    properties,
    resolve,
    returned_once,
)

__all__ = [
    "INVALID",
    "Collection",
    "Document",
    "IdSource",
    "ListNames",
    "Operation",
    "Shape",
    "Spec",
    "coerce",
    "fill_path",
    "is_id_param",
    "json_media",
    "load_spec",
    "match_path",
    "properties",
    "resolve",
    "returned_once",
]


@dataclass
class Spec:
    source: str
    document: Document = field(repr=False)
    files: int = 1
    list_names: ListNames = field(default_factory=ListNames)

    @cached_property
    def shape(self) -> Shape:
        return Shape(self.document, self.list_names)

    def follow(self, page_params: frozenset[str], result_field: str) -> Spec:
        """Read lists as a conventions profile names them (the shape is worked out again if they differ)."""
        names = ListNames(page_params, result_field)
        if names != self.list_names:
            self.list_names = names
            self.__dict__.pop("shape", None)
        return self

    @property
    def base_path(self) -> str:
        """The server path (`/v1.0` for VoIPBIN) that every operation path is served under."""
        servers = self.document.get("servers") or []
        url = servers[0].get("url", "") if servers and isinstance(servers[0], dict) else ""
        return urlsplit(url).path.rstrip("/")

    @property
    def version(self) -> str:
        return str(self.document.get("openapi"))

    def info(self) -> dict[str, Any]:
        return dict(self.document.get("info") or {})


def load_spec(source: str, *, timeout: float = 30.0) -> Spec:
    """Load and bundle `source` (a path, a directory holding openapi.yaml, or an http(s) URL)."""
    document, files = load_document(source, timeout=timeout)
    return Spec(source=source, document=document, files=files)
