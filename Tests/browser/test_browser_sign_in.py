"""Sign-in in real headless chromium (issue 13): `parley serve` with PARLEY_AUTH=entra against
`parley-fakes entra`, whose authorize endpoint signs a scripted user in at once.

This module has its own browser: its navigations to the fake Entra (another loopback origin)
must not reach the shared run log that test_browser_zz_hygiene.py checks for foreign requests.
"""

from __future__ import annotations

import base64
import json
import time

import pytest

from browser_helpers import BrowserPage, FakeEntraProcess, ParleyProcess, RunLog, free_port, http, start_chromium, wait_until

CLIENT_ID = "77777777-7777-7777-7777-777777777777"
TENANT_ID = "00000000-0000-0000-0000-000000000000"
USER_NAME = "Ada Lovelace"


def projected_token() -> str:
    """A projected service-account token as the kubelet writes it (unsigned: the fake decodes claims only)."""
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
    now = int(time.time())
    claims = {"iss": "https://oidc.example.test/cluster/", "sub": "system:serviceaccount:parley:parley-gpt-35-turbo",
              "aud": ["api://AzureADTokenExchange"], "iat": now, "nbf": now, "exp": now + 3600}
    return f"{part({'alg': 'RS256', 'kid': 'k'})}.{part(claims)}.c2lnbmF0dXJl"


@pytest.fixture(scope="module")
def signed_in_parley(binaries, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sign-in")
    token_file = folder / "azure-identity-token"
    token_file.write_text(projected_token())
    entra = FakeEntraProcess.start(binaries["fakes"], ["--client-id", CLIENT_ID, "--expected-assertion-file", str(token_file),
                                           "--user-name", USER_NAME], folder / "fake-entra.log")
    port = free_port()
    env = {
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PARLEY_PUBLIC_DIR": str(binaries["public"]),
        "PARLEY_AUTH": "entra",
        "PARLEY_AUTH_CLIENT_ID": CLIENT_ID,
        "PARLEY_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "AZURE_TENANT_ID": TENANT_ID,
        "AZURE_AUTHORITY_HOST": entra.base_url,
        "AZURE_FEDERATED_TOKEN_FILE": str(token_file),
    }
    try:
        server = ParleyProcess.start(binaries["parley"], env, folder)
    except Exception:
        entra.stop()
        raise
    yield server, token_file.read_text()
    server.stop()
    entra.stop()


@pytest.fixture(scope="module")
def sign_in_browser(chromium_paths, tmp_path_factory):
    browser = start_chromium(*chromium_paths, tmp_path_factory.mktemp("sign-in-downloads"))
    yield browser
    browser.quit()


def test_sign_in_ask_and_sign_out(signed_in_parley, sign_in_browser):
    from selenium.webdriver.common.keys import Keys

    server, assertion = signed_in_parley
    page = BrowserPage(sign_in_browser, server.base_url, RunLog())
    status, _, _ = http("POST", server.base_url + "/ask", b'{"question":"hi"}', {"Content-Type": "application/json"})
    assert status == 401  # nobody signed in: the API refuses

    # GET / → /auth/login → the fake's authorize endpoint → /auth/callback → / with the cookie.
    sign_in_browser.get(server.base_url + "/")
    page.wait_ready()
    assert sign_in_browser.current_url == server.base_url + "/"
    wait_until(lambda: page.js("return !document.getElementById('user').hidden"), message="the signed-in name")
    assert page.find("#user").text == USER_NAME
    cookie = sign_in_browser.get_cookie("parley_auth")
    assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    turn = page.ask("What is Parley?")
    assert turn["status"] == "done", turn

    # An expired or missing session: the page's next question sends the browser to sign in again.
    sign_in_browser.delete_cookie("parley_auth")
    page.js("window.__before = true")
    page.type_question("Am I still signed in?")  # not page.ask: the page is gone before its turn could be counted
    page.find("#question").send_keys(Keys.ENTER)
    wait_until(lambda: page.js("return window.__before === undefined && document.body.dataset.ready === 'true'"),
               timeout=15, message="a new sign-in after the 401")
    assert sign_in_browser.get_cookie("parley_auth")

    # Sign out: the server clears the cookie (checked in the page), then the button starts a new sign-in.
    statuses = sign_in_browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch('auth/logout', {method: 'POST'}).then(() => fetch('auth/me')).then(r => done(r.status));
    """)
    assert statuses == 401
    sign_in_browser.get(server.base_url + "/")  # signs in again (the fake needs no UI)
    page.wait_ready()
    page.js("window.__before = true")
    page.find("#sign-out").click()
    wait_until(lambda: page.js("return window.__before === undefined && document.body.dataset.ready === 'true'"),
               timeout=15, message="sign-out then a new sign-in")

    log = server.log_path.read_text(errors="replace")
    assert assertion not in log
    assert cookie["value"] not in log
