"""The vendor pages, "Also used as…" and the status 0 page, in a real browser."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
PAGES = ["/vendors/", "/vendors/cloudflare/", "/499/", "/0/"]


@pytest.mark.parametrize("path", PAGES)
def test_nothing_overflows_on_a_phone(site, page, screenshot, path):
    page.set_viewport_size({"width": 360, "height": 900})
    page.goto(site + path)
    expect(page.locator("h1")).to_be_visible()
    screenshot("vendors-" + (path.strip("/").replace("/", "-") or "index") + "-phone")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360


def test_from_a_code_to_its_vendor_and_back(site, page):
    page.goto(site + "/524/")
    page.get_by_role("link", name="Cloudflare").first.click()
    expect(page).to_have_url(site + "/vendors/cloudflare/")
    expect(page.locator("h1")).to_have_text("Cloudflare")
    page.get_by_role("link", name="530 Origin DNS Error").click()
    expect(page).to_have_url(site + "/530/")


def test_000_lands_on_the_status_0_page(site, page):
    page.goto(site + "/000/")
    expect(page).to_have_url(site + "/0/")
    expect(page.locator("h1")).to_contain_text("No Status")
