"""The layers import one way (ARCHITECTURE.md), rooms stay small, check ids live in checks/; docs/checks.md lists
every check and fault."""

from __future__ import annotations

import ast
from pathlib import Path

from conformance.checks import CATALOGUE
from conformance.mock import FAULTS
from tests.conftest import ROOT

PACKAGE = ROOT / "conformance"
LAYERS = {
    "__init__": 0,
    "errors": 0,
    "files": 0,
    "data": 0,
    "config": 0,
    "options": 0,
    "interrupts": 0,
    "spread": 0,
    "forged": 0,
    "openapi": 1,
    "profiles": 1,
    "checks": 2,
    "lint": 2,
    "mock": 2,
    "redact": 3,
    "replay": 3,
    "results": 3,
    "client": 4,
    "engine": 5,
    "reporting": 6,
    "traffic": 7,
    "cli": 8,
    "__main__": 8,
}


def _layer_of(module: str) -> str:
    return module.split(".")[1] if module.count(".") else "__init__"


def _module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_of(path) for path in PACKAGE.rglob("*.py")}


def _imports(path: Path) -> set[str]:
    """Every module of ours that `path` imports, wherever the import stands (a function, TYPE_CHECKING): `from
    conformance.engine import _test_bodies` names conformance.engine._test_bodies, `from conformance import X` X."""
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "conformance":
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "conformance")
    found.discard("conformance")
    return found


def test_imports_go_one_way():
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        own = parts[0]
        for target in _imports(path):
            other = _layer_of(target)
            if other == own:
                continue
            if (
                LAYERS[other] > LAYERS[own]
                or (own == "mock" and other == "checks")
                or (own == "checks" and other == "mock")
                or (own == "lint" and other in ("mock", "checks"))  # lint reads the spec and profiles only
            ):
                wrong.append(f"{'/'.join(parts)} imports {target}")
    assert wrong == []


def test_no_private_import_across_packages():
    """What two packages share is public: no module imports another package's `_name` module."""
    reaching = []
    for path in PACKAGE.rglob("*.py"):
        own = _module_of(path).rsplit(".", 1)[0] if path.name != "__init__.py" else _module_of(path)
        for target in _imports(path):
            owner, _, name = target.rpartition(".")
            if name.startswith("_") and name != "__init__" and owner != "conformance" and not own.startswith(owner):
                reaching.append(f"{_module_of(path)} imports {target}")
    assert reaching == []


def test_no_package_holds_more_than_a_fifth_of_the_code():
    sizes = {p.name: sum(f.read_text().count("\n") for f in p.rglob("*.py")) for p in PACKAGE.iterdir() if p.is_dir()}
    total = sum(f.read_text().count("\n") for f in PACKAGE.rglob("*.py"))
    assert {name: round(size / total, 3) for name, size in sizes.items() if size > total / 5} == {}


def test_no_import_circle():
    """No module imports one that (through others) imports it back, not even inside a function or for typing."""
    graph = {_module_of(path): _imports(path) & MODULES for path in PACKAGE.rglob("*.py")}
    circles = []
    for start in sorted(graph):
        stack, seen = [(start, (start,))], set()
        while stack:
            node, trail = stack.pop()
            for target in graph.get(node, ()):
                if target == start and len(trail) > 1 and not _package_of(start, trail):
                    circles.append(" -> ".join((*trail, start)))
                elif target not in seen:
                    seen.add(target)
                    stack.append((target, (*trail, target)))
    assert sorted(set(circles)) == []


def _package_of(start: str, trail: tuple[str, ...]) -> bool:
    """A package's __init__ re-exporting its own modules is not a circle of ours."""
    return any(start.startswith(node + ".") or node.startswith(start + ".") for node in trail[1:])


def test_check_catalogue_lists_every_check_and_fault():
    catalogue = (ROOT / "docs" / "checks.md").read_text()
    for check in CATALOGUE:
        assert f"`{check}`" in catalogue
    for fault in FAULTS:
        assert f"`{fault}`" in catalogue


def test_rooms_stay_small():
    """No function over 50 lines, no module over 400: a sign to split."""
    large = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        if text.count("\n") > 400:
            large.append(f"{path.relative_to(ROOT)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            length = (node.end_lineno or 0) - node.lineno + 1 if isinstance(node, ast.FunctionDef) else 0
            if length > 50:
                large.append(f"{path.relative_to(ROOT)}: {getattr(node, 'name', '?')}() {length} lines")
    assert large == []


def test_no_check_id_outside_checks():
    """Engine, reporting, the CLI and the config ask the registry; a check id written there is a decision doubled."""
    named = []
    places = [*(PACKAGE / "engine").rglob("*.py"), *(PACKAGE / "reporting").rglob("*.py")]
    for path in [*places, PACKAGE / "cli.py", PACKAGE / "config.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in CATALOGUE:
                named.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert named == []
