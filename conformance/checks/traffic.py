"""What traffic the suite did not send (a HAR, the proxy) shows of conventions the probes and sequences test by
sending their own: a request without credentials answered 2xx, a page chain a client followed that repeats an item
or a token or ignores `page_size`, a create whose id then reads 404, a delete followed by a read that still shows
the resource live. Each observer is fed every exchange in the order its request went out, remembers at most
`KEPT` things at once (the oldest go first), and reads every convention from the profile.

Only what the traffic proves is held against the target: a read counts as "after" a create only if it went out
once the create was answered, by the same credentials; a page follows another only if it asked for the token that
page handed out, for the same list, with the same filters and credentials.
"""

from __future__ import annotations

import dataclasses
import json
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from conformance.checks._model import NOT_JSON, Exchange, Fail, Observed, excerpt, unauthenticated
from conformance.openapi import Collection, Operation, Spec, is_id_param, json_media, match_path, resolve
from conformance.profiles import Profile

KEPT = 2000  # pages, creates and deletes remembered at once
_STEP_BODY = 64 * 1024  # a remembered request body (a step's repro) is cut here
# What a client sends before it has a credential ("Bearer undefined" from a front end): no credential at all.
PLACEHOLDERS = frozenset({"", "undefined", "null", "none", "nil", "bearer", "false", "[object object]"})


def _ok(exchange: Exchange) -> bool:
    return exchange.status is not None and 200 <= exchange.status < 300


def _after(later: Exchange, earlier: Exchange) -> bool:
    """`later` went out once `earlier` was answered (HAR times are to the millisecond: 1 ms of slack)."""
    if later.started is None or earlier.started is None:
        return True  # no times: the order they were fed in is all there is
    return later.started + 0.001 >= earlier.started + earlier.elapsed


def _query(exchange: Exchange) -> dict[str, list[str]]:
    return parse_qs(urlsplit(exchange.url).query, keep_blank_values=True)


def _cookies(exchange: Exchange) -> dict[str, str]:
    header = next((v for k, v in exchange.request_headers.items() if k.lower() == "cookie"), "")
    pairs = (part.strip().partition("=") for part in header.split(";"))
    return {name: value for name, sep, value in pairs if sep}


def credentials(profile: Profile, exchange: Exchange) -> frozenset[str]:
    """The credentials a request carries on the channels the profile names (the scheme of a header stripped, so a
    token sent as a header and as `?token=` is the same credential); a placeholder is none."""
    headers = {k.lower(): v for k, v in exchange.request_headers.items()}
    query, cookies, found = _query(exchange), _cookies(exchange), set()
    for mechanism in profile.auth_mechanisms:
        if mechanism.location == "header":
            value = headers.get(mechanism.name.lower())
            prefix = mechanism.template.split("{value}")[0]
            if value is not None and prefix and value.lower().startswith(prefix.lower()):
                value = value[len(prefix) :]
        elif mechanism.location == "cookie":
            value = cookies.get(mechanism.name)
        else:
            value = next(iter(query.get(mechanism.name) or ()), None)
        if value is not None and value.strip().strip("\"'").lower() not in PLACEHOLDERS:
            found.add(value.strip())
    return frozenset(found)


def _same_caller(profile: Profile, one: Exchange, other: Exchange) -> bool:
    """Both sent by the same customer, as far as the traffic tells: a credential in common, or none on either."""
    mine, theirs = credentials(profile, one), credentials(profile, other)
    return bool(mine & theirs) or not (mine or theirs)


def _kept(exchange: Exchange, fields: dict[str, Any]) -> Exchange:
    """A remembered step, bounded: what a replay captures from its answer (a token, an id), not the whole body."""
    body = exchange.request_body[:_STEP_BODY] if exchange.request_body else exchange.request_body
    return dataclasses.replace(exchange, request_body=body, response_body=json.dumps(fields).encode(), _json=None)


def _remember(store: OrderedDict[Any, Any], key: Any, value: Any) -> None:
    store[key] = value
    store.move_to_end(key)
    while len(store) > KEPT:
        store.popitem(last=False)


class _Watching:
    """What every observer shares: the profile, the spec, the operation an exchange was matched to."""

    def __init__(self, profile: Profile, spec: Spec) -> None:
        self.profile, self.spec = profile, spec
        self.notes: list[str] = []

    def operation(self, exchange: Exchange) -> Operation | None:
        return self.spec.shape.by_label.get(exchange.operation)

    def finish(self) -> Iterator[Observed]:
        return iter(())


class MissingCredentials(_Watching):
    """auth_missing_rejected: a request with no credential on any channel the profile names, answered 2xx (a 401
    passes; other refusals are other checks'). Judged only once the traffic shows that credentials were recorded
    at all: a HAR saved "sanitized" drops Authorization and cookies from every request, and every answer would look
    like one to a request without credentials. An operation the spec or the docs call unauthenticated is skipped."""

    def __init__(self, profile: Profile, spec: Spec) -> None:
        super().__init__(profile, spec)
        self._recorded = False
        self._held: list[Exchange] = []

    def see(self, exchange: Exchange) -> Iterator[Observed]:
        operation = self.operation(exchange)
        if operation is None or exchange.status is None or self._public(operation):
            return
        if credentials(self.profile, exchange):
            if not self._recorded:
                self._recorded = True
                held, self._held = self._held, []
                for earlier in held:
                    yield from self._judge(earlier)
            return
        if self._recorded:
            yield from self._judge(exchange)
        elif len(self._held) < KEPT:  # bounded: the start of each body, enough for a finding's excerpt
            start = exchange.response_body[:_STEP_BODY]
            self._held.append(dataclasses.replace(exchange, response_body=start, _json=None))

    def _public(self, operation: Operation) -> bool:
        return unauthenticated(self.profile, self.spec.document, operation) is not None

    def _judge(self, exchange: Exchange) -> Iterator[Observed]:
        expected = self.profile.unauthenticated_status
        if _ok(exchange):
            message = f"request without credentials: expected {expected}, got {exchange.status}"
            yield Observed(exchange.operation, (Fail(message, f"missing:{exchange.status}", exchange),))
        elif exchange.status == expected:
            yield Observed(exchange.operation)

    def finish(self) -> Iterator[Observed]:
        if self._held and not self._recorded:
            self.notes.append(
                f"{len(self._held)} request(s) without credentials not judged: no request in the traffic carries "
                "one (a HAR saved sanitized drops Authorization and cookies)"
            )
        return iter(())


@dataclasses.dataclass
class _Page:
    exchange: Exchange
    token: str | None  # the page_token it asked for
    ids: tuple[str, ...]
    parent: _Page | None

    def chain(self) -> list[_Page]:
        pages: list[_Page] = []
        page: _Page | None = self
        while page is not None and len(pages) < 100:
            pages.append(page)
            page = page.parent
        return pages[::-1]


class PageChains(_Watching):
    """pagination: every list page answered 2xx holds at most the `page_size` it asked for; a page that asked for
    the token an earlier page of the same list (same filters, same caller) handed out continues that page's chain,
    and no chain repeats an item or hands out a token it was already given."""

    def __init__(self, profile: Profile, spec: Spec) -> None:
        super().__init__(profile, spec)
        self._issued: OrderedDict[tuple[Any, ...], _Page] = OrderedDict()

    def see(self, exchange: Exchange) -> Iterator[Observed]:
        operation, profile = self.operation(exchange), self.profile
        body = exchange.json if _ok(exchange) else NOT_JSON
        items = body.get(profile.result_field) if isinstance(body, dict) else None
        if operation is None or exchange.method != "GET" or not self.spec.shape.is_list(operation):
            return
        if not isinstance(items, list) or not isinstance(body, dict):
            return
        query = _query(exchange)
        token = next(iter(query.get(profile.page_token_param) or ()), None)
        own = (profile.page_token_param, profile.page_size_param)
        filters = tuple(sorted((k, tuple(v)) for k, v in query.items() if k not in own))
        key = (exchange.path, filters, credentials(profile, exchange))
        parent = self._issued.get((*key, token)) if token is not None else None
        if parent is not None and not _after(exchange, parent.exchange):
            parent = None
        ids = tuple(str(i["id"]) for i in items if isinstance(i, dict) and i.get("id") is not None)
        next_token = body.get(profile.next_token_field)
        page = _Page(_kept(exchange, {profile.next_token_field: next_token}), token, ids, parent)
        size = self._page_size(operation, query)
        fails = list(self._fails(page, len(items), size, next_token))
        if next_token not in (None, profile.end_token) and not any(f.key == "token-loop" for f in fails):
            _remember(self._issued, (*key, str(next_token)), page)
        if size is not None or parent is not None:
            yield Observed(operation.label, tuple(fails))

    def _page_size(self, operation: Operation, query: dict[str, list[str]]) -> int | None:
        """The page_size asked for, where the spec lets it bound the page: an integer no smaller than the smallest
        it declares (a server may read 0 or less as "the default")."""
        raw = next(iter(query.get(self.profile.page_size_param) or ()), None)
        declared = next(
            (p for p in operation.parameters(self.spec.document) if p.get("name") == self.profile.page_size_param),
            None,
        )
        if raw is None or declared is None or not raw.strip().isdigit():
            return None
        schema = resolve(self.spec.document, declared.get("schema")) or {}
        minimum = schema.get("minimum", 1) if isinstance(schema, dict) else 1
        size = int(raw.strip())
        return size if size >= max(1, minimum if isinstance(minimum, int | float) else 1) else None

    def _fails(self, page: _Page, count: int, size: int | None, next_token: Any) -> Iterator[Fail]:
        chain = page.chain()
        number, steps = len(chain), tuple(p.exchange for p in chain)
        exchange = page.exchange
        if size is not None and count > size:
            message = f"page {number} holds {count} items, more than page_size={size}"
            yield Fail(message, "page-size-exceeded", exchange, steps if number > 1 else ())
        seen = {item: n for n, earlier in enumerate(chain[:-1], 1) for item in earlier.ids}
        repeated = next((item for item in page.ids if item in seen), None)
        if repeated is not None:
            message = f"item {repeated} is on page {seen[repeated]} and again on page {number}"
            yield Fail(message, "repeated-item", exchange, steps)
        asked = {p.token for p in chain if p.token is not None}
        if number > 1 and next_token is not None and str(next_token) in asked:
            message = f"page {number} hands out next_page_token {next_token!r} again: the chain loops"
            yield Fail(message, "token-loop", exchange, steps)


class Lifecycle(_Watching):
    """resource_lifecycle: a resource a create answered (with its id) that the same caller then reads, answered
    404; a resource a DELETE answered 2xx for that the same caller then reads as live (its soft-delete field not
    set), or finds in its list."""

    def __init__(self, profile: Profile, spec: Spec) -> None:
        super().__init__(profile, spec)
        self._created: OrderedDict[str, Exchange] = OrderedDict()  # item path -> the create
        self._deleted: OrderedDict[str, Exchange] = OrderedDict()  # item path -> the delete

    def see(self, exchange: Exchange) -> Iterator[Observed]:
        operation = self.operation(exchange)
        collection = self.spec.shape.collection_of(operation.path) if operation is not None else None
        if operation is None or collection is None:
            return
        if operation == collection.create:
            self._create(collection, exchange)
        elif operation == collection.delete:
            self._created.pop(exchange.path, None)
            if _ok(exchange):
                _remember(self._deleted, exchange.path, _kept(exchange, {}))
        elif operation == collection.read:
            yield from self._read(collection, exchange)
        elif operation == collection.list and _ok(exchange):
            yield from self._listed(collection, exchange)

    def _create(self, collection: Collection, exchange: Exchange) -> None:
        body = exchange.json if _ok(exchange) else None
        item_id = body.get(self.profile.id_field) if isinstance(body, dict) else None
        if item_id is None or not self.spec.shape.creates_item(collection):
            return
        item = f"{exchange.path.rstrip('/')}/{quote(str(item_id), safe='')}"
        _remember(self._created, item, _kept(exchange, {self.profile.id_field: item_id}))

    def _label(self, collection: Collection) -> str:
        return (collection.create or collection.delete or collection.read or collection.list).label  # type: ignore[union-attr]

    def _read(self, collection: Collection, exchange: Exchange) -> Iterator[Observed]:
        item_id = exchange.path.rsplit("/", 1)[-1]
        created = self._created.get(exchange.path)
        if created is not None and _after(exchange, created) and _same_caller(self.profile, exchange, created):
            del self._created[exchange.path]
            if exchange.status == self.profile.unknown_resource_status:
                message = f"the created resource {item_id} cannot be read back: {exchange.status}"
                fail = Fail(message, f"read-after-create:{exchange.status}", exchange, (created, exchange))
                yield Observed(self._label(collection), (fail,))
            elif _ok(exchange):
                yield Observed(self._label(collection))
        deleted = self._deleted.get(exchange.path)
        if deleted is None or not _after(exchange, deleted) or not _same_caller(self.profile, exchange, deleted):
            return
        del self._deleted[exchange.path]
        field, body = self.profile.soft_delete_field, exchange.json
        if _ok(exchange) and not self.profile.is_live_delete_value(body.get(field) if isinstance(body, dict) else None):
            yield Observed(self._label(collection))  # soft-deleted, as documented
        elif _ok(exchange):
            message = f"the deleted resource {item_id} still reads as live ({field} not set)"
            yield Observed(self._label(collection), (Fail(message, "zombie-read", exchange, (deleted, exchange)),))
        elif exchange.status in self.profile.deleted_get_statuses:
            yield Observed(self._label(collection))

    def _listed(self, collection: Collection, exchange: Exchange) -> Iterator[Observed]:
        body = exchange.json
        items = body.get(self.profile.result_field) if isinstance(body, dict) else None
        field = self.profile.soft_delete_field  # the docs promise tm_delete set, not that a list leaves it out
        listed = {
            str(i.get("id"))
            for i in items or []
            if isinstance(i, dict) and self.profile.is_live_delete_value(i.get(field))
        }
        for path, deleted in list(self._deleted.items()):
            parent, _, item_id = path.rpartition("/")
            if parent != exchange.path.rstrip("/") or item_id not in listed:
                continue
            if _after(exchange, deleted) and _same_caller(self.profile, exchange, deleted):
                del self._deleted[path]
                assert collection.list is not None
                message = f"the deleted resource {item_id} is still in {collection.list.label}"
                fail = Fail(message, "zombie-listed", exchange, (deleted, exchange))
                yield Observed(self._label(collection), (fail,))


def acted_on_id(spec: Spec, operation: Operation) -> str | None:
    """The id parameter naming the resource an operation acts on: the path's last id parameter (`{id}` of
    /calls/{id}/hangup). A list (one under an item may legitimately answer an empty page) names none."""
    if spec.shape.is_list(operation):
        return None
    return next((name for name in reversed(operation.path_params) if is_id_param(name)), None)


class MalformedIds(_Watching):
    """malformed_id_rejected: a request whose id is not one (`/tags/undefined`, what a front end sends before it
    has an id), answered as if it named something (a 2xx or a redirect). An answer in the profile's statuses
    passes; any other refusal (401, another 4xx) is another check's to judge."""

    def see(self, exchange: Exchange) -> Iterator[Observed]:
        operation = self.operation(exchange)
        name = acted_on_id(self.spec, operation) if operation is not None else None
        if operation is None or name is None or exchange.status is None:
            return
        tail = exchange.path.split("/")[-operation.path.count("/") :]  # the path under the base the route strips
        value = (match_path(operation.path, "/" + "/".join(tail)) or {}).get(name)
        if value is None or self.profile.id_pattern.match(unquote(value)):
            return
        if exchange.status < 400:
            message = f"an id that is not a UUID ({excerpt(repr(value))}) answered {exchange.status}"
            yield Observed(operation.label, (Fail(message, f"status:{exchange.status}", exchange),))
        elif exchange.status in self.profile.malformed_id_statuses:
            yield Observed(operation.label)


def route_verdict(profile: Profile, exchange: Exchange, status: int) -> tuple[str, str] | None:
    """What is wrong with the answer to a route the API does not serve (a path, or a method on a path): not
    `status`, not JSON, not the error envelope; (message, key), or None."""
    if exchange.error is not None:
        return f"got no answer ({exchange.error})", "no-answer"
    if exchange.status != status:
        return f"answered {exchange.status}, not {status}", f"status:{exchange.status}"
    if exchange.json is NOT_JSON or not json_media(exchange.media_type):
        return f"answered {excerpt(exchange.media_type or 'no Content-Type')}, not the JSON error envelope", "not-json"
    if next(iter(profile.error_validator.iter_errors(exchange.json)), None) is not None:
        return f"its body is not the error envelope ({profile.error_schema_file})", "not-envelope"
    return None


JUDGED_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")  # never OPTIONS (CORS preflights) nor HEAD


class _Unrouted(_Watching):
    """What an exchange that matched no operation asked for: its label is its own method and path (under the API's
    base path), which names no operation of the spec; whether the path is one the spec serves by another method."""

    def unrouted(self, exchange: Exchange) -> tuple[str, bool] | None:
        method, _, path = exchange.operation.partition(" ")
        if self.operation(exchange) is not None or not path or method not in JUDGED_METHODS:
            return None
        served = any(match_path(op.path, path) is not None for op in self.spec.shape.operations)
        return path, served

    def judged(self, exchange: Exchange, status: int, what: str) -> Iterator[Observed]:
        verdict = route_verdict(self.profile, exchange, status)
        fails = (Fail(f"{what} {verdict[0]}", verdict[1], exchange),) if verdict else ()
        yield Observed(exchange.operation, fails)


class UnknownRoutes(_Unrouted):
    """unknown_route_envelope: a request under the API's base path that matches no path of the spec (a typo, an
    endpoint that is gone), answered otherwise than the profile's unknown route (404 in the error envelope)."""

    def see(self, exchange: Exchange) -> Iterator[Observed]:
        found = self.unrouted(exchange)
        if found is not None and not found[1] and exchange.status is not None:
            yield from self.judged(exchange, self.profile.unknown_route["status"], "an unknown route")


class UnservedMethods(_Unrouted):
    """unserved_method: a request for a path the spec serves, by a method it does not, answered otherwise than the
    profile says (404 ROUTE_NOT_FOUND in the error envelope, as the live server; never an undocumented 405)."""

    def see(self, exchange: Exchange) -> Iterator[Observed]:
        found, rule = self.unrouted(exchange), self.profile.unserved_method
        if found is not None and found[1] and rule is not None and exchange.status is not None:
            yield from self.judged(exchange, int(rule["status"]), f"{exchange.method} on a path that does not serve it")
