"""The data set, tested as data: the whole registry, right phrases, no filler, sources,
and examples that are real HTTP/1.1 (read by h11 through reference.validators, the
checks the admin's forms make too).
"""

import json
import re
from datetime import date
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from rapidfuzz import fuzz

from reference.validators import parse_request, parse_response, validate_source_lines, wire

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "status_codes.json"
RAW = json.loads(FIXTURE.read_text("utf-8"))
ENTRIES = {e["pk"]: e["fields"] for e in RAW if e["model"] == "reference.statuscode"}
VENDORS = {e["pk"]: e["fields"] for e in RAW if e["model"] == "reference.vendor"}
MEANINGS = [e["fields"] for e in RAW if e["model"] == "reference.meaning"]
URL = re.compile(r"^https://[^\s|]+$")

# The IANA HTTP Status Code Registry, as of this writing (unassigned ranges omitted).
IANA = {
    100: "Continue",
    101: "Switching Protocols",
    102: "Processing",
    103: "Early Hints",
    104: "Upload Resumption Supported (TEMPORARY)",
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
UNOFFICIAL_REQUIRED = (
    {444: "nginx", 499: "nginx", 419: "laravel", 420: "twitter", 430: "shopify", 498: "esri"}
    | {599: "tornado"}
    | dict.fromkeys([440, 449], "microsoft")
    | dict.fromkeys([460, 463, 464, 561], "aws")
    | dict.fromkeys([*range(520, 528), 530], "cloudflare")
)
# Codes a server should not send, each with the reason on its page.
NOT_SENT = {0, 102, 306, 418, 444, 460, 494, 495, 496, 497, 499, 510, 527, 598, 599, 999}
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


@pytest.mark.parametrize(("code", "vendor"), UNOFFICIAL_REQUIRED.items())
def test_unofficial_codes_name_who_sends_them(code, vendor):
    assert ENTRIES[code]["official"] is False
    assert ENTRIES[code]["vendor"] == vendor
    assert ENTRIES[code]["origin"]


def test_only_registry_codes_are_official():
    official = {code for code, fields in ENTRIES.items() if fields["official"]}
    assert official == set(IANA)
    unofficial = {code: f for code, f in ENTRIES.items() if not f["official"]}
    assert all(f["origin"] for f in unofficial.values())
    # Code 0 is sent by nobody: clients and logs report it; everything else has a vendor.
    assert {code for code, f in unofficial.items() if not f["vendor"]} == {0}


def test_cacheability_follows_rfc_9110_section_15_1():
    assert {code for code, f in ENTRIES.items() if f["cacheable"]} == HEURISTICALLY_CACHEABLE


@pytest.mark.parametrize("code", sorted(ENTRIES))
def test_entry_is_complete_and_has_no_placeholder(code):
    fields = ENTRIES[code]
    for name in ("summary", "description", "use_cases", "example_request", "example_response"):
        assert fields[name].strip(), name
        assert not re.search(r"lorem|\bTODO\b|\bTBD\b|placeholder", fields[name], re.I)
    # nginx's 494–497 are never on the wire: their example is the 400 the client receives.
    assert str(code) in fields["example_response"] or fields["not_sent_reason"]
    assert set(fields["related"]) <= set(ENTRIES)
    assert "\ufffd" not in json.dumps(fields, ensure_ascii=False)


@pytest.mark.parametrize("code", sorted(ENTRIES))
def test_entry_lists_its_sources_and_when_it_was_reviewed(code):
    fields = ENTRIES[code]
    validate_source_lines(fields["sources"])  # what the admin checks
    sources = [line.rpartition("|") for line in fields["sources"].splitlines() if line.strip()]
    assert sources, "every entry names its sources"
    for title, bar, url in sources:
        assert bar and title.strip(), f"'Title | URL' expected: {title}{bar}{url}"
        assert URL.match(url.strip()), url
    if fields["spec_url"]:
        assert fields["spec_url"] in fields["sources"]
    if fields["official"]:
        assert "www.iana.org/assignments/http-status-codes" in fields["sources"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", fields["reviewed"] or "")


def test_every_meaning_is_sourced_and_belongs_to_a_known_vendor_and_code():
    assert MEANINGS
    for meaning in MEANINGS:
        assert meaning["code"] in ENTRIES
        assert meaning["vendor"] in VENDORS
        assert URL.match(meaning["source_url"]), meaning
        assert meaning["phrase"] and meaning["used_by"] and meaning["description"]


@pytest.mark.parametrize(
    ("code", "used_by", "phrase"),
    [
        (499, "Esri ArcGIS", "Token Required"),
        (308, "Google", "Resume Incomplete"),
        (420, "Spring", "Method Failure"),
    ],
)
def test_codes_carry_their_other_meanings(code, used_by, phrase):
    assert any(
        m["code"] == code and used_by in m["used_by"] and m["phrase"] == phrase for m in MEANINGS
    )


def test_each_meaning_of_the_same_code_has_its_own_order():
    keys = [(m["code"], m["order"]) for m in MEANINGS]
    assert len(keys) == len(set(keys))


def test_every_vendor_is_described_and_has_codes_or_meanings():
    used = {f["vendor"] for f in ENTRIES.values()} | {m["vendor"] for m in MEANINGS}
    assert set(VENDORS) == used - {None}
    for slug, vendor in VENDORS.items():
        assert vendor["name"] and vendor["about"], slug
        assert URL.match(vendor["url"]), slug


def test_cloudflare_entries_do_not_repeat_what_the_vendor_page_says():
    cloudflare = {c: f for c, f in ENTRIES.items() if f["vendor"] == "cloudflare"}
    assert "CF-RAY" in VENDORS["cloudflare"]["about"]
    rays = [
        re.search(r"CF-RAY: (\S+)", f["example_response"]).group(1) for f in cloudflare.values()
    ]
    assert len(set(rays)) == len(rays), "each example has its own Ray ID"
    for code, fields in cloudflare.items():
        assert "CF-RAY" not in fields["headers"], code
        assert "reason text on the status line" not in fields["description"], code


@pytest.mark.parametrize(
    ("code", "common_name"), [(418, "I'm a teapot"), (306, "Switch Proxy"), (510, "Not Extended")]
)
def test_placeholder_registry_phrases_get_the_name_developers_know(code, common_name):
    assert ENTRIES[code]["common_name"] == common_name
    assert ENTRIES[code]["phrase"] == IANA[code]


def test_renamed_codes_keep_their_old_names_as_former_names_not_common_names():
    # The registry's current name is the right one to show; the old one stays searchable.
    for code in (413, 414, 416, 422):
        assert not ENTRIES[code]["common_name"], code
        assert ENTRIES[code]["former_names"], code


def test_codes_a_server_should_not_send_say_why():
    assert {code for code, f in ENTRIES.items() if f["not_sent_reason"]} == NOT_SENT


@pytest.mark.parametrize(
    ("code", "permanent", "keeps_method"),
    [
        (301, True, False),
        (302, False, False),
        (303, False, False),
        (307, False, True),
        (308, True, True),
    ],
)
def test_redirects_say_whether_they_are_permanent_and_keep_the_method(
    code, permanent, keeps_method
):
    # RFC 9110 §15.4: 301/302 may turn POST into GET, 303 always does, 307/308 never.
    fields = ENTRIES[code]
    assert (fields["permanent"], fields["keeps_method"]) == (permanent, keeps_method)
    assert fields["browser_behaviour"]


@pytest.mark.parametrize(
    ("code", "safe_to_retry"),
    [
        (400, False),
        (401, False),
        (403, False),
        (404, False),
        (409, False),
        (412, False),
        (422, False),
        (500, None),
        (502, True),
        (503, True),
        (504, True),
    ],
)
def test_errors_say_whether_an_unchanged_retry_can_help(code, safe_to_retry):
    assert ENTRIES[code]["safe_to_retry"] is safe_to_retry
    assert ENTRIES[code]["browser_behaviour"]


@pytest.mark.parametrize("code", [200, 201, 202, 204])
def test_success_codes_say_what_clients_do(code):
    assert ENTRIES[code]["browser_behaviour"]


def test_status_zero_explains_each_cause():
    zero = ENTRIES[0]
    text = zero["description"]
    for cause in ("curl", "000", "CORS", "no-cors", "Failed to fetch", "XMLHttpRequest"):
        assert cause in text, cause
    for word in ("0", "000", "status 0"):
        assert word in [k.strip() for k in zero["keywords"].split(",")], word


# --- the examples, read by a real HTTP/1.1 parser ------------------------------------------


@pytest.mark.parametrize("code", sorted(ENTRIES))
def test_example_request_is_valid_http_1_1(code):
    request = parse_request(ENTRIES[code]["example_request"])
    # 505's example is the one request in a version the server refuses.
    assert request.http_version == (b"2.0" if code == 505 else b"1.1")


@pytest.mark.parametrize("code", sorted(ENTRIES))
def test_example_response_is_valid_http_1_1_and_shows_the_code(code):
    fields = ENTRIES[code]
    response = fields["example_response"]
    if not response.startswith("HTTP/"):
        # A code that never reaches the wire shows what you meet instead: curl's
        # output, a log line. Only those may skip the HTTP response.
        assert fields["not_sent_reason"], "only a code that is never sent may show a transcript"
        return
    responses = parse_response(response, parse_request(fields["example_request"]))
    statuses = [r.status_code for r in responses]
    final_body = wire(response).split(b"\r\n\r\n", len(responses))[-1]
    # The code is on a status line, or in the body where the vendor puts it (a WebDAV
    # multistatus, ArcGIS's JSON error), or the client receives another code instead.
    assert code in statuses or str(code).encode() in final_body or fields["not_sent_reason"], (
        statuses
    )


def test_a_body_without_content_length_is_refused():
    with pytest.raises(ValidationError, match="without Content-Length"):
        parse_request('POST /items HTTP/1.1\nHost: example.com\n\n{"name": "x"}')


def test_content_length_counts_crlf_line_endings():
    request = "POST /notes HTTP/1.1\nHost: example.com\nContent-Length: {}\n\nline one\nline two"
    assert parse_request(request.format(18))  # 8 + CRLF + 8
    with pytest.raises(ValidationError, match="does not match"):
        parse_request(request.format(17))


def test_a_response_body_longer_than_its_content_length_is_refused():
    request = parse_request("GET / HTTP/1.1\nHost: example.com")
    with pytest.raises(ValidationError, match="bytes after the message"):
        parse_response("HTTP/1.1 200 OK\nContent-Length: 2\n\nhello", request)


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


# -- What clients and frameworks do -------------------------------------------------------
BEHAVIOURS = [e["fields"] for e in RAW if e["model"] == "reference.behaviour"]


def test_every_behaviour_row_names_the_version_read_and_links_its_source():
    assert len(BEHAVIOURS) >= 60
    for row in BEHAVIOURS:
        where = f"{row['code']} {row['agent']}"
        assert row["code"] in ENTRIES, where
        assert row["kind"] in ("client", "framework"), where
        assert row["version"].strip() and "\n" not in row["version"], where
        assert URL.match(row["source_url"]), where
        assert row["behaviour"].strip() and len(row["behaviour"]) <= 400, where
        assert date.fromisoformat(row["reviewed"]) <= date.today(), where


def test_behaviours_cover_what_readers_ask_about():
    covered = {row["code"] for row in BEHAVIOURS}
    # The redirect family, authentication, retries, size, validation and empty answers.
    assert {301, 302, 303, 307, 308, 401, 403, 407, 408, 429, 503, 413, 304, 204} <= covered
    agents = {row["agent"] for row in BEHAVIOURS if row["code"] in (301, 302, 303, 307, 308)}
    assert {"curl", "Go net/http"} <= agents and any("requests" in a for a in agents)
    # What a framework sends when the code does not say: "what status does res.json() send".
    defaults = {row["code"] for row in BEHAVIOURS if row["kind"] == "framework"}
    assert {200, 201, 204, 302, 400, 404, 422} <= defaults
