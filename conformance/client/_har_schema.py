"""What the HAR reader relies on of HAR 1.2 (every producer writes these), as a JSON Schema: a HAR is validated
against it before any code reads it; anything else in an entry is left alone."""

from __future__ import annotations

from typing import Any

_NAME_VALUE = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["name", "value"],
        "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
    },
}
_STRING = {"type": "string"}
_CONTENT: dict[str, Any] = {"type": "object", "properties": {"text": _STRING, "encoding": _STRING}}
SCHEMA = {
    "type": "object",
    "required": ["log"],
    "properties": {
        "log": {
            "type": "object",
            "required": ["entries"],
            "properties": {
                "entries": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["request", "response"],
                        "properties": {
                            "startedDateTime": {"type": "string"},
                            "time": {"type": "number"},
                            "_resourceType": {"type": "string"},
                            "request": {
                                "type": "object",
                                "required": ["method", "url"],
                                "properties": {
                                    "method": {"type": "string", "minLength": 1, "maxLength": 32},
                                    "url": {"type": "string", "minLength": 1},
                                    "headers": _NAME_VALUE,
                                    "postData": _CONTENT,
                                },
                            },
                            "response": {
                                "type": "object",
                                "required": ["status"],
                                "properties": {
                                    "status": {"type": "integer", "minimum": 0, "maximum": 999},
                                    "headers": _NAME_VALUE,
                                    "content": {**_CONTENT, "properties": {**_CONTENT["properties"], "size": {}}},
                                },
                            },
                        },
                    },
                }
            },
        }
    },
}
