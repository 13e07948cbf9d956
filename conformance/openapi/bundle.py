"""Load an OpenAPI document from a file, a multi-file tree or a URL, and bundle it into one dict.

VoIPBIN's own source keeps `openapi.yaml` at the root and one file per path under `paths/`. Those path files
use `#/components/...` refs that VoIPBIN's tooling resolves against the *root* document, although by the letter
of JSON Reference they point into the path file itself. We bundle as VoIPBIN's tooling reads it: external refs
are inlined, and a local ref inside an external file resolves against the root when the root has the target,
else against the file it stands in.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import yaml

from conformance.errors import SetupError

try:  # the C loader is several times faster on the 300 kB real source
    Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    Loader = yaml.SafeLoader

Document = dict[str, Any]


def _is_url(location: str) -> bool:
    return urlsplit(location).scheme in ("http", "https")


def _read(location: str, timeout: float) -> str:
    if _is_url(location):
        import requests

        try:
            response = requests.get(location, timeout=timeout)
        except requests.RequestException as exc:
            raise SetupError(
                f"could not fetch the spec at {location}: {type(exc).__name__}",
                "check the URL, or download the spec and pass its path to --spec",
            ) from None
        if response.status_code != 200:
            raise SetupError(
                f"could not fetch the spec at {location}: HTTP {response.status_code}",
                "check the URL, or download the spec and pass its path to --spec",
            )
        return response.text
    path = Path(location)
    if not path.is_file():
        raise SetupError(f"spec not found: {location}", "pass --spec a path to an OpenAPI YAML/JSON file or a URL")
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SetupError(f"could not read the spec {location}: {exc}") from None


def _parse(text: str, location: str) -> Any:
    if text.lstrip().startswith("{"):
        # JSON first: YAML's parser rejects the surrogate-pair escapes JSON uses for emoji ("\ud83d\ude00").
        try:
            return json.loads(text)
        except ValueError:
            pass
        except RecursionError:
            raise SetupError(f"spec {location} nests deeper than its parser can follow", "flatten it") from None
    try:
        return yaml.load(text, Loader=Loader)
    except RecursionError:
        raise SetupError(f"spec {location} nests deeper than its parser can follow", "flatten it") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML or JSON"
        raise SetupError(
            f"spec {location} is malformed{where}: {problem}", "fix the file or pass another --spec"
        ) from None


def _pointer(document: Any, pointer: str, location: str) -> Any:
    node = document
    if pointer in ("", "/"):
        return node
    for raw in pointer.lstrip("/").split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise KeyError(f"{location}#{pointer}")
    return node


def _has_pointer(document: Any, pointer: str) -> bool:
    try:
        _pointer(document, pointer, "")
    except KeyError:
        return False
    return True


MAX_DEPTH = 120  # the real VoIPBIN sources nest 20 levels; Python's parsers and validators recurse per level
NODE_BUDGET_PER_BYTE = 4  # bundled nodes per byte read: YAML aliases ("billion laughs") expand past it
MIN_NODE_BUDGET = 200_000


def _origin(location: str) -> str:
    parts = urlsplit(location)
    return f"{parts.scheme}://{parts.netloc}"


class _Bundler:
    def __init__(self, read: Callable[[str], str]) -> None:
        self._read = read
        self._cache: dict[str, Any] = {}
        self.root: Any = None
        self.files = 0
        self._boundary = ""  # the spec's folder, or its URL's origin: no $ref leaves it
        self._nodes = 0
        self._budget = MIN_NODE_BUDGET

    def load(self, location: str) -> Any:
        if location not in self._cache:
            text = self._read(location)
            self._budget += NODE_BUDGET_PER_BYTE * len(text)
            self._cache[location] = _parse(text, location)
            self.files += 1
        return self._cache[location]

    def bundle(self, location: str) -> Document:
        self._boundary = _origin(location) if _is_url(location) else str(Path(location).parent)
        self.root = self.load(location)
        if not isinstance(self.root, dict):
            raise SetupError(f"spec {location} is not an OpenAPI document (a mapping was expected at the top)")
        return self._walk(self.root, location, self.root, ())

    def _walk(self, node: Any, location: str, document: Any, stack: tuple[str, ...], depth: int = 0) -> Any:
        self._nodes += 1
        if self._nodes > self._budget:
            raise SetupError(
                f"spec {location} expands to more than {self._budget:,} nodes (YAML aliases that multiply?)",
                "pass --spec a document without alias bombs",
            )
        if depth > MAX_DEPTH:
            raise SetupError(f"spec {location} nests deeper than {MAX_DEPTH} levels", "flatten it with $refs")
        if isinstance(node, list):
            return [self._walk(item, location, document, stack, depth + 1) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            return self._ref(ref, node, location, document, stack, depth)
        return {key: self._walk(value, location, document, stack, depth + 1) for key, value in node.items()}

    def _inside(self, target: str, ref: str, location: str) -> str:
        """A $ref may not leave the spec's folder (or its URL's origin): `../secret.txt` or `/etc/passwd` would
        be read and its content sent to the target as data."""
        inside = (
            _origin(target) == self._boundary
            if _is_url(target)
            else Path(target).is_relative_to(self._boundary) and not _is_url(self._boundary)
        )
        if not inside:
            raise SetupError(
                f"spec {location} refers to {ref}, outside the spec's {'origin' if _is_url(location) else 'folder'}",
                f"keep every file the spec refers to under {self._boundary}",
            )
        return target

    def _ref(self, ref: str, node: dict, location: str, document: Any, stack: tuple[str, ...], depth: int) -> Any:
        target_file, _, pointer = ref.partition("#")
        in_root = document is self.root
        if not target_file:
            if in_root or _has_pointer(self.root, pointer):
                return dict(node)  # resolves against the root document once bundled
            target_location, target_document = location, document
        else:
            target_location = self._inside(
                urljoin(location, target_file)
                if _is_url(location)
                else str((Path(location).parent / target_file).resolve()),
                ref,
                location,
            )
            target_document = self.load(target_location)
        key = f"{target_location}#{pointer}"
        if key in stack:
            raise SetupError(f"spec has a $ref cycle through {key}", "break the cycle with a #/components ref")
        try:
            target = _pointer(target_document, pointer, target_location)
        except KeyError:
            raise SetupError(
                f"spec {location} refers to {ref}, which does not exist", "fix the $ref or the file it points to"
            ) from None
        return self._walk(target, target_location, target_document, (*stack, key), depth + 1)


def load_document(source: str, *, timeout: float = 30.0) -> tuple[Document, int]:
    """Read and bundle `source`; return the bundled document and how many files it was read from."""
    location = source if _is_url(source) else _root_file(Path(source))
    bundler = _Bundler(lambda loc: _read(loc, timeout))
    document = bundler.bundle(location)
    _require_openapi(document, source)
    return document, bundler.files


def _root_file(path: Path) -> str:
    """A directory stands for the `openapi.yaml` (or .yml/.json) at its top, as in VoIPBIN's source tree."""
    if not path.exists():
        raise SetupError(f"spec not found: {path}", "pass --spec a path to an OpenAPI YAML/JSON file or a URL")
    if path.is_dir():
        found = next((path / n for n in ("openapi.yaml", "openapi.yml", "openapi.json") if (path / n).is_file()), None)
        if found is None:
            raise SetupError(f"spec directory {path} has no openapi.yaml", "pass --spec the root file itself")
        path = found
    return str(path.resolve())


def _require_openapi(document: Document, source: str) -> None:
    version = document.get("openapi")
    if version is None:
        if "swagger" in document:
            raise SetupError(
                f"spec {source} is Swagger {document['swagger']}; OpenAPI 3.0 or 3.1 was expected",
                "convert it to OpenAPI 3 (for example with swagger2openapi)",
            )
        raise SetupError(
            f"spec {source} is not an OpenAPI document (no 'openapi' field)",
            "pass --spec an OpenAPI 3.0 or 3.1 document",
        )
    if not str(version).startswith(("3.0", "3.1")):
        raise SetupError(f"spec {source} is OpenAPI {version}; 3.0 or 3.1 was expected")
    if not isinstance(document.get("paths"), dict) or not document["paths"]:
        raise SetupError(f"spec {source} declares no paths", "pass --spec a document with at least one operation")
