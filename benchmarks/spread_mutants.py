"""What --auth-probes spread can miss: a credential fault on ONE operation only (a hidden-style mutant).

    python benchmarks/spread_mutants.py            # the share of operations on which each fault would be seen
    python benchmarks/spread_mutants.py --run 8    # and real runs: the fault on each of 8 operations, spread/every

The rate comes from a conformant run's HAR (which credentials each operation was sent; the same for any seed): a
fault on one operation alone is seen where that operation was sent a credential the fault mishandles. --run
checks it for real: the embedded mock, the fault applied to one chosen operation only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from figures import ROOT, machine

SEES = {  # fault -> which request purposes show it
    "expired_jwt_accepted": lambda c: c.startswith("expired JWT"),
    "any_bearer_accepted": lambda c: "JWT" in c and " in " not in c,
    "accesskey_ignored": lambda c: c == "valid accesskey via accesskey_query",
    "token_cookie_unverified": lambda c: "JWT in the token cookie" in c,
    "cookies_ignored": lambda c: c.startswith("valid") and "cookie" in c,
}
PROFILE_OF = {"token_cookie_unverified": "voipbin-2026-08", "cookies_ignored": "voipbin-2026-08"}
AUTH = ("auth_invalid_rejected", "auth_accepted")
# The mutant: the embedded mock with FAULT on the operation MUTANT_OP only.
MUTANT = """
import os, sys
from conformance.mock import app
from conformance.mock.faults import F
target, fault, handle = os.environ["MUTANT_OP"], F(os.environ["MUTANT_FAULT"]), app.MockApp._handle
def _handle(self, method, path, *rest):
    try:
        label = self.router.match(method.upper(), path)[0].operation.label
    except Exception:
        label = None
    base = self.__dict__.setdefault("_base_faults", self.faults)
    self.faults = base | {fault} if label == target else base
    try:
        return handle(self, method, path, *rest)
    finally:
        self.faults = base
app.MockApp._handle = _handle
from conformance.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _run(out: Path, *args: str, env: dict[str, str] | None = None, script: str | None = None) -> dict:
    cmd = [sys.executable, *(["-c", script] if script else ["-m", "conformance"]), "run", "--max-examples", "1"]
    cmd += ["--seed", "1", "--report-dir", str(out), *args]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("VOIPBIN_")}
    subprocess.run(cmd, capture_output=True, cwd=ROOT, env={**clean, **(env or {})})
    return json.loads((out / "results.json").read_text())


def sent_per_operation(profile: str, work: Path) -> dict[str, set[str]]:
    _run(work / profile, "--profile", profile, "--record-har", str(work / f"{profile}.har"))
    per: dict[str, set[str]] = defaultdict(set)
    for entry in json.loads((work / f"{profile}.har").read_text())["log"]["entries"]:
        purpose = entry.get("comment") or ""
        if "JWT" in purpose or purpose.startswith(("unknown ", "valid ")):
            path = entry["request"]["url"].split("/v1.0", 1)[1].split("?")[0]
            path = re.sub(r"/[0-9a-f-]{36}|/conformance-probe-never-an-id", "/{id}", path)
            per[f"{entry['request']['method']} {path}"].add(purpose)
    return per


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--run", type=int, default=0, help="real mutant runs on this many operations")
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        print("\n| fault on one operation | profile | operations where spread would see it |\n| --- | --- | --- |")
        sent = {p: sent_per_operation(p, work) for p in ("voipbin-2026-01", "voipbin-2026-08")}
        for fault, sees in SEES.items():
            for profile in [PROFILE_OF[fault]] if fault in PROFILE_OF else sent:
                per = sent[profile]
                hit = sum(1 for purposes in per.values() if any(sees(c) for c in purposes))
                print(f"| {fault} | {profile} | {hit}/{len(per)} ({hit / len(per):.0%}) |")
        if args.run:
            operations = sorted(sent["voipbin-2026-01"])[:: max(1, len(sent["voipbin-2026-01"]) // args.run)]
            print("\n| fault on one operation | mode | caught |\n| --- | --- | --- |")
            for mode in ("spread", "every"):
                caught = 0
                for n, operation in enumerate(operations[: args.run]):
                    env = {"MUTANT_OP": operation, "MUTANT_FAULT": "expired_jwt_accepted"}
                    results = _run(work / f"m{mode}{n}", "--auth-probes", mode, env=env, script=MUTANT)
                    caught += any(p["check"] in AUTH and operation in p["operations"] for p in results["problems"])
                print(f"| expired_jwt_accepted | {mode} | {caught}/{min(args.run, len(operations))} |")


if __name__ == "__main__":
    main()
