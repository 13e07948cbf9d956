"""The VoIPBIN shape of an OpenAPI document: list operations, collections, item paths.

Both the checks and the mock read the spec through this module, so they agree on what a "collection" is without
a hand-written list of VoIPBIN paths: `POST /x` creates, `GET /x` lists, `GET|PUT|DELETE /x/{id}` act on one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

METHODS = ("get", "put", "post", "delete", "patch")
_PARAM = re.compile(r"^\{[^{}/]+\}$")
_TEMPLATE_PARAM = re.compile(r"\{([^{}/]+)\}")


def fill_path(template: str, values: dict[str, Any]) -> str:
    """`/calls/{id}` with `{"id": "…"}` → `/calls/…`; a parameter without a value keeps its placeholder."""
    return _TEMPLATE_PARAM.sub(lambda m: str(values.get(m.group(1), m.group(0))), template)


def is_id_param(name: str) -> bool:
    """A path parameter that names a resource by its id ({id}, {address_id}, {billing-id}): VoIPBIN's are UUIDs."""
    return name == "id" or name.endswith(("_id", "-id"))


def match_path(template: str, path: str) -> dict[str, str] | None:
    """The values a concrete path gives a template's parameters (`/contacts/{id}/tags`, `/contacts/c1/tags` ->
    {"id": "c1"}), or None where it is not that template's."""
    names, pattern = _template_pattern(template)
    found = pattern.fullmatch(path)
    return dict(zip(names, found.groups(), strict=True)) if found else None


@lru_cache(maxsize=4096)
def _template_pattern(template: str) -> tuple[list[str], re.Pattern[str]]:
    """A template's parameter names and the pattern its paths match, built once (asked ~200,000 times a run)."""
    pattern = "".join(
        "([^/]+)" if index % 2 else re.escape(part) for index, part in enumerate(_TEMPLATE_PARAM.split(template))
    )
    return _TEMPLATE_PARAM.findall(template), re.compile(pattern)


def resolve(document: dict[str, Any], node: Any, _depth: int = 0) -> Any:
    """Follow `$ref` chains inside the bundled document."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and _depth < 64:
        pointer = node["$ref"].partition("#")[2]
        target: Any = document
        for raw in pointer.lstrip("/").split("/"):
            if not raw:
                continue
            part = raw.replace("~1", "/").replace("~0", "~")
            target = target.get(part) if isinstance(target, dict) else None
        node = target
        _depth += 1
    return node


def properties(document: dict[str, Any], schema: Any, _depth: int = 0) -> dict[str, Any]:
    """The properties an object schema declares, allOf branches merged."""
    schema = resolve(document, schema)
    if not isinstance(schema, dict) or _depth > 16:
        return {}
    merged: dict[str, Any] = {}
    for branch in schema.get("allOf", []):
        merged.update(properties(document, branch, _depth + 1))
    merged.update(schema.get("properties") or {})
    return merged


_ONCE = re.compile(r"\b(only returned once|returned only once|only shown once|shown only once)\b", re.IGNORECASE)


def returned_once(document: dict[str, Any], schema: Any) -> frozenset[str]:
    """The properties of `schema` its description says are returned once, when the resource is created ("Only
    returned once at creation time via `POST /accesskeys`"): a later read must not return them."""
    found = set()
    for name, prop in properties(document, schema).items():
        description = (resolve(document, prop) or {}).get("description")
        if isinstance(description, str) and _ONCE.search(description):
            found.add(name)
    return frozenset(found)


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    path: str  # as the spec writes it, without the server's base path
    definition: dict[str, Any] = field(repr=False, compare=False, hash=False)
    path_item: dict[str, Any] = field(repr=False, compare=False, hash=False)
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False, hash=False)  # what readers derive

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def parameters(self, document: dict[str, Any]) -> list[dict[str, Any]]:
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [*self.path_item.get("parameters", []), *self.definition.get("parameters", [])]:
            param = resolve(document, raw)
            if isinstance(param, dict) and "name" in param:
                found[(param["name"], param.get("in", ""))] = param
        return list(found.values())

    def parameter_names(self, document: dict[str, Any]) -> set[str]:
        return {param["name"] for param in self.parameters(document)}

    def request_schema(self, document: dict[str, Any]) -> dict[str, Any] | None:
        body = resolve(document, self.definition.get("requestBody"))
        if not isinstance(body, dict):
            return None
        content = body.get("content") or {}
        media = content.get("application/json") or next(iter(content.values()), None)
        schema = media.get("schema") if isinstance(media, dict) else None
        return schema if isinstance(schema, dict) else {}

    def has_body(self, document: dict[str, Any]) -> bool:
        return self.request_schema(document) is not None

    def request_media_types(self, document: dict[str, Any]) -> tuple[str, ...]:
        """The media types the operation's request body is declared in, lower case, without parameters."""
        body = resolve(document, self.definition.get("requestBody"))
        content = body.get("content") if isinstance(body, dict) else None
        return tuple(str(media).split(";")[0].strip().lower() for media in (content or {}))

    def takes_json(self, document: dict[str, Any]) -> bool:
        """Whether the operation takes a JSON body: one declared as application/json (or +json), or with no media
        type said. A multipart-only upload (POST /files) does not: JSON sent there is the client's mistake."""
        media = self.request_media_types(document)
        return self.has_body(document) and (not media or any(json_media(m) for m in media))

    def body_required(self, document: dict[str, Any]) -> bool:
        body = resolve(document, self.definition.get("requestBody"))
        return isinstance(body, dict) and bool(body.get("required"))

    def success_schema(self, document: dict[str, Any]) -> dict[str, Any] | None:
        responses = self.definition.get("responses") or {}
        for code, raw in sorted(responses.items(), key=lambda item: str(item[0])):
            if str(code).startswith("2"):
                response = resolve(document, raw)
                content = (response or {}).get("content") or {}
                media = content.get("application/json") or next(iter(content.values()), None)
                if isinstance(media, dict) and isinstance(media.get("schema"), dict):
                    return media["schema"]
                return None
        return None

    def declared_response(self, document: dict[str, Any], status: int) -> dict[str, Any] | None:
        """The response the operation declares for `status`, resolved; None where it declares none."""
        responses = self.definition.get("responses") or {}
        raw = responses.get(str(status), responses.get(status))
        found = resolve(document, raw) if raw is not None else None
        return found if isinstance(found, dict) else None

    def declared_statuses(self) -> set[int]:
        statuses: set[int] = set()
        for code in self.definition.get("responses") or {}:
            text = str(code).upper()
            if text.isdigit():
                statuses.add(int(text))
            elif len(text) == 3 and text.endswith("XX") and text[0].isdigit():
                statuses.update(range(int(text[0]) * 100, int(text[0]) * 100 + 100))
        return statuses

    @property
    def path_params(self) -> list[str]:
        return [segment[1:-1] for segment in self.path.split("/") if _PARAM.match(segment)]


@dataclass(frozen=True)
class Collection:
    """A VoIPBIN resource collection: `path` (e.g. /calls) and its item path (e.g. /calls/{id})."""

    path: str
    item_path: str
    id_param: str
    create: Operation | None
    list: Operation | None
    read: Operation | None
    update: Operation | None
    delete: Operation | None

    def item(self, item_id: str) -> str:
        """The item path of one resource: /calls/{id} → /calls/<item_id>."""
        return fill_path(self.item_path, {self.id_param: item_id})


@dataclass(frozen=True)
class IdSource:
    """Where values of one path parameter come from: the `id` of each item `list` answers, its own path parameters
    filled first (`{address_id}` of /contacts/{id}/addresses/{address_id} from GET /contacts/{id}/addresses,
    once `{id}` came from GET /contacts)."""

    param: str
    list: Operation


@dataclass(frozen=True)
class ListNames:
    """How a list is recognised, as the conventions profile names it: the paging parameters, the result field."""

    params: frozenset[str] = frozenset({"page_token", "page_size"})
    result_field: str = "result"


class Shape:
    def __init__(self, document: dict[str, Any], names: ListNames | None = None) -> None:
        self.document = document
        self.names = names or ListNames()

    @cached_property
    def operations(self) -> list[Operation]:
        found = []
        for path, item in (self.document.get("paths") or {}).items():
            item = resolve(self.document, item)
            if not isinstance(item, dict):
                continue
            for method in METHODS:
                if isinstance(item.get(method), dict):
                    found.append(Operation(method.upper(), path, item[method], item))
        return found

    @cached_property
    def by_label(self) -> dict[str, Operation]:
        return {op.label: op for op in self.operations}

    def is_list(self, operation: Operation) -> bool:
        """A list operation: GET that answers `{"result": [...]}` or takes page_token/page_size (as the profile
        names them)."""
        if operation.method != "GET":
            return False
        if self.names.params & operation.parameter_names(self.document):
            return True
        result = properties(self.document, operation.success_schema(self.document)).get(self.names.result_field)
        result = resolve(self.document, result)
        return isinstance(result, dict) and result.get("type") == "array"

    def declares_bare_array(self, operation: Operation) -> bool:
        """The spec documents this list as a bare JSON array, contradicting the docs' list envelope."""
        schema = resolve(self.document, operation.success_schema(self.document))
        return isinstance(schema, dict) and schema.get("type") == "array"

    def list_conflict(self, operation: Operation, next_token_field: str) -> str | None:
        """How the spec documents this list against the docs' envelope, where it does (then the spec's operation
        wins: the live handler and the spec agree, as for GET /available_numbers): None where it does not."""
        if self.declares_bare_array(operation):
            return "documents a bare JSON array"
        declared = properties(self.document, operation.success_schema(self.document))
        if self.names.result_field in declared and next_token_field not in declared:
            return f"documents {self.names.result_field} without {next_token_field}"
        return None

    def creates_item(self, collection: Collection) -> bool:
        """Whether the collection's create answers the resource it made: its documented 2xx body has an id and is
        not the parent's (POST /calls answers {calls, groupcalls}, POST /contacts/{id}/tags the contact)."""
        if collection.create is None:
            return False
        created = resolve(self.document, collection.create.success_schema(self.document))
        if "id" not in properties(self.document, created):
            return False
        parent = self.collection_of(collection.path.rsplit("/", 1)[0])  # /contacts/{id} for /contacts/{id}/tags
        parent_read = parent.read if parent is not None and parent.item_path != collection.item_path else None
        return parent_read is None or resolve(self.document, parent_read.success_schema(self.document)) is not created

    @cached_property
    def field_formats(self) -> dict[str, set[str]]:
        """Per property name, every format and `nullable` the spec's component schemas declare for it: where the
        spec says what a field is (tm_create: date-time), the spec's word holds for that field everywhere."""
        found: dict[str, set[str]] = {}
        for schema in ((self.document.get("components") or {}).get("schemas") or {}).values():
            for name, prop in properties(self.document, schema).items():
                prop = resolve(self.document, prop)
                if isinstance(prop, dict):
                    marks = {str(prop["format"])} if prop.get("format") else set()
                    marks |= {"nullable"} if prop.get("nullable") or "null" in (prop.get("type") or []) else set()
                    found.setdefault(name, set()).update(marks)
        return found

    @cached_property
    def list_operations(self) -> list[Operation]:
        return [op for op in self.operations if self.is_list(op)]

    @cached_property
    def collections(self) -> list[Collection]:
        ops = self.by_label
        paths = self.document.get("paths") or {}
        items_under: dict[str, list[str]] = {}  # one pass, not every path against every other: linear in size
        for item_path in paths:
            head, _, last = item_path.rpartition("/")
            if _PARAM.match(last):
                items_under.setdefault(head, []).append(item_path)
        found = []
        for path in paths:
            create = ops.get(f"POST {path}")
            listing = ops.get(f"GET {path}")
            if create is None and listing is None:
                continue
            for item_path in items_under.get(path, []):
                found.append(
                    Collection(
                        path=path,
                        item_path=item_path,
                        id_param=item_path.rpartition("/")[2][1:-1],
                        create=create,
                        list=listing if listing is not None and self.is_list(listing) else None,
                        read=ops.get(f"GET {item_path}"),
                        update=ops.get(f"PUT {item_path}"),
                        delete=ops.get(f"DELETE {item_path}"),
                    )
                )
        return found

    @cached_property
    def _collection_by_path(self) -> dict[str, Collection]:
        index: dict[str, Collection] = {}
        for collection in self.collections:
            index.setdefault(collection.path, collection)
            index.setdefault(collection.item_path, collection)
        return index

    def collection_of(self, path: str) -> Collection | None:
        return self._collection_by_path.get(path)

    @cached_property
    def _lists_by_path(self) -> dict[str, Operation]:
        return {op.path: op for op in self.list_operations}

    def id_sources(self, path: str) -> list[IdSource]:
        """The list that yields each path parameter of `path`, outermost first, as far as each has one.

        A parameter names an item of the collection before it: `/calls/{id}/hold` takes `{id}` from the list of
        the collection whose item path is /calls/{id} (GET /calls); an action on an item path the spec does not
        serve takes it all the same from the list one segment up. Past a parameter without a list, the rest of
        the path cannot be filled with existing ids, and the sources stop there."""
        found: list[IdSource] = []
        segments = path.split("/")
        for index, segment in enumerate(segments):
            if not _PARAM.match(segment):
                continue
            item_path = "/".join(segments[: index + 1])
            collection = self.collection_of(item_path)
            listing = collection.list if collection is not None and collection.item_path == item_path else None
            listing = listing or self._lists_by_path.get("/".join(segments[:index]))
            if listing is None:
                break
            found.append(IdSource(segment[1:-1], listing))
        return found


def json_media(media: str) -> bool:
    """Whether a media type is JSON: application/json or any +json."""
    return media == "application/json" or media.endswith("+json")
