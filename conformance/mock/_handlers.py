"""What each kind of operation does to the store: list (paginated), create, read, update, (soft) delete, action."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from typing import Any

from conformance.mock._auth import Customer
from conformance.mock._factory import Factory, timestamp
from conformance.mock._render import Render
from conformance.mock._routes import Kind, Route
from conformance.mock._store import Record, Store
from conformance.mock._validation import RequestReader
from conformance.mock._wire import MockResponse, Reject
from conformance.mock.faults import F
from conformance.openapi import Spec, fill_path, properties, resolve, returned_once

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100

Handler = Callable[[Route, Customer, dict[str, Any], Any], MockResponse]


class Handlers:
    def __init__(self, spec: Spec, store: Store, render: Render, reader: RequestReader, seed: int) -> None:
        self.spec, self.store, self.render, self.reader, self.seed = spec, store, render, reader, seed
        self.profile, self.faults, self.document = store.profile, store.faults, spec.document
        self.by_kind: dict[Kind, Handler] = {
            Kind.LIST: self.listing,
            Kind.CREATE: self.create,
            Kind.READ: self.read,
            Kind.UPDATE: self.update,
            Kind.DELETE: self.delete,
            Kind.ACTION: self.action,
        }

    def listing(self, route: Route, customer: Customer, values: dict[str, Any], _: Any) -> MockResponse:
        self._require_parent(route, customer, values)
        if F.SWITCHING_PROTOCOLS in self.faults:  # as Prism does: 101 to a request that asked for no upgrade
            return MockResponse(101, [], b"")
        op = route.operation
        key = route.collection.path if route.collection is not None else fill_path(op.path, values)
        live = self.store.visible(customer, key, self.store.list_item_schema(op))
        size, start, token = self._page(route, customer, key, values, live)
        schema = self.store.list_item_schema(op)
        page = [Record(self._read_back(r.obj, schema), r.order, r.owner) for r in live[start : start + size]]
        pages = self.profile.page_token_param in route.param_names  # else there is one page
        next_token = timestamp(page[-1].order) if pages and start + size < len(live) and page else None
        if next_token is not None:
            self.store.issued.add((customer.id, key, next_token))
        elif F.TOKEN_LOOPS in self.faults and token:
            next_token = str(token)
        if self.spec.shape.declares_bare_array(op):
            return self.render.ok(op, [r.obj for r in page])  # the spec says so, against the docs: follow the spec
        return self.render.ok(op, self._envelope(page, size, next_token))

    def _page(
        self, route: Route, customer: Customer, key: str, values: dict[str, Any], live: list[Record]
    ) -> tuple[int, int, Any]:
        """(page size, index of the first item, the page_token sent) of a list request."""
        size = values.get(self.profile.page_size_param, DEFAULT_PAGE_SIZE)
        size = size if isinstance(size, int) and size > 0 else DEFAULT_PAGE_SIZE
        if F.PAGE_SIZE_IGNORED in self.faults or self.profile.page_size_param not in route.param_names:
            size = MAX_PAGE_SIZE
        token = values.get(self.profile.page_token_param)
        if not token:
            return min(size, MAX_PAGE_SIZE), 0, token
        issued = (customer.id, key, str(token)) in self.store.issued
        if not issued and F.SCHEMA_VIOLATIONS_ACCEPTED not in self.faults:
            raise Reject(400, "INVALID_ARGUMENT", "page_token was not issued by this server")
        start = next((i + 1 for i, r in enumerate(live) if timestamp(r.order) == token), len(live))
        if F.PAGES_OVERLAP in self.faults:
            start = max(0, start - 1)
        return min(size, MAX_PAGE_SIZE), start, token

    def _envelope(self, page: list[Record], size: int, next_token: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            self.profile.result_field: [r.obj for r in page],
            self.profile.next_token_field: self.profile.end_token if next_token is None else next_token,
        }
        if F.RESULT_NULL in self.faults and len(page) < size:
            body[self.profile.result_field] = None
        if F.LIST_WITHOUT_NEXT_PAGE_TOKEN in self.faults:
            del body[self.profile.next_token_field]
        return body

    def create(self, route: Route, customer: Customer, values: dict[str, Any], payload: Any) -> MockResponse:
        assert route.collection is not None
        self._require_parent(route, customer, values)  # a nested collection's item must exist: 404 otherwise
        schema = self.store.item_schema(route.collection)
        rng = random.Random(f"{self.seed}:{self.store.clock}:{route.operation.label}")
        record = Record(Factory(self.document, rng).generate(schema, depth=1), self.store.tick(), customer.id)
        self.store.stamp(record, schema, new_id=str(uuid.uuid4()), created=True)
        if not isinstance(record.obj, dict):
            return self.render.ok(route.operation, record.obj)
        self._merge(record.obj, payload, schema)
        if F.LOST_CREATE not in self.faults:
            self.store.bucket(customer, route.collection.path, schema)[record.obj["id"]] = record
        return self.render.ok(route.operation, record.obj)

    def read(self, route: Route, customer: Customer, values: dict[str, Any], _: Any) -> MockResponse:
        # A soft-deleted resource still reads, with tm_delete set (common_overview: "Soft Deletion"); one
        # without that field is gone.
        assert route.collection is not None
        record = self._item(route, customer, values)
        if record.deleted and self.store.soft_delete_schema(route.collection) is None:
            raise Reject(404, "RESOURCE_NOT_FOUND", "the resource was deleted")
        if F.REDIRECT_WITHOUT_LOCATION in self.faults and record.order < 0:  # a seeded one: nowhere to go
            return MockResponse(307, [], b"")
        return self.render.ok(route.operation, self._read_back(record.obj, self.store.item_schema(route.collection)))

    def update(self, route: Route, customer: Customer, values: dict[str, Any], payload: Any) -> MockResponse:
        assert route.collection is not None
        record = self._item(route, customer, values)
        if record.deleted:
            raise Reject(404, "RESOURCE_NOT_FOUND", "the resource was deleted")
        schema = self.store.item_schema(route.collection)
        self._merge(record.obj, payload, schema)
        self.store.stamp(record, schema)
        return self.render.ok(route.operation, record.obj)

    def delete(self, route: Route, customer: Customer, values: dict[str, Any], _: Any) -> MockResponse:
        record = self._item(route, customer, values)
        if record.deleted:
            raise Reject(404, "RESOURCE_NOT_FOUND", "the resource was already deleted")
        assert route.collection is not None
        at = self.store.tick()
        field = self.profile.soft_delete_field
        declared = self.store.soft_delete_schema(route.collection)
        stamp = self.store.time(declared, at) if declared is not None else timestamp(at)
        if F.ZOMBIE_DELETE in self.faults:
            return self.render.ok(route.operation, {**record.obj, field: stamp})
        record.deleted = True
        if declared is not None:
            record.obj[field] = stamp
        if F.CONTENT_WITH_204 in self.faults:  # "No Content", with content: clients read it as the next answer
            return MockResponse(204, [("Content-Type", "application/json")], json.dumps(record.obj).encode())
        return self.render.ok(route.operation, record.obj)

    def action(self, route: Route, customer: Customer, values: dict[str, Any], _: Any) -> MockResponse:
        parent = self._require_parent(route, customer, values)
        schema = route.operation.success_schema(self.document)
        rng = random.Random(f"{self.seed}:{route.operation.label}:{sorted(values.items())}")
        body = Factory(self.document, rng).generate(schema, depth=1) if schema is not None else {}
        # An action answering with its parent's own schema (/calls/{id}/hangup -> Call) answers the parent.
        same_schema = route.parent is not None and resolve(self.document, schema) is resolve(
            self.document, self.store.item_schema(route.parent)
        )
        if parent is not None and same_schema:
            body = parent.obj
        return self.render.ok(route.operation, body)

    def _item(self, route: Route, customer: Customer, values: dict[str, Any]) -> Record:
        assert route.collection is not None
        item_id = str(values.get(route.collection.id_param, ""))
        record = self.store.find(customer, route.collection, item_id)
        if record is None and self._invents(route, item_id):  # as Prism does
            schema = self.store.item_schema(route.collection)
            record = Record(Factory(self.document, random.Random(item_id)).generate(schema, depth=1), 0, customer.id)
            an_id = self.profile.id_pattern.match(item_id)  # Prism answers its example's UUID for a malformed one
            self.store.stamp(
                record, schema, new_id=item_id if an_id else str(uuid.uuid5(uuid.NAMESPACE_URL, item_id)), created=True
            )
        if record is None:
            raise Reject(404, "RESOURCE_NOT_FOUND", f"no resource {item_id}")
        return record

    def _invents(self, route: Route, item_id: str) -> bool:
        """The id faults: a resource made up for an id that names nothing (the writes': no customer's)."""
        faults, profile = self.faults, self.profile
        assert route.collection is not None
        nobody = not any(self.store.find(c, route.collection, item_id) for c in self.store.customers)
        return (
            (F.UNKNOWN_ID_200 in faults and route.kind == Kind.READ)
            or (F.UNKNOWN_ID_WRITES_200 in faults and route.kind in (Kind.UPDATE, Kind.DELETE) and nobody)
            or (F.MALFORMED_ID_200 in faults and not profile.id_pattern.match(item_id))
            or (F.NIL_ID_200 in faults and item_id == profile.nil_id)
        )

    def _read_back(self, obj: Any, schema: Any) -> Any:
        """What a read shows of a stored resource: never a field the spec returns only once, at its creation."""
        hidden = returned_once(self.document, schema) if isinstance(obj, dict) else frozenset()
        if not hidden or F.SECRET_READ_BACK in self.faults:
            return obj
        return {key: value for key, value in obj.items() if key not in hidden}

    def _require_parent(self, route: Route, customer: Customer, values: dict[str, Any]) -> Record | None:
        parent = route.parent
        if parent is None or parent.read is None or parent.id_param not in values:
            return None
        record = self.store.find(customer, parent, str(values[parent.id_param]))
        if record is None or record.deleted:
            raise Reject(404, "RESOURCE_NOT_FOUND", f"no resource {values[parent.id_param]}")
        return record

    def _merge(self, obj: dict[str, Any], payload: Any, schema: Any) -> None:
        """Take from the payload what the schema lets a client set (never server-assigned or invalid values)."""
        if not isinstance(payload, dict):
            return
        props = properties(self.document, schema)
        for key, value in payload.items():
            prop = resolve(self.document, props.get(key)) or {}
            if (
                key in props
                and key not in self.profile.server_assigned
                and not prop.get("writeOnly")
                and self.reader.validators.is_valid(props[key], value)
            ):
                obj[key] = value
