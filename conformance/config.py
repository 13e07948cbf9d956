"""One typed config for a run: `pyproject.toml` ([tool.voipbin-conformance]) or a file, then the environment,
then command-line flags, each overriding the one before. Each option is declared once, on its `Config` field.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance import options as _o
from conformance.errors import SetupError
from conformance.options import ENVIRONMENT, FLAGS, Layer, Option, declared, describe, option, parse
from conformance.options import MAX_SHARDS as MAX_SHARDS  # the bound merge holds results files to

DEFAULT_PROFILE = "voipbin-2026-01"
MAX_REQUEST_TIMEOUT_S = 600.0
MAX_CONFIG_BYTES = 1024 * 1024  # a settings file, not a data set: read no more than this


_SECRET_WORDS = ("auth", "cookie", "key", "token", "secret", "pass", "jwt", "session", "credential", "signature")


def is_secret_header(name: str) -> bool:
    """A header whose value is a credential (redacted like tokens, refused in files): any name holding one of the
    words credentials go by, however it is spelled (Authorization, Cookie, X-Api-Key, X_Api_Key, apikey, Token,
    X-Auth, X-Password, X-JWT, Accesskey…). The one place this rule is written; a harmless header it takes for a
    credential is only redacted."""
    squeezed = re.sub(r"[^a-z0-9]", "", name.lower())
    return any(word in squeezed for word in _SECRET_WORDS)


def _secret_headers(lines: tuple[str, ...]) -> list[str]:
    return [name for name in (line.partition(":")[0].strip() for line in lines) if is_secret_header(name)]


@dataclass
class Config:
    """Every run option, each declared once on its field (see `conformance.options`): the flag, the environment
    variable (VOIPBIN_ and the field's name), help, validation; the annotation is its type."""

    spec: str | None = option(None, "OpenAPI document: a file, a multi-file tree or a URL (default: the bundled one)")
    base_url: str | None = option(
        None,
        "live target, e.g. https://api.voipbin.net/v1.0 (default: the embedded mock)",
        check=_o.http_url,
        example="https://api.voipbin.net/v1.0",
    )
    token: str | None = option(None, "JWT", secret=True)
    accesskey: str | None = option(None, "access key", secret=True)
    other_token: str | None = option(None, "a second customer's JWT, enables tenant_isolation", secret=True)
    username: str | None = option(None, "with --password: log in with POST /auth/login for a fresh JWT")
    password: str | None = option(
        None, "the password to log in with (prefer the environment: flags show in ps)", secret=True
    )
    other_username: str | None = option(None, "a second customer's login (enables tenant_isolation)")
    other_password: str | None = option(None, "the second customer's password (prefer the environment)", secret=True)
    profile: str = option(DEFAULT_PROFILE, "conventions profile: voipbin-2026-01 or voipbin-2026-08")
    max_examples: int = option(10, "random cases per operation, valid and invalid together", check=_o.at_least(1))
    seed: int | None = option(None, "seed for case generation (default: random, reported)", example="1")
    workers: int = option(1, "parallel processes (pytest-xdist)", check=_o.workers, pytest=False)
    include: str | None = option(
        None, "only operations whose 'METHOD /path' matches this regex", check=_o.regex, example="^GET /calls$"
    )
    exclude: str | None = option(
        None, "leave out operations whose 'METHOD /path' matches this regex", check=_o.regex, example="^GET /calls$"
    )
    request_timeout: float = option(
        5.0, "seconds per request, all of it", check=_o.seconds(MAX_REQUEST_TIMEOUT_S), shown_default="5"
    )
    allow_writes: bool = option(
        False, "allow POST/PUT/PATCH/DELETE that could succeed on a --base-url target (loopback included)"
    )
    report_dir: str = option("reports", "where report.html, junit.xml and results.json go")
    rate_limit: float | None = option(
        None,
        "requests per second, 0 unbounded (default: 10 for a live target, unbounded on loopback)",
        check=_o.per_second,
        example="10",
    )
    max_time: float | None = option(
        None,
        "a whole-run budget in seconds: every operation is tried breadth first, the budget decides the depth; the "
        "reports are still written",
        check=_o.seconds(),
        example="600",
    )
    max_requests: int | None = option(
        None,
        "a whole-run budget of requests (a rate-limited target), shared out among --workers; breadth first as "
        "--max-time",
        check=_o.at_least(1),
        example="15000",
    )
    max_response_bytes: int = option(
        8 * 1024 * 1024,  # a bigger body (inflated) is a finding, not a crash
        "the largest response body read, once inflated",
        check=_o.at_least(1024),
        shown_default="8 MiB",
    )
    min_reach: float | None = option(
        None, "fail (exit 1) when fewer than PCT% of the operations ever answered a 2xx", check=_o.percent, example="90"
    )
    auth_probes: str = option(
        "spread",
        "spread: each bad or valid credential on a share of the operations (the server checks them in one "
        "middleware), every operation still refused without any; every: all of them on every operation",
        check=_o.one_of("spread", "every"),
        example="every",
    )
    checks: tuple[str, ...] = option((), "only these check ids, comma-separated (default: all)")
    exclude_checks: tuple[str, ...] = option((), "leave out these check ids, comma-separated")
    headers: tuple[str, ...] = option(
        (),
        "'Name: value' sent with every request, repeatable (credential-like names are redacted, and refused in files)",
        flag="--header",
        short="-H",
        repeat=True,
        separator="\n",  # in VOIPBIN_HEADERS: one header a line (a value may hold commas)
        check=_o.header_lines,
        secret_items=_secret_headers,
        example="X-Request-Source: nightly",  # not credential-like: a file may hold it
    )
    # TLS for an https:// target (trust: --insecure, else --ca-bundle, else REQUESTS_CA_BUNDLE, else the system's)
    ca_bundle: str | None = option(
        None, "a PEM file of CA certificates to trust for an https:// target", check=_o.readable_file
    )
    client_cert: str | None = option(
        None,
        "a PEM client certificate, for a gateway that wants mutual TLS (key inside, or --client-key)",
        check=_o.readable_file,
    )
    client_key: str | None = option(None, "the unencrypted PEM private key of --client-cert", check=_o.readable_file)
    insecure: bool = option(False, "do not verify the target's TLS certificate (every report says so)")
    max_failures: int | None = option(
        None, "stop after N findings; the reports are written and say the run is incomplete", check=_o.at_least(1)
    )
    shard: str | None = option(
        None, "I/N: run the I-th of N disjoint parts of the spec (a CI matrix)", check=_o.shard, example="1/4"
    )
    baseline: str | None = option(None, "a results.json to compare with: known findings do not fail the run")
    update_baseline: bool = option(False, "write this run's results.json to --baseline")
    record_har: str | None = option(
        None, "save every exchange of the run to FILE as HAR 1.2 (credentials redacted)", example="run.har"
    )
    mock_faults: tuple[str, ...] = option(
        (), "break the embedded mock (see `mock --list-faults`)", flag="--mock-fault", repeat=True, example="html_401"
    )
    mock_http: bool = option(False, "serve the embedded mock on a loopback port instead of in-process", pytest=False)

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
    def budgeted(self) -> bool:
        """A run with a budget plans breadth first: every operation's first pass, then the sequences, then depth."""
        return self.max_time is not None or self.max_requests is not None

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
        return {name: value for name, value in self.extra_headers.items() if is_secret_header(name)}

    @property
    def shard_index(self) -> tuple[int, int] | None:
        """(I, N) with 1 <= I <= N, or None for the whole spec."""
        if self.shard is None:
            return None
        index, _, total = self.shard.partition("/")
        return int(index), int(total)

    def validate(self) -> Config:
        """Each option's own validation (for a Config built in code; the layers check as they read), then the rules
        that span options."""
        for declared_option in RUN_OPTIONS:
            value = getattr(self, declared_option.field)
            check = declared_option.check
            problem = check(value) if value is not None and check is not None else None
            if problem is not None:
                raise FLAGS.error(declared_option, problem, value)
        for first, second in (("username", "password"), ("other_username", "other_password")):
            if bool(getattr(self, first)) != bool(getattr(self, second)):
                one, other = BY_FIELD[first], BY_FIELD[second]
                raise SetupError(f"{one.flag} and {other.flag} go together", f"set {one.env} and {other.env}")
        if self.client_key and not self.client_cert:
            raise SetupError("--client-key needs --client-cert (the certificate it is the key of)")
        if self.update_baseline and not self.baseline:
            raise SetupError("--update-baseline needs --baseline FILE to write to")
        if self.base_url is not None and not (self.token or self.accesskey or self.username):
            raise SetupError(
                "a live target needs credentials",
                "pass --token/--accesskey or set VOIPBIN_TOKEN / VOIPBIN_ACCESSKEY "
                "(or VOIPBIN_USERNAME / VOIPBIN_PASSWORD to log in)",
            )
        if self.base_url is not None:
            for name in ("token", "accesskey", "other_token"):
                if getattr(self, name):
                    _o.plausible_credential(getattr(self, name), f"{BY_FIELD[name].flag} (${BY_FIELD[name].env})")
        for name, value in self.secret_headers.items():
            _o.plausible_credential(value, f"the value of --header {name!r}")
        return self


RUN_OPTIONS = declared(Config)  # for `voipbin-conformance run` (argparse) and pytest (addoption) alike
BY_FIELD = {option.field: option for option in RUN_OPTIONS}


def ensure_report_dir(path: str) -> Path:
    """The report directory, created; one clear error when it cannot be (a file in the way, no permission)."""
    directory = Path(path)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise SetupError(
            f"--report-dir {path!r} cannot be created: {reason or exc}", "choose another directory"
        ) from None
    if not os.access(directory, os.W_OK):
        raise SetupError(f"--report-dir {path!r} is not writable", "choose another directory")
    for name in REPORT_FILES:  # a directory or a read-only file in the way would fail the run after its verdict
        target = directory / name
        if target.exists() and (not target.is_file() or not os.access(target, os.W_OK)):
            raise SetupError(
                f"{target} cannot be written (something else is in the way)",
                "remove it, or choose another --report-dir",
            )
    return directory


REPORT_FILES = ("results.json", "junit.xml", "report.html", "summary.md", "regression.json", "regression.html")


def flags_from(values: Any) -> dict[str, Any]:
    """The flags as given (an argparse namespace or pytest's option object): None where a flag was not given."""
    return {option.field: getattr(values, option.field, None) for option in RUN_OPTIONS}


def from_flags(flags: dict[str, Any]) -> dict[str, Any]:
    return {name: parse(BY_FIELD[name], value, FLAGS) for name, value in flags.items() if value is not None}


def from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """VOIPBIN_<OPTION> for every option (an empty variable is unset), converted and validated as a flag is."""
    environ = os.environ if environ is None else environ
    return {o.field: parse(o, environ[o.env], ENVIRONMENT) for o in RUN_OPTIONS if environ.get(o.env)}


def from_file(path: Path) -> dict[str, Any]:
    """A TOML file's settings: TOML's own types, strictly (`allow-writes = "maybe"` is an error), no secrets."""
    layer = Layer(f"config file {path}", text=False)
    values = {}
    for raw_key, value in _settings(_read_toml(path), path).items():
        option = _named(raw_key, layer)
        if option.secret:
            raise SetupError(
                f"{layer.name}: {raw_key} is a secret and does not belong in a file",
                f"set {option.env} in the environment instead",
            )
        parsed = parse(option, value, layer)
        found = option.secret_items(parsed) if option.secret_items is not None else []
        if found:
            raise SetupError(
                f"{layer.name}: {raw_key} {', '.join(found)} carries a credential and does not belong in a file",
                f"pass it with {option.short or option.flag} or set {option.env} in the environment instead",
            )
        values[option.field] = parsed
    return values


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise SetupError(f"config file {path} not found", "pass the path of a TOML file") from None
    except OSError as exc:
        raise SetupError(f"config file {path} could not be read: {exc.strerror or exc}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise SetupError(f"config file {path} is larger than {MAX_CONFIG_BYTES // 1024} KiB: not a settings file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SetupError(
            f"config file {path} is not UTF-8 text (byte {raw[exc.start]:#04x} at offset {exc.start})",
            "save it as UTF-8",
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SetupError(f"config file {path} is not valid TOML: {exc}") from None
    except RecursionError:
        raise SetupError(f"config file {path} is nested too deeply to be a settings file") from None


def _settings(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """The settings: the [tool.voipbin-conformance] table (all a pyproject.toml is read for), or the top level."""
    tool = data.get("tool")
    table = tool.get("voipbin-conformance") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise SetupError(
            f"config file {path}: tool.voipbin-conformance must be a table, got {describe(table)}",
            "write the settings under a [tool.voipbin-conformance] header",
        )
    if path.name == "pyproject.toml":
        return table or {}
    if table is None:
        return data
    others = sorted(set(data) - {"tool"})
    if others:
        raise SetupError(
            f"config file {path} has settings both at the top ({', '.join(others)}) and in [tool.voipbin-conformance]",
            "keep them in one place",
        )
    return table


def _named(raw_key: str, layer: Layer) -> Option:
    option = BY_FIELD.get(raw_key.replace("-", "_"))
    if option is None:
        close = difflib.get_close_matches(raw_key.replace("_", "-"), [o.key for o in RUN_OPTIONS], n=1)
        hint = f"did you mean {close[0]}?" if close else None
        raise SetupError(f"{layer.name}: unknown setting {describe(raw_key)}", hint)
    return option


def build(
    flags: dict[str, Any],
    *,
    config_file: str | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Config:
    """Layer file < environment < flags (flags that are None were not given); every value goes through its
    option's declaration on the way in."""
    values: dict[str, Any] = {}
    if config_file is not None:
        values.update(from_file(Path(config_file)))
    else:
        pyproject = (cwd or Path.cwd()) / "pyproject.toml"
        if pyproject.is_file():
            values.update(from_file(pyproject))
    values.update(from_env(environ))
    values.update(from_flags(flags))
    return Config(**values).validate()
