"""Headless Chromium through Playwright, for the admin's browser tests: Debian's Chromium (the
Makefile's ``browser`` target installs it), never a downloaded browser build.

Every test that uses the ``browser`` fixture is marked ``browser`` (see conftest.py), so
``pytest -m 'not browser'`` runs the suite on a machine without Chromium.
"""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Playwright's sync API keeps an event loop marked as running in this thread, and Django
    # refuses ORM calls under a running loop; the tests' own ORM calls are plain sync code.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
