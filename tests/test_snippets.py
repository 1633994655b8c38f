"""Snippets for sending each code: constants are real, never invented, the
facts come from ``protocol``, and editor text stays a string in every language."""

import ast
import html
import json
import re
import shutil
import subprocess
from http import HTTPStatus

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reference import protocol, snippets
from reference.models import StatusCode

pytestmark = pytest.mark.django_db
PYTHON_VALUES = {status.value for status in HTTPStatus}

# A table from Go's src/net/http/status.go, independent of the module's own dict.
KNOWN_GO_CONSTANTS = {
    100: "StatusContinue",
    101: "StatusSwitchingProtocols",
    103: "StatusEarlyHints",
    200: "StatusOK",
    203: "StatusNonAuthoritativeInfo",
    204: "StatusNoContent",
    226: "StatusIMUsed",
    301: "StatusMovedPermanently",
    302: "StatusFound",
    308: "StatusPermanentRedirect",
    404: "StatusNotFound",
    407: "StatusProxyAuthRequired",
    413: "StatusRequestEntityTooLarge",
    414: "StatusRequestURITooLong",
    416: "StatusRequestedRangeNotSatisfiable",
    418: "StatusTeapot",
    421: "StatusMisdirectedRequest",
    422: "StatusUnprocessableEntity",
    425: "StatusTooEarly",
    429: "StatusTooManyRequests",
    451: "StatusUnavailableForLegalReasons",
    500: "StatusInternalServerError",
    505: "StatusHTTPVersionNotSupported",
    511: "StatusNetworkAuthenticationRequired",
}
GO_HAS_NO_CONSTANT = [104, 306, 419, 420, 440, 444, 449, 494, 499, 509, 520, 530]


def by_slug(entry):
    return {snippet.slug: snippet for snippet in snippets.snippets_for(entry)}


def sendable(codes):
    """Final codes whose entries do not say "don't send it" (the data decides which)."""
    return codes.filter(code__gte=200, not_sent_reason="")


def entry_to_send(code, **fields):
    """The entry for ``code``, made one a server may send, with ``fields`` set (unsaved)."""
    entry = StatusCode.objects.get(code=code)
    entry.not_sent_reason = ""
    for name, value in fields.items():
        setattr(entry, name, value)
    return entry


def test_python_constant_matches_httpstatus_for_every_code(codes):
    for entry in codes:
        constant = snippets.python_constant(entry.code)
        if entry.code in PYTHON_VALUES:
            assert constant == f"HTTPStatus.{HTTPStatus(entry.code).name}", entry.code
        else:
            assert constant is None, entry.code


# Django has a class for these, which sets the status (and Location or Allow) itself.
DJANGO_CLASSES = {301, 302, 304, 307, 308, 405}


def test_python_snippets_use_the_constant_or_the_integer_for_every_code(codes):
    for entry in sendable(codes):
        for slug in ("django", "flask", "fastapi"):
            snippet = by_slug(entry)[slug]
            if entry.code in PYTHON_VALUES:
                assert snippet.constant == f"HTTPStatus.{HTTPStatus(entry.code).name}"
                if entry.code not in DJANGO_CLASSES or slug != "django":
                    assert snippet.constant in snippet.code, (entry.code, slug)
                    assert "from http import HTTPStatus" in snippet.code
            else:
                assert snippet.constant is None
                assert "HTTPStatus" not in snippet.code, (entry.code, slug)
                assert str(entry.code) in snippet.code, (entry.code, slug)


@pytest.mark.parametrize(("code", "name"), sorted(KNOWN_GO_CONSTANTS.items()))
def test_go_constant_matches_net_http(code, name):
    assert snippets.go_constant(code) == f"http.{name}"


@pytest.mark.parametrize("code", GO_HAS_NO_CONSTANT)
def test_go_uses_the_integer_when_net_http_has_no_constant(code):
    assert snippets.go_constant(code) is None


def test_go_table_names_are_all_status_constants():
    assert all(name.startswith("Status") for name in snippets.GO_CONSTANTS.values())
    assert len(set(snippets.GO_CONSTANTS.values())) == len(snippets.GO_CONSTANTS)


def test_go_snippet_writes_the_constant_or_the_integer(codes):
    for entry in sendable(codes):
        snippet = by_slug(entry)["go"]
        expected = snippets.go_constant(entry.code) or str(entry.code)
        assert expected in snippet.code, entry.code


def test_express_uses_status_send_and_send_status(codes):
    assert "res.status(404).send(" in by_slug(entry_to_send(404))["express"].code
    assert "res.sendStatus(204);" in by_slug(entry_to_send(204))["express"].code
    assert "res.redirect(301, " in by_slug(entry_to_send(301))["express"].code


@pytest.mark.parametrize("code", [201, 300, 301, 302, 303, 307, 308])
def test_location_is_set_in_every_framework(codes, code):
    for snippet in snippets.snippets_for(entry_to_send(code)):
        assert '"/new-place/"' in snippet.code, snippet.slug


@pytest.mark.parametrize("code", [304, 305, 306])
def test_no_location_where_http_defines_none(codes, code):
    for snippet in snippets.snippets_for(entry_to_send(code)):
        assert "Location" not in snippet.code and "edirect" not in snippet.code, snippet.slug


# RFC 9110's required (or advised) fields, as each framework writes them.
REQUIRED = [
    (206, "Content-Range", "bytes 0-499/1000"),
    (304, "ETag", '\\"v1\\"'),
    (401, "WWW-Authenticate", 'Basic realm=\\"example\\"'),
    (416, "Content-Range", "bytes */1000"),
    (429, "Retry-After", "60"),
    (503, "Retry-After", "60"),
]


@pytest.mark.parametrize(("code", "header", "value"), REQUIRED)
def test_required_headers_appear_in_every_framework(codes, code, header, value):
    for snippet in snippets.snippets_for(entry_to_send(code)):
        if snippet.slug in ("express", "go"):
            assert f'"{header}", "{value}"' in snippet.code, snippet.slug
        else:
            assert f'"{header}"' in snippet.code, snippet.slug
            assert value.replace('\\"', '"') in snippet.code, snippet.slug


def test_405_snippets_allow_a_method_other_than_the_get_they_refuse(codes):
    found = by_slug(entry_to_send(405))
    assert 'HttpResponseNotAllowed(["POST"])' in found["django"].code
    assert '{"Allow": "POST"}' in found["flask"].code
    assert 'headers={"Allow": "POST"}' in found["fastapi"].code
    assert 'res.set("Allow", "POST");' in found["express"].code
    assert 'w.Header().Set("Allow", "POST")' in found["go"].code
    for snippet in found.values():
        assert "GET" not in snippet.code, snippet.slug


@pytest.mark.parametrize(("code", "header"), [(407, "Proxy-Authenticate"), (426, "Upgrade")])
def test_hop_by_hop_fields_are_a_comment_for_wsgi_and_set_elsewhere(codes, code, header):
    found = by_slug(entry_to_send(code))
    for slug in ("django", "flask"):
        assert f"# {header}: " in found[slug].code
        assert "hop-by-hop" in found[slug].code
        assert f'"{header}"' not in found[slug].code
    assert f'"{header}": ' in found["fastapi"].code
    assert f'res.set("{header}", ' in found["express"].code
    assert f'w.Header().Set("{header}", ' in found["go"].code


@pytest.mark.parametrize("code", [204, 205, 304])
def test_no_content_codes_send_no_body(codes, code):
    for snippet in snippets.snippets_for(entry_to_send(code)):
        assert "detail" not in snippet.code, snippet.slug


def test_1xx_codes_get_an_explanation_instead_of_a_snippet(codes):
    for entry in codes.filter(code__lt=200, not_sent_reason=""):
        for snippet in snippets.snippets_for(entry):
            assert snippet.code == "" and snippet.note, (entry.code, snippet.slug)


def test_1xx_note_for_wsgi_frameworks_is_the_one_try_it_gives(client, codes):
    for code in (100, 101, 103):
        entry = entry_to_send(code)
        note = protocol.interim_note(code, entry.display_name)
        assert by_slug(entry)["django"].note == by_slug(entry)["flask"].note == note
        if not StatusCode.objects.get(code=code).not_sent_reason:
            assert client.get(f"/try/{code}/").json()["explanation"].startswith(note)


def test_body_uses_the_name_developers_know(codes):
    teapot = entry_to_send(418, phrase="(Unused)", common_name="I'm a teapot")
    for snippet in snippets.snippets_for(teapot):
        assert "I'm a teapot" in snippet.code, snippet.slug
        assert "Unused" not in snippet.code, snippet.slug


def test_a_code_not_to_send_has_no_snippets_and_the_page_says_why(client, codes):
    reason = "Only nginx logs it: the client had already gone, so nobody receives it."
    StatusCode.objects.filter(code=499).update(not_sent_reason=reason)
    assert snippets.snippets_for(StatusCode.objects.get(code=499)) == []
    page = client.get("/499/").content.decode()
    section = page.split('id="snippets"')[1].split("</section>")[0]
    assert "Don't send 499." in html.unescape(section)
    assert reason in section
    assert "<pre" not in section


def test_no_status_0_has_no_snippets(codes):
    assert snippets.snippets_for(StatusCode(code=0, phrase="No status")) == []


def test_code_page_shows_copyable_snippets_with_constants(client, codes):
    html = client.get("/404/").content.decode()
    assert 'id="snippets"><a href="#snippets">' in html
    for slug in ("django", "flask", "fastapi", "express", "go"):
        assert f'<pre id="snippet-{slug}"' in html
        assert f'data-copy="snippet-{slug}"' in html
    assert "http.HTTPStatus.NOT_FOUND" in html
    assert "http.StatusNotFound" in html


def test_code_page_for_an_unofficial_code_shows_the_integer(client, codes):
    StatusCode.objects.filter(code=509).update(not_sent_reason="")
    html = client.get("/509/").content.decode()
    assert "HTTPStatus" not in html.split('id="snippets"')[1].split('id="facts"')[0]
    assert "w.WriteHeader(509)" in html


def test_code_page_for_1xx_explains_instead_of_a_snippet(client, codes):
    html = client.get("/101/").content.decode()
    assert "interim response" in html
    assert '<pre id="snippet-' not in html


def test_every_code_page_renders_its_snippets_or_why_not(client, codes):
    for entry in StatusCode.objects.all():
        response = client.get(f"/{entry.code}/")
        assert response.status_code == 200, entry.code
        html = response.content.decode()
        if entry.not_sent_reason:
            assert 'id="snippet-go"' not in html, entry.code
        else:
            assert 'id="snippet-go"' in html, entry.code


# -- Editor text stays a string in every language ----------------------------

HOSTILE_PHRASES = [
    'Say "hi"',
    "It's",
    "both ' and \"",
    "back\\slash",
    "ends in a backslash\\",
    '\\"',
    "`backtick`",
    "${globalThis.pwned = 1}",
    "`); globalThis.pwned = 1; (`",
    '"); globalThis.pwned = 1; ("',
    "'); globalThis.pwned = 1; ('",
    '"}`)\n\tos.Exit(3)\n\tfmt.Print(`',
    '"""\nimport os\n"""',
    "</script><script>alert(1)</script>",
    "line\nbreak",
    "CR\r\nLF",
    "tab\there",
    "\\u0041 \\x41 \\n",
    "\x00 NUL \x07 BEL \x1b ESC \x7f DEL \x85 NEL",
    "\u2028 line and paragraph \u2029 separators",
    "\ufeff BOM \u200b ZWSP \u202e RLO",
    "Café ☕ 😀 𝄞",
    "{{ x }} {% y %} #{z} %s",
]


def hostile_entries(codes):
    """404 (a JSON body), 401 (a header with quotes) and 418, each named by every phrase."""
    for phrase in HOSTILE_PHRASES:
        for code in (404, 401, 418):
            yield entry_to_send(code, common_name=phrase), phrase


def python_strings_and_shape(source):
    """The source's string constants and its syntax tree with every string blanked."""
    tree = ast.parse(source)
    strings = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            strings.append(node.value)
            node.value = ""
    return strings, ast.dump(tree)


GO_SIMPLE_ESCAPES = {
    "a": b"\a",
    "b": b"\b",
    "f": b"\f",
    "n": b"\n",
    "r": b"\r",
    "t": b"\t",
    "v": b"\v",
    "\\": b"\\",
    '"': b'"',
}


def go_strings_and_shape(source):
    """Go string literals decoded by the Go spec's rules, and the code with them blanked.

    Fails on what Go would refuse or what could be broken out of: a raw `...`
    string, a line break or an unknown escape inside a literal, a surrogate
    escape, NUL or a byte order mark in the source.
    """
    assert "\x00" not in source and "\ufeff" not in source, "Go refuses NUL and BOM in source"
    strings, shape, i = [], [], 0
    while i < len(source):
        if source[i] != '"':
            assert source[i] != "`", "a raw string literal can be broken out of"
            assert source[i] != "'" and source[i : i + 2] not in ("//", "/*"), "not in snippets"
            shape.append(source[i])
            i += 1
            continue
        value, i = bytearray(), i + 1
        while source[i] != '"':
            char = source[i]
            assert char != "\n", "a line break inside an interpreted string literal"
            if char != "\\":
                value += char.encode()
                i += 1
                continue
            kind = source[i + 1]
            if kind in GO_SIMPLE_ESCAPES:
                value += GO_SIMPLE_ESCAPES[kind]
                i += 2
            elif kind in "xuU":
                width = {"x": 2, "u": 4, "U": 8}[kind]
                digits = source[i + 2 : i + 2 + width]
                assert re.fullmatch(f"[0-9a-fA-F]{{{width}}}", digits), f"bad \\{kind} escape"
                number = int(digits, 16)
                if kind == "x":
                    value.append(number)
                else:
                    assert number <= 0x10FFFF and not 0xD800 <= number <= 0xDFFF
                    value += chr(number).encode()
                i += 2 + width
            elif kind in "01234567":
                digits = source[i + 1 : i + 4]
                assert re.fullmatch("[0-7]{3}", digits) and int(digits, 8) <= 255
                value.append(int(digits, 8))
                i += 4
            else:
                raise AssertionError(f"Go has no escape \\{kind}")
        strings.append(value.decode())  # a Go string holds bytes; ours must be UTF-8
        shape.append('""')
        i += 1
    return strings, "".join(shape)


@pytest.mark.parametrize("slug", ["django", "flask", "fastapi"])
def test_python_snippets_parse_with_any_phrase_intact(codes, slug):
    for entry, phrase in hostile_entries(codes):
        plain = entry_to_send(entry.code, common_name="Plain")
        _, expected_shape = python_strings_and_shape(by_slug(plain)[slug].code)
        strings, shape = python_strings_and_shape(by_slug(entry)[slug].code)
        assert f"{entry.code} {phrase}" in strings, (slug, phrase)
        assert shape == expected_shape, (slug, phrase)


def test_go_snippets_keep_any_phrase_in_one_interpreted_string(codes):
    for entry, phrase in hostile_entries(codes):
        plain = entry_to_send(entry.code, common_name="Plain")
        _, expected_shape = go_strings_and_shape(by_slug(plain)["go"].code)
        strings, shape = go_strings_and_shape(by_slug(entry)["go"].code)
        assert f"{entry.code} {phrase}" in strings, phrase
        assert shape == expected_shape, phrase


def test_go_checker_catches_what_go_would_refuse():
    # The checker above is only worth its test if it fails on broken literals.
    for broken in ['f("a\nb")', 'f("\\q")', "f(`raw`)", 'f("\\ud800")', 'f("\\x4")']:
        with pytest.raises((AssertionError, IndexError)):
            go_strings_and_shape(broken)
    assert go_strings_and_shape('f("a\\"b\\\\\\u00e9\\x41\\101")')[0] == ['a"b\\éAA']


# Runs each Express snippet in a fresh context where app.get() calls the handler
# at once with a res that records every call, after vm.Script has parsed it.
NODE_RUNNER = """
const vm = require("vm");
const sources = JSON.parse(require("fs").readFileSync(0, "utf8"));
const results = sources.map((source) => {
  try {
    new vm.Script(source);
  } catch (error) {
    return { error: String(error) };
  }
  const calls = [];
  const res = new Proxy({}, {
    get: (target, name) => (...args) => { calls.push([name, ...args]); return res; },
  });
  const app = { get: (path, handler) => { calls.push(["get", path]); handler({}, res); } };
  const context = { app };
  vm.runInNewContext(source, context);
  return { calls, pwned: "pwned" in context };
});
process.stdout.write(JSON.stringify(results));
"""
NODE = shutil.which("node")


def test_express_snippets_parse_and_send_any_phrase_intact(codes, tmp_path):
    assert NODE, "Node.js is missing: `make system-deps` installs Debian's nodejs"
    cases = list(hostile_entries(codes))
    sources = [by_slug(entry)["express"].code for entry, _ in cases]
    script = tmp_path / "all.js"
    script.write_text("\n".join(f"{{\n{source}\n}}" for source in sources))
    checked = subprocess.run([NODE, "--check", script], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    ran = subprocess.run(
        [NODE, "-e", NODE_RUNNER],
        input=json.dumps(sources),
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    for (entry, phrase), result in zip(cases, json.loads(ran.stdout), strict=True):
        assert "error" not in result, (phrase, result)
        assert not result["pwned"], phrase
        expected = [["get", "/example"]]
        if entry.code == 401:
            expected.append(["set", "WWW-Authenticate", 'Basic realm="example"'])
        expected += [["status", entry.code], ["send", {"detail": f"{entry.code} {phrase}"}]]
        assert result["calls"] == expected, phrase
    assert list(tmp_path.iterdir()) == [script]  # no snippet wrote a file


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(phrase=st.text(st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_any_phrase_at_all_stays_one_string_in_python_and_go(phrase):
    entry = StatusCode(code=404, phrase="Not Found", common_name=phrase)
    found = by_slug(entry)
    for slug in ("django", "flask", "fastapi"):
        assert f"404 {entry.display_name}" in python_strings_and_shape(found[slug].code)[0]
    assert f"404 {entry.display_name}" in go_strings_and_shape(found["go"].code)[0]
