"""The spec as its files hold it: every node with the file and line it stands at, refs followed on demand.

The run bundles the spec into one dict (`openapi._bundle`) and forgets where each part came from. Lint needs the
opposite: a defect is reported where someone would fix it. So each file is composed with PyYAML (nodes carry
their line) and kept as written, and a `View` follows a `$ref` only when a rule looks through it, remembering the
file and JSON pointer of what it reached. Refs resolve as `openapi._bundle` resolves them (VoIPBIN's tooling): a
`#/components/...` ref inside a path file means the root document's, where the root has it.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from conformance.errors import SetupError
from conformance.openapi.bundle import MAX_DEPTH, MIN_NODE_BUDGET, NODE_BUDGET_PER_BYTE, Loader

Lines = dict[str, int]  # JSON pointer -> line (1-based) in one file


def escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def unescape(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


@dataclass
class _File:
    data: Any
    lines: Lines


class Tree:
    """The files of one spec, read once each, with the line of every node; refs stay inside the spec's folder."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.folder = self.root.parent
        self._files: dict[Path, _File] = {}
        self.document = self.file(self.root).data

    def relative(self, path: Path) -> str:
        """A file as SARIF and the reports name it: relative to the spec's folder, with forward slashes."""
        return path.relative_to(self.folder).as_posix()

    def file(self, path: Path) -> _File:
        if path not in self._files:
            self._files[path] = _compose(path)
        return self._files[path]

    def line(self, path: Path, pointer: str) -> int:
        """The line of the node at `pointer`, or of its nearest ancestor the file holds (at least line 1)."""
        lines = self.file(path).lines
        while pointer not in lines and pointer:
            pointer = pointer.rsplit("/", 1)[0]
        return lines.get(pointer, 1)

    def target(self, ref: str, path: Path) -> tuple[Path, str]:
        """Where `ref`, written in `path`, points: (file, pointer)."""
        name, _, pointer = ref.partition("#")
        if not name:
            if path != self.root and _has(self.document, pointer):
                return self.root, pointer
            return path, pointer
        target = (path.parent / name).resolve()
        if not target.is_relative_to(self.folder):
            raise SetupError(f"spec {path} refers to {ref}, outside the spec's folder", f"keep it under {self.folder}")
        return target, pointer

    def view(self) -> View:
        return View(self, self.document, self.root, "")


def _has(document: Any, pointer: str) -> bool:
    return _at(document, pointer) is not _MISSING


_MISSING = object()


def _at(document: Any, pointer: str) -> Any:
    node = document
    for raw in pointer.lstrip("/").split("/") if pointer not in ("", "/") else ():
        part = unescape(raw)
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def _compose(path: Path) -> _File:
    """One file's data and the line of each of its nodes; a file that is not YAML is one line, exit 2."""
    if not path.is_file():
        raise SetupError(f"spec not found: {path}", "pass --spec a path to an OpenAPI YAML/JSON file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SetupError(f"could not read the spec {path}: {exc}") from None
    loader = Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        if text.lstrip().startswith("{"):  # JSON that YAML cannot read (surrogate-pair escapes): no lines, line 1
            with contextlib.suppress(ValueError, RecursionError):
                return _File(json.loads(text), {})
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML or JSON"
        raise SetupError(f"spec {path} is malformed{where}: {problem}", "fix the file or pass another --spec") from None
    except RecursionError:
        raise SetupError(f"spec {path} nests deeper than its parser can follow", "flatten it") from None
    finally:
        loader.dispose()
    lines: Lines = {}
    if node is not None:
        _index(node, "", lines, MIN_NODE_BUDGET + NODE_BUDGET_PER_BYTE * len(text), path)
    return _File(data, lines)


def _index(root: yaml.Node, pointer: str, lines: Lines, budget: int, path: Path) -> None:
    """The line of each node, by pointer; iterative, bounded in nodes (aliases) and depth."""
    stack: list[tuple[yaml.Node, str, int]] = [(root, pointer, 0)]
    while stack:
        node, here, depth = stack.pop()
        lines.setdefault(here, node.start_mark.line + 1)
        if len(lines) > budget or depth > MAX_DEPTH:
            raise SetupError(f"spec {path} expands past what lint reads (aliases, or {MAX_DEPTH} levels deep)")
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    child = f"{here}/{escape(str(key.value))}"
                    lines.setdefault(child, key.start_mark.line + 1)  # a mapping's value: the line of its key
                    stack.append((value, child, depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, f"{here}/{n}", depth + 1) for n, item in enumerate(node.value))


@dataclass(frozen=True)
class View:
    """One node of the spec, where it stands (`path`, `pointer`); `get` follows a `$ref` it meets."""

    tree: Tree
    value: Any
    path: Path
    pointer: str
    via_ref: bool = False  # reached through a $ref (a shared component, or a path file)

    @property
    def line(self) -> int:
        return self.tree.line(self.path, self.pointer)

    @property
    def file(self) -> str:
        return self.tree.relative(self.path)

    @property
    def component(self) -> str | None:
        """`#/components/<kind>/<name>` where this node is (part of) a shared component, else None."""
        parts = self.pointer.split("/")
        if len(parts) >= 4 and parts[1] == "components":
            return "#" + "/".join(parts[:4])
        return None

    def resolved(self, depth: int = 0) -> View:
        ref = self.value.get("$ref") if isinstance(self.value, dict) else None
        if not isinstance(ref, str) or depth > MAX_DEPTH:
            return self
        path, pointer = self.tree.target(ref, self.path)
        value = _at(self.tree.file(path).data, pointer)
        if value is _MISSING:
            raise SetupError(f"spec {self.path} refers to {ref}, which does not exist", "fix the $ref")
        return View(self.tree, value, path, pointer, True).resolved(depth + 1)

    def get(self, key: str | int) -> View | None:
        """The child `key`, its $ref followed; None where there is none."""
        node = self.resolved()
        value = node.value
        if isinstance(value, dict) and key in value:  # noqa: SIM114 (mypy types each branch apart)
            child = value[key]
        elif isinstance(value, list) and isinstance(key, int) and key < len(value):
            child = value[key]
        else:
            return None
        return View(self.tree, child, node.path, f"{node.pointer}/{escape(str(key))}", node.via_ref).resolved()

    def items(self) -> Iterator[tuple[str, View]]:
        node = self.resolved()
        if isinstance(node.value, dict):
            for key in node.value:
                child = node.get(key)
                if child is not None:
                    yield str(key), child

    def elements(self) -> Iterator[View]:
        node = self.resolved()
        if isinstance(node.value, list):
            for n in range(len(node.value)):
                child = node.get(n)
                if child is not None:
                    yield child

    def at(self, key: str) -> View:
        """Where the key `key` of this node would stand: the child, or this node itself if it has none."""
        return self.get(key) or self.resolved()
