"""The layers import one way (ARCHITECTURE.md); the README lists every check and fault."""

from __future__ import annotations

import ast
from pathlib import Path

from conformance.checks import CATALOGUE
from conformance.mock import FAULTS
from tests.conftest import ROOT

PACKAGE = ROOT / "conformance"
LAYERS = {
    "errors": 0,
    "_data": 0,
    "config": 0,
    "_options": 0,
    "spec": 1,
    "profiles": 1,
    "checks": 2,
    "mock": 2,
    "engine": 3,
    "_redact": 3,
    "_replay": 3,
    "reporting": 4,
    "cli": 5,
    "__main__": 5,
    "__init__": 0,
}


def _layer_of(module: str) -> str:
    return module.split(".")[1] if module.count(".") else "__init__"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("conformance."):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("conformance."))
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
            ):
                wrong.append(f"{'/'.join(parts)} imports {target}")
    assert wrong == []


def test_readme_lists_every_check_and_fault():
    readme = (ROOT / "README.md").read_text()
    for check in CATALOGUE:
        assert f"`{check}`" in readme
    for fault in FAULTS:
        assert f"`{fault}`" in readme
