"""What each kind of request catches: every mock fault run once, its findings traced to the requests behind them.

    python benchmarks/case_yield.py            # every fault, the default spec and 5 examples, seed 1
    python benchmarks/case_yield.py --json F   # also write the measurements to F (to compare two commits)

For each fault (under the profile whose convention it breaks) one run of the embedded mock with --record-har:
whether the fault's own check found it, how many requests the run sent, and which kinds of request (the HAR
entry's purpose, folded into a kind below) the fault's findings came from. A finding is reported once per
operation and cause, by the first request that showed it, so "faults only it reported" is a lower bound of what a
kind adds: whether a kind can go is decided by running this again without it. Requests per finding = all the
runs' requests / the faults caught.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from figures import machine, run

from conformance.mock import FAULTS

KINDS = (  # (kind, words its purposes contain), first match wins
    ("auth: none", ("no credentials",)),
    ("auth: invalid", ("JWT", "unknown accesskey")),
    ("auth: valid", ("valid token", "valid accesskey")),
    ("random", ("generated case",)),
    ("boundary", ("boundary case",)),
    ("ids", ("names nothing", "empty UUID", "not a UUID")),
    ("body format", ("malformed JSON", "text/plain")),
    ("methods and routes", ("does not serve", "does not have")),
    ("clean-up", ("clean-up",)),
)


def kind_of(purpose: str) -> str:
    return next((kind for kind, words in KINDS if any(word in purpose for word in words)), "sequences")


def measure(fault: str | None, examples: int, seed: int) -> dict:
    profile = (FAULTS[fault].profile if fault else None) or "voipbin-2026-01"
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        args = ["--profile", profile, "--max-examples", str(examples), "--seed", str(seed)]
        args += ["--record-har", str(out / "run.har")] + (["--mock-fault", fault] if fault else [])
        _, _, summary = run(*args, out=out)
        results = json.loads((out / "results.json").read_text())
        har = json.loads((out / "run.har").read_text())["log"]["entries"]
    sent = Counter(kind_of(entry.get("comment") or "") for entry in har)
    expected = FAULTS[fault].check if fault else None
    found_by = Counter(
        "sequences" if f.get("steps") else kind_of(f["request"]["purpose"] or "")
        for f in results["findings"]
        if f["check"] == expected
    )
    return {
        "fault": fault,
        "profile": profile,
        "requests": len(har),
        "cases": summary["cases"],
        "problems": sorted({p["check"] for p in results["problems"]}),
        "caught": bool(found_by) if fault else None,
        "found_by": dict(found_by),
        "sent": dict(sent),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json")
    args = parser.parse_args()
    print(machine())
    faults: list[str | None] = [None, *sorted(FAULTS)]
    with ThreadPoolExecutor(2) as pool:
        rows = list(pool.map(lambda fault: measure(fault, args.examples, args.seed), faults))
    conformant, broken = rows[0], rows[1:]
    print(
        f"\nconformant run (voipbin-2026-01, {args.examples} examples, seed {args.seed}): {conformant['requests']} "
        f"requests, problems {conformant['problems'] or 'none'}\n"
    )
    print("| fault | caught | requests | problems | the fault's findings came from |")
    print("| --- | --- | --- | --- | --- |")
    for row in broken:
        came = ", ".join(f"{kind} {count}" for kind, count in sorted(row["found_by"].items()))
        print(
            f"| {row['fault']} | {'yes' if row['caught'] else 'NO'} | {row['requests']} | {len(row['problems'])} "
            f"| {came} |"
        )
    caught = [row for row in broken if row["caught"]]
    total = sum(row["requests"] for row in broken)
    print(
        f"\n{len(caught)} of {len(broken)} faults caught; {total} requests in all, "
        f"{total / max(len(caught), 1):.0f} requests per fault caught\n"
    )
    print("| kind | requests in the conformant run | faults it reported | faults only it reported |")
    print("| --- | --- | --- | --- |")
    for kind in [k for k, _ in KINDS] + ["sequences"]:
        by = [row for row in caught if kind in row["found_by"]]
        only = [row["fault"] for row in by if set(row["found_by"]) == {kind}]
        print(f"| {kind} | {conformant['sent'].get(kind, 0)} | {len(by)} | {', '.join(only) or '-'} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine(), "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
