"""Checks over sequences: paging through a list, a resource's life, two customers kept apart.

Driven by the spec's VoIPBIN shape (`conformance.openapi.shape`), never by a list of VoIPBIN paths.
"""

from __future__ import annotations

import secrets
from collections.abc import Generator, Iterator
from typing import Any

from conformance.checks._model import DEFAULT_AUTH, Auth, Context, Exchange, Fail, NotJudged, Request
from conformance.checks._registry import Need, ProblemKind, Subject, check, default_grouping
from conformance.checks._scenario import Scenario, ok
from conformance.checks._walk import Walk, walk
from conformance.checks.traffic import Lifecycle, PageChains
from conformance.openapi import Collection, Operation, fill_path, match_path


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
            if not ok(page) or not isinstance(items, list) or not items or not isinstance(items[0], dict):
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
    subject=Subject.LIST_OPERATION,
    observer=PageChains,
    grouping=lambda key, status: _page_kind(key, status),
)
def pagination(ctx: Context) -> Iterator[Fail]:
    operation = ctx.operation
    values = parent_values(ctx, operation)
    if values is None:
        raise NotJudged("no parent resource to list under: the parent's list is empty or refused")
    request = ctx.client.example(operation, values) or Request(fill_path(operation.path, values))
    small = walk(
        ctx, operation, request, ctx.limits.small_page_size, purpose=f"walk, page_size={ctx.limits.small_page_size}"
    )
    described = small.describe(ctx.profile)
    for key, message in dict(small.problems).items():
        yield Fail(f"{message} ({described})", key, small.pages[-1], tuple(small.pages))
    paged = ctx.profile.page_token_param in operation.parameter_names(ctx.spec.document)
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
    return not ctx.profile.is_live_delete_value(value)


def _listed_item(ctx: Context, found: Walk, item_id: str) -> Any:
    """The resource `item_id` as the list's pages show it (the last page holding it), or None."""
    shown = None
    for page in found.pages:
        items = page.json.get(ctx.profile.result_field) if isinstance(page.json, dict) else None
        for listed in items if isinstance(items, list) else []:
            if isinstance(listed, dict) and str(listed.get(ctx.profile.id_field)) == item_id:
                shown = listed
    return shown


def _live(ctx: Context, shown: Any) -> str:
    field_name = ctx.profile.soft_delete_field
    return f"{field_name} not set" if isinstance(shown, dict) else "as live"


def _item(collection: Collection, item_id: str, under: str) -> Request:
    """The path of one resource, under the parents a request on its collection named (`/contacts/c1/tags` and
    `t1` give /contacts/c1/tags/t1): a nested resource is only found under its own parent."""
    return Request(fill_path(collection.item(item_id), match_path(collection.path, under) or {}))


def _listed(ctx: Context, collection: Collection, item: Request, auth: Auth = DEFAULT_AUTH) -> tuple[bool, Walk]:
    """Whether the list it belongs to (under its own parents) shows the resource at `item`."""
    assert collection.list is not None
    example = ctx.client.example(collection.list)
    request = Request(item.path.rsplit("/", 1)[0], dict(example.params) if example else {})
    found = walk(
        ctx, collection.list, request, ctx.limits.search_page_size, auth=auth, purpose="look for it in the list"
    )
    return item.path.rsplit("/", 1)[-1] in found.ids, found


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


def create(scenario: Scenario, collection: Collection) -> tuple[Exchange | None, str | None, Request | None]:
    """Create one resource with a valid generated body (the engine tracks every create for clean-up)."""
    assert collection.create is not None
    request = scenario.ctx.client.example(collection.create)
    if request is None:
        return None, None, None
    created = scenario.send(collection.create, "POST", request, "create")
    body = created.json
    item_id = body.get("id") if ok(created) and isinstance(body, dict) else None
    return created, (str(item_id) if item_id is not None else None), request


@check(
    "resource_lifecycle",
    kind="stateful",
    severity="high",
    problem="Resources do not live as documented (create, read, update, delete)",
    summary="created resources read back, list, update, delete, and are then gone or soft-deleted",
    doc="common_overview 'Soft Deletion'; restful_api 'Success Response (2xx)'",
    subject=Subject.COLLECTION_CREATE,
    needs=(Need.WRITES,),
    observer=Lifecycle,
    grouping=lambda key, status: _lifecycle_kind(key, status),
)
def resource_lifecycle(ctx: Context) -> Iterator[Fail]:
    collection = ctx.spec.shape.collection_of(ctx.operation.path)
    if collection is None or collection.create is None or collection.read is None:
        return
    scenario = Scenario(ctx)
    created, item_id, request = create(scenario, collection)
    if created is None or request is None or not ok(created):
        # the target refused a generated body (business rules the schema cannot say): nothing to follow
        outcome = "no valid body" if created is None else created.error or created.status
        raise NotJudged(f"nothing was created to follow ({outcome})")
    if item_id is None:
        yield scenario.fail("the created object has no id", "no-id")
        return
    item = _item(collection, item_id, request.path)
    readable = yield from _read_back(scenario, collection, item, request)
    if not readable:
        return
    if collection.list is not None:
        listed, found = _listed(ctx, collection, item)
        if not listed and found.ended:
            message = f"the created resource {item_id} is not in {collection.list.label}"
            yield scenario.fail(message, "not-listed", then=found.pages)
    if collection.update is not None and ctx.limits.allow_writes:
        yield from _update(scenario, collection, item)
    if collection.delete is not None:
        yield from _delete(scenario, collection, item)


def _read_back(scenario: Scenario, collection: Collection, item: Request, sent: Request) -> Generator[Fail, None, bool]:
    """GET the created resource: it exists and shows what was sent. Returns whether it could be read."""
    assert collection.read is not None
    read = scenario.send(collection.read, "GET", item, "read back")
    if not ok(read):
        item_id = item.path.rsplit("/", 1)[-1]
        message = f"the created resource {item_id} cannot be read back: {read.error or read.status}"
        yield scenario.fail(message, f"read-after-create:{read.status}")
        return False
    for key, value, shown in _not_applied(scenario.ctx, sent.json_body, read.json):
        message = f"field {key!r} was created as {value!r} but reads back as {shown!r}"
        yield scenario.fail(message, f"field-mismatch:{key}")
    return True


def _update(scenario: Scenario, collection: Collection, item: Request) -> Iterator[Fail]:
    assert collection.update is not None and collection.read is not None
    ctx = scenario.ctx
    template = ctx.client.example(collection.update, {collection.id_param: item.path.rsplit("/", 1)[-1]})
    if template is None:
        return
    update = Request(item.path, template.params, template.json_body, template.has_body)
    if not ok(scenario.send(collection.update, collection.update.method, update, "update")):
        return  # a refused update (state rules) is not a lifecycle failure; status checks judge the answer
    read = scenario.send(collection.read, "GET", item, "read after update")
    for key, value, shown in _not_applied(ctx, update.json_body, read.json):
        yield scenario.fail(f"PUT set {key!r} to {value!r} but GET still shows {shown!r}", f"update-lost:{key}")


def _delete(scenario: Scenario, collection: Collection, item: Request) -> Iterator[Fail]:
    """DELETE it: afterwards it reads as soft-deleted or not at all, and lists no more."""
    assert collection.delete is not None and collection.read is not None
    ctx, item_id = scenario.ctx, item.path.rsplit("/", 1)[-1]
    deleted = scenario.send(collection.delete, "DELETE", item, "delete")
    if not ok(deleted):
        message = f"DELETE of the created resource answered {deleted.error or deleted.status}"
        yield scenario.fail(message, f"delete:{deleted.status}")
        return
    ctx.client.untrack(item.path)
    after = scenario.send(collection.read, "GET", item, "read after delete")
    if ok(after) and not _soft_deleted(ctx, after.json):
        field_name = ctx.profile.soft_delete_field
        yield scenario.fail(f"the deleted resource {item_id} still reads as live ({field_name} not set)", "zombie-read")
    elif not ok(after) and after.status not in ctx.profile.deleted_get_statuses:
        expected = sorted(ctx.profile.deleted_get_statuses)
        message = f"reading the deleted resource answered {after.error or after.status}, expected one of {expected}"
        yield scenario.fail(message, f"read-after-delete:{after.status}")
    if collection.list is not None:
        listed, found = _listed(ctx, collection, item)
        shown = _listed_item(ctx, found, item_id)
        if listed and not _soft_deleted(ctx, shown):  # the docs promise tm_delete set, not that lists drop it
            message = f"the deleted resource {item_id} is still in {collection.list.label}, {_live(ctx, shown)}"
            yield scenario.fail(message, "zombie-listed", then=found.pages)


@check(
    "tenant_isolation",
    kind="stateful",
    severity="critical",
    problem="Another customer's resources are reachable",
    summary="one customer's resources are never read, changed, deleted or listed with another's credentials",
    doc="restful_api-2026-08-22 '403'/'404': the resource belongs to another customer",
    grouping=lambda key, status: _isolation_kind(key, status),
    subject=Subject.COLLECTION_READ,
    needs=(Need.OTHER_CUSTOMER,),
)
def tenant_isolation(ctx: Context) -> Iterator[Fail]:
    collection = ctx.spec.shape.collection_of(ctx.operation.path)
    if collection is None or collection.read is None or not ctx.credentials.other_token:
        return
    scenario = Scenario(ctx)
    item = _one_of_ours(scenario, collection)
    if item is None:
        raise NotJudged("the customer has no resource here to try (its list is empty, and none was created)")
    probes: list[tuple[Operation | None, str]] = [(collection.read, "read")]
    if ctx.limits.allow_writes:
        probes += [(collection.update, "change"), (collection.delete, "delete")]
    for operation, verb in probes:
        if operation is not None:
            yield from _as_the_other(scenario, collection, operation, verb, item)
    if collection.list is not None:
        listed, found = _listed(ctx, collection, item, auth=Auth(who="other"))
        if listed:
            message = f"resource {item.path} shows in the other customer's {collection.list.label}"
            yield scenario.fail(message, "listed", then=found.pages)


def _page_kind(key: str, status: int | None) -> ProblemKind:
    """A chain that loops hands out the same page again: its repeated items are the loop's, on that operation; a
    list outside its envelope pages wrongly because of it."""
    if key == "repeated-item":
        return ProblemKind(key, "repeated item", caused_by=("pagination", "token-loop"))
    if key == "union-mismatch":  # a chain without next_page_token ends at its first page: the envelope's cause
        return ProblemKind(key, "small pages do not add up to the list", caused_by=("list_envelope", None))
    return default_grouping(key, status)


def _lifecycle_kind(key: str, status: int | None) -> ProblemKind:
    """What was written does not read back, whichever field shows it: one cause (a store that does not keep
    what it is given), not one problem per field name."""
    if key.startswith(("field-mismatch:", "update-lost:")):
        return ProblemKind("read-back", "what was written does not read back")
    if key in ("zombie-read", "zombie-listed"):  # read or listed, the deleted resource still lives: one cause
        return ProblemKind("zombie", "a deleted resource still shows as live")
    if key == "read-after-create:400":  # the target refuses its own id as malformed: the id's format is the cause
        return ProblemKind(key, "read after create 400", caused_by=("id_format", None), caused_anywhere=True)
    return default_grouping(key, status)


def _isolation_kind(key: str, status: int | None) -> ProblemKind:
    """Critical only where the other customer got the resource (a 2xx that read, changed, deleted or listed it);
    any other answer than the documented 403/404 refuses it, just not as documented: a problem of its own."""
    if key.startswith("read-not-theirs:"):  # a made-up resource for an id: the unknown-id answer's cause
        return ProblemKind(
            "refused-otherwise",
            severity="medium",
            statuses=True,
            phrase="Another customer's resources are not refused as documented (403 or 404)",
            caused_by=("unknown_resource_404", None),
        )
    if key == "listed" or (status is not None and 200 <= status < 300):
        # Where the operation takes no credentials at all, anyone reads it: the missing authentication's leak.
        return ProblemKind("reachable", caused_by=("auth_missing_rejected", "not-refused"))
    return ProblemKind(
        "refused-otherwise",
        severity="medium",
        statuses=True,
        phrase="Another customer's resources are not refused as documented (403 or 404)",
        caused_by=("id_format", None) if status == 400 else None,  # its own id refused as malformed
        caused_anywhere=status == 400,
    )


def _someone_elses(scenario: Scenario, operation: Operation, item: Request, theirs: Exchange) -> bool:
    """Whether the other customer's 2xx read shows a resource owned by someone else than the first customer (a
    target that answers 200 with a made-up resource for any id, as Prism does): read as its owner, compared on the
    profile's owner field. Without that field on both sides it is the resource: a leak."""
    owner = scenario.ctx.profile.owner_field
    mine = scenario.send(operation, "GET", Request(item.path), "read it as its owner, to compare")
    ours, other = mine.json, theirs.json
    if not ok(mine) or not isinstance(ours, dict) or not isinstance(other, dict):
        return False
    return owner in ours and owner in other and ours[owner] != other[owner]


def _one_of_ours(scenario: Scenario, collection: Collection) -> Request | None:
    """A resource of the first customer: one it creates (where writes are allowed and the create answers what it
    made) or the first listed."""
    ctx = scenario.ctx
    if ctx.limits.allow_writes and ctx.spec.shape.creates_item(collection):
        _, item_id, request = create(scenario, collection)
        if item_id is not None and request is not None:
            return _item(collection, item_id, request.path)
    if collection.list is None:
        return None
    request = ctx.client.example(collection.list) or Request(collection.path)
    first = walk(ctx, collection.list, request, 1, max_pages=1, purpose="find one of the customer's resources")
    scenario.record(first.pages)
    return _item(collection, first.ids[0], request.path) if first.ids else None


def _as_the_other(
    scenario: Scenario, collection: Collection, operation: Operation, verb: str, item: Request
) -> Iterator[Fail]:
    ctx, item_id = scenario.ctx, item.path.rsplit("/", 1)[-1]
    request = Request(item.path)
    if operation.has_body(ctx.spec.document):
        template = ctx.client.example(operation, match_path(collection.item_path, item.path))
        request = Request(request.path, {}, template.json_body if template else {}, True)
    purpose = f"{verb} it as the other customer"
    exchange = scenario.send(operation, operation.method, request, purpose, auth=Auth(who="other"))
    allowed = ctx.profile.foreign_statuses
    if ok(exchange) and verb == "read" and _someone_elses(scenario, operation, item, exchange):
        owner = ctx.profile.owner_field
        message = (
            f"the other customer's read of resource {item_id} answered {exchange.status} with a resource that is not "
            f"the first customer's (its {owner} differs): not refused as documented, not the resource either"
        )
        yield scenario.fail(message, f"read-not-theirs:{exchange.status}", at=exchange)  # the other's request
    elif ok(exchange):
        message = f"the other customer could {verb} resource {item_id}: {exchange.status}"
        yield scenario.fail(message, f"{verb}:{exchange.status}", at=exchange)
    elif exchange.status not in allowed:
        outcome = exchange.error or exchange.status
        message = f"the other customer's {verb} of resource {item_id} answered {outcome}, not one of {sorted(allowed)}"
        yield scenario.fail(message, f"{verb}:{exchange.status}", at=exchange)
