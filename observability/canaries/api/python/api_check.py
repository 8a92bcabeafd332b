"""API workflow canary (CloudWatch Synthetics, Python runtime; no browser needed).

Walks the API's unauthenticated workflow: each path of API_PATHS (comma-separated,
in order) is requested from API_URL and must answer 2xx with a JSON body within the
timeout. Any failed step fails the run, which lowers the canary's SuccessPercent
metric, on which the stack alarms (ADR 0019).
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from urllib.parse import urljoin

TIMEOUT_SECONDS = 10
USER_AGENT = "gam-synthetics-canary"

logger = logging.getLogger(__name__)

# (url, timeout) -> (status, body); urllib's by default, a fake in the tests.
Fetch = Callable[[str, float], tuple[int, bytes]]


def fetch(url: str, timeout: float) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:  # a 4xx/5xx answer: the step judges it
        return error.code, error.read()


def steps(paths_setting: str) -> list[str]:
    """The workflow's paths, in order; an empty setting is a configuration error."""
    paths = [p.strip() for p in paths_setting.split(",") if p.strip()]
    if not paths:
        raise ValueError("API_PATHS names no path")
    return paths


def run(base_url: str, paths: Sequence[str], get: Fetch = fetch) -> list[str]:
    """Request each path in order; raise at the first that fails. Returns what passed."""
    if not base_url.startswith("https://"):
        raise ValueError(f"API_URL {base_url!r} is not https")
    passed = []
    for path in paths:
        url = urljoin(base_url.rstrip("/") + "/", path.lstrip("/"))
        status, body = get(url, TIMEOUT_SECONDS)
        if not 200 <= status < 300:
            raise RuntimeError(f"step {path}: {url} answered {status}")
        try:
            json.loads(body or b"null")
        except ValueError as error:
            raise RuntimeError(f"step {path}: {url} answered a body that is not JSON") from error
        logger.info("step %s passed (%s)", path, status)
        passed.append(path)
    return passed


def handler(event: object, context: object) -> str:
    passed = run(os.environ["API_URL"], steps(os.environ.get("API_PATHS", "/healthz")))
    return f"API workflow passed: {', '.join(passed)}"
