"""The dashboard in a real browser (Debian's Chromium through Playwright) against a live loopback server:
every page draws, the map follows its controls, the language switches, a phone-width screen needs no
sideways scrolling, the console stays clean and no request leaves localhost.

Screenshots go to a temporary folder, or to $VIGIA_SCREENSHOTS when set (docs/img/serve.png is the
serve.png taken that way: the overview's first screenful at 1280 × 900).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PAGES = ("/", "/mapa", "/estados", "/estado/25", "/sexenios", "/versiones", "/verificador", "/api-docs")
CHARTS = {"/": ["#trend-chart"], "/mapa": ["#map-chart", "#rank-chart"],
          "/estado/25": ["#state-rate-chart", "#state-month-chart"], "/sexenios": ["#adm-chart"],
          "/versiones": ["#vintage-chart"]}


@pytest.fixture()
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("VIGIA_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Watch:
    """Every request a page makes and every console error it logs."""

    def __init__(self, page, origin: str) -> None:
        self.origin = origin
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def check(self) -> None:
        local = (self.origin + "/", "data:", "blob:")
        outside = [u for u in self.requests if not u.startswith(local)]
        assert not outside, f"requests outside localhost: {outside}"
        assert not self.errors, f"console errors: {self.errors}"


def _drawn(page, selector: str) -> None:
    page.wait_for_selector(f"{selector} .main-svg", timeout=30_000)


def test_pages_draw_offline(browser, live_server, shots):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-MX")
    page = context.new_page()
    watch = Watch(page, live_server)
    for path in PAGES:
        page.goto(live_server + path)
        for selector in CHARTS.get(path, []):
            _drawn(page, selector)
        if CHARTS.get(path):
            assert page.evaluate("typeof Plotly") == "object"  # from /static, the plotly package's own file
        if path == "/estado/25":
            page.wait_for_selector("#flags table, #flags p:not(:has-text('Cargando'))", timeout=90_000)
        assert page.locator("#sources").is_visible()
        name = path.strip("/").replace("/", "-") or "overview"
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        if path == "/":
            page.screenshot(path=str(shots / "serve.png"))  # the README's picture: the first screenful
    assert len(watch.requests) >= len(PAGES)
    watch.check()
    context.close()


def test_map_follows_its_controls(browser, live_server, shots):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch = Watch(page, live_server)
    page.goto(live_server + "/mapa?indicator=homicidio_doloso_victimas&period=2024")
    page.wait_for_selector('#map-chart[data-indicator="homicidio_doloso_victimas"] .main-svg', timeout=30_000)
    before = page.evaluate("document.getElementById('map-chart').data[0].z")
    assert len(before) == 32

    page.select_option("#map-indicator", "feminicidio_victimas")
    page.wait_for_selector('#map-chart[data-indicator="feminicidio_victimas"]', timeout=30_000)
    page.wait_for_selector('#rank-chart[data-indicator="feminicidio_victimas"]', timeout=30_000)
    after = page.evaluate("document.getElementById('map-chart').data[0].z")
    assert len(after) == 32 and after != before
    title = page.evaluate("document.getElementById('map-chart').layout.title.text")
    assert "feminicidio" in title.lower()
    assert "indicator=feminicidio_victimas" in page.url  # the view can be shared as a link

    page.select_option("#map-unit", "count")
    page.wait_for_function("() => document.getElementById('map-chart').dataset.indicator === 'feminicidio_victimas' "
                           "&& document.getElementById('map-chart').data[0].z.every(Number.isInteger)", timeout=30_000)
    page.screenshot(path=str(shots / "map-after-change.png"), full_page=True)

    page.goto(live_server + "/")
    _drawn(page, "#trend-chart")
    page.select_option("#trend-indicator", "feminicidio_victimas")
    page.wait_for_selector('#trend-chart[data-indicator="feminicidio_victimas"]', timeout=30_000)
    watch.check()
    context.close()


def test_language_switch(browser, live_server):
    page = browser.new_page()
    watch = Watch(page, live_server)
    page.goto(live_server + "/sexenios")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("nav").inner_text().startswith("Panorama")
    page.click("#lang-switch")
    page.wait_for_url("**lang=en**")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Overview" in page.locator("nav").inner_text()
    assert "Sources and vintages" in page.locator("#sources").inner_text()
    page.click("nav a[href^='/mapa']")  # the choice follows the visitor around
    page.wait_for_url("**/mapa?lang=en")
    assert page.locator("h1").inner_text() == "Map"
    page.click("#lang-switch")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "es"
    watch.check()
    page.close()


def test_phone_width(browser, live_server, shots):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    watch = Watch(page, live_server)
    for path in ("/", "/mapa", "/estado/25", "/sexenios", "/versiones", "/verificador"):
        page.goto(live_server + path)
        for selector in CHARTS.get(path, []):
            _drawn(page, selector)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (path, overflow)
        page.screenshot(path=str(shots / f"phone-{path.strip('/').replace('/', '-') or 'overview'}.png"))
    watch.check()
    context.close()


def test_claim_checker_form(browser, live_server, web_app):
    page = browser.new_page()
    watch = Watch(page, live_server)
    page.goto(live_server + "/verificador")
    if web_app.state.optional.claims is None:
        assert page.locator("#claims-unavailable").is_visible()
        assert page.locator("#claim-text").is_disabled()
    else:
        page.fill("#claim-text", "En 2019 se registraron 34,723 víctimas de homicidio doloso en México.")
        page.click("form.claims button")
        page.wait_for_selector("#claims-results")
        assert "exacta" in page.locator("#claims-results").inner_text()
        assert "IDVFC_NM_jun25_reconstructed.csv" in page.locator("#sources").inner_text()
    watch.check()
    page.close()
