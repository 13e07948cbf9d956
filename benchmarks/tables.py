"""Print benchmarks/out/*.json as the markdown tables of benchmarks/README.md."""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def _load(name: str) -> dict:
    path = OUT / f"{name}.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def main() -> None:
    runs = _load("runs")
    if runs:
        print(
            "| spec@examples | ours over HTTP: s / cases / cases/s / peak MB | schemathesis --checks all: s / cases / "
            "cases/s / peak MB | time ratio (ours/st) | cases ratio |"
        )
        print("| --- | --- | --- | --- | --- |")
        for key, row in runs.items():
            ours, theirs = row["ours_http"], row["schemathesis_http"]
            print(
                f"| {key} | {ours['wall_s']:.1f} / {ours['cases']} / {ours['cases_per_s']:.0f} / {ours['peak_mb']} | "
                f"{theirs['wall_s']:.1f} / {theirs['cases']} / {theirs['cases_per_s']:.0f} / {theirs['peak_mb']} | "
                f"{row['time_ratio']:.2f} | {row['cases_ratio']:.2f} |"
            )
        print()
        print(
            "| spec@examples | HTTP cases/s | in-process cases/s | in-process / HTTP | "
            "--workers 2 in-process: s / cases/s |"
        )
        print("| --- | --- | --- | --- | --- |")
        for key, row in runs.items():
            if "ours_in_process" in row:
                http, local, two = row["ours_http"], row["ours_in_process"], row["ours_in_process_workers2"]
                print(
                    f"| {key} | {http['cases_per_s']:.0f} | {local['cases_per_s']:.0f} | "
                    f"{local['cases_per_s'] / http['cases_per_s']:.2f} | "
                    f"{two['wall_s']:.1f} / {two['cases_per_s']:.0f} |"
                )
        print()
    scaling = _load("scaling")
    if scaling:
        print("| operations | wall s | requests | s per operation | peak MB |")
        print("| --- | --- | --- | --- | --- |")
        for count, row in scaling.items():
            print(
                f"| {count} | {row['wall_s']:.1f} | {row['cases']} | {row['s_per_operation']:.3f} | {row['peak_mb']} |"
            )
        print()
    mock = _load("mock")
    if mock:
        print("| mock, GET /tags (bundled spec) | requests/s |")
        print("| --- | --- |")
        print(f"| `MockApp.handle()` direct | {mock['handle_rps']:.0f} |")
        print(f"| in-process, through the engine's requests adapter | {mock['in_process_requests_rps']:.0f} |")
        print(f"| HTTP, loopback, one keep-alive client | {mock['http_keepalive_rps']:.0f} |")
        print(
            f"\nMock with the 410-operation spec loaded and every top-level list seeded: "
            f"{mock['mock_410_spec_peak_mb']:.1f} MB (tracemalloc peak).\n"
        )
    load = _load("load")
    if load:
        print("| spec | files | operations | bundle s | schemathesis load s |")
        print("| --- | --- | --- | --- | --- |")
        for name, row in load.items():
            if isinstance(row, dict):
                print(
                    f"| {name} | {row['files']} | {row['operations']} | {row['bundle_s']:.3f} | "
                    f"{row['schemathesis_operations_s']:.3f} |"
                )


if __name__ == "__main__":
    main()
