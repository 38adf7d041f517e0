"""Headless Chromium through selenium for the report's browser tests and screenshots (Debian's chromium and
chromium-driver; scripts/setup installs them)."""
from __future__ import annotations

import os
import shutil
from typing import Any

CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser", shutil.which("chromium") or "")
                 if p and os.path.exists(p)), None)
DRIVER = next((p for p in ("/usr/bin/chromedriver", shutil.which("chromedriver") or "") if p and os.path.exists(p)),
              None)


def missing() -> str | None:
    """Why no browser test can run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (./scripts/setup installs it into .venv)"
    if CHROMIUM is None or DRIVER is None:
        return "Debian's chromium and chromium-driver are not installed (./scripts/setup installs them)"
    return None


def driver(width: int = 1280, height: int = 900) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM  # type: ignore[assignment]
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              f"--window-size={width},{height}", "--hide-scrollbars", "--force-device-scale-factor=1"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(DRIVER), options=opts)


def full_page_png(drv: Any, path: str, width: int = 1280, max_height: int = 30000) -> None:
    """A screenshot of the whole page at ``width`` CSS pixels."""
    height = int(drv.execute_script("return document.documentElement.scrollHeight"))
    drv.set_window_size(width, min(height + 140, max_height))
    drv.save_screenshot(path)
