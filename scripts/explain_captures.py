"""Regenerate tests/data/explain/: real captures for the "Explain this response" tests.

Starts two small HTTP servers on loopback (Python's http.server; each answer is
written byte for byte, so broken framing is really broken on the wire), then:

* runs Debian's curl (``curl -si`` or ``curl -sv … 2>&1``) against each
  situation and saves what it printed, as a reader would paste or pipe it;
* opens a page in Debian's Chromium through Playwright with HAR recording on
  (a document, a stylesheet, a missing image, cross-origin fetches with CORS):
  the HAR file Chromium's session produced, one entry cut from it, and the raw
  response headers Chromium received (what its network panel shows as "Raw").

    .venv/bin/python scripts/explain_captures.py   # about 10 seconds

Dates, ports and Chromium's version change on every run; the situations do not.
"""

import email.utils
import gzip
import json
import shutil
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from harness import CHROMIUM, CHROMIUM_ARGS, free_port

BASE_DIR = Path(__file__).resolve().parent.parent
OUT = BASE_DIR / "tests" / "data" / "explain"
CURL = shutil.which("curl") or "/usr/bin/curl"

HTML = b"<!doctype html>\n<title>Captured</title>\n<p>A small page for the captures.</p>\n"
TEN_DAYS = 10 * 24 * 3600


def now(offset=0):
    return email.utils.formatdate(time.time() + offset, usegmt=True)


def head(status, *fields):
    server = [] if any(f.startswith("Server:") for f in fields) else ["Server: explain-captures/1"]
    lines = [f"HTTP/1.1 {status}", f"Date: {now()}", *server, *fields]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def answer(status, *fields, body=b"", length=None):
    """A response with ``Content-Length`` = ``length`` (the body's own length unless given)."""
    if length is not False:
        fields = (*fields, f"Content-Length: {len(body) if length is None else length}")
    return head(status, *fields) + body


def chunked(status, *fields, chunks=()):
    encoded = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks) + b"0\r\n\r\n"
    return head(status, *fields, "Transfer-Encoding: chunked") + encoded


# -- The situations: path -> (request handler -> bytes to send) ---------------------------


def scenarios(other_origin):
    html = "Content-Type: text/html; charset=utf-8"
    text = "Content-Type: text/plain; charset=utf-8"
    json_type = "Content-Type: application/json"
    compressed = gzip.compress(HTML * 20, mtime=0)
    return {
        "/ok-cached": lambda h: answer(
            "200 OK",
            html,
            "Cache-Control: max-age=3600",
            'ETag: "v42"',
            f"Last-Modified: {now(-TEN_DAYS)}",
            "Vary: Accept-Encoding",
            body=HTML,
        ),
        "/heuristic": lambda h: answer(
            "200 OK", text, f"Last-Modified: {now(-TEN_DAYS)}", body=b"No explicit freshness.\n"
        ),
        "/private": lambda h: answer(
            "200 OK",
            json_type,
            "Cache-Control: private, max-age=600",
            "Set-Cookie: session=7f3a9c2e1b8d4f60a5e3; Path=/; HttpOnly; Secure; SameSite=Lax",
            body=b'{"user": "ada"}\n',
        ),
        "/shared": lambda h: answer(
            "200 OK",
            html,
            "Cache-Control: public, max-age=60, s-maxage=600, stale-while-revalidate=30",
            "Age: 100",
            'ETag: W/"shared-1"',
            body=HTML,
        ),
        "/no-store": lambda h: answer(
            "200 OK",
            html,
            "Cache-Control: no-store",
            "Set-Cookie: csrftoken=Zm9vYmFyYmF6cXV4cXV1eA; Path=/; SameSite=Strict",
            body=HTML,
        ),
        "/no-content": lambda h: head("204 No Content"),
        "/no-content-with-body": lambda h: answer("204 No Content", body=b"hello"),
        "/not-modified": lambda h: head(
            "304 Not Modified", 'ETag: "v42"', "Cache-Control: max-age=3600"
        ),
        "/not-modified-with-body": lambda h: answer(
            "304 Not Modified", 'ETag: "v42"', "Cache-Control: max-age=3600", body=b"hello"
        ),
        "/moved": lambda h: answer(
            "301 Moved Permanently", html, "Location: /ok-cached", body=b"<p>Moved.</p>\n"
        ),
        "/found-no-location": lambda h: answer("302 Found", html, body=b"<p>Over there.</p>\n"),
        "/redirect-chain": lambda h: answer(
            "307 Temporary Redirect", "Location: /ok-cached", body=b""
        ),
        "/login-required": lambda h: answer(
            "401 Unauthorized", json_type, body=b'{"error": "login required"}\n'
        ),
        "/basic-auth": lambda h: answer(
            "401 Unauthorized",
            'WWW-Authenticate: Basic realm="captures", charset="UTF-8"',
            text,
            body=b"Sign in.\n",
        ),
        "/read-only": lambda h: answer("405 Method Not Allowed", text, body=b"Read only.\n"),
        "/read-only-allow": lambda h: answer(
            "405 Method Not Allowed", "Allow: GET, HEAD", text, body=b"Read only.\n"
        ),
        "/missing": lambda h: answer("404 Not Found", html, body=b"<p>Not here.</p>\n"),
        "/rate-limited": lambda h: answer(
            "429 Too Many Requests", "Retry-After: soon", text, body=b"Slow down.\n"
        ),
        "/maintenance": lambda h: answer(
            "503 Service Unavailable",
            "Retry-After: 120",
            "Cache-Control: no-store",
            text,
            body=b"Back soon.\n",
        ),
        "/crash": lambda h: answer("500 Internal Server Error", text, body=b"Traceback hidden.\n"),
        "/short-body": lambda h: answer(
            "200 OK", text, body=b"Only forty bytes arrive of the hundred.\n", length=100
        ),
        "/long-body": lambda h: answer("200 OK", text, body=b"more than announced\n", length=3),
        "/upload": lambda h: answer(
            "201 Created", "Location: /uploads/1", json_type, body=b'{"id": 1}\n'
        ),
        "/partial": lambda h: answer("206 Partial Content", text, body=b"0123456789"),
        "/cors": lambda h: answer(
            "200 OK",
            json_type,
            "Access-Control-Allow-Origin: *",
            "Access-Control-Allow-Credentials: true",
            "Access-Control-Expose-Headers: X-Request-Id",
            "X-Request-Id: 5b1d",
            body=b'{"ok": true}\n',
        ),
        "/cors-preflight": lambda h: answer(
            "204 No Content",
            "Access-Control-Allow-Origin: https://app.example",
            "Access-Control-Allow-Methods: GET, PUT",
            "Access-Control-Allow-Headers: Content-Type",
            "Access-Control-Max-Age: 600",
            "Vary: Origin",
            length=False,
        ),
        "/chunked": lambda h: chunked(
            "200 OK",
            text,
            "Cache-Control: no-cache",
            'ETag: "c1"',
            chunks=[b"first\n", b"second\n"],
        ),
        "/early-hints": lambda h: (
            b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n"
            + answer("200 OK", html, "Cache-Control: max-age=60", body=HTML)
        ),
        "/cloudflare": lambda h: answer(
            "520 ",
            "Server: cloudflare",
            "CF-RAY: 8c1d2e3f4a5b6c7d-CDG",
            html,
            "Cache-Control: private, max-age=0, no-store, no-cache, must-revalidate",
            body=b"<p>Web server is returning an unknown error</p>\n",
        ),
        "/gzip": lambda h: answer(
            "200 OK", html, "Content-Encoding: gzip", "Vary: Accept-Encoding", body=compressed
        ),
        # For the browser (HAR and raw headers).
        "/har/page": lambda h: answer(
            "200 OK",
            html,
            "Cache-Control: no-cache",
            f"Last-Modified: {now(-TEN_DAYS)}",
            body=(
                b'<!doctype html>\n<html lang="en"><head><title>HAR</title>\n'
                b'<link rel="stylesheet" href="/har/style.css"></head>\n'
                b'<body><img src="/har/logo.png" alt="logo">\n'
                b'<script src="/har/app.js"></script></body></html>\n'
            ),
        ),
        "/har/style.css": lambda h: answer(
            "200 OK",
            "Content-Type: text/css",
            "Cache-Control: public, max-age=31536000, immutable",
            body=b"body { font-family: sans-serif; }\n",
        ),
        "/har/logo.png": lambda h: answer("404 Not Found", text, body=b"No logo.\n"),
        "/har/app.js": lambda h: answer(
            "200 OK",
            "Content-Type: text/javascript",
            "Cache-Control: max-age=600",
            body=(
                f'fetch("{other_origin}/har/api", {{credentials: "include"}})\n'
                f'  .then(() => fetch("{other_origin}/har/api", {{method: "PUT", '
                'headers: {"Content-Type": "application/json"}, body: "{}"}))\n'
                '  .then(() => document.title = "done", () => document.title = "done");\n'
            ).encode(),
        ),
        "/har/api": lambda h: cors_api(h),
    }


def cors_api(handler):
    origin = handler.headers.get("Origin", "")
    fields = [
        f"Access-Control-Allow-Origin: {origin}",
        "Access-Control-Allow-Credentials: true",
        "Vary: Origin",
    ]
    if handler.command == "OPTIONS":
        fields += [
            "Access-Control-Allow-Methods: GET, PUT",
            "Access-Control-Allow-Headers: Content-Type",
        ]
        return answer("204 No Content", *fields, "Access-Control-Max-Age: 600", length=False)
    return answer(
        "200 OK",
        "Content-Type: application/json",
        "Cache-Control: private, no-cache",
        "Set-Cookie: api_session=c2VjcmV0LXNlc3Npb24tdmFsdWU; Path=/; Secure; HttpOnly; "
        "SameSite=None",
        *fields,
        body=b'{"items": []}\n',
    )


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # so that http.server answers "Expect: 100-continue"
    routes = {}

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        route = self.routes.get(self.path.split("?")[0])
        data = route(self) if route else answer("404 Not Found", body=b"no such capture\n")
        self.wfile.write(data)
        self.wfile.flush()
        self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = _answer

    def log_message(self, format, *args):
        pass


def serve():
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# -- curl --------------------------------------------------------------------------------

ORIGIN = "Origin: https://app.example"
# (file name, curl options, path): -i prints the response as received, -v the exchange
# (with 2>&1, as a reader pipes or copies it from a terminal).
CURL_CAPTURES = [
    ("200-cached.curl-i.txt", ["-i"], "/ok-cached"),
    ("200-cached.curl-I.txt", ["-I"], "/ok-cached"),
    ("200-heuristic.curl-i.txt", ["-i"], "/heuristic"),
    (
        "200-private-cookies.curl-v.txt",
        [
            "-v",
            "-H",
            "Authorization: Bearer sk_live_51HcRzQ2eZvKYlo2C",
            "-H",
            "Cookie: theme=dark; sid=s3cr3t-sid-value",
        ],
        "/private",
    ),
    ("200-shared.curl-i.txt", ["-i"], "/shared"),
    ("200-no-store.curl-i.txt", ["-i"], "/no-store"),
    ("200-chunked.curl-i.txt", ["-i"], "/chunked"),
    ("200-gzip-compressed.curl-i.txt", ["-i", "--compressed"], "/gzip"),
    ("103-early-hints.curl-i.txt", ["-i"], "/early-hints"),
    (
        "201-after-100-continue.curl-i.txt",
        ["-i", "-H", "Expect: 100-continue", "--data-binary", "@-"],
        "/upload",
    ),
    ("204.curl-i.txt", ["-i"], "/no-content"),
    ("204-with-body.curl-v.txt", ["-v"], "/no-content-with-body"),
    ("204-with-body.curl-i.txt", ["-i"], "/no-content-with-body"),
    ("206-without-content-range.curl-i.txt", ["-i", "-r", "0-9"], "/partial"),
    ("301.curl-i.txt", ["-i"], "/moved"),
    ("302-without-location.curl-i.txt", ["-i"], "/found-no-location"),
    ("307-then-200.curl-iL.txt", ["-i", "-L"], "/redirect-chain"),
    ("304.curl-v.txt", ["-v", "-H", 'If-None-Match: "v42"'], "/not-modified"),
    ("304-with-body.curl-v.txt", ["-v", "-H", 'If-None-Match: "v42"'], "/not-modified-with-body"),
    ("401-without-www-authenticate.curl-i.txt", ["-i"], "/login-required"),
    ("401-basic.curl-v.txt", ["-v"], "/basic-auth"),
    ("404.curl-i.txt", ["-i"], "/missing"),
    ("405-without-allow.curl-i.txt", ["-i", "-X", "DELETE"], "/read-only"),
    ("405-with-allow.curl-v.txt", ["-v", "-X", "POST", "-d", "x=1"], "/read-only-allow"),
    ("429-bad-retry-after.curl-i.txt", ["-i"], "/rate-limited"),
    ("500.curl-i.txt", ["-i"], "/crash"),
    ("503-retry-after.curl-i.txt", ["-i"], "/maintenance"),
    ("520-cloudflare.curl-i.txt", ["-i"], "/cloudflare"),
    ("content-length-too-large.curl-i.txt", ["-i"], "/short-body"),
    ("content-length-too-small.curl-v.txt", ["-v"], "/long-body"),
    ("cors-credentials-star.curl-v.txt", ["-v", "-H", ORIGIN], "/cors"),
    (
        "cors-preflight.curl-v.txt",
        ["-v", "-X", "OPTIONS", "-H", ORIGIN, "-H", "Access-Control-Request-Method: PUT"],
        "/cors-preflight",
    ),
]


def run_curl(base, options, path):
    command = [CURL, "-s", "--max-time", "5", *options, base + path]
    upload = b"x" * 2048 if "@-" in options else None
    # -v writes to stderr: merged, as "2>&1" does in a terminal.
    result = subprocess.run(command, input=upload, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return result.stdout


# -- Chromium: a HAR file and raw headers ------------------------------------------------------


def browse(page_origin):
    from playwright.sync_api import sync_playwright

    har_path = OUT / "chromium-page.har"
    raw = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(record_har_path=str(har_path), record_har_content="embed")
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        requests = {}

        def will_be_sent(event):
            request = event["request"]
            requests[event["requestId"]] = f"{request['method']} {request['url']}"

        def extra_info(event):
            if event.get("headersText"):
                raw[requests.get(event["requestId"], event["requestId"])] = event["headersText"]

        cdp.on("Network.requestWillBeSent", will_be_sent)
        cdp.on("Network.responseReceivedExtraInfo", extra_info)
        page.goto(page_origin + "/har/page")
        page.wait_for_function("document.title === 'done'", timeout=10_000)
        page.wait_for_timeout(300)
        context.close()
        browser.close()
    har = json.loads(har_path.read_text())
    har_path.write_text(json.dumps(har, indent=2) + "\n")
    entries = har["log"]["entries"]
    api = next(
        e
        for e in entries
        if e["request"]["url"].endswith("/har/api") and e["request"]["method"] == "GET"
    )
    (OUT / "chromium-cors-entry.har.json").write_text(json.dumps(api, indent=2) + "\n")
    for suffix, name in (
        ("GET /har/page", "chromium-raw-headers-page.txt"),
        ("GET /har/logo.png", "chromium-raw-headers-404.txt"),
        ("GET /har/api", "chromium-raw-headers-cors-cookie.txt"),
    ):
        method, path = suffix.split()
        text = next(
            value
            for key, value in raw.items()
            if key.startswith(method + " ") and key.endswith(path)
        )
        (OUT / name).write_bytes(text.encode())
    return len(entries)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    first, second = serve(), serve()
    base = f"http://127.0.0.1:{first.server_address[1]}"
    other = f"http://localhost:{second.server_address[1]}"
    Handler.routes = scenarios(other)
    for name, options, path in CURL_CAPTURES:
        (OUT / name).write_bytes(run_curl(base, options, path))
    print(f"{len(CURL_CAPTURES)} curl captures")
    print(f"HAR: {browse(base)} entries")
    first.shutdown()
    second.shutdown()
    print(f"written to {OUT.relative_to(BASE_DIR)}/")


if __name__ == "__main__":
    sys.exit(main())
