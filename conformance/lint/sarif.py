"""A lint as SARIF 2.1.0, as GitHub code scanning takes it: each result at a file and line of the spec's source,
a fingerprint that survives edits elsewhere in the file (rule, file, JSON pointer, kind of defect: never a line)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.lint._registry import RULES

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT = "voipbinLint/v1"
BASE = "SPECROOT"
_LEVEL = {"critical": "error", "high": "error", "medium": "warning"}


def _uri(folder: Path, file: str, here: Path) -> dict[str, str]:
    """The file as code scanning matches it to the repository: relative to the working directory (a workflow runs
    at the repository's root) where the spec lies under it, else relative to the spec's folder (`SPECROOT`)."""
    path = (folder / file).resolve()
    if path.is_relative_to(here):
        return {"uri": path.relative_to(here).as_posix()}
    return {"uri": file, "uriBaseId": BASE}


def _rule(rule_id: str) -> dict[str, Any]:
    rule = RULES[rule_id]
    return {
        "id": rule.id,
        "name": "".join(part.title() for part in rule.id.split("_")),
        "shortDescription": {"text": rule.problem},
        "fullDescription": {"text": f"{rule.summary} ({rule.doc})"},
        "help": {"text": f"{rule.summary}. Enforces: {rule.doc}"},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"tags": ["openapi", "voipbin-conformance"], "severity": rule.severity},
    }


def sarif(results: dict[str, Any], folder: Path, here: Path | None = None) -> dict[str, Any]:
    """SARIF for the findings of a lint's results.json (`folder`: the spec's folder, which locations are in)."""
    here = (here or Path(os.getcwd())).resolve()
    ids = sorted({f["check"] for f in results["findings"]} | set(RULES))
    index = {rule_id: n for n, rule_id in enumerate(ids)}
    out = []
    for finding in results["findings"]:
        location = finding["location"]
        out.append(
            {
                "ruleId": finding["check"],
                "ruleIndex": index[finding["check"]],
                "level": _LEVEL[RULES[finding["check"]].severity],
                "message": {"text": finding["message"]},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": _uri(folder, location["file"], here),
                            "region": {"startLine": int(location["line"])},
                        },
                        "logicalLocations": [
                            {
                                "name": finding["operation"],
                                "fullyQualifiedName": f"{location['file']}#{location['pointer']}",
                            }
                        ],
                    }
                ],
                "partialFingerprints": {FINGERPRINT: finding["fingerprint"]},
            }
        )
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "voipbin-conformance",
                        "semanticVersion": __version__,
                        "rules": [_rule(rule_id) for rule_id in ids],
                    }
                },
                "originalUriBaseIds": {BASE: {"uri": folder.resolve().as_uri() + "/"}},
                "results": out,
            }
        ],
    }
