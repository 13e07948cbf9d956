"""A generated case's body as a client would put it on the wire: JSON, a form, or multipart with typed files."""

from __future__ import annotations

import json
from typing import Any

import requests

from conformance.openapi import json_media


class Unencodable(ValueError):
    """A body value JSON cannot carry (NaN, a lone surrogate…): nothing a client could send."""


def encoded_body(kwargs: dict[str, Any]) -> tuple[bytes | None, str | None]:
    """The bytes of a case's body (schemathesis' transport kwargs) and the Content-Type they need, if any."""
    if "json" in kwargs:
        try:
            return json.dumps(kwargs["json"]).encode(), None
        except (TypeError, ValueError) as error:
            raise Unencodable(str(error)) from error
    if kwargs.get("files") or isinstance(kwargs.get("data"), dict):
        # Encoded as requests would send it, so the violation described is the one sent (it was dropped before:
        # an empty body judged as if it carried the mutation).
        files = _typed_files(kwargs.get("files"))
        prepared = requests.Request("POST", "http://x/", files=files, data=kwargs.get("data")).prepare()
        body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
        return body, prepared.headers.get("Content-Type", "")
    data = kwargs.get("data")
    return (data.encode() if isinstance(data, str) else data if isinstance(data, bytes) else None), None


def _typed_files(files: Any) -> Any:
    """File parts with a Content-Type, as curl -F and browsers send them (RFC 7578 lets it default, but parsers
    such as Prism's die on a file part without one)."""
    if not files:
        return files
    typed = []
    for name, value in files.items() if isinstance(files, dict) else files:
        if isinstance(value, tuple) and len(value) == 2 and value[0] is not None:
            value = (*value, "application/octet-stream")
        elif isinstance(value, bytes | str):
            value = (name, value, "application/octet-stream")
        typed.append((name, value))
    return typed


def body_as(media_types: tuple[str, ...], value: Any) -> tuple[bytes, str | None]:
    """An example's body in the operation's own media type: JSON where it takes JSON (or says nothing), else a
    multipart form or an urlencoded one as a client fills it (a file part for bytes, a text part for the rest),
    or its text labelled with the one media type declared.
    Never JSON to an operation that declares no JSON body (a multipart upload answers that 415, rightly)."""
    json_declared = not media_types or any(json_media(m) for m in media_types)
    fields = value if isinstance(value, dict) else {}
    if json_declared:
        return json.dumps(value).encode(), None
    if not {"multipart/form-data", "application/x-www-form-urlencoded"} & set(media_types):
        return json.dumps(value).encode(), media_types[0]  # its text, labelled as the operation declares
    if "multipart/form-data" in media_types:
        from urllib3 import encode_multipart_formdata

        parts: list[tuple[str, Any]] = [
            (name, (name, item, "application/octet-stream") if isinstance(item, bytes) else _text(item))
            for name, item in fields.items()
        ]
        return encode_multipart_formdata(parts)
    from urllib.parse import urlencode

    return urlencode({name: _text(item) for name, item in fields.items()}).encode(), "application/x-www-form-urlencoded"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
