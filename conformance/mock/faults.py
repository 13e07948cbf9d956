"""The mock's faults: each breaks one documented convention, so that the check named beside it must fire.

The check ids are plain strings here on purpose: the mock stands apart and never imports the checks.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import StrEnum

from conformance.errors import SetupError


class F(StrEnum):
    """The fault names, as a type: `F.HTML_401 in self.faults` is checked by mypy where a misspelt string was silently
    false."""

    AUTH_OPEN_OPERATION = "auth_open_operation"
    ANY_BEARER_ACCEPTED = "any_bearer_accepted"
    EXPIRED_JWT_ACCEPTED = "expired_jwt_accepted"
    TOKEN_COOKIE_UNVERIFIED = "token_cookie_unverified"
    ACCESSKEY_IGNORED = "accesskey_ignored"
    HTML_401 = "html_401"
    JSON_AS_TEXT_PLAIN = "json_as_text_plain"
    ERROR_WITHOUT_MESSAGE = "error_without_message"
    LIST_WITHOUT_NEXT_PAGE_TOKEN = "list_without_next_page_token"
    RESULT_NULL = "result_null"
    UNDOCUMENTED_STATUS = "undocumented_status"
    WRONG_FIELD_TYPE = "wrong_field_type"
    SERVER_ERROR_ON_LONG_STRINGS = "server_error_on_long_strings"
    MALFORMED_JSON_500 = "malformed_json_500"
    CONTENT_WITH_204 = "content_with_204"
    SWITCHING_PROTOCOLS = "switching_protocols"
    IDS_NOT_UUID = "ids_not_uuid"
    TIMESTAMPS_UNFORMATTED = "timestamps_unformatted"
    TM_DELETE_ON_LIVE = "tm_delete_on_live"
    UNKNOWN_ID_200 = "unknown_id_200"
    MALFORMED_ID_404 = "malformed_id_404"
    PLAIN_404_ROUTE = "plain_404_route"
    TEXT_PLAIN_ACCEPTED = "text_plain_accepted"
    SCHEMA_VIOLATIONS_ACCEPTED = "schema_violations_accepted"
    TOKEN_LOOPS = "token_loops"
    PAGES_OVERLAP = "pages_overlap"
    PAGE_SIZE_IGNORED = "page_size_ignored"
    LOST_CREATE = "lost_create"
    ZOMBIE_DELETE = "zombie_delete"
    FOREIGN_VISIBLE = "foreign_visible"
    COOKIES_IGNORED = "cookies_ignored"
    NO_AUTHENTICATION = "no_authentication"
    MALFORMED_ID_200 = "malformed_id_200"
    NIL_ID_200 = "nil_id_200"
    UNKNOWN_ID_WRITES_200 = "unknown_id_writes_200"
    METHOD_NOT_ALLOWED_405 = "method_not_allowed_405"
    REDIRECT_WITHOUT_LOCATION = "redirect_without_location"
    SECRET_READ_BACK = "secret_read_back"


@dataclass(frozen=True)
class Fault:
    name: F
    check: str
    description: str
    profile: str | None = None  # the profile whose conventions it breaks, where the default one has no such rule


FAULTS: dict[str, Fault] = {
    fault.name: fault
    for fault in (
        Fault(F.AUTH_OPEN_OPERATION, "auth_missing_rejected", "list operations answer without credentials"),
        Fault(F.ANY_BEARER_ACCEPTED, "auth_invalid_rejected", "any Authorization: Bearer value is accepted"),
        Fault(F.EXPIRED_JWT_ACCEPTED, "auth_invalid_rejected", "JWT expiry is not verified"),
        Fault(
            F.TOKEN_COOKIE_UNVERIFIED,
            "auth_invalid_rejected",
            "any value in the token cookie is accepted (the cookie channel is not checked)",
            profile="voipbin-2026-08",
        ),
        Fault(F.ACCESSKEY_IGNORED, "auth_accepted", "?accesskey= is not recognised (401 with a valid key)"),
        Fault(F.HTML_401, "json_response", "401 answers are an HTML page"),
        Fault(F.JSON_AS_TEXT_PLAIN, "json_response", "2xx JSON bodies say Content-Type: text/plain"),
        Fault(F.ERROR_WITHOUT_MESSAGE, "error_envelope", "error bodies lack the 'message' field"),
        Fault(F.LIST_WITHOUT_NEXT_PAGE_TOKEN, "list_envelope", "lists omit 'next_page_token'"),
        Fault(F.RESULT_NULL, "list_envelope", 'a page shorter than page_size answers "result": null'),
        Fault(F.UNDOCUMENTED_STATUS, "status_code", "unknown ids answer 410 Gone instead of 404"),
        Fault(F.WRONG_FIELD_TYPE, "response_schema", "objects carry 'customer_id' as an integer"),
        Fault(F.SERVER_ERROR_ON_LONG_STRINGS, "server_error", "a string over 20 characters in the request: 500"),
        Fault(F.MALFORMED_JSON_500, "malformed_json_rejected", "a body that is not JSON: 500"),
        Fault(F.CONTENT_WITH_204, "http_semantics", "DELETE answers 204 No Content with a JSON body"),
        Fault(
            F.SWITCHING_PROTOCOLS, "http_semantics", "lists answer 101 Switching Protocols though no upgrade was asked"
        ),
        Fault(F.IDS_NOT_UUID, "id_format", "resources answer ids that are not UUIDs ('res-' and 8 hex digits)"),
        Fault(F.TIMESTAMPS_UNFORMATTED, "timestamp_format", "tm_* fields answer 2022/05/01 15:10:38, not the format"),
        Fault(
            F.TM_DELETE_ON_LIVE,
            "live_delete_sentinel",
            "live resources carry a real deletion time in tm_delete",
            profile="voipbin-2026-08",
        ),
        Fault(F.UNKNOWN_ID_200, "unknown_resource_404", "a read of an id that does not exist answers 200 with a body"),
        Fault(
            F.MALFORMED_ID_404,
            "malformed_id_rejected",
            "a malformed id in a path answers 404, not 400",
            profile="voipbin-2026-08",  # 2026-01 documents no choice between 400 and 404
        ),
        Fault(F.PLAIN_404_ROUTE, "unknown_route_envelope", "an unknown route answers text/plain 404 page not found"),
        Fault(F.TEXT_PLAIN_ACCEPTED, "content_type_enforced", "bodies sent as text/plain are parsed and accepted"),
        Fault(F.SCHEMA_VIOLATIONS_ACCEPTED, "invalid_input_rejected", "bodies and parameters are not validated"),
        Fault(
            F.TOKEN_LOOPS, "pagination", "the last page hands back the page_token it was given: the chain never ends"
        ),
        Fault(F.PAGES_OVERLAP, "pagination", "each page repeats the previous page's last item"),
        Fault(F.PAGE_SIZE_IGNORED, "pagination", "page_size is ignored: every page holds up to 100 items"),
        Fault(F.LOST_CREATE, "resource_lifecycle", "created resources are not stored (GET answers 404)"),
        Fault(F.ZOMBIE_DELETE, "resource_lifecycle", "DELETE answers 200 but the resource stays live and listed"),
        Fault(
            F.FOREIGN_VISIBLE, "tenant_isolation", "any customer reads, changes and lists every customer's resources"
        ),
        Fault(
            F.COOKIES_IGNORED,
            "auth_accepted",
            "no cookie is read (a target following the 2026-01-15 docs, which name none; 2026-08-22 documents the "
            "token cookie)",
            profile="voipbin-2026-08",
        ),
        Fault(
            F.NO_AUTHENTICATION,
            "auth_missing_rejected",
            "no authentication at all: every request, whatever it carries, is the first customer's",
        ),
        Fault(F.MALFORMED_ID_200, "malformed_id_rejected", "an id that is not a UUID names a resource (200, as Prism)"),
        Fault(F.NIL_ID_200, "unknown_resource_404", "the empty UUID (00000000-…) names a resource: 200"),
        Fault(F.UNKNOWN_ID_WRITES_200, "unknown_resource_404", "PUT and DELETE of an id naming nothing answer 200"),
        Fault(F.METHOD_NOT_ALLOWED_405, "unserved_method", "a method a path does not serve answers 405 (as Prism)"),
        Fault(F.REDIRECT_WITHOUT_LOCATION, "http_semantics", "reads of one resource answer 307 without a Location"),
        Fault(F.SECRET_READ_BACK, "secret_returned_once", "reads and lists return an accesskey's once-only token"),
    )
}


def validate_faults(names: list[str] | tuple[str, ...]) -> frozenset[F]:
    for name in names:
        if name not in FAULTS:
            close = difflib.get_close_matches(name, list(FAULTS), n=1)
            hint = f"did you mean {close[0]}?" if close else "see `voipbin-conformance mock --list-faults`"
            raise SetupError(f"unknown fault {name!r}", hint)
    return frozenset(F(name) for name in names)
