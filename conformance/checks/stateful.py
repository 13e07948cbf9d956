"""Checks over sequences: paging through a list, a resource's life, two customers kept apart.

Driven by the spec's VoIPBIN shape (`conformance.spec.shape`), never by a list of VoIPBIN paths.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from conformance.checks._model import DEFAULT_AUTH, NOT_JSON, Auth, Context, Exchange, Fail, Request
from conformance.checks._registry import check
from conformance.spec import Collection, Operation, fill_path


def _ok(exchange: Exchange) -> bool:
    return exchange.status is not None and 200 <= exchange.status < 300


@dataclass
class Walk:
    pages: list[Exchange] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    ended: bool = False
    problems: list[tuple[str, str]] = field(default_factory=list)  # (key, message)

    def describe(self, token_field: str) -> str:
        parts = []
        for n, page in enumerate(self.pages, 1):
            body = page.json if page.json is not NOT_JSON else {}
            items = body.get("result") if isinstance(body, dict) else None
            count = len(items) if isinstance(items, list) else "?"
            token = body.get(token_field, "-") if isinstance(body, dict) else "-"
            parts.append(f"page {n}: {page.status}, {count} items, next={token!r}")
        return "; ".join(parts)


def walk(
    ctx: Context,
    operation: Operation,
    request: Request,
    page_size: int | None,
    *,
    auth: Auth = DEFAULT_AUTH,
    max_pages: int | None = None,
    purpose: str = "page walk",
) -> Walk:
    """Follow next_page_token from the first page to the end, a loop, or the page limit."""
    profile = ctx.profile
    result = Walk()
    seen_tokens: set[str] = set()
    first_seen: dict[str, int] = {}
    token: str | None = None
    declared = {p.get("name") for p in operation.parameters(ctx.spec.document)}
    if profile.page_size_param not in declared:
        page_size = None  # an undeclared page_size is neither sent nor held against the pages
    for number in range(1, (max_pages or ctx.limits.page_walk_pages) + 1):
        params = {
            k: v for k, v in request.params.items() if k not in (profile.page_token_param, profile.page_size_param)
        }
        if page_size is not None:
            params[profile.page_size_param] = page_size
        if token is not None:
            params[profile.page_token_param] = token
        page = ctx.client.send(
            operation.label, "GET", Request(request.path, params), auth=auth, purpose=f"{purpose}, page {number}"
        )
        result.pages.append(page)
        body = page.json
        if not _ok(page) or not isinstance(body, dict) or not isinstance(body.get(profile.result_field), list):
            if number > 1 and not _ok(page):
                result.problems.append(
                    ("page-status", f"page {number} of the walk answered {page.error or page.status}")
                )
            return result
        items = body[profile.result_field]
        if page_size is not None and len(items) > page_size:
            result.problems.append(
                ("page-size-exceeded", f"page {number} holds {len(items)} items, more than page_size={page_size}")
            )
        for item in items:
            item_id = item.get("id") if isinstance(item, dict) else None
            if item_id is None:
                continue
            if str(item_id) in first_seen:
                result.problems.append(
                    (
                        "repeated-item",
                        f"item {item_id} is on page {first_seen[str(item_id)]} and again on page {number}",
                    )
                )
            else:
                first_seen[str(item_id)] = number
                result.ids.append(str(item_id))
        next_token = body.get(profile.next_token_field)
        if next_token in (None, profile.end_token):
            result.ended = True
            return result
        if str(next_token) in seen_tokens or next_token == token:
            result.problems.append(
                ("token-loop", f"page {number} hands out next_page_token {next_token!r} again: the chain loops")
            )
            return result
        seen_tokens.add(str(next_token))
        token = str(next_token)
    return result


def parent_values(ctx: Context, operation: Operation) -> dict[str, str] | None:
    """Ids of existing parents for a nested operation (/ais/{id}/participants): the first item of each list."""
    values: dict[str, str] = {}
    for collection in ctx.spec.shape.collections:
        if operation.path.startswith(collection.item_path + "/") and collection.list is not None:
            request = ctx.client.example(collection.list, values) or Request(fill_path(collection.path, values))
            page = ctx.client.send(
                collection.list.label,
                "GET",
                Request(request.path, {ctx.profile.page_size_param: 1}),
                purpose="find a parent",
            )
            body = page.json
            items = body.get(ctx.profile.result_field) if isinstance(body, dict) else None
            if not _ok(page) or not isinstance(items, list) or not items or not isinstance(items[0], dict):
                return None
            values[collection.id_param] = str(items[0].get("id"))
    return values


@check(
    "pagination",
    kind="stateful",
    severity="high",
    problem="Pagination is broken",
    summary="page chains respect page_size, never repeat an item, end, and agree with larger pages",
    doc="common_overview 'Pagination'; restful_api 'List Response'",
    schema="list-envelope.schema.json",
)
def pagination(ctx: Context) -> Iterator[Fail]:
    operation = ctx.operation
    values = parent_values(ctx, operation)
    if values is None:
        return
    request = ctx.client.example(operation, values) or Request(fill_path(operation.path, values))
    small = walk(
        ctx, operation, request, ctx.limits.small_page_size, purpose=f"walk, page_size={ctx.limits.small_page_size}"
    )
    described = small.describe(ctx.profile.next_token_field)
    for key, message in dict(small.problems).items():
        yield Fail(f"{message} ({described})", key, small.pages[-1], tuple(small.pages))
    paged = ctx.profile.page_token_param in {p.get("name") for p in operation.parameters(ctx.spec.document)}
    if paged and small.ended and not small.problems:
        default = walk(ctx, operation, request, None, purpose="walk, default page_size")
        if default.ended and not default.problems and set(default.ids) != set(small.ids):
            again = walk(ctx, operation, request, ctx.limits.small_page_size, purpose="walk again")
            if set(again.ids) != set(default.ids):
                missing = sorted(set(default.ids) - set(again.ids))[:3]
                extra = sorted(set(again.ids) - set(default.ids))[:3]
                yield Fail(
                    f"walking with page_size={ctx.limits.small_page_size} gives {len(again.ids)} items, the "
                    f"default page size {len(default.ids)} (missing {missing}, extra {extra})",
                    "union-mismatch",
                    again.pages[-1],
                    tuple(again.pages + default.pages),
                )
    # A token the server never issued: a 4xx with the envelope or a valid page, never a 5xx (the response
    # checks judge what comes back).
    ctx.client.send(
        operation.label,
        "GET",
        Request(request.path, {**request.params, ctx.profile.page_token_param: f"never-issued-{secrets.token_hex(4)}"}),
        purpose="a page_token the server never issued",
    )


def _soft_deleted(ctx: Context, body: Any) -> bool:
    value = body.get(ctx.profile.soft_delete_field) if isinstance(body, dict) else None
    return value not in ctx.profile.live_delete_values and not (isinstance(value, str) and value.startswith("9999"))


def _listed(ctx: Context, collection: Collection, item_id: str, auth: Auth = DEFAULT_AUTH) -> tuple[bool, Walk]:
    assert collection.list is not None
    request = ctx.client.example(collection.list) or Request(collection.path)
    found = walk(ctx, collection.list, request, 100, auth=auth, purpose="look for it in the list")
    return item_id in found.ids, found


def _not_applied(ctx: Context, sent: Any, got: Any) -> Iterator[tuple[str, Any, Any]]:
    """(field, value sent, value read) for each scalar field the server shows differently from what was sent.
    Server-assigned fields are the server's to set, and an empty value means "unset" and may get a default."""
    if not isinstance(sent, dict) or not isinstance(got, dict):
        return
    for key, value in sent.items():
        if key in ctx.profile.server_assigned or value in ("", None) or isinstance(value, dict | list):
            continue
        if key in got and got[key] != value:
            yield key, value, got[key]


def create(ctx: Context, collection: Collection) -> tuple[Exchange | None, str | None, Request | None]:
    """Create one resource with a valid generated body (the engine tracks every create for clean-up)."""
    assert collection.create is not None
    request = ctx.client.example(collection.create)
    if request is None:
        return None, None, None
    created = ctx.client.send(collection.create.label, "POST", request, purpose="create")
    body = created.json
    item_id = body.get("id") if _ok(created) and isinstance(body, dict) else None
    return created, (str(item_id) if item_id is not None else None), request


@check(
    "resource_lifecycle",
    kind="stateful",
    severity="high",
    problem="Resources do not live as documented (create, read, update, delete)",
    summary="created resources read back, list, update, delete, and are then gone or soft-deleted",
    doc="common_overview 'Soft Deletion'; restful_api 'Success Response (2xx)'",
)
def resource_lifecycle(ctx: Context) -> Iterator[Fail]:
    collection = ctx.spec.shape.collection_of(ctx.operation.path)
    if collection is None or collection.create is None or collection.read is None:
        return
    steps: list[Exchange] = []
    created, item_id, request = create(ctx, collection)
    if created is None or request is None:
        return
    steps.append(created)
    if not _ok(created):
        return  # the target refused a generated body (business rules the schema cannot say); nothing to follow
    if item_id is None:
        yield Fail("the created object has no id", "no-id", created, tuple(steps))
        return
    item = Request(collection.item(item_id))
    read = ctx.client.send(collection.read.label, "GET", item, purpose="read back")
    steps.append(read)
    if not _ok(read):
        yield Fail(
            f"the created resource {item_id} cannot be read back: {read.error or read.status}",
            f"read-after-create:{read.status}",
            read,
            tuple(steps),
        )
        return
    for key, value, shown in _not_applied(ctx, request.json_body, read.json):
        yield Fail(
            f"field {key!r} was created as {value!r} but reads back as {shown!r}",
            f"field-mismatch:{key}",
            read,
            tuple(steps),
        )
    if collection.list is not None:
        listed, found = _listed(ctx, collection, item_id)
        if not listed and found.ended:
            yield Fail(
                f"the created resource {item_id} is not in {collection.list.label}",
                "not-listed",
                found.pages[-1] if found.pages else read,
                tuple(steps + found.pages),
            )
    if collection.update is not None and ctx.limits.allow_writes:
        yield from _update(ctx, collection, item, steps)
    if collection.delete is None:
        return
    deleted = ctx.client.send(collection.delete.label, "DELETE", item, purpose="delete")
    steps.append(deleted)
    if not _ok(deleted):
        yield Fail(
            f"DELETE of the created resource answered {deleted.error or deleted.status}",
            f"delete:{deleted.status}",
            deleted,
            tuple(steps),
        )
        return
    ctx.client.untrack(item.path)
    after = ctx.client.send(collection.read.label, "GET", item, purpose="read after delete")
    steps.append(after)
    if _ok(after) and not _soft_deleted(ctx, after.json):
        yield Fail(
            f"the deleted resource {item_id} still reads as live ({ctx.profile.soft_delete_field} not set)",
            "zombie-read",
            after,
            tuple(steps),
        )
    elif not _ok(after) and after.status not in ctx.profile.deleted_get_statuses:
        yield Fail(
            f"reading the deleted resource answered {after.error or after.status}, expected one of "
            f"{sorted(ctx.profile.deleted_get_statuses)}",
            f"read-after-delete:{after.status}",
            after,
            tuple(steps),
        )
    if collection.list is not None:
        listed, found = _listed(ctx, collection, item_id)
        if listed:
            yield Fail(
                f"the deleted resource {item_id} is still in {collection.list.label}",
                "zombie-listed",
                found.pages[-1],
                tuple(steps + found.pages),
            )


def _update(ctx: Context, collection: Collection, item: Request, steps: list[Exchange]) -> Iterator[Fail]:
    assert collection.update is not None and collection.read is not None
    template = ctx.client.example(collection.update, {collection.id_param: item.path.rsplit("/", 1)[-1]})
    if template is None:
        return
    update = Request(item.path, template.params, template.json_body, template.has_body)
    updated = ctx.client.send(collection.update.label, collection.update.method, update, purpose="update")
    steps.append(updated)
    if not _ok(updated):
        return  # a refused update (state rules) is not a lifecycle failure; status checks judge the answer
    read = ctx.client.send(collection.read.label, "GET", item, purpose="read after update")
    steps.append(read)
    for key, value, shown in _not_applied(ctx, update.json_body, read.json):
        yield Fail(
            f"PUT set {key!r} to {value!r} but GET still shows {shown!r}",
            f"update-lost:{key}",
            read,
            tuple(steps),
        )


@check(
    "tenant_isolation",
    kind="stateful",
    severity="critical",
    problem="Another customer's resources are reachable",
    summary="one customer's resources are never read, changed, deleted or listed with another's credentials",
    doc="restful_api-2026-08-22 '403'/'404': the resource belongs to another customer",
)
def tenant_isolation(ctx: Context) -> Iterator[Fail]:
    collection = ctx.spec.shape.collection_of(ctx.operation.path)
    if collection is None or collection.read is None or not ctx.credentials.other_token:
        return
    other = Auth(who="other")
    steps: list[Exchange] = []
    item_id: str | None = None
    if ctx.limits.allow_writes and collection.create is not None:
        created, item_id, _ = create(ctx, collection)
        if created is not None:
            steps.append(created)
    if item_id is None and collection.list is not None:
        request = ctx.client.example(collection.list) or Request(collection.path)
        first = walk(ctx, collection.list, request, 1, max_pages=1, purpose="find one of the customer's resources")
        steps += first.pages
        item_id = first.ids[0] if first.ids else None
    if item_id is None:
        return
    item = Request(collection.item(item_id))
    allowed = ctx.profile.foreign_statuses
    probes: list[tuple[Operation | None, str]] = [(collection.read, "read")]
    if ctx.limits.allow_writes:
        probes += [(collection.update, "change"), (collection.delete, "delete")]
    for operation, verb in probes:
        if operation is None:
            continue
        request = item
        if operation.has_body(ctx.spec.document):
            template = ctx.client.example(operation, {collection.id_param: item_id})
            request = Request(item.path, {}, template.json_body if template else {}, True)
        exchange = ctx.client.send(
            operation.label, operation.method, request, auth=other, purpose=f"{verb} it as the other customer"
        )
        steps.append(exchange)
        if exchange.status not in allowed:
            yield Fail(
                f"the other customer could {verb} resource {item_id}: {exchange.error or exchange.status} "
                f"(expected one of {sorted(allowed)})",
                f"{verb}:{exchange.status}",
                exchange,
                tuple(steps),
            )
    if collection.list is not None:
        listed, found = _listed(ctx, collection, item_id, auth=other)
        if listed:
            yield Fail(
                f"resource {item_id} shows in the other customer's {collection.list.label}",
                "listed",
                found.pages[-1],
                tuple(steps + found.pages),
            )
