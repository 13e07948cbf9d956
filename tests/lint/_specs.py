"""Tiny multi-file specs for the lint tests: one that follows every convention of voipbin-2026-08, to break."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

_ERROR = {"$ref": "#/components/responses/Error"}
_STATUSES = {"400": _ERROR, "401": _ERROR, "404": _ERROR, "429": _ERROR}

ROOT: dict[str, Any] = {
    "openapi": "3.0.0",
    "info": {"title": "tiny", "version": "1"},
    "servers": [{"url": "https://api.example/v1.0"}],
    "security": [{"bearer": []}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "parameters": {
            "PageSize": {"name": "page_size", "in": "query", "schema": {"type": "integer"}},
            "PageToken": {"name": "page_token", "in": "query", "schema": {"type": "string"}},
        },
        "responses": {
            "Error": {
                "description": "an error",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
            }
        },
        "schemas": {
            "ErrorResponse": {
                "type": "object",
                "properties": {
                    "error": {
                        "type": "object",
                        "properties": {k: {"type": "string"} for k in ("status", "reason", "message", "request_id")},
                    }
                },
            },
            "CommonPagination": {"type": "object", "properties": {"next_page_token": {"type": "string"}}},
            "Call": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "format": "uuid"},
                    "customer_id": {"type": "string", "format": "uuid"},
                    "tm_create": {"type": "string", "format": "date-time"},
                },
            },
        },
    },
    "paths": {"/calls": {"$ref": "./paths/calls.yaml"}, "/calls/{id}": {"$ref": "./paths/call.yaml"}},
}

CALLS: dict[str, Any] = {
    "get": {
        "parameters": [{"$ref": "#/components/parameters/PageSize"}, {"$ref": "#/components/parameters/PageToken"}],
        "responses": {
            "200": {
                "description": "the calls",
                "content": {
                    "application/json": {
                        "schema": {
                            "allOf": [
                                {"$ref": "#/components/schemas/CommonPagination"},
                                {
                                    "type": "object",
                                    "properties": {
                                        "result": {"type": "array", "items": {"$ref": "#/components/schemas/Call"}}
                                    },
                                },
                            ]
                        }
                    }
                },
            },
            **_STATUSES,
        },
    }
}

CALL: dict[str, Any] = {
    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}],
    "get": {
        "responses": {
            "200": {
                "description": "a call",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Call"}}},
            },
            **_STATUSES,
        }
    },
    "delete": {"responses": {"204": {"description": "deleted"}, **_STATUSES}},
}


def parts() -> dict[str, dict[str, Any]]:
    """The files of the conforming spec, by name, to change before `write`."""
    return copy.deepcopy({"openapi.yaml": ROOT, "paths/calls.yaml": CALLS, "paths/call.yaml": CALL})


def write(folder: Path, files: dict[str, dict[str, Any]]) -> Path:
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return folder / "openapi.yaml"
