"""A page walk: following next_page_token from the first page to the end, noting what breaks the chain."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.checks._model import DEFAULT_AUTH, Auth, Context, Exchange, Request
from conformance.checks._scenario import ok
from conformance.openapi import Operation
from conformance.profiles import Profile


@dataclass
class Walk:
    pages: list[Exchange] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    ended: bool = False
    problems: list[tuple[str, str]] = field(default_factory=list)  # (key, message)
    _first_seen: dict[str, int] = field(default_factory=dict)
    _tokens: set[str] = field(default_factory=set)

    def describe(self, profile: Profile) -> str:
        parts = []
        for n, page in enumerate(self.pages, 1):
            body = page.json if isinstance(page.json, dict) else {}
            items = body.get(profile.result_field)
            count = len(items) if isinstance(items, list) else "?"
            parts.append(f"page {n}: {page.status}, {count} items, next={body.get(profile.next_token_field, '-')!r}")
        return "; ".join(parts)

    def take(self, number: int, items: list[Any], page_size: int | None) -> None:
        """Note a page's items: too many for page_size, or one already seen on an earlier page."""
        if page_size is not None and len(items) > page_size:
            message = f"page {number} holds {len(items)} items, more than page_size={page_size}"
            self.problems.append(("page-size-exceeded", message))
        for item in items:
            item_id = item.get("id") if isinstance(item, dict) else None
            if item_id is None:
                continue
            if str(item_id) in self._first_seen:
                message = f"item {item_id} is on page {self._first_seen[str(item_id)]} and again on page {number}"
                self.problems.append(("repeated-item", message))
            else:
                self._first_seen[str(item_id)] = number
                self.ids.append(str(item_id))

    def follow(self, number: int, token: str | None, next_token: Any, end_token: str) -> str | None:
        """The token of the next page, or None where the chain ends (or loops, a problem)."""
        if next_token in (None, end_token):
            self.ended = True
            return None
        if str(next_token) in self._tokens or next_token == token:
            message = f"page {number} hands out next_page_token {next_token!r} again: the chain loops"
            self.problems.append(("token-loop", message))
            return None
        self._tokens.add(str(next_token))
        return str(next_token)


def _page_params(profile: Profile, request: Request, page_size: int | None, token: str | None) -> dict[str, Any]:
    own = (profile.page_token_param, profile.page_size_param)
    params = {k: v for k, v in request.params.items() if k not in own}
    if page_size is not None:
        params[profile.page_size_param] = page_size
    if token is not None:
        params[profile.page_token_param] = token
    return params


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
    token: str | None = None
    if profile.page_size_param not in operation.parameter_names(ctx.spec.document):
        page_size = None  # an undeclared page_size is neither sent nor held against the pages
    for number in range(1, (max_pages or ctx.limits.page_walk_pages) + 1):
        page_request = Request(request.path, _page_params(profile, request, page_size, token))
        page = ctx.client.send(operation.label, "GET", page_request, auth=auth, purpose=f"{purpose}, page {number}")
        result.pages.append(page)
        body = page.json
        if not ok(page) or not isinstance(body, dict) or not isinstance(body.get(profile.result_field), list):
            if number > 1 and not ok(page):
                result.problems.append(
                    ("page-status", f"page {number} of the walk answered {page.error or page.status}")
                )
            return result
        result.take(number, body[profile.result_field], page_size)
        token = result.follow(number, token, body.get(profile.next_token_field), profile.end_token)
        if token is None:
            return result
    return result
