"""What the hostile sweep of the traffic commands (benchmarks/sweep_traffic.py, issue #25) found of reading HARs."""

from __future__ import annotations

from tests.engine.test_har import _entry, _judge


def test_a_body_marked_base64_that_is_not_is_unreadable_not_the_targets_answer(tmp_path):
    """Was: the text itself judged as the answer, a `json_response` finding ("200 response body is not JSON:
    '!!not base64**'") that blamed the target for what the recording broke (sweep: har_bad_base64)."""
    broken = _entry("https://api.voipbin.net/v1.0/tags")
    broken["response"]["content"].update({"text": "!!not base64**", "encoding": "base64"})
    wrapped = _entry("https://api.voipbin.net/v1.0/tags")  # base64 wrapped over lines, as MIME writes it, is base64
    wrapped["response"]["content"].update(
        {"text": "eyJyZXN1bHQiOiBbXSwg\nIm5leHRfcGFnZV90b2tlbiI6ICIifQ==", "encoding": "base64"}
    )
    _, out, err, results = _judge(tmp_path, [broken, wrapped, _entry("https://api.voipbin.net/v1.0/tags")])
    assert "Traceback" not in out + err and results is not None, out + err
    assert results["summary"]["traffic"]["unreadable"] == 1
    assert results["summary"]["exchanges"] == 2
    assert not [f for f in results["findings"] if "base64" in f["message"]], results["findings"]
    assert "marked base64" in out
