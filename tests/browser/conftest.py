"""Playwright against a live server, driving Debian's Chromium (never a downloaded one)."""

import os
from pathlib import Path

import harness  # scripts/, on pytest's path (pyproject.toml)
import pytest
from axe_playwright_python.sync_playwright import Axe

# Playwright's sync API runs an event loop in this thread; the test's own database
# calls are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": harness.CHROMIUM,
        "args": harness.CHROMIUM_ARGS,
    }


@pytest.fixture
def screenshot(page):
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(name):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    take.folder = SCREENSHOTS
    return take


# The dark scheme changes custom properties of colour and nothing else (site.css), so
# of axe's rules only those that read colours can find something new there.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]


@pytest.fixture
def serious_violations():
    """axe's serious and critical findings on a page as it stands: every rule in the
    light scheme, then the rules that read colours in the dark one."""

    def check(page):
        found = []
        for scheme, only in (("light", {}), ("dark", {"runOnly": COLOUR_RULES})):
            page.emulate_media(color_scheme=scheme)
            results = Axe().run(page, options={"resultTypes": ["violations"], **only})
            found += [
                (scheme, v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                for v in results.response["violations"]
                if v["impact"] in {"serious", "critical"}
            ]
        return found

    return check
