"""Runs last (file order): no console errors and no request to another origin during the whole run."""

from __future__ import annotations

from urllib.parse import urlsplit


def origin(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "blob":  # blob:http://127.0.0.1:port/uuid belongs to the page's origin
        return origin(url[len("blob:"):])
    return f"{parts.scheme}://{parts.netloc}"


# Chrome logs every 4xx fetch as a "network" console error. The only one this suite provokes on
# purpose is the 404 of a session id the server does not know (the page then starts fresh).
EXPECTED_NETWORK_ERRORS = ["/sessions/not-a-session-the-server-knows - Failed to load resource: "
                           "the server responded with a status of 404"]


def provoked(entry: dict) -> bool:
    return entry["source"] == "network" and any(text in entry["message"] for text in EXPECTED_NETWORK_ERRORS)


def test_no_console_errors_and_no_request_to_another_origin(page, offline_parley, budget_parley, documents_parley, run_log):
    page.ask("one last question")  # so this test alone still observes real traffic
    page.finish()

    allowed = {page.base_url, offline_parley.base_url, budget_parley.base_url, documents_parley.base_url}
    assert any(origin(url) == page.base_url for url in run_log.requests), "the network log recorded the page"
    foreign = sorted({url for url in run_log.requests if not url.startswith("data:") and origin(url) not in allowed})
    assert foreign == [], f"requests to another origin: {foreign}"

    errors = [entry for entry in run_log.console if entry["level"] == "SEVERE" and not provoked(entry)]
    assert errors == [], "console errors:\n" + "\n".join(f"{e['source']}: {e['message']}" for e in errors)
