"""Ids of resources that exist, for path parameters: found in the lists that hold them, once per run.

A random id in `GET /calls/{id}` only ever gets a 404, so the success path (the response schema, the lifecycle
reads) of every operation on an item would go unjudged, against production above all, where a read-only run
creates nothing. The ids come from the list of the same resource (`GET /calls`), and for nested paths from the
parents' lists first (`GET /contacts`, then `GET /contacts/{id}/addresses`), as `spec.shape.id_sources` maps them.
Each list is asked once per run with the run's own credentials, through the engine's client: paced, recorded and
judged like any other request. A list that answers no 2xx, or holds no item with an id, leaves the random id.

Real ids go into reads everywhere, but into writes only on the embedded mock: a write on a listed id acts on a
resource this run did not make (a staging account's own flows, a live call), which `--allow-writes` does not
consent to; and a write that is not allowed goes out inert, every path value spoiled (`checks.probes.inert`).
A DELETE of an item takes an existing id only in its one example, and only where the run cannot delete one it
made instead (a collection without a create).
"""

from __future__ import annotations

from typing import Any, Protocol

from conformance.checks import Client, Request
from conformance.config import Config
from conformance.openapi import IdSource, Operation, Spec, fill_path, resolve
from conformance.profiles import Profile

LOOKUP_PAGE_SIZE = 10  # ids asked of each list: enough to vary generated cases, one page on any target
PARENTS_TRIED = 3  # parents whose sub-list is asked before a nested parameter is given up (an empty sub-list)


class RunFacts(Protocol):
    """What ids and examples read of the run (engine/runtime.Runtime has it all), without importing it."""

    spec: Spec
    profile: Profile
    config: Config

    def seed_for(self, label: str) -> int: ...

    @property
    def schemathesis_operations(self) -> Any: ...


class KnownIds:
    """The ids found per list path (filled: /contacts/<id>/addresses), cached for the run."""

    def __init__(self, runtime: RunFacts) -> None:
        self.runtime = runtime
        self._found: dict[str, list[str]] = {}

    def for_operation(self, client: Client, operation: Operation) -> dict[str, list[str]]:
        """Ids of existing resources for each path parameter of `operation` that has some: the values to try,
        best first. Parents are fixed to the one whose sub-list held items, so every combination exists."""
        if operation.method != "GET" and not self.runtime.config.uses_mock:
            return {}
        sources = self.runtime.spec.shape.id_sources(operation.path)
        chosen = self._resolve(client, sources, {})
        if not chosen:
            return {}
        last = sources[len(chosen) - 1].param
        found = {name: [value] for name, value in chosen.items() if name != last}
        if not _deletes(operation, last) or not self._lifecycle_deletes(operation):
            found[last] = _spare(self._found[_list_path(sources[len(chosen) - 1], chosen)], _deletes(operation, last))
        return found

    def for_cases(self, client: Client, operation: Operation) -> dict[str, list[str]]:
        """The ids for generated cases: as for the example, but never the item a DELETE removes. Each case would
        delete another resource, or the same one again, and a repeated DELETE answers 404 in the run but 200 to
        its repro on a fresh target."""
        found = self.for_operation(client, operation)
        return {name: ids for name, ids in found.items() if not _deletes(operation, name)}

    def _lifecycle_deletes(self, operation: Operation) -> bool:
        """Whether the run deletes resources of this collection it made itself (`resource_lifecycle`): then its
        DELETE needs no existing one."""
        collection = self.runtime.spec.shape.collection_of(operation.path)
        return collection is not None and collection.create is not None and collection.read is not None

    def _resolve(self, client: Client, sources: list[IdSource], values: dict[str, str]) -> dict[str, str]:
        """Values for as many leading sources as have ids: depth first, trying a few parents for a sub-list."""
        if not sources:
            return values
        ids = self.lookup(client, sources[0], values)
        best = values
        for item_id in ids[:PARENTS_TRIED] if len(sources) > 1 else ids[:1]:
            deeper = self._resolve(client, sources[1:], {**values, sources[0].param: item_id})
            if len(deeper) > len(best):
                best = deeper
            if len(best) == len(values) + len(sources):
                break
        return best

    def lookup(self, client: Client, source: IdSource, values: dict[str, str]) -> list[str]:
        """The ids `source.list` answers with the parents in `values` (asked once per run and list path)."""
        path = _list_path(source, values)
        if path not in self._found:
            self._found[path] = []  # asked once, even if the asking fails
            self._found[path] = self._ask(client, source.list, path)
        return self._found[path]

    def _ask(self, client: Client, listing: Operation, path: str) -> list[str]:
        profile, document = self.runtime.profile, self.runtime.spec.document
        params: dict[str, Any] = {}
        for param in listing.parameters(document):
            if param.get("in") == "query" and param["name"] == profile.page_size_param:
                params[param["name"]] = _page_size(resolve(document, param.get("schema")) or {})
        required = [p for p in listing.parameters(document) if p.get("in") == "query" and p.get("required")]
        if required:  # a filter the list cannot do without: its example's values
            example = client.example(listing, _values_in(listing, path))
            params = {**(example.params if example is not None else {}), **params}
        params.pop(profile.page_token_param, None)
        exchange = client.send(listing.label, "GET", Request(path, params), purpose="find ids of existing resources")
        body = exchange.json
        if exchange.status is None or not 200 <= exchange.status < 300:
            return []
        items = body.get(profile.result_field) if isinstance(body, dict) else body
        if not isinstance(items, list):
            return []
        ids = [str(item["id"]) for item in items if isinstance(item, dict) and item.get("id") not in (None, "")]
        return list(dict.fromkeys(i for i in ids if "/" not in i))  # one path segment each


def _list_path(source: IdSource, values: dict[str, str]) -> str:
    return fill_path(source.list.path, values)


def _values_in(listing: Operation, path: str) -> dict[str, str]:
    """The path values of a filled list path, by the list's parameter names."""
    names = listing.path_params
    filled = [part for part, template in zip(path.split("/"), listing.path.split("/"), strict=False) if "{" in template]
    return dict(zip(names, filled, strict=False))


def _page_size(schema: dict[str, Any]) -> int:
    size = LOOKUP_PAGE_SIZE
    if isinstance(schema.get("maximum"), int):
        size = min(size, schema["maximum"])
    if isinstance(schema.get("minimum"), int):
        size = max(size, schema["minimum"])
    return size


def _deletes(operation: Operation, param: str) -> bool:
    """A DELETE of the item `param` names (DELETE /calls/{id}, not DELETE /calls/{id}/hold, an action on it)."""
    return operation.method == "DELETE" and operation.path.endswith("{" + param + "}")


def _spare(ids: list[str], deleting: bool) -> list[str]:
    """A run that may delete (the mock) deletes the last id listed and acts on the others, so a DELETE never takes
    away the resource the reads and actions of the rest of the run are given."""
    if len(ids) < 2:
        return list(ids)
    return ids[-1:] if deleting else ids[:-1]
