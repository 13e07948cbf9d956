"""The embedded mock VoIPBIN target: any VoIPBIN-style spec served as a conformant, stateful API.

`MockApp.handle()` is the whole behaviour; `MockApp` is also a WSGI app, so the same code answers in-process
(the engine's adapter calls `handle` directly, no socket) and over HTTP (`conformance.mock.server`).
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from conformance.mock._auth import Authority, Customer, cookies
from conformance.mock._factory import Factory, iso_timestamp, timestamp
from conformance.mock._jsonschema import Validators
from conformance.mock.faults import F, validate_faults
from conformance.profiles import Profile
from conformance.spec import INVALID, Collection, Operation, Spec, coerce, fill_path, properties, resolve

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100
SEED_ITEMS = 7
_LONG_STRING = 20


@dataclass
class MockResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class _Reject(Exception):
    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


@dataclass
class _Route:
    operation: Operation
    regex: re.Pattern[str]
    kind: str  # list | create | read | update | delete | action
    collection: Collection | None
    parent: Collection | None  # the collection whose item an action or nested list hangs under
    params: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Record:
    obj: dict[str, Any]
    order: int
    owner: str
    deleted: bool = False


NO_CONTENT = frozenset({204, 304})


def _compile(path: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{([^{}/]+)\\\}", lambda m: f"(?P<p{abs(hash(m.group(1))) % 10**8}>[^/]+)", re.escape(path))
    return re.compile(f"{pattern}/?\\Z")  # \Z: "$" would also match before a trailing newline


class MockApp:
    def __init__(
        self,
        spec: Spec,
        *,
        profile: Profile,
        faults: Iterable[str] = (),
        seed: int = 0,
        token: str | None = None,
        accesskey: str | None = None,
        other_token: str | None = None,
        other_accesskey: str | None = None,
        rate_limit: float | None = None,
        seed_items: int = SEED_ITEMS,
        login: tuple[str, str] | None = None,
    ) -> None:
        self.spec = spec
        self.profile = profile
        self.faults = validate_faults(tuple(faults))
        self.seed = seed
        self.seed_items = seed_items
        self.auth = Authority(
            seed, token=token, accesskey=accesskey, other_token=other_token, other_accesskey=other_accesskey
        )
        self.base_path = spec.base_path
        self.login = login  # (username, password) that POST /auth/login at the root accepts
        self.validators = Validators(spec.document)
        self._lock = threading.Lock()
        self._store: dict[tuple[str, str], dict[str, _Record]] = {}
        self._issued: set[tuple[str, str, str]] = set()
        self._clock = 0
        self._rate = rate_limit
        self._bucket = (rate_limit or 0.0, time.monotonic())
        self._routes = self._build_routes()

    # -- public ---------------------------------------------------------------------------------------------------
    @property
    def customers(self) -> tuple[Customer, Customer]:
        return self.auth.customers

    def expired_token(self) -> str:
        return self.auth.issue(self.customers[0].id, expired=True)

    def handle(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> MockResponse:
        """Answer one request. `headers` have lower-case names; `path` is percent-decoded."""
        request_id = f"req_{uuid.uuid4().hex[:20]}"
        with self._lock:
            try:
                return self._handle(method.upper(), path, query, headers, body)
            except _Reject as exc:
                return self._error(exc.status, exc.reason, exc.message, request_id)
            except Exception as exc:  # a mock bug must still answer in the envelope, never a traceback page
                return self._error(500, "INTERNAL", f"mock error: {type(exc).__name__}: {exc}", request_id)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        headers = {
            key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        raw_path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace")
        response = self.handle(environ["REQUEST_METHOD"], raw_path, environ.get("QUERY_STRING", ""), headers, body)
        reason = {
            200: "OK",
            201: "Created",
            204: "No Content",
            400: "Bad Request",
            401: "Unauthorized",
            404: "Not Found",
            410: "Gone",
            429: "Too Many Requests",
            500: "Internal Server Error",
        }.get(response.status, "Status")
        start_response(f"{response.status} {reason}", self.answer_headers(response))
        return [response.body]

    @staticmethod
    def answer_headers(response: MockResponse) -> list[tuple[str, str]]:
        """The headers on the wire: a Content-Length delimits every answer that may carry content."""
        headers = list(response.headers)
        if response.status not in NO_CONTENT or response.body:
            headers.append(("Content-Length", str(len(response.body))))
        return headers

    # -- routing --------------------------------------------------------------------------------------------------
    def _build_routes(self) -> list[_Route]:
        shape = self.spec.shape
        routes = []
        for op in shape.operations:
            collection = shape.collection_of(op.path)
            kind = "action"
            if shape.is_list(op):
                kind = "list"
            elif collection is not None:
                on_item = op.path == collection.item_path
                kind = {
                    ("POST", False): "create",
                    ("GET", True): "read",
                    ("PUT", True): "update",
                    ("PATCH", True): "update",
                    ("DELETE", True): "delete",
                }.get((op.method, on_item), "action")
            if kind == "list" and collection is not None and collection.path != op.path:
                collection = None
            parent = next((c for c in shape.collections if op.path.startswith(c.item_path + "/")), None)
            routes.append(
                _Route(
                    op,
                    _compile(self.base_path + op.path),
                    kind,
                    collection if kind != "action" else None,
                    parent,
                    op.parameters(self.spec.document),
                )
            )
        # Static segments win over parameters: /calls/stats before /calls/{id}.
        routes.sort(key=lambda r: (r.operation.path.count("{"), -len(r.operation.path)))
        return routes

    def _match(self, method: str, path: str) -> tuple[_Route, dict[str, str]]:
        path_matched = False
        for route in self._routes:
            found = route.regex.match(path)  # anchored at both ends
            if found is None:
                continue
            path_matched = True
            if route.operation.method == method:
                names = route.operation.path_params
                return route, dict(zip(names, found.groups(), strict=False))
        if path_matched:
            raise _Reject(404, "ROUTE_NOT_FOUND", f"{method} is not served on {path}")
        raise _Reject(404, "ROUTE_NOT_FOUND", f"no such endpoint: {path}")

    # -- the request pipeline -------------------------------------------------------------------------------------
    def _handle(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> MockResponse:
        self._take_token()
        if method == "POST" and path == "/auth/login":
            return self._do_login(body)
        route, path_values = self._match(method, path)
        params = parse_qs(query, keep_blank_values=True)
        customer = self._authenticate(route, headers, params)
        if F.SERVER_ERROR_ON_LONG_STRINGS in self.faults and self._has_long_string(params, path_values, body):
            raise _Reject(500, "INTERNAL", "string too long for a fixed-size buffer")
        values = self._validate_params(route, path_values, params)
        payload = self._read_body(route, headers, body)
        return getattr(self, f"_do_{route.kind}")(route, customer, values, payload)

    def _take_token(self) -> None:
        if not self._rate:
            return
        tokens, last = self._bucket
        now = time.monotonic()
        tokens = min(self._rate, tokens + (now - last) * self._rate)
        if tokens < 1:
            self._bucket = (tokens, now)
            raise _Reject(429, "RATE_LIMIT_EXCEEDED", f"more than {self._rate:g} requests per second")
        self._bucket = (tokens - 1, now)

    def _authenticate(self, route: _Route, headers: dict[str, str], params: dict[str, list[str]]) -> Customer:
        presented = False
        for mechanism in self.profile.auth_mechanisms:
            if mechanism.location == "header":
                raw = headers.get(mechanism.name.lower())
                prefix = mechanism.template.split("{value}")[0]
                if raw is None:
                    continue
                presented = True
                if not raw.startswith(prefix):
                    continue
                value = raw[len(prefix) :]
            elif mechanism.location == "cookie":
                sent = cookies(headers.get("cookie", ""))
                if mechanism.name not in sent:
                    continue
                presented = True
                value = sent[mechanism.name]
                if F.TOKEN_COOKIE_UNVERIFIED in self.faults and mechanism.credential == "token" and value:
                    return self.customers[0]
            else:
                if mechanism.name not in params:
                    continue
                presented = True
                value = params[mechanism.name][0]
            customer = self._credential(mechanism.credential, value, mechanism.location == "header")
            if customer is not None:
                return customer
        if not presented and F.AUTH_OPEN_OPERATION in self.faults and route.kind == "list":
            return self.customers[0]
        if presented:
            raise _Reject(401, "INVALID_CREDENTIALS", "the token or access key is invalid or expired")
        raise _Reject(401, "AUTHENTICATION_REQUIRED", "no token or access key was supplied")

    def _credential(self, kind: str, value: str, bearer: bool) -> Customer | None:
        if kind == "accesskey":
            return None if F.ACCESSKEY_IGNORED in self.faults else self.auth.by_accesskey(value)
        if bearer and value and F.ANY_BEARER_ACCEPTED in self.faults:
            return self.customers[0]
        return self.auth.by_token(value, verify_exp=F.EXPIRED_JWT_ACCEPTED not in self.faults)

    def _has_long_string(self, params: dict[str, list[str]], path_values: dict[str, str], body: bytes) -> bool:
        auth_names = {m.name for m in self.profile.auth_mechanisms}
        texts = [v for k, vs in params.items() if k not in auth_names for v in vs]
        texts += list(path_values.values())
        with contextlib.suppress(ValueError):
            texts += list(_strings(json.loads(body))) if body else []
        return any(len(t) > _LONG_STRING for t in texts)

    def _validate_params(
        self, route: _Route, path_values: dict[str, str], params: dict[str, list[str]]
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        check = F.SCHEMA_VIOLATIONS_ACCEPTED not in self.faults
        for param in route.params:
            name, where = param["name"], param.get("in")
            if where == "path":
                raw: list[str] | None = [path_values[name]] if name in path_values else None
            elif where == "query":
                raw = params.get(name)
            else:
                continue
            schema = resolve(self.spec.document, param.get("schema")) or {}
            if raw is None:
                if param.get("required") and check:
                    raise _Reject(400, "MISSING_REQUEST_PARAMETER", f"missing required {where} parameter {name!r}")
                continue
            value = coerce(raw, schema)
            if check:
                if value is INVALID:
                    raise _Reject(
                        400,
                        "INVALID_REQUEST_PARAMETER",
                        f"{where} parameter {name!r} is not a valid {schema.get('type', 'value')}",
                    )
                problem = self.validators.first_error(schema, value)
                if problem is not None:
                    raise _Reject(400, "INVALID_REQUEST_PARAMETER", f"{where} parameter {name!r}: {problem}")
            values[name] = value if value is not INVALID else raw[0]
        return values

    def _read_body(self, route: _Route, headers: dict[str, str], body: bytes) -> Any:
        schema = route.operation.request_schema(self.spec.document)
        if schema is None:
            return None
        check = F.SCHEMA_VIOLATIONS_ACCEPTED not in self.faults
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if not body:
            required = (resolve(self.spec.document, schema) or {}).get("required")
            if (route.operation.body_required(self.spec.document) or required) and check:
                raise _Reject(400, "INVALID_ARGUMENT", "a JSON request body is required")
            return None
        if content_type != self.profile.content_type and F.TEXT_PLAIN_ACCEPTED not in self.faults:
            raise _Reject(
                400,
                "INVALID_ARGUMENT",
                f"Content-Type must be {self.profile.content_type}, not {content_type or 'absent'}",
            )
        try:
            payload = json.loads(body)
        except ValueError:
            if F.MALFORMED_JSON_500 in self.faults:
                raise _Reject(500, "INTERNAL", "unexpected end of JSON input") from None
            raise _Reject(400, "INVALID_JSON_BODY", "the request body is not valid JSON") from None
        if check:
            problem = self.validators.first_error(schema, payload)
            if problem is not None:
                raise _Reject(400, "INVALID_ARGUMENT", problem)
        return payload

    # -- storage --------------------------------------------------------------------------------------------------
    def _tick(self) -> int:
        self._clock += 1
        return self._clock

    def _bucket_of(self, customer: Customer, key: str, item_schema: Any) -> dict[str, _Record]:
        bucket = self._store.get((customer.id, key))
        if bucket is None:
            bucket = self._store[(customer.id, key)] = {}
            rng = random.Random(f"{self.seed}:{customer.id}:{key}")
            factory = Factory(self.spec.document, rng)
            for n in range(self.seed_items):
                obj = factory.generate(item_schema, depth=1)
                order = -(self.seed_items - n) * 1000 - rng.randint(0, 999)
                record = _Record(obj, order, customer.id)
                key_id = factory.uuid()
                self._stamp(record, item_schema, new_id=key_id, created=True)
                bucket[key_id] = record  # scalar items (a list of strings) are keyed all the same
        return bucket

    def _stamp(self, record: _Record, schema: Any, *, new_id: str | None = None, created: bool = False) -> None:
        props = properties(self.spec.document, schema)
        obj = record.obj
        if not isinstance(obj, dict):
            return
        if new_id is not None:
            obj["id"] = new_id
        if "customer_id" in props:
            obj["customer_id"] = record.owner
        at = record.order if created else self._tick()
        if created and "tm_create" in props:
            obj["tm_create"] = self._time(props["tm_create"], at)
        if "tm_update" in props:
            obj["tm_update"] = self._time(props["tm_update"], at)
        field = self.profile.soft_delete_field
        if field in props and not record.deleted:
            obj[field] = self._time(props[field], None)

    def _time(self, schema: Any, at: int | None) -> Any:
        """A timestamp as the property declares it; `at` None is the live value of the soft-delete field."""
        schema = resolve(self.spec.document, schema) or {}
        iso = schema.get("format") == "date-time"
        if at is not None:
            return iso_timestamp(at) if iso else timestamp(at)
        if schema.get("nullable") or "null" in (schema.get("type") or []):
            return None
        return "9999-01-01T00:00:00.000000Z" if iso else ""

    def _find(self, customer: Customer, collection: Collection, item_id: str) -> _Record | None:
        bucket = self._bucket_of(customer, collection.path, self._item_schema(collection))
        record = bucket.get(item_id)
        if record is None and F.FOREIGN_VISIBLE in self.faults:
            for other in self.customers:
                if other is not customer:
                    record = self._bucket_of(other, collection.path, self._item_schema(collection)).get(item_id)
                    if record is not None:
                        break
        return record

    def _item_schema(self, collection: Collection) -> Any:
        for op in (collection.read, collection.create):
            if op is not None and op.success_schema(self.spec.document) is not None:
                return op.success_schema(self.spec.document)
        if collection.list is not None:
            return self._list_item_schema(collection.list)
        return {"type": "object"}

    def _list_item_schema(self, op: Operation) -> Any:
        declared = resolve(self.spec.document, op.success_schema(self.spec.document))
        if isinstance(declared, dict) and declared.get("type") == "array":
            return declared.get("items", {"type": "object"})
        result = resolve(
            self.spec.document, properties(self.spec.document, op.success_schema(self.spec.document)).get("result")
        )
        return (result or {}).get("items", {"type": "object"}) if isinstance(result, dict) else {"type": "object"}

    def _require_parent(self, route: _Route, customer: Customer, values: dict[str, Any]) -> _Record | None:
        parent = route.parent
        if parent is None or parent.read is None or parent.id_param not in values:
            return None
        record = self._find(customer, parent, str(values[parent.id_param]))
        if record is None or record.deleted:
            raise _Reject(404, "RESOURCE_NOT_FOUND", f"no resource {values[parent.id_param]}")
        return record

    # -- operations -----------------------------------------------------------------------------------------------
    def _do_list(self, route: _Route, customer: Customer, values: dict[str, Any], _: Any) -> MockResponse:
        self._require_parent(route, customer, values)
        op = route.operation
        key = route.collection.path if route.collection is not None else fill_path(op.path, values)
        item_schema = self._list_item_schema(op)
        records = list(self._bucket_of(customer, key, item_schema).values())
        if F.FOREIGN_VISIBLE in self.faults:
            for other in self.customers:
                if other is not customer:
                    records += list(self._bucket_of(other, key, item_schema).values())
        live = sorted((r for r in records if not r.deleted), key=lambda r: -r.order)
        declared = {p["name"] for p in route.params}
        size = values.get(self.profile.page_size_param, DEFAULT_PAGE_SIZE)
        size = size if isinstance(size, int) and size > 0 else DEFAULT_PAGE_SIZE
        if F.PAGE_SIZE_IGNORED in self.faults or self.profile.page_size_param not in declared:
            size = MAX_PAGE_SIZE
        size = min(size, MAX_PAGE_SIZE)
        pages = self.profile.page_token_param in declared  # without a page_token parameter there is one page
        token = values.get(self.profile.page_token_param)
        start = 0
        if token:
            if (customer.id, key, str(token)) not in self._issued and F.SCHEMA_VIOLATIONS_ACCEPTED not in self.faults:
                raise _Reject(400, "INVALID_ARGUMENT", "page_token was not issued by this server")
            start = next((i + 1 for i, r in enumerate(live) if timestamp(r.order) == token), len(live))
            if F.PAGES_OVERLAP in self.faults:
                start = max(0, start - 1)
        page = live[start : start + size]
        more = pages and start + size < len(live)
        next_token = timestamp(page[-1].order) if more and page else self.profile.end_token
        if next_token != self.profile.end_token:
            self._issued.add((customer.id, key, next_token))
        elif F.TOKEN_LOOPS in self.faults and token:
            next_token = str(token)
        if self.spec.shape.declares_bare_array(op):
            return self._ok(op, [r.obj for r in page])  # the spec says so, against the docs: follow the spec
        body: dict[str, Any] = {
            self.profile.result_field: [r.obj for r in page],
            self.profile.next_token_field: next_token,
        }
        if F.RESULT_NULL in self.faults and len(page) < size:
            body[self.profile.result_field] = None
        if F.LIST_WITHOUT_NEXT_PAGE_TOKEN in self.faults:
            del body[self.profile.next_token_field]
        return self._ok(op, body)

    def _do_create(self, route: _Route, customer: Customer, _: dict[str, Any], payload: Any) -> MockResponse:
        assert route.collection is not None
        schema = self._item_schema(route.collection)
        factory = Factory(self.spec.document, random.Random(f"{self.seed}:{self._clock}:{route.operation.label}"))
        obj = factory.generate(schema, depth=1)
        record = _Record(obj, self._tick(), customer.id)
        self._stamp(record, schema, new_id=str(uuid.uuid4()), created=True)
        if not isinstance(record.obj, dict):
            return self._ok(route.operation, record.obj)
        self._merge(record.obj, payload, schema)
        if F.LOST_CREATE not in self.faults:
            self._bucket_of(customer, route.collection.path, schema)[record.obj["id"]] = record
        return self._ok(route.operation, record.obj)

    def _item(self, route: _Route, customer: Customer, values: dict[str, Any]) -> _Record:
        assert route.collection is not None
        item_id = str(values.get(route.collection.id_param, ""))
        record = self._find(customer, route.collection, item_id)
        if record is None:
            raise _Reject(404, "RESOURCE_NOT_FOUND", f"no resource {item_id}")
        return record

    def _do_read(self, route: _Route, customer: Customer, values: dict[str, Any], _: Any) -> MockResponse:
        # A soft-deleted resource still reads, with tm_delete set (common_overview: "Soft Deletion"); one
        # without that field is gone.
        assert route.collection is not None
        record = self._item(route, customer, values)
        if record.deleted and self._soft_delete_schema(route.collection) is None:
            raise _Reject(404, "RESOURCE_NOT_FOUND", "the resource was deleted")
        return self._ok(route.operation, record.obj)

    def _do_update(self, route: _Route, customer: Customer, values: dict[str, Any], payload: Any) -> MockResponse:
        assert route.collection is not None
        record = self._item(route, customer, values)
        if record.deleted:
            raise _Reject(404, "RESOURCE_NOT_FOUND", "the resource was deleted")
        schema = self._item_schema(route.collection)
        self._merge(record.obj, payload, schema)
        self._stamp(record, schema)
        return self._ok(route.operation, record.obj)

    def _do_delete(self, route: _Route, customer: Customer, values: dict[str, Any], _: Any) -> MockResponse:
        record = self._item(route, customer, values)
        if record.deleted:
            raise _Reject(404, "RESOURCE_NOT_FOUND", "the resource was already deleted")
        assert route.collection is not None
        at = self._tick()
        field = self.profile.soft_delete_field
        declared = self._soft_delete_schema(route.collection)
        stamp = self._time(declared, at) if declared is not None else timestamp(at)
        if F.ZOMBIE_DELETE in self.faults:
            return self._ok(route.operation, {**record.obj, field: stamp})
        record.deleted = True
        if declared is not None:
            record.obj[field] = stamp
        if F.CONTENT_WITH_204 in self.faults:  # "No Content", with content: clients read it as the next answer
            return MockResponse(204, [("Content-Type", "application/json")], json.dumps(record.obj).encode())
        return self._ok(route.operation, record.obj)

    def _soft_delete_schema(self, collection: Collection) -> Any:
        """The schema of the collection's soft-delete field (tm_delete), or None where it has none."""
        return properties(self.spec.document, self._item_schema(collection)).get(self.profile.soft_delete_field)

    def _do_action(self, route: _Route, customer: Customer, values: dict[str, Any], _: Any) -> MockResponse:
        parent = self._require_parent(route, customer, values)
        schema = route.operation.success_schema(self.spec.document)
        rng = random.Random(f"{self.seed}:{route.operation.label}:{sorted(values.items())}")
        body = Factory(self.spec.document, rng).generate(schema, depth=1) if schema is not None else {}
        # An action answering with its parent's own schema (/calls/{id}/hangup -> Call) answers the parent.
        same_schema = route.parent is not None and resolve(self.spec.document, schema) is resolve(
            self.spec.document, self._item_schema(route.parent)
        )
        if parent is not None and same_schema:
            body = parent.obj
        return self._ok(route.operation, body)

    def _merge(self, obj: dict[str, Any], payload: Any, schema: Any) -> None:
        if not isinstance(payload, dict):
            return
        props = properties(self.spec.document, schema)
        for key, value in payload.items():
            prop = resolve(self.spec.document, props.get(key)) or {}
            if (
                key in props
                and key not in self.profile.server_assigned
                and not prop.get("writeOnly")
                and self.validators.is_valid(props[key], value)
            ):
                obj[key] = value

    def _do_login(self, body: bytes) -> MockResponse:
        """auth_overview-2026-08-22: username/password for the customer's JWT; any failure is a bare 400."""
        try:
            sent = json.loads(body) if body else None
        except ValueError:
            sent = None
        given = (sent.get("username"), sent.get("password")) if isinstance(sent, dict) else None
        if self.login is None or given != self.login:
            raise _Reject(400, "BAD_REQUEST", "login failed")
        customer = self.customers[0]
        body_out = json.dumps({"username": given[0], "token": customer.token}).encode()
        cookie = f"token={customer.token}; HttpOnly; Secure; SameSite=Strict; Path=/"
        return MockResponse(200, [("Content-Type", "application/json"), ("Set-Cookie", cookie)], body_out)

    # -- responses ------------------------------------------------------------------------------------------------
    def _ok(self, op: Operation, body: Any) -> MockResponse:
        status = min((s for s in op.declared_statuses() if 200 <= s < 300), default=200)
        if status in NO_CONTENT:  # RFC 9110: no content, so no Content-Type either
            return MockResponse(status, [], b"")
        media = _declared_media(self.spec.document, op, status)
        if media is not None and "json" not in media:  # a file download or a page: answer what the spec says
            return MockResponse(status, [("Content-Type", media)], _NON_JSON_BODIES.get(media, b"\x00mock-bytes"))
        if F.WRONG_FIELD_TYPE in self.faults:
            body = _retype(body, "customer_id")
        content_type = "text/plain; charset=utf-8" if F.JSON_AS_TEXT_PLAIN in self.faults else "application/json"
        return MockResponse(status, [("Content-Type", content_type)], json.dumps(body).encode())

    def _error(self, status: int, reason: str, message: str, request_id: str) -> MockResponse:
        if status == 404 and F.UNDOCUMENTED_STATUS in self.faults and reason == "RESOURCE_NOT_FOUND":
            status = 410
        headers = [("Content-Type", "application/json")]
        if status == self.profile.rate_limit_status:
            headers.append(("Retry-After", "1"))
        if status == 401 and F.HTML_401 in self.faults:
            page = b"<html><body><h1>401 Unauthorized</h1></body></html>"
            return MockResponse(401, [("Content-Type", "text/html; charset=utf-8")], page)
        body = self.profile.error_body(status, reason, message, request_id)
        if F.ERROR_WITHOUT_MESSAGE in self.faults:
            (body["error"] if isinstance(body.get("error"), dict) else body).pop("message", None)
        return MockResponse(status, headers, json.dumps(body).encode())


_NON_JSON_BODIES = {
    "text/html": b"<!DOCTYPE html><html><body>mock</body></html>",
    "text/plain": b"mock",
    "text/csv": b"id\nmock\n",
}


def _declared_media(document: dict[str, Any], op: Operation, status: int) -> str | None:
    responses = op.definition.get("responses") or {}
    raw = responses.get(str(status), responses.get(status))
    content = (resolve(document, raw) or {}).get("content") or {}
    if not content or any("json" in media for media in content):
        return None
    return str(next(iter(content)))


def _strings(node: Any) -> Iterable[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def _retype(node: Any, field_name: str) -> Any:
    if isinstance(node, dict):
        return {k: (0 if k == field_name else _retype(v, field_name)) for k, v in node.items()}
    if isinstance(node, list):
        return [_retype(item, field_name) for item in node]
    return node
