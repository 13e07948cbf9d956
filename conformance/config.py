"""One typed config for a run: `pyproject.toml` ([tool.voipbin-conformance]) or a file, then the environment,
then command-line flags, each overriding the one before.
"""

from __future__ import annotations

import dataclasses
import difflib
import ipaddress
import math
import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.errors import SetupError

SECRET_FIELDS = ("token", "accesskey", "other_token", "password")
DEFAULT_PROFILE = "voipbin-2026-01"
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


@dataclass
class Config:
    spec: str | None = None  # None: the bundled VoIPBIN-shaped document
    base_url: str | None = None  # None: the embedded mock
    token: str | None = field(default=None, repr=False)
    accesskey: str | None = field(default=None, repr=False)
    other_token: str | None = field(default=None, repr=False)
    username: str | None = None  # with `password`: log in at start (POST /auth/login) for a fresh 7-day JWT
    password: str | None = field(default=None, repr=False)
    profile: str = DEFAULT_PROFILE
    max_examples: int = 10
    seed: int | None = None
    workers: int = 1
    include: str | None = None
    exclude: str | None = None
    request_timeout: float = 5.0
    allow_writes: bool = False
    report_dir: str = "reports"
    rate_limit: float | None = None  # requests per second; None: unbounded on loopback, 10/s elsewhere
    max_time: float | None = None
    max_response_bytes: int = 8 * 1024 * 1024  # a bigger body (inflated) is a finding, not a crash
    min_reach: float | None = None  # percent of operations that must answer a 2xx at least once
    checks: tuple[str, ...] = ()  # only these check ids (empty: all)
    exclude_checks: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()  # "Name: value", sent with every request (a staging gateway's key)
    max_failures: int | None = None  # stop after this many findings; the reports say the run is incomplete
    shard: str | None = None  # "I/N": this job runs the I-th of N disjoint parts of the spec
    baseline: str | None = None  # a results.json to compare with; only new findings fail the run
    update_baseline: bool = False  # write this run's results.json to `baseline`
    mock_faults: tuple[str, ...] = ()  # faults for the embedded mock (used by tests and demos)
    mock_http: bool = False  # serve the embedded mock on a loopback port instead of in-process

    # -- derived --------------------------------------------------------------------------------------------------
    @property
    def uses_mock(self) -> bool:
        return self.base_url is None

    @property
    def loopback(self) -> bool:
        if self.base_url is None:
            return True
        host = urlsplit(self.base_url).hostname or ""
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    @property
    def writes_allowed(self) -> bool:
        """Only the embedded mock is writable by default. A loopback --base-url is no proof of a scratch server
        (production is one `kubectl port-forward` away), so every --base-url needs --allow-writes."""
        return self.allow_writes or self.uses_mock

    @property
    def effective_rate_limit(self) -> float | None:
        if self.rate_limit is not None:
            return self.rate_limit if self.rate_limit > 0 else None
        return None if self.loopback else 10.0

    @cached_property
    def extra_headers(self) -> dict[str, str]:
        """--header values by name; parsed once, since every request of the run carries them."""
        found = {}
        for raw in self.headers:
            name, _, value = raw.partition(":")
            found[name.strip()] = value.strip()
        return found

    @property
    def secret_headers(self) -> dict[str, str]:
        """Header values that are credentials: redacted like tokens (Authorization, Cookie, *-Key, *-Token)."""
        return {
            name: value
            for name, value in self.extra_headers.items()
            if name.lower() in ("authorization", "cookie", "proxy-authorization")
            or name.lower().endswith(("-key", "-token", "-secret"))
        }

    @property
    def shard_index(self) -> tuple[int, int] | None:
        """(I, N) with 1 <= I <= N, or None for the whole spec."""
        if self.shard is None:
            return None
        index, _, total = self.shard.partition("/")
        return int(index), int(total)

    def validate(self) -> Config:
        if self.max_examples < 1:
            raise SetupError(f"--max-examples must be at least 1, got {self.max_examples}")
        cores = os.cpu_count() or 1
        if not 1 <= self.workers <= cores:
            raise SetupError(f"--workers must be between 1 and {cores} (this machine's cores), got {self.workers}")
        _seconds("--request-timeout", self.request_timeout, low=0.0, high=MAX_REQUEST_TIMEOUT_S)
        if self.max_time is not None:
            _seconds("--max-time", self.max_time, low=0.0, high=math.inf)
        if self.rate_limit is not None and (not math.isfinite(self.rate_limit) or self.rate_limit < 0):
            raise SetupError(f"--rate-limit must be a finite number >= 0 (0: unbounded), got {self.rate_limit}")
        if self.min_reach is not None and not 0 <= self.min_reach <= 100:
            raise SetupError(f"--min-reach is a percentage from 0 to 100, got {self.min_reach}")
        for raw in self.headers:
            name, sep, _ = raw.partition(":")
            if not sep or not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name.strip()):
                raise SetupError(f"--header expects 'Name: value', got {raw!r}", "e.g. -H 'X-Gateway-Key: abc'")
        if self.max_failures is not None and self.max_failures < 1:
            raise SetupError(f"--max-failures must be at least 1, got {self.max_failures}")
        if self.max_response_bytes < 1024:
            raise SetupError(f"--max-response-bytes must be at least 1024, got {self.max_response_bytes}")
        if self.shard is not None:
            match = re.fullmatch(r"(\d+)/(\d+)", self.shard)
            if match is None or not 1 <= int(match[1]) <= int(match[2]):
                raise SetupError(f"--shard expects I/N with 1 <= I <= N, got {self.shard!r}", "e.g. --shard 1/4")
        if self.update_baseline and not self.baseline:
            raise SetupError("--update-baseline needs --baseline FILE to write to")
        for flag, pattern in (("--include", self.include), ("--exclude", self.exclude)):
            if pattern is None:
                continue
            try:
                re.compile(pattern)
            except re.error as exc:
                raise SetupError(f"{flag} {pattern!r} is not a valid regular expression: {exc}") from None
        if self.base_url is not None:
            parts = urlsplit(self.base_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise SetupError(
                    f"--base-url {self.base_url!r} is not an http(s) URL", "e.g. https://api.voipbin.net/v1.0"
                )
            if bool(self.username) != bool(self.password):
                raise SetupError("--username and --password go together", "set VOIPBIN_USERNAME and VOIPBIN_PASSWORD")
            if not (self.token or self.accesskey or self.username):
                raise SetupError(
                    "a live target needs credentials",
                    "pass --token/--accesskey or set VOIPBIN_TOKEN / VOIPBIN_ACCESSKEY "
                    "(or VOIPBIN_USERNAME / VOIPBIN_PASSWORD to log in)",
                )
            for name in ("token", "accesskey", "other_token"):
                if getattr(self, name):
                    plausible_credential(getattr(self, name), f"--{name.replace('_', '-')} (${ENV[name]})")
        for name, value in self.secret_headers.items():
            plausible_credential(value, f"the value of --header {name!r}")
        return self


MAX_REQUEST_TIMEOUT_S = 600.0


def _seconds(flag: str, value: float, *, low: float, high: float) -> None:
    """A duration that is a real number of seconds: finite where it must be, above `low`, at most `high`."""
    if math.isnan(value) or value <= low or value > high:
        limit = f" and at most {high:g}" if math.isfinite(high) else ""
        raise SetupError(f"{flag} must be a number of seconds above {low:g}{limit}, got {value}")


def ensure_report_dir(path: str) -> Path:
    """The report directory, created; one clear error when it cannot be (a file in the way, no permission)."""
    directory = Path(path)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SetupError(
            f"--report-dir {path!r} cannot be created: {exc.strerror or exc}", "choose another directory"
        ) from None
    if not os.access(directory, os.W_OK):
        raise SetupError(f"--report-dir {path!r} is not writable", "choose another directory")
    return directory


@dataclass(frozen=True)
class Option:
    """One run option, declared once for both fronts: `voipbin-conformance run` (argparse) and pytest."""

    flag: str
    help: str
    type: type | None = None
    action: str | None = None
    pytest: bool = True  # offered to `pytest --spec …` too (workers there are xdist's own -n)
    short: str | None = None  # a one-letter alias, e.g. -H
    env: str | None = None  # the environment variable that sets it (below flags, above the config file)

    @property
    def field(self) -> str:
        return self.flag.removeprefix("--").replace("-", "_")

    def kwargs(self) -> dict[str, Any]:
        text = f"{self.help} (or ${self.env})" if self.env else self.help
        found: dict[str, Any] = {"help": text, "default": None}
        if self.type is not None:
            found["type"] = self.type
        if self.action is not None:
            found["action"] = self.action
        return found


RUN_OPTIONS = (
    Option(
        "--spec", "OpenAPI document: a file, a multi-file tree or a URL (default: the bundled one)", env="VOIPBIN_SPEC"
    ),
    Option(
        "--base-url",
        "live target, e.g. https://api.voipbin.net/v1.0 (default: the embedded mock)",
        env="VOIPBIN_BASE_URL",
    ),
    Option("--token", "JWT", env="VOIPBIN_TOKEN"),
    Option("--accesskey", "access key", env="VOIPBIN_ACCESSKEY"),
    Option("--other-token", "a second customer's JWT, enables tenant_isolation", env="VOIPBIN_OTHER_TOKEN"),
    Option("--username", "log in with POST /auth/login for a fresh JWT", env="VOIPBIN_USERNAME"),
    Option(
        "--password", "the password to log in with (prefer the environment: flags show in ps)", env="VOIPBIN_PASSWORD"
    ),
    Option("--profile", "conventions profile: voipbin-2026-01 (default) or voipbin-2026-08", env="VOIPBIN_PROFILE"),
    Option("--max-examples", "random cases per operation, valid and invalid together (default 10)", int),
    Option("--seed", "seed for case generation (default: random, reported)", int),
    Option("--workers", "parallel processes (pytest-xdist)", int, pytest=False),
    Option("--include", "only operations whose 'METHOD /path' matches this regex"),
    Option("--exclude", "leave out operations whose 'METHOD /path' matches this regex"),
    Option("--checks", "only these check ids, comma-separated (default: all)"),
    Option("--exclude-checks", "leave out these check ids, comma-separated"),
    Option(
        "--header",
        "'Name: value' sent with every request, repeatable (credential-like names are redacted)",
        action="append",
        short="-H",
    ),
    Option("--max-failures", "stop after N findings; the reports are written and say the run is incomplete", int),
    Option("--request-timeout", "seconds per request (default 5)", float),
    Option("--rate-limit", "requests per second, 0 unbounded (default: 10 for a live target)", float),
    Option(
        "--allow-writes",
        "allow POST/PUT/PATCH/DELETE that could succeed on a --base-url target (loopback included)",
        action="store_true",
    ),
    Option("--max-time", "a whole-run budget in seconds; the reports are still written", float),
    Option("--max-response-bytes", "the largest response body read, once inflated (default 8 MiB)", int),
    Option("--min-reach", "fail (exit 1) when fewer than PCT%% of the operations ever answered a 2xx", float),
    Option("--report-dir", "where report.html, junit.xml and results.json go (default reports/)"),
    Option("--shard", "I/N: run the I-th of N disjoint parts of the spec (a CI matrix)"),
    Option("--baseline", "a results.json to compare with: known findings do not fail the run"),
    Option("--update-baseline", "write this run's results.json to --baseline", action="store_true"),
    Option("--mock-fault", "break the embedded mock (see `mock --list-faults`)", action="append"),
    Option(
        "--mock-http",
        "serve the embedded mock on a loopback port instead of in-process",
        action="store_true",
        pytest=False,
    ),
)

ENV = {option.field: option.env for option in RUN_OPTIONS if option.env}


def flags_from(values: Any) -> dict[str, Any]:
    """Config fields from parsed options (an argparse namespace or pytest's option object)."""
    flags = {option.field: getattr(values, option.field, None) for option in RUN_OPTIONS}
    faults = flags.pop("mock_fault")
    flags["mock_faults"] = tuple(faults) if faults else None
    headers = flags.pop("header")
    flags["headers"] = tuple(headers) if headers else None
    for name in ("checks", "exclude_checks"):
        raw = flags[name]
        if isinstance(raw, str):
            flags[name] = tuple(part.strip() for part in raw.split(",") if part.strip())
    return flags


_FIELDS = {f.name: f for f in dataclasses.fields(Config)}


def _coerce(name: str, value: Any, source: str) -> Any:
    kind = str(_FIELDS[name].type)
    try:
        if kind.startswith("int"):
            return int(value)
        if kind.startswith("float"):
            return float(value)
        if kind == "bool":
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "on")
            return bool(value)
        if kind.startswith("tuple"):
            return tuple(value if isinstance(value, list | tuple) else str(value).split(","))
    except (TypeError, ValueError):
        raise SetupError(f"{source}: {name.replace('_', '-')} expects {kind.split(' ')[0]}, got {value!r}") from None
    return value


def _from_mapping(data: dict[str, Any], source: str) -> dict[str, Any]:
    values = {}
    for raw_key, value in data.items():
        key = raw_key.replace("-", "_")
        if key not in _FIELDS:
            close = difflib.get_close_matches(key, list(_FIELDS), n=1)
            hint = f"did you mean {close[0].replace('_', '-')}?" if close else None
            raise SetupError(f"{source}: unknown setting {raw_key!r}", hint)
        if key in SECRET_FIELDS:
            raise SetupError(
                f"{source}: {raw_key} is a secret and does not belong in a file",
                f"set {ENV[key]} in the environment instead",
            )
        values[key] = _coerce(key, value, source)
    return values


def from_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SetupError(f"config file {path} could not be read: {exc}") from None
    table = data.get("tool", {}).get("voipbin-conformance") if isinstance(data.get("tool"), dict) else None
    if path.name == "pyproject.toml" or table is not None:  # a --config file may hold the pyproject table too
        data = table or {}
    return _from_mapping(data, str(path))


def from_env(environ: dict[str, str] | None = None) -> dict[str, Any]:
    environ = dict(os.environ if environ is None else environ)
    return {name: environ[var] for name, var in ENV.items() if environ.get(var)}


def build(
    flags: dict[str, Any],
    *,
    config_file: str | None = None,
    environ: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Config:
    """Layer file < environment < flags (flags that are None were not given)."""
    values: dict[str, Any] = {}
    if config_file is not None:
        values.update(from_file(Path(config_file)))
    else:
        pyproject = (cwd or Path.cwd()) / "pyproject.toml"
        if pyproject.is_file():
            values.update(from_file(pyproject))
    values.update(from_env(environ))
    values.update({k: v for k, v in flags.items() if v is not None})
    return Config(**values).validate()
