"""A run option, declared once on its `Config` field, and the one way every layer reads it.

`option(...)` on a `Config` field records the flag, environment variable, help, validation and whether the value
is a secret; the field itself gives the name, the type (the annotation) and the default. `declared(Config)` turns
the fields into `Option`s, and `parse` is the only way a value gets in: from a config file (TOML's own types, strict),
from the environment (text: integers, numbers, `true`/`false`/`1`/`0`/`yes`/`no`), or from the flags (argparse and
pytest collect text; code may pass typed values). Every refusal names the layer, what was expected and what came.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import shlex
import types
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, get_args, get_type_hints

from conformance.errors import SetupError

Check = Callable[[Any], str | None]  # the problem with a parsed value ("must be at least 1"), or None
_KEY = "conformance.option"


@dataclass(frozen=True)
class Kind:
    """How text and TOML values become one Python type; `expected` is what an error says was expected."""

    expected: str
    native: Callable[[Any, str], Any]  # a TOML (or Python) value: the value, or TypeError
    text: Callable[[str, str], Any]  # text from the environment or a flag: the value, or ValueError


def _int(value: Any, _: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError
    return value


def _int_text(text: str, _: str) -> int:
    if not re.fullmatch(r"[+-]?\d{1,30}", text.strip()):
        raise ValueError
    return int(text)


def _float(value: Any, _: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError
    return float(value)


def _bool(value: Any, _: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError
    return value


_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


def _bool_text(text: str, _: str) -> bool:
    word = text.strip().lower()
    if word not in _TRUE + _FALSE:
        raise ValueError
    return word in _TRUE


def _str(value: Any, _: str) -> str:
    if not isinstance(value, str):
        raise TypeError
    return value


def _list(value: Any, separator: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return _list_text(value, separator)
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise TypeError
    return tuple(value)


def _list_text(text: str, separator: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(separator) if part.strip())


INT = Kind("an integer", _int, _int_text)
FLOAT = Kind("a number", _float, lambda text, _: float(text))
BOOL = Kind("true or false", _bool, _bool_text)
STR = Kind("a string", _str, lambda text, _: text)
LIST = Kind("a list of strings", _list, _list_text)
_KINDS = {int: INT, float: FLOAT, bool: BOOL, str: STR, tuple[str, ...]: LIST}


@dataclass(frozen=True)
class Option:
    """One run option. Declared with `option()` on a `Config` field; `declared()` fills in the rest."""

    help: str
    flag: str = ""  # default: --field-name
    short: str | None = None  # a one-letter alias, e.g. -H
    env: str = ""  # default: VOIPBIN_FIELD_NAME
    check: Check | None = None  # validation of the parsed value: a range, a regex, a readable file...
    secret: bool = False  # never in a file, never shown, not in repr
    secret_items: Callable[[Any], list[str]] | None = None  # the parts of a value that are secrets (headers)
    repeat: bool = False  # a flag given once per item (-H a -H b); else a list is one comma-separated value
    separator: str = ","  # between items of a list in the environment (and in one string in a file)
    example: str | None = None  # a good value, for the hint of an error
    shown_default: str | None = None  # the default as help shows it, where the value itself reads badly
    pytest: bool = True  # offered to `pytest --spec …` too (workers there are xdist's own -n)
    field: str = ""
    kind: Kind = STR
    default: Any = None

    @property
    def key(self) -> str:
        """The setting's name in a config file (`max_examples` is accepted too)."""
        return self.field.replace("_", "-")

    @property
    def shown(self) -> bool:
        """Whether an error may echo the value: never a secret's, nor a value that may hold one."""
        return not (self.secret or self.secret_items)

    def arguments(self, *, environment: bool = True) -> tuple[list[str], dict[str, Any]]:
        """Names and keyword arguments for argparse's add_argument and pytest's addoption: text in, `parse` after.
        `environment`: whether the command reads the option's variable too (`judge` and `proxy` do not)."""
        default = self.shown_default or (None if self.default in (None, (), False) else str(self.default))
        text = self.help + (f" (default {default})" if default else "") + (f" (or ${self.env})" if environment else "")
        found: dict[str, Any] = {"dest": self.field, "default": None, "help": text.replace("%", "%%")}
        if self.kind is BOOL:
            found["action"] = "store_true"
        else:
            found["metavar"] = self.flag.removeprefix("--").replace("-", "_").upper()
            if self.repeat:
                found["action"] = "append"
        return [*([self.short] if self.short else []), self.flag], found


def option(default: Any, help: str, **declared: Any) -> Any:
    """A `Config` field that is a run option: `max_examples: int = option(10, "cases per operation", check=...)`."""
    spec = Option(help, **declared)
    return field(default=default, repr=not spec.secret, metadata={_KEY: spec})


def declared(config_class: type) -> tuple[Option, ...]:
    """Every option of `config_class`, its field's name, type and default filled in."""
    hints = get_type_hints(config_class)
    found = []
    for item in fields(config_class):
        spec = item.metadata.get(_KEY)
        if spec is None:
            continue
        hint = hints[item.name]
        if isinstance(hint, types.UnionType):  # `int | None`: an option that may be left unset
            hint = next(arg for arg in get_args(hint) if arg is not type(None))
        found.append(
            replace(
                spec,
                field=item.name,
                kind=_KINDS[hint],
                default=item.default,
                flag=spec.flag or "--" + item.name.replace("_", "-"),
                env=spec.env or "VOIPBIN_" + item.name.upper(),
            )
        )
    return tuple(found)


@dataclass(frozen=True)
class Layer:
    """Where values come from, for parsing (text or TOML types) and for errors that name it."""

    name: str  # "config file x.toml", "the environment", "the flags"
    text: bool  # strings are text to convert (the environment, flags), not values of their own type (TOML)

    def error(self, option: Option, problem: str, value: Any) -> SetupError:
        if isinstance(value, str):
            value = re.sub(r"//[^/@\s]*@", "//…@", value)  # a URL's user:password never goes into a message
        if self is ENVIRONMENT:
            subject = f"{option.env}={_clip(str(value))}" if option.shown else option.env
            return SetupError(f"{subject}: {problem}", self._hint(option))
        got = f", got {describe(value)}" if option.shown else ""
        subject = option.flag if self is FLAGS else f"{self.name}: {option.key}"
        return SetupError(f"{subject} {problem}{got}", self._hint(option))

    def _hint(self, option: Option) -> str | None:
        example = option.example or ("true" if option.kind is BOOL else None)
        if example is None and isinstance(option.default, int | float) and not isinstance(option.default, bool):
            example = str(option.default)
        if example is None:
            return None
        if self is ENVIRONMENT:
            return f"e.g. {option.env}={shlex.quote(example)}"
        if self is FLAGS:
            return f"e.g. {option.short or option.flag}" + ("" if option.kind is BOOL else f" {shlex.quote(example)}")
        literal = example if option.kind in (INT, FLOAT, BOOL) else f'"{example}"'
        return f"e.g. {option.key} = {f'[{literal}]' if option.kind is LIST else literal}"


ENVIRONMENT = Layer("the environment", text=True)
FLAGS = Layer("the flags", text=True)


def parse(option: Option, value: Any, layer: Layer) -> Any:
    """`value` as `option`'s type, validated; a SetupError naming the layer otherwise."""
    try:
        if isinstance(value, str) and layer.text:
            parsed = option.kind.text(value, option.separator)
        else:
            parsed = option.kind.native(value, option.separator)
    except (TypeError, ValueError):
        raise layer.error(option, f"expects {option.kind.expected}", value) from None
    if any("\x00" in item for item in (parsed if isinstance(parsed, tuple) else [parsed]) if isinstance(item, str)):
        raise layer.error(option, "holds a NUL character, which no path, URL or header can", value)
    problem = option.check(parsed) if option.check is not None else None
    if problem is not None:
        raise layer.error(option, problem, value)
    return parsed


def _clip(text: str, limit: int = 60) -> str:
    text = "".join(c if c.isprintable() else "?" for c in text[: limit + 1])
    return text if len(text) <= limit else text[:limit] + "…"


def describe(value: Any) -> str:
    """A value as the user wrote it (TOML's words for TOML's types), short and printable."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    return _clip(repr(value))


MIN_CREDENTIAL = 16  # shorter, and "redacting" it would rewrite ordinary text (a token `"` wiped every quote)


def plausible_credential(value: str, what: str) -> str:
    """`value`, if it can be a credential the redactor finds wherever it goes; else a SetupError naming `what`
    (never the value). Control and format characters are refused too: a terminal shows them as `?`, where the
    redactor would no longer recognise the secret."""
    hidden = any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in value)
    if len(value) >= MIN_CREDENTIAL and not hidden:
        return value
    why = "control characters" if hidden else f"{len(value)} character{'s' if len(value) != 1 else ''}"
    raise SetupError(
        f"{what} is not a plausible credential ({why}; one has at least {MIN_CREDENTIAL} printable characters)",
        "check the value: it would be redacted wherever it occurs in the reports",
    )


# -- validation: each returns the problem with a parsed value, or None -------------------------------------------


def at_least(low: int) -> Check:
    return lambda value: None if value >= low else f"must be at least {low}"


def one_of(*values: str) -> Check:
    return lambda value: None if value in values else "must be one of " + ", ".join(values)


def seconds(high: float = math.inf) -> Check:
    """A duration that is a real number of seconds: above 0, at most `high`."""
    limit = f" and at most {high:g}" if math.isfinite(high) else ""
    return lambda value: None if 0 < value <= high else f"must be a number of seconds above 0{limit}"


def per_second(value: float) -> str | None:
    return None if math.isfinite(value) and value >= 0 else "must be a finite number >= 0 (0: unbounded)"


def percent(value: float) -> str | None:
    return None if 0 <= value <= 100 else "is a percentage from 0 to 100"


def workers(value: int) -> str | None:
    cores = os.cpu_count() or 1
    return None if 1 <= value <= cores else f"must be between 1 and {cores} (this machine's cores)"


def regex(value: str) -> str | None:
    try:
        re.compile(value)
    except re.error as exc:
        return f"is not a valid regular expression: {exc}"
    return None


def http_url(value: str) -> str | None:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return "is not an http(s) URL"
    try:
        parts.port  # noqa: B018 -- raises ValueError on a port out of range or not a number
    except ValueError:
        return "is not an http(s) URL: its port is not a number from 0 to 65535"
    if parts.username is not None or parts.password is not None:
        # It would go as HTTP Basic on every request, the probes meant to carry no credentials included, and
        # into every report: credentials go in --username/--password (the environment) or -H.
        return "carries credentials (user:password@); pass them as VOIPBIN_USERNAME/VOIPBIN_PASSWORD or -H instead"
    return None if parts.scheme in ("http", "https") and host else "is not an http(s) URL"


def readable_file(value: str) -> str | None:
    return None if os.path.isfile(value) and os.access(value, os.R_OK) else "must be a readable file"


MAX_SHARDS = 1000  # a CI matrix of more jobs than this is a typo, and merge lists every missing shard


def shard(value: str) -> str | None:
    match = re.fullmatch(r"(\d{1,4})/(\d{1,4})", value.strip())
    if match is None or not 1 <= int(match[1]) <= int(match[2]) <= MAX_SHARDS:
        return f"expects I/N with 1 <= I <= N <= {MAX_SHARDS}"
    return None


def header_lines(value: tuple[str, ...]) -> str | None:
    for n, raw in enumerate(value, 1):
        name, sep, _ = raw.partition(":")
        if not sep or not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name.strip()):
            which = f" (header {n} is not)" if len(value) > 1 else ""
            return f"expects 'Name: value'{which}"
    return None


# What a repro reads besides the options' variables: a header's value (VOIPBIN_HEADER_X_API_KEY), the mock's expired
# token, a second credential the traffic carried (VOIPBIN_TOKEN_2).
_REPRO_PREFIX = "VOIPBIN_HEADER_"
_REPRO_VARIABLES = ("VOIPBIN_EXPIRED_TOKEN",)


def unread_environment(options: Iterable[Option], environ: Mapping[str, str] | None = None) -> list[str]:
    """One warning per VOIPBIN_* variable nothing reads (VOIPBIN_MOCK_FAULT for VOIPBIN_MOCK_FAULTS, which would
    otherwise be ignored in silence and the run pass), naming the variable of `options` it resembles."""
    environ = os.environ if environ is None else environ
    known = [o.env for o in options] + list(_REPRO_VARIABLES)
    warnings = []
    for name in sorted(n for n in environ if n.upper().startswith("VOIPBIN_")):
        numbered = re.sub(r"_[0-9]+$", "", name)
        if name in known or numbered in known or name.startswith(_REPRO_PREFIX):
            continue
        close = difflib.get_close_matches(name.upper(), known, n=1, cutoff=0.7)
        hint = f"; did you mean {close[0]}?" if close else " (see voipbin-conformance run --help)"
        warnings.append(f"warning: {name} is set but is not a variable voipbin-conformance reads{hint}")
    return warnings
