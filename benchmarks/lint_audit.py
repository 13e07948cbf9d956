"""Every `lint` result on a spec, checked against the file and line it names: the line's text, and the claim
re-derived from the *bundled* spec (openapi/bundle and openapi/shape: another reading than lint's own). Prints
the listing of benchmarks/lint-audit.md.

    python benchmarks/lint_audit.py ../shared/voipbin/openapi-2026-08-22/openapi.yaml voipbin-2026-08
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from conformance.lint import lint
from conformance.openapi import Spec, load_spec, resolve
from conformance.profiles import load_profile


def _holds(finding: dict[str, Any], text: str, spec: Spec) -> bool:
    """Whether the bundled spec says what the finding says, and the line is the node it names."""
    doc, rule, key = spec.document, finding["check"], finding["key"]
    op = spec.shape.by_label.get(finding["operation"])
    responses = (op.definition.get("responses") or {}) if op else {}
    if rule in ("spec_unauthenticated_documented", "spec_rate_limit_documented", "spec_documented_statuses"):
        return op is not None and int(key.split()[-1]) not in op.declared_statuses() and text == "responses:"
    if rule == "spec_response_content" or (rule == "spec_error_envelope" and key == "no error body"):
        code = text.strip("':")
        return code in responses and not resolve(doc, responses[code]).get("content")
    if rule == "spec_operation_responses":
        return not any(str(c)[0] in "123" or c == "default" for c in responses) and text.endswith(":")
    if rule == "spec_error_envelope":
        return text == "schema:" or text.endswith(":")
    if rule == "spec_page_params":
        return op is not None and spec.shape.is_list(op) and key.split()[-1] not in op.parameter_names(doc)
    if rule == "spec_list_envelope":
        return op is not None and spec.shape.is_list(op) and (key == "bare array") == spec.shape.declares_bare_array(op)
    if rule == "spec_security_declared":
        return not (doc.get("components") or {}).get("securitySchemes") and text == "components:"
    if rule == "spec_id_param_format":
        name = finding["message"].split(" parameter ", 1)[1].split(" ", 1)[0]
        params = {p["name"]: p for p in op.parameters(doc)} if op else {}
        schema = resolve(doc, params.get(name, {}).get("schema")) or {}
        return text == "schema:" and schema.get("format") != "uuid" and not schema.get("pattern")
    if rule == "spec_secret_returned_once":
        return text.startswith(key.split()[0] + ":")
    return False


def main(source: str, profile: str) -> None:
    found = lint(source, load_profile(profile))
    spec = load_spec(source)
    folder = Path(source).parent
    rows: dict[tuple[str, str], list[str]] = defaultdict(list)
    wrong = []
    for finding in found.findings:
        where = finding["location"]
        text = (folder / where["file"]).read_text().splitlines()[where["line"] - 1].strip()
        if not _holds(finding, text, spec):
            wrong.append(f"{finding['repro']} {finding['check']} {finding['message']}")
        rows[(finding["check"], finding["key"])].append(f"{finding['repro']} `{text}` {finding['operation']}")
    print(f"`{source}` against {profile}: {len(found.operations)} operations, {len(found.findings)} results in ")
    print(f"{found.duration_s:g} s; {len(wrong)} not confirmed by the bundled spec.\n")
    for line in wrong:
        print(f"- NOT CONFIRMED: {line}")
    for (rule, key), items in sorted(rows.items()):
        print(f"\n<details><summary>{rule} / {key}: {len(items)}</summary>\n")
        print("\n".join(f"    {item}" for item in items))
        print("\n</details>")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
