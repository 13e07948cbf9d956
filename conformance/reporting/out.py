"""The single exit: every file a run, `diff` or `merge` writes and every line it prints goes through `Out`, which
redacts it (the run's redactor, or the VOIPBIN_* credentials of the environment) and, on a terminal or a CI log,
makes it printable: no escape sequences, no bidi or zero-width characters, no workflow commands."""

from __future__ import annotations

import html
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any, TextIO

from conformance.redact import Redactor

_HIDDEN = {"Cc", "Cf", "Cs", "Zl", "Zp"}  # controls, format (bidi, zero-width, tags), lone surrogates, separators
_NOT_PLAIN = re.compile(r"[^\x20-\x7e\n\t]")
# GitHub's runner takes a line that starts (after spaces) with `::` as a workflow command, and `##[` anywhere in one.
_WORKFLOW_COMMAND = re.compile(r"^(\s*)::", re.MULTILINE)


def _shown(match: re.Match[str]) -> str:
    return "?" if unicodedata.category(match.group()) in _HIDDEN else match.group()


def visible(text: str) -> str:
    """`text` with every control or invisible character but newline and tab shown as `?`."""
    return _NOT_PLAIN.sub(_shown, text)


def html_text(value: Any, quote: bool = True) -> str:
    """`value` escaped for an HTML page, its control and invisible characters shown as `?`: an ESC sequence or a
    bidi override in a path from the spec or a target is no markup, but a page should neither carry nor hide it."""
    return html.escape(visible(str(value)), quote)


def printable(text: str) -> str:
    """`text` with every control or invisible character but newline and tab shown as `?` (a target's ESC sequences
    could rewrite the terminal, bidi overrides reorder a line, zero-width characters hide text), and nothing in it
    that GitHub's runner would execute as a workflow command (`::add-mask::…`, `::stop-commands::…`, `##[…]`)."""
    text = visible(text)
    return _WORKFLOW_COMMAND.sub(r"\1: :", text).replace("##[", "# #[")


def oneline(value: Any, limit: int = 300) -> str:
    """A field from a target or a results file as one line of at most `limit` characters (and a marker)."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[:limit] + f"… (+{len(text) - limit} characters)"


class Out:
    """Where every output of a run, a diff or a merge leaves the process."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        self.redactor = redactor if redactor is not None else Redactor.from_environment()

    def data(self, obj: Any) -> Any:
        """`obj` with every string redacted as a value, before it is rendered into any format."""
        return self.redactor.data(obj)

    def file(self, path: Path | str, text: str, *, append: bool = False) -> Path:
        path = Path(path)
        with path.open("a" if append else "w", encoding="utf-8", errors="replace") as handle:
            handle.write(self.redactor.text(text))
        return path

    def write(self, text: str, stream: TextIO | None = None) -> None:
        """`text` on a terminal or a CI log: redacted (a report's own words are never rewritten), then printable."""
        (stream or sys.stdout).write(printable(self.redactor.safe(text)))

    def line(self, text: str, stream: TextIO | None = None) -> None:
        self.write(text + "\n", stream)
