"""Conventions profiles: what one revision of the VoIPBIN docs promises, read from `schemas/profiles/*.json`.

A new profile is a new JSON file, not new code. Checks read a `Profile`; they never hard-code a convention.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import jsonschema

from conformance.config import DEFAULT_PROFILE
from conformance.data import schemas_dir
from conformance.errors import SetupError

__all__ = ["DEFAULT_PROFILE", "AuthMechanism", "Profile", "available_profiles", "load_profile"]


@dataclass(frozen=True)
class AuthMechanism:
    id: str
    credential: str  # "token" or "accesskey"
    location: str  # "header", "query" or "cookie"
    name: str
    template: str
    # Whether this revision's docs promise the channel; a live-only one (the 2026-01 cookies) is probed with invalid
    # credentials, never demanded to accept valid ones.
    documented: bool = True
    source: str = ""

    def render(self, value: str) -> str:
        return self.template.replace("{value}", value)


@dataclass(frozen=True)
class Profile:
    id: str
    title: str
    doc: str
    data: dict[str, Any] = field(repr=False, compare=False, hash=False)

    # -- auth ---------------------------------------------------------------------------------------------------
    @cached_property
    def auth_mechanisms(self) -> tuple[AuthMechanism, ...]:
        return tuple(
            AuthMechanism(
                m["id"], m["credential"], m["in"], m["name"], m["template"], bool(m["documented"]), m.get("source", "")
            )
            for m in self.data["auth"]["mechanisms"]
        )

    @property
    def documented_mechanisms(self) -> tuple[AuthMechanism, ...]:
        """The channels this revision's docs promise: the only ones valid credentials are demanded on."""
        return tuple(m for m in self.auth_mechanisms if m.documented)

    def unauthenticated_by_docs(self, path: str) -> str | None:
        """Where the profile's docs call an operation on `path` unauthenticated: that doc, else None."""
        section = self.data.get("unauthenticated") or {}
        return str(section["doc"]) if path in (section.get("paths") or ()) else None

    def bare_error(self, path: str, status: int | None) -> bool:
        """Whether the docs say an error on `path` with `status` may come bare: the status, an empty body."""
        section = self.data.get("bare_errors") or {}
        prefixes = tuple(section.get("path_prefixes") or ())
        return bool(prefixes) and path.startswith(prefixes) and status in (section.get("statuses") or ())

    @property
    def unauthenticated_status(self) -> int:
        return int(self.data["auth"]["unauthenticated_status"])

    # -- statuses -----------------------------------------------------------------------------------------------
    @cached_property
    def documented_statuses(self) -> frozenset[int]:
        return frozenset(self.data["status_codes"]["documented"])

    # -- envelopes ----------------------------------------------------------------------------------------------
    @cached_property
    def error_validator(self) -> jsonschema.protocols.Validator:
        return _validator(self.data["error_envelope"]["schema"])

    @property
    def error_schema_file(self) -> str:
        return str(self.data["error_envelope"]["schema"])

    @property
    def error_status_field(self) -> list[str] | None:
        return self.data["error_envelope"].get("status_field")

    @property
    def error_status_map(self) -> dict[str, list[int]] | None:
        return self.data["error_envelope"].get("status_map")

    @cached_property
    def list_validator(self) -> jsonschema.protocols.Validator:
        return _validator(self.data["list_envelope"]["schema"])

    @property
    def list_schema_file(self) -> str:
        return str(self.data["list_envelope"]["schema"])

    @property
    def result_field(self) -> str:
        return str(self.data["list_envelope"]["result_field"])

    @property
    def next_token_field(self) -> str:
        return str(self.data["list_envelope"]["next_token_field"])

    # -- pagination, requests, deletes, rate limits, isolation --------------------------------------------------
    @property
    def page_params(self) -> frozenset[str]:
        return frozenset({self.page_size_param, self.page_token_param})

    @property
    def page_size_param(self) -> str:
        return str(self.data["pagination"]["page_size_param"])

    @property
    def page_token_param(self) -> str:
        return str(self.data["pagination"]["page_token_param"])

    @property
    def end_token(self) -> str:
        return str(self.data["pagination"]["end_token"])

    @property
    def content_type(self) -> str:
        return str(self.data["request_format"]["content_type"])

    @property
    def malformed_json_status(self) -> int:
        return int(self.data["request_format"]["malformed_json_status"])

    @property
    def reads_first_query_value(self) -> bool:
        """Whether a repeated scalar query parameter is read by its first value (Go's url.Values.Get)."""
        return self.data["request_format"].get("repeated_query_value", "all") == "first"

    @property
    def soft_delete_field(self) -> str:
        return str(self.data["soft_delete"]["field"])

    @property
    def deleted_get_statuses(self) -> frozenset[int]:
        return frozenset(self.data["soft_delete"]["deleted_get_statuses"])

    @property
    def live_delete_values(self) -> tuple[object, ...]:
        """What the soft-delete field holds while a resource is live (VoIPBIN uses a 9999 timestamp)."""
        return tuple(self.data["soft_delete"]["live_values"])

    def is_live_delete_value(self, value: object) -> bool:
        """Whether a soft-delete field says "live": a declared live value, or any far-future 9999 timestamp."""
        return value in self.live_delete_values or (isinstance(value, str) and value.startswith("9999"))

    @property
    def server_assigned(self) -> frozenset[str]:
        return frozenset(self.data["resources"]["server_assigned"])

    # -- resources: ids, timestamps, unknown and malformed ids, unknown routes -----------------------------------
    @property
    def id_field(self) -> str:
        return str(self.data["resources"]["id_field"])

    @cached_property
    def id_pattern(self) -> re.Pattern[str]:
        return re.compile(self.data["resources"]["id_pattern"])

    @property
    def timestamp_prefix(self) -> str:
        return str(self.data["resources"]["timestamp_prefix"])

    @cached_property
    def timestamp_pattern(self) -> re.Pattern[str]:
        return re.compile(self.data["resources"]["timestamp_pattern"])

    @property
    def unknown_resource_status(self) -> int:
        return int(self.data["resources"]["unknown_resource_status"])

    @property
    def malformed_id_status(self) -> int | None:
        """The status a malformed id in a path gets, where the profile documents one (2026-08: 400 INVALID_ID)."""
        status = self.data["resources"].get("malformed_id_status")
        return int(status) if status is not None else None

    @property
    def malformed_id_statuses(self) -> tuple[int, ...]:
        """What a path value that is not an id may get: the one status the profile documents (2026-08: 400), or
        those its docs leave open (2026-01: 400 invalid parameters, 404 no such resource)."""
        listed = self.data["resources"].get("malformed_id_statuses")
        if listed:
            return tuple(int(status) for status in listed)
        return (self.malformed_id_status,) if self.malformed_id_status is not None else ()

    @property
    def nil_id(self) -> str | None:
        """The id the docs say stands for "unset" (the empty UUID): it names no resource."""
        value = self.data["resources"].get("nil_id")
        return str(value) if value else None

    @property
    def unserved_method(self) -> dict[str, Any] | None:
        """What a known path answers to a method it does not serve, where the profile says (404 ROUTE_NOT_FOUND)."""
        rule = self.data.get("unserved_method")
        return dict(rule) if rule else None

    @property
    def live_sentinel(self) -> tuple[str, ...]:
        """What the soft-delete field of a resource that is not deleted holds, where the docs say (2026-08)."""
        return tuple(self.data["soft_delete"].get("live_sentinel") or ())

    @property
    def unknown_route(self) -> dict[str, Any]:
        return dict(self.data["unknown_route"])

    @property
    def decisions(self) -> list[str]:
        """Where the docs contradict each other or are silent: which the profile follows, and why."""
        return list(self.data.get("decisions") or [])

    @property
    def rate_limit_status(self) -> int:
        return int(self.data["rate_limit"]["status"])

    @property
    def retry_after_required(self) -> bool:
        return bool(self.data["rate_limit"]["retry_after_required"])

    @property
    def foreign_statuses(self) -> frozenset[int]:
        return frozenset(self.data["isolation"]["foreign_statuses"])

    @property
    def owner_field(self) -> str:
        return str(self.data["isolation"]["owner_field"])

    # -- building bodies the profile expects (used by the mock) -------------------------------------------------
    def error_body(self, status: int, code: str, message: str, request_id: str) -> Any:
        """The error body a server following this profile sends, from the profile's template."""
        canonical = next((name for name, codes in (self.error_status_map or {}).items() if status in codes), "INTERNAL")
        values = {
            "{status}": canonical,
            "{reason}": code.upper(),
            "{reason_lower}": code.lower(),
            "{message}": message,
            "{request_id}": request_id,
        }
        return _fill(self.data["error_envelope"]["body"], values)


def _fill(template: Any, values: dict[str, str]) -> Any:
    if isinstance(template, dict):
        return {key: _fill(value, values) for key, value in template.items()}
    if isinstance(template, str):  # one pass: a message holding "{request_id}" stays as it is
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(), m.group()), template)
    return template


_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def _profiles_dir() -> Path:
    return schemas_dir() / "profiles"


def available_profiles() -> list[str]:
    return sorted(p.stem for p in _profiles_dir().glob("*.json"))


@cache
def _validator(name: str) -> jsonschema.protocols.Validator:
    schema = json.loads((schemas_dir() / name).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@cache
def load_profile(name: str) -> Profile:
    path = Path(name)
    if not (path.suffix == ".json" and path.is_file()):
        path = _profiles_dir() / f"{name}.json"
    if not path.is_file():
        known = available_profiles()
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]}?" if close else f"known profiles: {', '.join(known)}"
        raise SetupError(f"unknown profile {name!r}", hint)
    data = json.loads(path.read_text(encoding="utf-8"))
    meta = json.loads((schemas_dir() / "profile.schema.json").read_text(encoding="utf-8"))
    try:
        jsonschema.validate(data, meta)
    except jsonschema.ValidationError as exc:
        raise SetupError(f"profile {path} is invalid: {exc.message}") from None
    return Profile(id=data["id"], title=data["title"], doc=data["doc"], data=data)
