"""A file named on the command line (a HAR, a results file), read within a bound: a missing, unreadable, oversized
or non-UTF-8 file is one line (SetupError, exit 2), never a traceback and never a file read whole first."""

from __future__ import annotations

from conformance.errors import SetupError


def read_bounded(path: str, what: str, max_bytes: int, *, hint: str, too_large: SetupError) -> str:
    """The text of `path` ("results file", "HAR file": `what`), at most `max_bytes`; `too_large` is raised beyond."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise SetupError(f"{what} not found: {path}", hint) from None
    except OSError as exc:
        raise SetupError(f"{what} {path} could not be read: {exc.strerror or exc}", hint) from None
    if len(raw) > max_bytes:
        raise too_large
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = f"byte {raw[exc.start]:#04x} at offset {exc.start}"
        raise SetupError(f"{path} is not a {what}: not UTF-8 ({where})", hint) from None
