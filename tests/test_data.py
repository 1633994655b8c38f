"""The data set, tested as data: the whole registry, right phrases, no filler."""

import json
import re
from http import HTTPStatus
from pathlib import Path

import pytest
from rapidfuzz import fuzz

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "status_codes.json"
ENTRIES = {entry["pk"]: entry["fields"] for entry in json.loads(FIXTURE.read_text("utf-8"))}

# The IANA HTTP Status Code Registry, as of this writing (unassigned ranges omitted).
IANA = {
    100: "Continue",
    101: "Switching Protocols",
    102: "Processing",
    103: "Early Hints",
    104: "Upload Resumption Supported",
    200: "OK",
    201: "Created",
    202: "Accepted",
    203: "Non-Authoritative Information",
    204: "No Content",
    205: "Reset Content",
    206: "Partial Content",
    207: "Multi-Status",
    208: "Already Reported",
    226: "IM Used",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    305: "Use Proxy",
    306: "(Unused)",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Content Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    416: "Range Not Satisfiable",
    417: "Expectation Failed",
    418: "(Unused)",
    421: "Misdirected Request",
    422: "Unprocessable Content",
    423: "Locked",
    424: "Failed Dependency",
    425: "Too Early",
    426: "Upgrade Required",
    428: "Precondition Required",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
    506: "Variant Also Negotiates",
    507: "Insufficient Storage",
    508: "Loop Detected",
    510: "Not Extended (OBSOLETED)",
    511: "Network Authentication Required",
}
# Where Python 3.11's http.HTTPStatus still uses an older name than the registry.
PYTHON_DIFFERS = {413, 414, 416, 418, 422, 510}
HEURISTICALLY_CACHEABLE = {200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 451, 501}
UNOFFICIAL_REQUIRED = {444: "nginx", 499: "nginx"} | dict.fromkeys(range(520, 527), "Cloudflare")
SEED = [
    100,
    101,
    102,
    103,
    200,
    201,
    202,
    204,
    206,
    301,
    302,
    304,
    307,
    308,
    400,
    401,
    403,
    404,
    405,
    408,
    409,
    410,
    422,
    429,
    500,
    501,
    502,
    503,
    504,
    505,
]
# The text the reference started from, kept in the repository so the test always runs.
SEED_FILE = Path(__file__).resolve().parent / "data" / "seed.txt"


def test_every_registered_code_is_present_with_its_iana_phrase():
    assert {code: ENTRIES.get(code, {}).get("phrase") for code in IANA} == IANA
    assert all(ENTRIES[code]["official"] for code in IANA)


@pytest.mark.parametrize(
    "status", [s for s in HTTPStatus if s.value not in PYTHON_DIFFERS], ids=lambda s: str(s.value)
)
def test_phrases_agree_with_python_where_the_registry_does(status):
    assert ENTRIES[status.value]["phrase"] == status.phrase


@pytest.mark.parametrize("code", sorted(PYTHON_DIFFERS - {510}))
def test_pythons_older_names_are_former_names(code):
    former = ENTRIES[code]["former_names"].lower().splitlines()
    assert HTTPStatus(code).phrase.lower() in former


def test_unused_codes_are_marked_and_keep_their_folk_names():
    assert ENTRIES[306]["phrase"] == ENTRIES[418]["phrase"] == "(Unused)"
    assert "I'm a teapot" in ENTRIES[418]["former_names"]


@pytest.mark.parametrize(
    ("code", "former"),
    [(413, "Payload Too Large"), (413, "Request Entity Too Large"), (422, "Unprocessable Entity")],
)
def test_former_names_are_kept_for_search(code, former):
    assert former in ENTRIES[code]["former_names"].splitlines()


@pytest.mark.parametrize(("code", "origin"), UNOFFICIAL_REQUIRED.items())
def test_unofficial_codes_are_labelled_with_their_origin(code, origin):
    assert ENTRIES[code]["official"] is False
    assert origin in ENTRIES[code]["origin"]


def test_only_registry_codes_are_official():
    official = {code for code, fields in ENTRIES.items() if fields["official"]}
    assert official == set(IANA)
    assert all(fields["origin"] for fields in ENTRIES.values() if not fields["official"])


def test_cacheability_follows_rfc_9110_section_15_1():
    assert {code for code, f in ENTRIES.items() if f["cacheable"]} == HEURISTICALLY_CACHEABLE


@pytest.mark.parametrize("code", sorted(ENTRIES))
def test_entry_is_complete_and_has_no_placeholder(code):
    fields = ENTRIES[code]
    for name in ("summary", "description", "use_cases", "example_request", "example_response"):
        assert fields[name].strip(), name
        assert not re.search(r"lorem|\bTODO\b|\bTBD\b|placeholder", fields[name], re.I)
    assert fields["example_response"].startswith("HTTP/")
    assert str(code) in fields["example_response"]
    assert set(fields["related"]) <= set(ENTRIES)
    assert "\ufffd" not in json.dumps(fields, ensure_ascii=False)


@pytest.mark.parametrize("code", sorted(IANA))
def test_spec_reference_links_to_the_exact_section(code):
    fields = ENTRIES[code]
    assert fields["spec_url"].startswith("https://")
    if "rfc9110" in fields["spec_url"]:
        section = fields["spec_url"].rsplit("#section-", 1)[1]
        assert fields["spec_title"] == f"RFC 9110, Section {section}"
        assert section.startswith("15.")


def test_seed_text_is_the_starting_text():
    seed = SEED_FILE.read_text("utf-8").splitlines()[2:-2]
    for index, code in enumerate(SEED):
        description, use_case = seed[2 * index], seed[2 * index + 1].removeprefix("Use case: ")
        fields = ENTRIES[code]
        # Polished, not replaced: the seed's sentence is still recognisably there.
        text = f"{fields['summary']} {fields['description']}"
        assert fuzz.partial_ratio(description.lower(), text.lower()) >= 75, code
        assert fuzz.partial_ratio(use_case.lower(), fields["use_cases"].lower()) >= 70, code
    assert "—" in ENTRIES[422]["use_cases"] and "β" not in ENTRIES[422]["use_cases"]
