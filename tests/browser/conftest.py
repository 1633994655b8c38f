"""Playwright against a live server, driving Debian's Chromium (never a downloaded one)."""

import os
from pathlib import Path

import harness  # scripts/, on pytest's path (pyproject.toml)
import pytest

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
