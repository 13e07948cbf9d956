"""Which operation a request is for: every operation of the spec as a route with its kind (list, create, …)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from conformance.mock._wire import Reject
from conformance.openapi import Collection, Operation, Spec


class Unserved(Reject):
    """A path the spec serves, asked by a method it does not: the live server's 404 ROUTE_NOT_FOUND."""


class Kind(StrEnum):
    LIST = "list"
    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    DELETE = "delete"
    ACTION = "action"  # anything else: /calls/{id}/hangup, /calls/stats


_ON_COLLECTION = {
    ("POST", False): Kind.CREATE,
    ("GET", True): Kind.READ,
    ("PUT", True): Kind.UPDATE,
    ("PATCH", True): Kind.UPDATE,
    ("DELETE", True): Kind.DELETE,
}


@dataclass
class Route:
    operation: Operation
    regex: re.Pattern[str]
    kind: Kind
    collection: Collection | None
    parent: Collection | None  # the collection whose item an action or nested list hangs under
    params: list[dict[str, Any]] = field(default_factory=list)

    @cached_property
    def param_names(self) -> frozenset[str]:
        return frozenset(param["name"] for param in self.params)


def _compile(path: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{([^{}/]+)\\\}", lambda m: f"(?P<p{abs(hash(m.group(1))) % 10**8}>[^/]+)", re.escape(path))
    return re.compile(f"{pattern}/?\\Z")  # \Z: "$" would also match before a trailing newline


def _depth(path: str) -> int:
    return path.rstrip("/").count("/")  # a path value never holds a "/", so a route matches paths of its depth


def _route(spec: Spec, op: Operation) -> Route:
    shape = spec.shape
    collection = shape.collection_of(op.path)
    kind = Kind.ACTION
    if shape.is_list(op):
        kind = Kind.LIST
    elif collection is not None:
        kind = _ON_COLLECTION.get((op.method, op.path == collection.item_path), Kind.ACTION)
    if kind == Kind.LIST and collection is not None and collection.path != op.path:
        collection = None
    parent = next((c for c in shape.collections if op.path.startswith(c.item_path + "/")), None)
    regex = _compile(spec.base_path + op.path)
    params = op.parameters(spec.document)
    return Route(op, regex, kind, collection if kind != Kind.ACTION else None, parent, params)


class Router:
    def __init__(self, spec: Spec) -> None:
        routes = [_route(spec, op) for op in spec.shape.operations]
        # Static segments win over parameters: /calls/stats before /calls/{id}.
        routes.sort(key=lambda r: (r.operation.path.count("{"), -len(r.operation.path)))
        self._by_depth: dict[int, list[Route]] = {}
        for route in routes:  # in that order within each depth
            self._by_depth.setdefault(_depth(spec.base_path + route.operation.path), []).append(route)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        path_matched = False
        for route in self._by_depth.get(_depth(path), ()):
            found = route.regex.match(path)  # anchored at both ends
            if found is None:
                continue
            path_matched = True
            if route.operation.method == method:
                names = route.operation.path_params
                return route, dict(zip(names, found.groups(), strict=False))
        if path_matched:
            raise Unserved(404, "ROUTE_NOT_FOUND", f"{method} is not served on {path}")
        raise Reject(404, "ROUTE_NOT_FOUND", f"no such endpoint: {path}")
