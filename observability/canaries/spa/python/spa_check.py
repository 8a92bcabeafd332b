"""SPA availability canary (CloudWatch Synthetics, Python and Selenium runtime).

Loads the single-page app at TARGET_URL in the runtime's headless Chromium and
fails the run unless the page answers, the app's root element renders and the
document has a title. A failed run lowers the canary's SuccessPercent metric, on
which the stack alarms (ADR 0019).
"""

from __future__ import annotations

import os

from aws_synthetics.common import synthetics_logger as logger
from aws_synthetics.selenium import (
    synthetics_webdriver as syn_webdriver,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

ROOT_SELECTOR = os.environ.get("ROOT_SELECTOR", "#root")
TIMEOUT_SECONDS = 20


def main() -> None:
    url = os.environ["TARGET_URL"]
    browser = syn_webdriver.Chrome()
    browser.set_page_load_timeout(TIMEOUT_SECONDS)

    def load() -> None:
        browser.get(url)

    def rendered() -> None:
        WebDriverWait(browser, TIMEOUT_SECONDS).until(
            expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ROOT_SELECTOR))
        )
        if not browser.title:
            raise RuntimeError(f"{url} rendered without a document title")

    syn_webdriver.execute_step("load-spa", load)
    syn_webdriver.execute_step("spa-rendered", rendered)
    logger.info(f"{url} loaded and rendered {ROOT_SELECTOR}")


def handler(event: object, context: object) -> str:
    main()
    return "SPA available"
