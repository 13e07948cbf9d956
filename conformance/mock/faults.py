"""The mock's faults: each breaks one documented convention, so that the check named beside it must fire.

The check ids are plain strings here on purpose: the mock stands apart and never imports the checks.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from conformance.errors import SetupError


@dataclass(frozen=True)
class Fault:
    name: str
    check: str
    description: str
    profile: str | None = None  # the profile whose conventions it breaks, where the default one has no such rule


FAULTS: dict[str, Fault] = {
    fault.name: fault
    for fault in (
        Fault("auth_open_operation", "auth_missing_rejected", "list operations answer without credentials"),
        Fault("any_bearer_accepted", "auth_invalid_rejected", "any Authorization: Bearer value is accepted"),
        Fault("expired_jwt_accepted", "auth_invalid_rejected", "JWT expiry is not verified"),
        Fault(
            "token_cookie_unverified",
            "auth_invalid_rejected",
            "any value in the token cookie is accepted (the cookie channel is not checked)",
            profile="voipbin-2026-08",
        ),
        Fault("accesskey_ignored", "auth_accepted", "?accesskey= is not recognised (401 with a valid key)"),
        Fault("html_401", "json_response", "401 answers are an HTML page"),
        Fault("json_as_text_plain", "json_response", "2xx JSON bodies say Content-Type: text/plain"),
        Fault("error_without_message", "error_envelope", "error bodies lack the 'message' field"),
        Fault("list_without_next_page_token", "list_envelope", "lists omit 'next_page_token'"),
        Fault("result_null", "list_envelope", 'a page shorter than page_size answers "result": null'),
        Fault("undocumented_status", "status_code", "unknown ids answer 410 Gone instead of 404"),
        Fault("wrong_field_type", "response_schema", "objects carry 'customer_id' as an integer"),
        Fault("server_error_on_long_strings", "server_error", "a string over 20 characters in the request: 500"),
        Fault("malformed_json_500", "malformed_json_rejected", "a body that is not JSON: 500"),
        Fault("content_with_204", "http_semantics", "DELETE answers 204 No Content with a JSON body"),
        Fault("text_plain_accepted", "content_type_enforced", "bodies sent as text/plain are parsed and accepted"),
        Fault("schema_violations_accepted", "invalid_input_rejected", "bodies and parameters are not validated"),
        Fault(
            "token_loops", "pagination", "the last page hands back the page_token it was given: the chain never ends"
        ),
        Fault("pages_overlap", "pagination", "each page repeats the previous page's last item"),
        Fault("page_size_ignored", "pagination", "page_size is ignored: every page holds up to 100 items"),
        Fault("lost_create", "resource_lifecycle", "created resources are not stored (GET answers 404)"),
        Fault("zombie_delete", "resource_lifecycle", "DELETE answers 200 but the resource stays live and listed"),
        Fault(
            "foreign_visible", "tenant_isolation", "any customer reads, changes and lists every customer's resources"
        ),
    )
}


def validate_faults(names: list[str] | tuple[str, ...]) -> frozenset[str]:
    for name in names:
        if name not in FAULTS:
            close = difflib.get_close_matches(name, list(FAULTS), n=1)
            hint = f"did you mean {close[0]}?" if close else "see `voipbin-conformance mock --list-faults`"
            raise SetupError(f"unknown fault {name!r}", hint)
    return frozenset(names)
