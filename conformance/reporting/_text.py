"""Text from a target or a results file on its way to a terminal: no escape sequences, no control characters."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with every control character but newline and tab shown as `?`: a target's ESC sequences could
    otherwise rewrite the terminal (hide lines, change the title, fake a green verdict)."""
    return _CONTROL.sub("?", text)
