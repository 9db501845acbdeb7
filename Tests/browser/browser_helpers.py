"""Processes, browser and page helpers for the browser suite (loopback only)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from process_helpers import LOOPBACK, free_port, stop_process, wait_until  # noqa: F401  (re-exported to the tests)


def http(method: str, url: str, body: bytes | None = None, headers: dict | None = None, timeout: float = 10.0):
    """(status, headers, body) of one loopback request; HTTP errors are returned, not raised."""
    assert urlsplit(url).hostname == LOOPBACK, f"refusing a non-loopback request to {url}"
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def _minimal_env(extra: dict, home: Path) -> dict:
    """A clean environment: nothing of the caller's Azure/OpenAI settings may leak in."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8"}
    env.update(extra)
    return env


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _start_fake(command: list[str], log_path: Path, what: str) -> tuple[subprocess.Popen, int]:
    """Starts a `parley-fakes` command and returns it with the port of its first stdout line."""
    log = open(log_path, "w")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True,
                               env=_minimal_env({}, log_path.parent), start_new_session=True)
    first_line: list[str] = []
    ready = threading.Event()

    def pump():  # keeps reading stdout so the fake never blocks on a full pipe
        for number, line in enumerate(process.stdout):
            if number == 0:
                first_line.append(line)
                ready.set()
            log.write(line)
            log.flush()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    if not ready.wait(30) or not first_line:
        process.kill()
        raise AssertionError(f"{what} did not start:\n{_tail(log_path)}")
    match = re.search(r"listening on 127\.0\.0\.1:(\d+)", first_line[0])
    assert match, f"unexpected first line from {what}: {first_line[0]!r}"
    return process, int(match.group(1))


@dataclass
class FakeOpenAI:
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @classmethod
    def start(cls, binary: Path, deployments: list[str], api_key: str, delay_ms: int, log_path: Path) -> "FakeOpenAI":
        command = [str(binary), "openai", "--port", "0", "--deployments", ",".join(deployments),
                   "--api-key", api_key, "--delay-ms", str(delay_ms)]
        process, port = _start_fake(command, log_path, "the fake Azure OpenAI")
        return cls(process, port, log_path)

    def requests(self) -> list[dict]:
        status, _, body = http("GET", f"{self.base_url}/_fake/requests")
        assert status == 200, f"GET /_fake/requests answered {status}"
        return json.loads(body)

    def clear_requests(self) -> None:
        status, _, _ = http("DELETE", f"{self.base_url}/_fake/requests")
        assert status in (200, 204), f"DELETE /_fake/requests answered {status}"

    def stop(self) -> None:
        stop_process(self.process)


@dataclass
class FakeEntraProcess:
    """`parley-fakes entra`: the token endpoint and, for sign-in, the OpenID provider."""

    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @classmethod
    def start(cls, binary: Path, arguments: list[str], log_path: Path) -> "FakeEntraProcess":
        process, port = _start_fake([str(binary), "entra", "--port", "0", *arguments], log_path, "the fake Entra")
        return cls(process, port, log_path)

    def stop(self) -> None:
        stop_process(self.process)


@dataclass
class ParleyProcess:
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @classmethod
    def start(cls, binary: Path, env: dict, workdir: Path) -> "ParleyProcess":
        log_path = workdir / "parley.log"
        env = {"PARLEY_SHUTDOWN_GRACE": "2", **env}
        process = subprocess.Popen([str(binary), "serve"], cwd=workdir, env=_minimal_env(env, workdir),
                                   stdout=open(log_path, "w"), stderr=subprocess.STDOUT,
                                   start_new_session=True)
        server = cls(process, int(env["PORT"]), log_path)

        def healthy():
            if process.poll() is not None:
                raise AssertionError(f"parley exited with {process.returncode}:\n{_tail(log_path)}")
            try:
                return http("GET", f"{server.base_url}/healthz", timeout=1)[0] == 200
            except OSError:
                return False

        wait_until(healthy, timeout=30, interval=0.1, message=f"parley /healthz on port {server.port}")
        return server

    def stop(self) -> None:
        stop_process(self.process)


@dataclass
class RunLog:
    """Console entries and network requests of the whole browser run."""

    console: list[dict] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def drain(self, driver) -> None:
        for entry in driver.get_log("browser"):
            self.console.append(entry)
        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                self.requests.append(message["params"]["request"]["url"])
            elif message.get("method") == "Network.webSocketCreated":
                self.requests.append(message["params"]["url"])


def start_chromium(chromium: str, chromedriver: str, downloads: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in [
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--window-size=1280,800", "--lang=en-US", "--no-first-run", "--no-default-browser-check",
        # Nothing but the page may talk to the network (and nothing leaves loopback).
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-default-apps", "--disable-extensions", "--disable-client-side-phishing-detection",
        "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication",
    ]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    options.add_experimental_option("perfLoggingPrefs", {"enableNetwork": True, "enablePage": False})
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads),
        "download.prompt_for_download": False,
    })
    service = Service(executable_path=chromedriver)
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_script_timeout(30)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.execute_cdp_cmd("Network.enable", {})
    return driver


# The page's own markers (see Public/js/app.js): body[data-ready], body[data-busy] and
# .turn[data-status] = streaming | done | stopped | error.
TURNS_JS = """
return [...document.querySelectorAll('#messages .turn')].map(turn => ({
  status: turn.dataset.status,
  question: turn.querySelector('.bubble').textContent,
  answer: turn.querySelector('.content').textContent,
  problem: turn.querySelector('.problem').hidden ? null : turn.querySelector('.problem-message').textContent,
  code: turn.querySelector('.problem').dataset.code || null,
  meta: turn.querySelector('.meta').textContent,
}));
"""


class BrowserPage:
    def __init__(self, driver, base_url: str, run_log: RunLog):
        self.driver = driver
        self.base_url = base_url
        self.run_log = run_log

    # -- navigation ----------------------------------------------------------------------------
    def open_fresh(self) -> None:
        self.set_viewport(1280, 800)
        self.driver.get(self.base_url + "/")
        self.driver.execute_script("localStorage.clear()")
        self.reload()

    def reload(self) -> None:
        self.driver.refresh()
        self.wait_ready()

    def wait_ready(self) -> None:
        wait_until(lambda: self.js("return document.body.dataset.ready === 'true'"), message="page ready")

    def finish(self) -> None:
        self.run_log.drain(self.driver)

    def set_viewport(self, width: int, height: int, mobile: bool = False) -> None:
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile,
        })

    def color_scheme(self, scheme: str) -> None:
        self.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
            "features": [{"name": "prefers-color-scheme", "value": scheme}],
        })

    # -- reading -------------------------------------------------------------------------------
    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def find(self, selector: str):
        from selenium.webdriver.common.by import By
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def find_all(self, selector: str):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def turns(self) -> list[dict]:
        return self.js(TURNS_JS)

    def session_id(self) -> str | None:
        return self.js("return localStorage.getItem('parley.session')")

    def busy(self) -> bool:
        return self.js("return document.body.dataset.busy === 'true'")

    # -- acting --------------------------------------------------------------------------------
    def type_question(self, text: str) -> None:
        """Puts `text` into the message box as if typed (newlines included) without sending it."""
        self.js("const q = document.getElementById('question');"
                "q.value = arguments[0]; q.dispatchEvent(new Event('input', {bubbles: true}));", text)

    def ask(self, text: str, wait: bool = True, timeout: float = 20.0) -> dict | None:
        from selenium.webdriver.common.keys import Keys
        count = len(self.turns())
        self.type_question(text)
        self.find("#question").send_keys(Keys.ENTER)
        wait_until(lambda: len(self.turns()) == count + 1, timeout=5, message="the new turn")
        if not wait:
            return None
        return self.wait_settled(timeout)

    def wait_settled(self, timeout: float = 20.0) -> dict:
        """Waits until no answer is streaming; returns the last turn."""
        wait_until(lambda: not self.busy() and self.turns() and self.turns()[-1]["status"] != "streaming",
                   timeout=timeout, message="the answer to finish")
        return self.turns()[-1]

    def start_recording_answers(self) -> None:
        """Records the last turn's status and answer text on every DOM change (MutationObserver)."""
        self.js("""
            window.__snapshots = [];
            const messages = document.getElementById('messages');
            new MutationObserver(() => {
              const turn = messages.querySelector('.turn:last-of-type');
              if (!turn) return;
              window.__snapshots.push({status: turn.dataset.status,
                                       text: turn.querySelector('.content').textContent});
            }).observe(messages, {subtree: true, childList: true, characterData: true, attributes: true});
        """)

    def recorded_answers(self) -> list[dict]:
        return self.js("return window.__snapshots")
