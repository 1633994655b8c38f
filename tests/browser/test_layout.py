"""Layout in a real browser, at a desktop's and a phone's size: what fits on the
first screen, what overflows, captions, touch, and full-page screenshots."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"

pytestmark = pytest.mark.browser

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
# The narrowest phone in common use (many Android phones are 360 CSS pixels wide).
PHONE = {
    "viewport": {"width": 360, "height": 800},
    "device_scale_factor": 1,
    "is_mobile": True,
    "has_touch": True,
}
SIZES = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture(params=list(SIZES))
def sized(request, browser):
    """A page at one of the two sizes (the phone one is a touch screen), and its name."""
    context = browser.new_context(**SIZES[request.param])
    yield context.new_page(), request.param
    context.close()


# The codes whose number and name are wholly inside the first viewport, unscrolled.
CODES_ON_FIRST_SCREEN = """() => [...document.querySelectorAll('#results .code-item .code-link')]
    .map(link => link.getBoundingClientRect())
    .filter(box => box.width > 0 && box.top >= 0 && box.bottom <= innerHeight
                   && box.right <= innerWidth)
    .length"""

# Elements whose right edge passes their parent's, outside intentional scrollers.
OVERFLOWING = """() => {
  const scrolls = el => /(auto|scroll|hidden|clip)/.test(getComputedStyle(el).overflowX);
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    const parent = el.parentElement;
    if (!parent || el.closest('.visually-hidden, .skip-link, script, noscript')) continue;
    let inside = false;
    for (let a = parent; a && a !== document.body; a = a.parentElement) {
      if (scrolls(a)) { inside = true; break; }
    }
    if (inside) continue;
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height) continue;
    if (box.right > parent.getBoundingClientRect().right + 1) {
      const classes = typeof el.className === 'string' ? el.className : '';
      found.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                 (classes ? '.' + classes.split(' ').join('.') : '') +
                 ' ' + (el.textContent || '').trim().slice(0, 40));
    }
  }
  return found;
}"""


def assert_nothing_overflows(page, what):
    width = page.viewport_size["width"]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width, what
    assert page.evaluate(OVERFLOWING) == [], what


def test_first_screen_shows_many_codes(site, sized):
    page, size = sized
    page.goto(site + "/")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"first-screen-index-{size}.png"))
    visible = page.evaluate(CODES_ON_FIRST_SCREEN)
    assert visible >= {"desktop": 20, "phone": 8}[size], visible


# The README shows the first screen of the index; its caption says what is on it.
README = Path(__file__).resolve().parents[2] / "README.md"
README_SCREENSHOT = README.parent / "docs" / "screenshot.png"
README_CAPTION = (
    "The index in a 1280 × 800 window: the search box, the class filters, and the first "
    "codes of the list by class, each with the start of its summary"
)


def test_readme_screenshot_is_the_first_screen_of_the_live_index(site, browser):
    """docs/screenshot.png is taken here, so it always shows today's page and data."""
    assert f"![{README_CAPTION}](docs/screenshot.png)" in README.read_text()
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    page.goto(site + "/")
    page.screenshot(path=str(README_SCREENSHOT))
    # What the caption says: the first codes, not all of them, each with its summary.
    assert 20 <= page.evaluate(CODES_ON_FIRST_SCREEN) < page.locator("#results .code-item").count()
    expect(page.locator("#results .code-item .summary").first).to_be_in_viewport()
    expect(page.locator("#q")).to_be_in_viewport()
    expect(page.get_by_role("navigation", name="Filter by class")).to_be_in_viewport()
    context.close()


def test_jump_links_reach_each_class(site, sized):
    page, _size = sized
    page.goto(site + "/")
    page.get_by_role("navigation", name="Jump to a class").get_by_role("link", name="5xx").click()
    expect(page).to_have_url(re.compile(r"/#class-5xx$"))
    expect(page.locator("#class-5xx")).to_be_in_viewport()


def test_detailed_view_is_a_link_away_and_kept_in_the_url(site, sized):
    page, _size = sized
    page.goto(site + "/")
    page.get_by_role("link", name="Detailed list").click()
    expect(page).to_have_url(re.compile(r"/\?view=detailed$"))
    expect(page.locator("#results .use").first).to_contain_text("Use case:")
    page.locator("#q").fill("gateway")  # searching keeps the view
    expect(page).to_have_url(re.compile(r"\?q=gateway&view=detailed$"))
    expect(page.locator("#results .use").first).to_be_visible()


def test_keyboard_hint_only_where_there_is_a_keyboard_and_placeholder_fits(site, sized):
    page, size = sized
    page.goto(site + "/")
    hint = page.locator("#search-hint")
    if size == "phone":
        expect(hint).to_be_hidden()
    else:
        expect(hint).to_be_visible()
    # The placeholder's text, in the input's font, fits the input's content box.
    room, needed = page.evaluate(
        """() => {
          const input = document.getElementById('q');
          const style = getComputedStyle(input);
          const context = document.createElement('canvas').getContext('2d');
          context.font = style.font;
          const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
          const room = input.clientWidth - padding;
          return [room, context.measureText(input.placeholder).width];
        }"""
    )
    assert needed <= room, (needed, room)


def test_snippet_captions_keep_name_and_copy_on_one_line(site, sized):
    page, size = sized
    page.goto(site + "/404/")
    for selector in ("figure.snippet", ".exchange figure"):
        figures = page.locator(selector)
        assert figures.count() >= 2, selector
        boxes = []
        for index in range(figures.count()):
            figure = figures.nth(index)
            caption = figure.locator("figcaption")
            button = caption.locator("button.copy")
            if button.count():
                expect(button).to_be_visible()
                first_line = caption.evaluate(
                    """caption => {
                      const range = document.createRange();
                      range.selectNodeContents(caption);
                      return range.getClientRects()[0].toJSON();
                    }"""
                )
                copy = button.bounding_box()
                cap = caption.bounding_box()
                # On the caption's first line, at its right end, not spread away.
                assert copy["y"] < first_line["y"] + first_line["height"], (size, index)
                assert copy["y"] + copy["height"] > first_line["y"], (size, index)
                assert abs(copy["x"] + copy["width"] - (cap["x"] + cap["width"])) <= 1
            boxes.append(figure.bounding_box())
        for upper, lower in zip(boxes, boxes[1:], strict=False):
            assert lower["y"] - (upper["y"] + upper["height"]) >= 8, (selector, size)


def test_api_figure_captions_are_tidy(site, sized):
    page, size = sized
    page.goto(site + "/api/")
    figures = page.locator("figure")
    boxes = [figures.nth(i).bounding_box() for i in range(figures.count())]
    assert len(boxes) >= 4
    for figure in figures.all():
        button = figure.locator("button.copy")
        if button.count():
            caption_box = figure.locator("figcaption").bounding_box()
            copy = button.bounding_box()
            assert copy["y"] - caption_box["y"] < 10, size  # first line, not wrapped below
    stacked = [(a, b) for a, b in zip(boxes, boxes[1:], strict=False) if b["y"] > a["y"]]
    assert all(b["y"] - (a["y"] + a["height"]) >= 8 for a, b in stacked), size
    assert_nothing_overflows(page, "/api/")


@pytest.fixture
def admin_login(writable_site, django_user_model):
    django_user_model.objects.create_superuser("ada", "ada@example.com", "a-long-admin-password")

    def log_in(page):
        page.goto(writable_site + "/admin/login/")
        page.get_by_label("Username").fill("ada")
        page.get_by_label("Password").fill("a-long-admin-password")
        page.get_by_role("button", name="Log in").click()
        expect(
            page.get_by_role("link", name="Log out").or_(page.locator("#logout-form"))
        ).to_be_attached()

    return log_in


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_full_page_screenshots_and_nothing_overflows(writable_site, browser, scheme, admin_login):
    """Full pages (bottoms included) to look at in tests/screenshots/, at both sizes."""
    SCREENSHOTS.mkdir(exist_ok=True)
    for size, options in SIZES.items():
        context = browser.new_context(**options, color_scheme=scheme)
        page = context.new_page()
        for name, path in [
            ("index", "/"),
            ("index-detailed", "/?view=detailed"),
            ("search", "/?q=timeout"),
            ("code-404", "/404/"),
            ("code-418", "/418/"),
            ("compare", "/compare/"),
            ("compare-redirects", "/compare/redirects/"),
            ("api", "/api/"),
            ("not-found", "/299/"),
        ]:
            page.goto(writable_site + path)
            expect(page.locator("h1")).to_be_visible()
            page.screenshot(
                path=str(SCREENSHOTS / f"full-{name}-{size}-{scheme}.png"), full_page=True
            )
            assert_nothing_overflows(page, f"{path} {size}")
        admin_login(page)
        page.goto(writable_site + "/admin/reference/statuscode/404/change/")
        expect(page.locator("#content h1, #content h2").first).to_be_visible()
        page.screenshot(
            path=str(SCREENSHOTS / f"full-admin-404-{size}-{scheme}.png"), full_page=True
        )
        assert (
            page.evaluate("() => document.documentElement.scrollWidth")
            <= (options["viewport"]["width"])
        )
        context.close()
