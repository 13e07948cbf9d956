"""A third-party client's view: `schemathesis run` against the mock finds no response-schema, content-type or
server-error failure on the real 2026-08-22 source."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.mock import MockApp
from conformance.mock.server import serve_in_thread
from conformance.openapi import load_spec
from conformance.profiles import load_profile
from tests.conftest import real_spec

pytestmark = [pytest.mark.realspec, pytest.mark.http]


def test_schemathesis_default_checks_pass_on_the_real_source(tmp_path):
    spec = load_spec(str(real_spec("2026-08-22")))
    bundled = tmp_path / "openapi.json"
    bundled.write_text(json.dumps(spec.document))
    app = MockApp(spec, profile=load_profile("voipbin-2026-08"), token="TOK")
    server = serve_in_thread(app, "127.0.0.1", 0)
    schemathesis = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
    try:
        result = subprocess.run(
            [
                schemathesis,
                "run",
                str(bundled),
                "--url",
                f"http://127.0.0.1:{server.port}/v1.0",
                "--checks",
                "not_a_server_error,response_schema_conformance,content_type_conformance",
                "--max-examples",
                "2",
                "--seed",
                "1",
                "--phases",
                "examples,fuzzing",
                "-H",
                "Authorization: Bearer TOK",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        server.shutdown()
    assert "Tested: 410" in result.stdout, result.stdout[-3000:]
    assert "Failures:" not in result.stdout, result.stdout[-3000:]
    assert result.returncode == 0
