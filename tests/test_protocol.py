"""The HTTP facts in reference/protocol.py, checked against RFC 9110's own words."""

import json

import pytest

from reference import protocol

SOME_CODES = [100, 101, 103, 200, 201, 204, 205, 206, 301, 304, 404, 405, 418, 503]


@pytest.mark.parametrize("code", [100, 101, 102, 103, 104, 204, 205, 304])
def test_1xx_204_205_and_304_never_carry_content(code):
    # RFC 9110 §6.4.1 (1xx, 204, 304) and §15.3.6 (205).
    for method in ("GET", "POST", "PUT", "DELETE"):
        assert not protocol.has_content(code, method)


@pytest.mark.parametrize("code", [200, 201, 206, 301, 404, 405, 500])
def test_other_final_responses_may_carry_content_except_to_head(code):
    assert protocol.has_content(code)
    assert protocol.has_content(code, "post")
    assert not protocol.has_content(code, "HEAD")  # §9.3.2


def test_a_2xx_to_connect_is_a_tunnel_with_no_content():
    assert not protocol.has_content(200, "CONNECT")  # §9.3.6
    assert protocol.has_content(407, "CONNECT")


def test_only_2xx_to_5xx_are_final():
    assert [c for c in (0, 100, 101, 199, 200, 404, 599) if protocol.is_final(c)] == [200, 404, 599]


@pytest.mark.parametrize(
    ("code", "name", "example"),
    [
        (101, "Upgrade", "websocket"),
        (201, "Location", "/new-place/"),
        (206, "Content-Range", "bytes 0-499/1000"),
        (301, "Location", "/new-place/"),
        (308, "Location", "/new-place/"),
        (401, "WWW-Authenticate", 'Basic realm="example"'),
        (405, "Allow", "POST"),
        (407, "Proxy-Authenticate", 'Basic realm="proxy"'),
        (416, "Content-Range", "bytes */1000"),
        (426, "Upgrade", "websocket"),
        (429, "Retry-After", "60"),
        (503, "Retry-After", "60"),
    ],
)
def test_required_headers_name_the_field_with_an_example(code, name, example):
    assert (name, example) in protocol.required_headers(code)


@pytest.mark.parametrize("code", [200, 204, 304, 404, 500])
def test_no_location_outside_201_and_redirects(code):
    assert "Location" not in dict(protocol.required_headers(code))


@pytest.mark.parametrize("code", [101, 426])
def test_upgrade_comes_with_connection_upgrade(code):
    assert ("Connection", "Upgrade") in protocol.required_headers(code)  # §7.8


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_405_allow_never_lists_the_refused_method(method):
    allow = dict(protocol.required_headers(405, method))["Allow"].split(", ")
    assert allow and method not in allow
    if method in ("GET", "HEAD"):
        assert "GET" not in allow and "HEAD" not in allow  # they go together (§9.1)


def test_206_content_range_covers_the_content_it_is_given():
    assert dict(protocol.required_headers(206, content_length=42)) == {
        "Content-Range": "bytes 0-41/42"
    }


def test_every_rule_cites_a_section_with_a_working_link_shape():
    for code, rules in protocol.HEADER_RULES.items():
        for rule in rules:
            assert rule.level in ("MUST", "SHOULD", "MAY"), (code, rule)
            assert rule.url.startswith("https://www.rfc-editor.org/rfc/rfc"), (code, rule)
            assert "#section-" in rule.url and " " not in rule.url, (code, rule)


def test_facts_are_plain_data_for_the_page_and_the_api():
    for code in SOME_CODES:
        facts = protocol.facts(code)
        assert json.loads(json.dumps(facts)) == facts
    assert protocol.facts(204)["no_content_source"] == "RFC 9110 §15.3.5"
    assert protocol.facts(404)["no_content_source"] is None


def test_interim_notes_say_why_a_wsgi_view_cannot_send_them():
    assert "Expect: 100-continue" in protocol.interim_note(100, "Continue")
    assert "WebSocket" in protocol.interim_note(101, "Switching Protocols")
    assert protocol.interim_note(103, "Early Hints").startswith("103 Early Hints is an interim")


@pytest.mark.parametrize(
    ("phrase", "wire"),
    [
        ("Not Found", "Not Found"),
        ("I'm\r\na teapot", "I'm a teapot"),
        ("a\nb\tc", "a b c"),
        ("\r\nSet-Cookie: x=1", "Set-Cookie: x=1"),
        ("Café ☕", "Caf"),
        ("\x00\x7f\x85\u2028", None),
        ("   ", None),
        ("", None),
    ],
)
def test_wire_reason_is_one_line_of_printable_ascii(phrase, wire):
    assert protocol.wire_reason(phrase) == wire
