"""The mock's state: each customer's resources per collection, seeded on first sight, soft-deleted, stamped."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from conformance.mock._auth import Customer
from conformance.mock._factory import Factory, iso_timestamp, timestamp
from conformance.mock.faults import F
from conformance.openapi import Collection, Operation, properties, resolve
from conformance.profiles import Profile


@dataclass
class Record:
    obj: dict[str, Any]
    order: int  # creation order: negative for seeded items, the store's clock for created ones
    owner: str
    deleted: bool = False


class Store:
    def __init__(
        self,
        document: dict[str, Any],
        profile: Profile,
        faults: frozenset[F],
        customers: tuple[Customer, Customer],
        *,
        seed: int,
        seed_items: int,
    ) -> None:
        self.document, self.profile, self.faults, self.customers = document, profile, faults, customers
        self.seed, self.seed_items = seed, seed_items
        self.buckets: dict[tuple[str, str], dict[str, Record]] = {}
        self.issued: set[tuple[str, str, str]] = set()  # (customer, list, page_token) handed out
        self.clock = 0

    def tick(self) -> int:
        self.clock += 1
        return self.clock

    def bucket(self, customer: Customer, key: str, item_schema: Any) -> dict[str, Record]:
        """A customer's records under a list path; seeded deterministically the first time it is asked for."""
        bucket = self.buckets.get((customer.id, key))
        if bucket is None:
            bucket = self.buckets[(customer.id, key)] = {}
            rng = random.Random(f"{self.seed}:{customer.id}:{key}")
            factory = Factory(self.document, rng)
            for n in range(self.seed_items):
                obj = factory.generate(item_schema, depth=1)
                order = -(self.seed_items - n) * 1000 - rng.randint(0, 999)
                record = Record(obj, order, customer.id)
                key_id = factory.uuid()
                self.stamp(record, item_schema, new_id=key_id, created=True)
                bucket[key_id] = record  # scalar items (a list of strings) are keyed all the same
        return bucket

    def visible(self, customer: Customer, key: str, item_schema: Any) -> list[Record]:
        """What a list shows a customer (fault foreign_visible: everyone's), newest first, deleted left out."""
        records = [r for owner in self._owners(customer) for r in self.bucket(owner, key, item_schema).values()]
        return sorted((r for r in records if not r.deleted), key=lambda r: -r.order)

    def find(self, customer: Customer, collection: Collection, item_id: str) -> Record | None:
        schema = self.item_schema(collection)
        for owner in self._owners(customer):
            record = self.bucket(owner, collection.path, schema).get(item_id)
            if record is not None:
                return record
        return None

    def _owners(self, customer: Customer) -> tuple[Customer, ...]:
        """Whose resources a customer reaches: their own, first; with fault foreign_visible, everyone's."""
        if F.FOREIGN_VISIBLE not in self.faults:
            return (customer,)
        return (customer, *(c for c in self.customers if c is not customer))

    def stamp(self, record: Record, schema: Any, *, new_id: str | None = None, created: bool = False) -> None:
        """Set what the server assigns: id, owner, create/update times, the live soft-delete value."""
        props = properties(self.document, schema)
        obj = record.obj
        if not isinstance(obj, dict):
            return
        if new_id is not None:
            obj["id"] = new_id
        if "customer_id" in props:
            obj["customer_id"] = record.owner
        at = record.order if created else self.tick()
        if created and "tm_create" in props:
            obj["tm_create"] = self.time(props["tm_create"], at)
        if "tm_update" in props:
            obj["tm_update"] = self.time(props["tm_update"], at)
        field = self.profile.soft_delete_field
        if field in props and not record.deleted:
            obj[field] = self.time(props[field], None)

    def time(self, schema: Any, at: int | None) -> Any:
        """A timestamp as the property declares it; `at` None is the live value of the soft-delete field."""
        schema = resolve(self.document, schema) or {}
        iso = schema.get("format") == "date-time"
        if at is not None:
            return iso_timestamp(at) if iso else timestamp(at)
        if schema.get("nullable") or "null" in (schema.get("type") or []):
            return None
        sentinel = self.profile.live_sentinel  # 2026-08: 9999-01-01 00:00:00.000000; 2026-01 says nothing: ""
        if iso:
            return next((s for s in sentinel if "T" in s), "9999-01-01T00:00:00.000000Z")
        return next((s for s in sentinel if "T" not in s), "")

    def item_schema(self, collection: Collection) -> Any:
        for op in (collection.read, collection.create):
            if op is not None and op.success_schema(self.document) is not None:
                return op.success_schema(self.document)
        if collection.list is not None:
            return self.list_item_schema(collection.list)
        return {"type": "object"}

    def list_item_schema(self, op: Operation) -> Any:
        declared = resolve(self.document, op.success_schema(self.document))
        if isinstance(declared, dict) and declared.get("type") == "array":
            return declared.get("items", {"type": "object"})
        declared_fields = properties(self.document, op.success_schema(self.document))
        result = resolve(self.document, declared_fields.get(self.profile.result_field))
        return (result or {}).get("items", {"type": "object"}) if isinstance(result, dict) else {"type": "object"}

    def soft_delete_schema(self, collection: Collection) -> Any:
        """The schema of the collection's soft-delete field (tm_delete), or None where it has none."""
        return properties(self.document, self.item_schema(collection)).get(self.profile.soft_delete_field)
