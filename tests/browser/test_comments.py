"""Giscus under our CSP, with giscus.app replaced by a local stand-in.

The network cannot reach giscus.app, so ``page.route`` answers its URLs with a
stand-in that behaves like the real client (giscus's ``client.ts``): it links
``https://giscus.app/default.css`` into the page's head, replaces the container's
content with an iframe on ``/widget``, and sizes that frame when the widget posts
``{giscus: {resizeHeight: N}}``. The widget resolves the ``preferred_color_scheme``
theme with the reader's colour scheme, as the real one does.
"""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CLIENT_JS = """
(function () {
  var script = document.currentScript;
  var origin = new URL(script.src).origin;
  var link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = origin + "/default.css";
  document.head.prepend(link);

  var params = new URLSearchParams({
    origin: location.href, repo: script.dataset.repo, term: script.dataset.term,
    theme: script.dataset.theme, lang: script.dataset.lang
  });
  var frame = document.createElement("iframe");
  frame.className = "giscus-frame giscus-frame--loading";
  frame.title = "Comments";
  frame.scrolling = "no";
  frame.src = origin + "/widget?" + params;
  frame.addEventListener("load", function () { frame.classList.remove("giscus-frame--loading"); });
  var container = document.querySelector(".giscus");
  while (container.firstChild) container.firstChild.remove();
  container.appendChild(frame);

  window.addEventListener("message", function (event) {
    if (event.origin !== origin) return;
    var data = event.data;
    if (!(typeof data === "object" && data.giscus)) return;
    if (data.giscus.resizeHeight) frame.style.height = data.giscus.resizeHeight + "px";
  });
})();
"""

# giscus.app's default.css, as the client links it.
DEFAULT_CSS = """
.giscus, .giscus-frame { width: 100%; min-height: 150px; }
.giscus-frame { border: none; color-scheme: light dark; }
.giscus-frame--loading { opacity: 0; }
"""

WIDGET_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>giscus</title></head><body><p>Comments</p><script>
  var params = new URLSearchParams(location.search);
  var theme = params.get("theme");
  if (theme === "preferred_color_scheme") {
    theme = matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }
  document.documentElement.dataset.theme = theme;
  parent.postMessage({giscus: {resizeHeight: 321}}, new URL(params.get("origin")).origin);
</script></body></html>"""


def stand_in(route):
    url = route.request.url
    if url.startswith("https://giscus.app/client.js"):
        route.fulfill(body=CLIENT_JS, content_type="text/javascript")
    elif url.startswith("https://giscus.app/default.css"):
        route.fulfill(body=DEFAULT_CSS, content_type="text/css")
    elif url.startswith("https://giscus.app/widget"):
        route.fulfill(body=WIDGET_HTML, content_type="text/html")
    else:
        route.abort()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_giscus_runs_under_our_csp_is_sized_and_follows_the_colour_scheme(
    site, page, giscus_configured, scheme
):
    problems = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.route("https://giscus.app/**", stand_in)
    page.emulate_media(color_scheme=scheme)
    page.goto(site + "/404/")

    page.locator(".giscus").scroll_into_view_if_needed()
    frame = page.locator("iframe.giscus-frame")
    expect(frame).to_be_attached()
    src = frame.get_attribute("src")
    assert src.startswith("https://giscus.app/widget?")
    assert "term=404+Not+Found" in src and "theme=preferred_color_scheme" in src
    expect(page.frame_locator("iframe.giscus-frame").locator("html")).to_have_attribute(
        "data-theme", scheme
    )
    # Sized by the widget's message, and styled by giscus.app's stylesheet.
    page.wait_for_function(
        "() => document.querySelector('iframe.giscus-frame').getBoundingClientRect().height === 321"
    )
    assert (
        page.evaluate(
            "() => getComputedStyle(document.querySelector('iframe.giscus-frame')).colorScheme"
        )
        == "light dark"
    )
    assert not [text for text in problems if "Content Security Policy" in text], problems
    assert problems == []
