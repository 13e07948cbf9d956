"""A generated case's body as a client puts it on the wire."""

from __future__ import annotations

import pytest

from conformance.client._bodies import Unencodable, encoded_body


def test_a_file_part_carries_a_content_type_as_curl_sends_it():
    body, content_type = encoded_body({"files": [("file", ("a.wav", b"RIFF"))], "data": {"name": "n"}})
    assert content_type and content_type.startswith("multipart/form-data; boundary=")
    assert b'filename="a.wav"\r\nContent-Type: application/octet-stream\r\n\r\nRIFF' in body
    assert b'name="name"\r\n\r\nn' in body  # a plain field stays a plain field
    bare, _ = encoded_body({"files": {"file": b"x"}})
    assert b"Content-Type: application/octet-stream" in bare


def test_json_and_raw_bodies():
    assert encoded_body({"json": {"a": 1}}) == (b'{"a": 1}', None)
    assert encoded_body({"data": "x"}) == (b"x", None)
    assert encoded_body({}) == (None, None)
    with pytest.raises(Unencodable):
        encoded_body({"json": {"a": object()}})
