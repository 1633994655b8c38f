"""Shared fixtures: the real data set, a clean cache, editors."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import OperationalError, connection
from django.db.backends.utils import CursorWrapper
from django.test import override_settings
from django.test.utils import modify_settings
from pytest_django.live_server_helper import LiveServer

from reference import catalogue
from reference.models import StatusCode

# Tests that start servers of their own run together on one xdist worker each: the
# deploy stack once, the checkers' gunicorn once. (Browser tests spread over the
# workers, each with its Chromium and live server.)
SERIAL_GROUPS = ("deploy", "checkers")


# First: xdist's own hook writes the groups into the test ids, and ran before this one.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        for group in SERIAL_GROUPS:
            if item.get_closest_marker(group):
                item.add_marker(pytest.mark.xdist_group(group))
                break
    if connection.vendor == "postgresql":
        # The PostgreSQL pass (make test-postgres) runs what reaches the database: a test
        # that cannot has already run, exactly the same, on SQLite.
        unchanged = [item for item in items if not _reaches_the_database(item)]
        config.hook.pytest_deselected(items=unchanged)
        items[:] = [item for item in items if _reaches_the_database(item)]


def _reaches_the_database(item):
    # pytest-django blocks the database for any other test.
    return item.get_closest_marker("django_db") or "django_db_setup" in item.fixturenames


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the real fixtures once; each test's transaction is rolled back."""
    with django_db_blocker.unblock():
        call_command("load_codes", verbosity=0)


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """{% static %} without a manifest, so the suite runs before collectstatic.

    The hashed, compressed files of production are checked against a real
    server in tests/test_checkers.py.
    """
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # whitenoise serves the source files by their plain names.
    settings.WHITENOISE_USE_FINDERS = True


@pytest.fixture(scope="session", autouse=True)
def no_static_root():
    """No STATIC_ROOT for whitenoise to index: a fresh checkout has none before
    collectstatic, and whitenoise would warn "No directory at" for every
    middleware chain built (each test client's, and the browser tests' live
    server, built once a session before any test's own settings)."""
    with override_settings(STATIC_ROOT=None):
        yield


@pytest.fixture(scope="session", autouse=True)
def fast_password_hasher():
    """As Django's testing docs advise: PBKDF2's deliberate slowness (0.35 s a hash here)
    protects stored passwords, not test runs. Production keeps Django's default."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def fresh_page_cache():
    """Pages rendered under another test's settings (Giscus, say) are not kept.

    The catalogue is not reset: it follows the data version, which every write
    bumps and each test's rollback restores, so a test reads what the database
    holds. Tests about a worker's own memory ask for ``fresh_worker``.
    """
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fresh_worker():
    """A worker that has loaded nothing yet."""
    catalogue.reset()
    yield
    catalogue.reset()


@pytest.fixture
def codes(db):
    """The full data set (reloaded if a transactional test flushed it)."""
    if not StatusCode.objects.exists():
        call_command("load_codes", verbosity=0)
    return StatusCode.objects.all()


@pytest.fixture(scope="session")
def _server(django_db_setup):
    """One live server per worker for the session: pytest-django's, started as its
    ``live_server`` fixture would, but without making every test that uses it flush
    and reload the database."""
    server = LiveServer("localhost")
    with modify_settings(ALLOWED_HOSTS={"append": "localhost"}):
        yield server.url
    server.stop()


@pytest.fixture
def site(_server, django_db_blocker):
    """The site on a real port, for tests that only read: the data is loaded once a
    session (again after a ``writable_site`` test emptied the database) and no test
    transaction hides it from the server's threads.

    A test that saves curated data fails here: it asks for ``writable_site``.
    """
    with django_db_blocker.unblock():
        if not StatusCode.objects.exists():
            call_command("load_codes", verbosity=0)
        version = catalogue.data_version()
        yield _server
        assert catalogue.data_version() == version, "this test wrote: use writable_site"


@pytest.fixture
def writable_site(_server, transactional_db):
    """The site on a real port, for tests that write (editors saving at the same
    moment need real transactions): the database is emptied after the test."""
    if not StatusCode.objects.exists():
        call_command("load_codes", verbosity=0)
    return _server


@pytest.fixture
def editor(db, django_user_model):
    call_command("create_editor", "edna", password="a-long-editor-password", verbosity=0)
    return django_user_model.objects.get(username="edna")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def giscus_configured(settings):
    """Giscus set up as an operator would, with the repository "example/statuscodes"."""
    settings.GISCUS = {
        **settings.GISCUS,
        "repo": "example/statuscodes",
        "repo_id": "R_1",
        "category": "Comments",
        "category_id": "DIC_1",
    }
    return settings.GISCUS


@pytest.fixture
def outage():
    """A switch that makes every SQL statement fail, as with PostgreSQL stopped.

    In the live server's threads too; ``start()`` and ``stop()``, stopped at the end.
    """
    real_execute = CursorWrapper.execute

    def unreachable(self, sql, params=None):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    class Outage:
        def start(self):
            CursorWrapper.execute = unreachable

        def stop(self):
            CursorWrapper.execute = real_execute

    switch = Outage()
    yield switch
    switch.stop()  # before the test database is rolled back
