"""The CX report opened by a real browser (issue 14): Debian's headless Chromium through selenium loads it with
no console error, every image decodes, the 1280-px screenshot is not blank, and the page's text has every section
heading. The reports of the 8,469 support tickets and of the simulated log each render in under 10 s."""
from __future__ import annotations

import os
import time

import pytest

import cxkit
from cxkit.reporting import SECTIONS

import _browser

pytestmark = pytest.mark.skipif(_browser.missing() is not None, reason=f"no browser: {_browser.missing()}")


@pytest.fixture(scope="module")
def browser():
    drv = _browser.driver()
    yield drv
    drv.quit()


def _tickets():
    return cxkit.EventLog.from_pandas(cxkit.datasets.load_support_tickets(as_events=True), errors="drop")


def _simulated():
    return cxkit.datasets.simulate(20_000, seed=0, as_log=True)


@pytest.mark.parametrize("name,make,headings", [
    ("tickets", _tickets, ["Events by channel", "Trend per day", "By channel", "Journey map",
                           "Sentiment", "Complaint themes", "Empathy map"]),
    ("simulated", _simulated, ["Trend per month", "By channel", "By stage", "By persona", "Journey map",
                               "Main paths", "Funnel", "Attribution", "Moments of truth", "Customer lifetime value",
                               "Who to contact and when", "RFM segments", "Personas", "Sentiment",
                               "Complaint themes", "Empathy map", "Retention cohorts", "Survival"]),
])
def test_report_in_the_browser(browser, tmp_path, name, make, headings):
    log = make()
    wall, cpu = time.perf_counter(), time.process_time()
    path = cxkit.report(log, tmp_path / f"{name}.html")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"\n{name}: report rendered in {wall:.2f} s wall, {cpu:.2f} s CPU, {path.stat().st_size / 1e6:.2f} MB")
    # the bound of the issue is 10 s; CPU time, because the shared test machine's wall clock includes other jobs
    assert cpu < 10, f"{name}: {cpu:.1f} s of CPU to render"
    assert path.stat().st_size < 5e6

    browser.get(path.resolve().as_uri())
    assert browser.execute_script("return document.readyState") == "complete"
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == []
    n_img, broken = browser.execute_script(
        "const im = Array.from(document.images);"
        "return [im.length, im.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt)];")
    assert n_img >= (5 if name == "tickets" else 14) and broken == []
    text = browser.find_element("tag name", "body").text
    for _, h in SECTIONS:
        assert h in text
    for h in headings:
        assert h in text, h
    # no table or figure wider than the page at 1280 px (a table that overflows scrolls inside its own box)
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 1280

    shot = tmp_path / f"{name}.png"
    _browser.full_page_png(browser, str(shot))
    from PIL import Image, ImageStat

    im = Image.open(shot).convert("L")
    assert im.size[0] == 1280 and im.size[1] > 3000
    top = im.crop((0, 0, 1280, 1500))
    assert ImageStat.Stat(top).var[0] > 200, "the top of the page is blank"
    if os.environ.get("CXKIT_REPORT_SCREENSHOT_DIR"):
        im.save(os.path.join(os.environ["CXKIT_REPORT_SCREENSHOT_DIR"], f"report_{name}.png"))
