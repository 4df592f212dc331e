"""The dispatcher page in a real Chromium: one route line per truck, a plan run from the button, a sheet downloaded.

The app runs under waitress on a free loopback port in a thread, as ``waste serve`` runs it. Skips, saying why,
when Debian's Chromium or the vendor assets (``python -m web.install_assets``) are missing. The screenshot is kept
under ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.web.conftest import TOKEN
from waste.matching.accounts import create_account
from waste.matching.haulers import read_haulers, replace_haulers
from waste.paths import city_dir
from web.install_assets import INSTALL_COMMAND, missing_assets

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.is_file(), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"),
    pytest.mark.skipif(bool(missing_assets()), reason=f"web assets not installed; run {INSTALL_COMMAND}"),
]


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    """The app served by waitress on a loopback port; yields its base URL."""
    from tests.web.test_hardening import serve_in_thread

    for running in serve_in_thread(app, threads=4):
        yield f"http://{running.host}:{running.port}"


@pytest.mark.slow
def test_dispatcher_page(server: str, app: Flask, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    trucks = app.test_client().get("/api/cities/baltimore/map").json["plan"]["trucks"]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900}, accept_downloads=True)
        page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())  # no network in tests
        page.goto(f"{server}/?city=baltimore")
        page.wait_for_selector(".truck")
        assert page.locator("path.route-line").count() == len(trucks)
        assert page.locator(".truck").count() == len(trucks)
        assert page.evaluate("document.body.dataset.bins") == "36"

        assert page.is_visible("#token")  # a token the operator chose is never put in the page
        page.fill("#token", TOKEN)
        page.fill("#time-limit", "2")
        page.click("#run-plan")
        # Selectors, not wait_for_function: that evaluates a string in the page, which its CSP forbids.
        page.wait_for_selector("body[data-last-plan]", state="attached", timeout=120_000)
        new_plan = page.evaluate("document.body.dataset.lastPlan")
        assert "ready" in page.inner_text("#job-text")
        # The page reloads the city with the new plan; wait for its downloads to point at it.
        href = f"/plans/{new_plan}/routes.zip"
        page.wait_for_selector(f"#dl-csv[href='{href}']", state="attached")
        page.wait_for_selector(".truck")

        first_truck_csv = page.locator(".truck a", has_text="CSV").first
        with page.expect_download() as info:
            first_truck_csv.click()
        saved = tmp_path / info.value.suggested_filename
        info.value.save_as(saved)
        text = saved.read_text()
        assert text.startswith("order,kind,id,")
        assert text.count("\n") >= 3
        page.screenshot(path=str(ARTIFACTS / "dispatcher.png"))
        browser.close()


@pytest.mark.slow
def test_request_hauler_day_and_recycling_pages(server: str, app: Flask) -> None:
    """A resident asks for a pickup and sees the accepted offer; the hauler collects it; the report page answers."""
    sync_api = pytest.importorskip("playwright.sync_api")
    store = app.extensions["waste"].store
    replace_haulers(store, "baltimore", read_haulers(city_dir("baltimore") / "haulers.geojson"))
    create_account(store, "resident-1", "baltimore", "resident", "A resident", token="resident-token")
    create_account(store, "loop-ops", "baltimore", "hauler", "Green Loop", hauler_id="BAL-LOOP", token="loop-token")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        page.goto(f"{server}/requests")
        page.fill("#token", "resident-token")
        page.fill("input[name=lat]", "39.34")
        page.fill("input[name=lon]", "-76.62")
        page.select_option("select[name=stream]", "organic")
        page.select_option("select[name=container]", "bin_240l")
        page.fill("input[name=earliest]", "2030-11-26")  # a Tuesday: Green Loop works, and is cheapest there
        page.fill("input[name=latest]", "2030-11-27")
        page.click("#send-request")
        page.wait_for_selector("#request-status[data-status=accepted]")
        assert page.locator("tr.offer").count() >= 2
        page.wait_for_selector("body[data-requests='1']", state="attached")
        page.screenshot(path=str(ARTIFACTS / "requests.png"))

        page.goto(f"{server}/haulers/day")
        page.fill("#token", "loop-token")
        page.fill("#day", "2030-11-26")
        page.click("#show-day")
        page.wait_for_selector("body[data-stops='1']", state="attached")
        page.click("button.mark-collected")
        page.wait_for_selector("#day-message:text-is('request 1 collected')")
        page.wait_for_selector("tr.stop td:nth-child(7):text-is('collected')")
        page.screenshot(path=str(ARTIFACTS / "hauler_day.png"))

        page.goto(f"{server}/recycling?city=baltimore")
        assert page.is_visible("#no-records")
        assert page.get_attribute("#csv-export", "href").endswith("format=csv")
        browser.close()


@pytest.mark.slow
def test_the_sign_in_link_hands_the_token_to_the_browser(server: str, app: Flask) -> None:
    """The token after '#' goes to the browser's storage and out of the address bar; the plan button needs no box."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(f"{server}/?city=baltimore#token={TOKEN}")
        page.wait_for_selector(".truck")
        assert page.evaluate("localStorage.getItem('wasteApiToken')") == TOKEN
        assert "#" not in page.url
        assert not page.is_visible("#token")
        page.goto(f"{server}/?city=baltimore")  # a later visit: still signed in
        page.wait_for_selector(".truck")
        assert not page.is_visible("#token")
        browser.close()
