"""A database outage seen from a browser: readers read on, an editor's failed save says so."""

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def site(writable_site):
    """An editor signs in (a saved user): a database of this test's own, emptied after it."""
    return writable_site


@pytest.mark.parametrize("width,height,form_factor", [(1280, 800, "desktop"), (390, 844, "phone")])
def test_readers_see_the_notice_and_an_editor_learns_the_save_failed(
    site, page, outage, screenshot, django_user_model, width, height, form_factor
):
    django_user_model.objects.create_superuser("root", "root@example.com", "a-long-password-1")
    page.set_viewport_size({"width": width, "height": height})
    page.goto(site + "/404/")  # loads the data into the server's memory
    page.goto(site + "/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "a-long-password-1")
    page.click("input[type=submit]")
    page.goto(site + "/admin/reference/statuscode/418/change/")
    edit = "My careful edit, typed during the outage."
    page.fill("#id_summary", edit)

    outage.start()
    page.click("input[name=_save]")
    assert page.locator("h1").inner_text().startswith("503")
    assert page.get_by_text("Your change was NOT saved").is_visible()
    assert page.locator(".sent-fields").get_by_text(edit).is_visible()
    page.screenshot(path=str(_shots() / f"outage-write-503-{form_factor}.png"), full_page=True)
    # What the page says: Back reloads the form (the admin is no-store), and without
    # the database it cannot load, so the copy above is the only one.
    page.go_back()
    assert page.locator("h1").inner_text().startswith("503")
    assert page.locator("#id_summary").count() == 0

    page.context.clear_cookies()  # a reader, on a page their browser has not cached
    page.goto(site + "/418/")
    notice = page.locator(".outage-notice")
    assert notice.is_visible() and "as it was last loaded" in notice.inner_text()
    assert page.locator("h1").inner_text().startswith("418")
    page.screenshot(path=str(_shots() / f"outage-reader-{form_factor}.png"), full_page=True)


def _shots():
    shots = Path(__file__).resolve().parents[1] / "screenshots"
    shots.mkdir(exist_ok=True)
    return shots
