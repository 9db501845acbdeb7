"""Fixtures for the browser suite: the real `parley serve` against the fake Azure OpenAI, both on
loopback, driven in headless Debian chromium through selenium.

Processes started here are stopped at the end of the session. Browser console entries and network
requests are collected for the whole run (see `run_log`); test_browser_zz_hygiene.py checks them last.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

# Tests/ holds process_helpers.py, shared with the deploy suite.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from browser_helpers import (  # noqa: E402
    BrowserPage,
    FakeOpenAI,
    ParleyProcess,
    RunLog,
    free_port,
    http,
    start_chromium,
    wait_until,
)

REPO = Path(__file__).resolve().parents[2]
OUTPUT = REPO / "test-output"
API_KEY = "test-key"  # the fake's key; a test value, not a secret
DEPLOYMENTS = ["gpt-35-turbo", "gpt-4"]


def _binary(env_name: str, default_name: str) -> Path:
    path = Path(os.environ.get(env_name) or REPO / ".build" / "debug" / default_name)
    if not path.is_file():
        pytest.fail(f"{path} is missing: build it with `swift build` (or set {env_name})", pytrace=False)
    return path


def _require_or_skip(reason: str) -> None:
    """Missing browser tooling: a failure in CI, a skip on a developer machine."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (CI=true: the browser suite must run)", pytrace=False)
    pytest.skip(reason)


def _start_parley(tmp_path_factory, name: str, **settings: str) -> ParleyProcess:
    """`parley serve` on a free loopback port with the page, in a fresh working folder (no .env)."""
    workdir = tmp_path_factory.mktemp(name)
    env = {"HOST": "127.0.0.1", "PORT": str(free_port()), "PARLEY_PUBLIC_DIR": str(REPO / "Public"), **settings}
    return ParleyProcess.start(_binary("PARLEY_BIN", "parley"), env, workdir)


@contextmanager
def _fresh_page(driver, server: ParleyProcess, run_log: RunLog):
    """A chat page on `server` with empty localStorage; its console and network log go to `run_log`."""
    browser_page = BrowserPage(driver, server.base_url, run_log)
    browser_page.open_fresh()
    yield browser_page
    browser_page.finish()


@pytest.fixture(scope="session")
def binaries() -> dict[str, Path]:
    """The built `parley` and `parley-fakes`, and the page's folder, for modules that start their own."""
    return {"parley": _binary("PARLEY_BIN", "parley"), "fakes": _binary("PARLEY_FAKES_BIN", "parley-fakes"),
            "public": REPO / "Public"}


@pytest.fixture(scope="session")
def run_log() -> RunLog:
    return RunLog()


@pytest.fixture(scope="session")
def fake_openai(tmp_path_factory):
    binary = _binary("PARLEY_FAKES_BIN", "parley-fakes")
    fake = FakeOpenAI.start(
        binary,
        deployments=DEPLOYMENTS,
        api_key=API_KEY,
        delay_ms=20,
        log_path=tmp_path_factory.mktemp("fake") / "fake-openai.log",
    )
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def parley(fake_openai, tmp_path_factory):
    """Parley in Azure mode (api-key) against the fake, with no retries so a 429 reaches the page."""
    server = _start_parley(
        tmp_path_factory, "parley-azure", OPENAI_API_BASE=fake_openai.base_url, OPENAI_API_KEY=API_KEY,
        DEPLOYMENT_NAME=DEPLOYMENTS[0], PARLEY_DEPLOYMENTS=",".join(DEPLOYMENTS), PARLEY_MAX_RETRIES="0")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def budget_parley(fake_openai, tmp_path_factory):
    """Parley in Azure mode with a daily token budget and a rate limit, without sign-in (issue 13)."""
    server = _start_parley(
        tmp_path_factory, "parley-budget", OPENAI_API_BASE=fake_openai.base_url, OPENAI_API_KEY=API_KEY,
        DEPLOYMENT_NAME=DEPLOYMENTS[0], PARLEY_MAX_RETRIES="0", PARLEY_DAILY_TOKEN_BUDGET="12000", PARLEY_RATE_LIMIT="100")
    yield server
    server.stop()


@pytest.fixture
def budget_page(driver, budget_parley, run_log):
    with _fresh_page(driver, budget_parley, run_log) as browser_page:
        yield browser_page


@pytest.fixture(scope="session")
def offline_parley(tmp_path_factory):
    """Parley with no endpoint at all: offline mode."""
    server = _start_parley(tmp_path_factory, "parley-offline")
    yield server
    server.stop()


DOCUMENTS = {
    "setup.md": "# Setup\n\n## Sign in\n\nRun az login before make run.\n\n"
                "## Roles\n\nThe Cognitive Services OpenAI User role is needed. "
                "Role assignments take up to 30 minutes to apply.\n",
    "guides/deploy.md": "# Deployment\n\nApply the manifests with kubectl apply -f release.\n",
}


@pytest.fixture(scope="session")
def documents_parley(tmp_path_factory):
    """Parley in offline mode with a small documents folder: answers quote it with citations."""
    docs = tmp_path_factory.mktemp("documents")
    for name, text in DOCUMENTS.items():
        (docs / name).parent.mkdir(parents=True, exist_ok=True)
        (docs / name).write_text(text)
    server = _start_parley(tmp_path_factory, "parley-documents", PARLEY_DOCS_DIR=str(docs))

    def indexed():
        status, _, body = http("GET", f"{server.base_url}/readyz", timeout=2)
        return status == 200 and json.loads(body).get("documents", {}).get("state") == "ok"

    wait_until(indexed, timeout=30, interval=0.1, message="the documents indexed")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chromium_paths():
    """(chromium, chromedriver), or a skip/failure when the browser tooling is missing."""
    chromium = os.environ.get("CHROMIUM_BIN") or shutil.which("chromium") or shutil.which("chromium-browser")
    chromedriver = os.environ.get("CHROMEDRIVER_BIN") or shutil.which("chromedriver")
    if not chromium or not chromedriver:
        _require_or_skip("Debian's chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)")
    try:
        import selenium  # noqa: F401
    except ImportError:
        _require_or_skip("selenium is not installed (pip install -r Tests/requirements.txt)")
    return chromium, chromedriver


@pytest.fixture(scope="session")
def downloads_dir():
    path = Path(tempfile.mkdtemp(prefix="parley-downloads-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def driver(run_log, downloads_dir, chromium_paths):
    browser = start_chromium(*chromium_paths, downloads_dir)
    yield browser
    run_log.drain(browser)
    browser.quit()


@pytest.fixture
def page(driver, parley, fake_openai, run_log):
    """A fresh chat page on the Azure-mode server: empty localStorage, fake's records cleared."""
    fake_openai.clear_requests()
    with _fresh_page(driver, parley, run_log) as browser_page:
        yield browser_page


@pytest.fixture
def offline_page(driver, offline_parley, run_log):
    with _fresh_page(driver, offline_parley, run_log) as browser_page:
        yield browser_page


@pytest.fixture
def documents_page(driver, documents_parley, run_log):
    with _fresh_page(driver, documents_parley, run_log) as browser_page:
        yield browser_page


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    path = OUTPUT / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
