"""The conversation list (issue 13) in real headless chromium, signed in through `parley-fakes entra`:
conversations appear with their titles, open, rename and delete; on a narrow screen the list is
behind a button. Uses the sign-in module's fixtures (its own browser and servers, so the shared run
log stays single-origin)."""

from __future__ import annotations

from browser_helpers import BrowserPage, RunLog, wait_until
from selenium.common.exceptions import StaleElementReferenceException
from test_browser_sign_in import sign_in_browser, signed_in_parley  # noqa: F401 (fixtures)


def titles(page) -> list[str]:
    return page.js("return [...document.querySelectorAll('#session-list .session-open')].map(b => b.textContent)")


def row_button(page, title: str, kind: str):
    """The row's button once its row is shown. Matched by textContent: Selenium's `.text` is only the
    visible text, empty while the list slides in on a narrow screen (a CI run caught that race)."""
    found = []

    def shown():
        try:
            for row in page.find_all("#session-list .session"):
                name = row.find_element("css selector", ".session-open")
                if name.get_attribute("textContent") == title and name.is_displayed():
                    found.append(row.find_element("css selector", f".session-{kind}"))
                    return True
        except StaleElementReferenceException:  # the list was redrawn meanwhile: look again
            pass
        return False

    wait_until(shown, message=f"the row of {title!r} shown, for its {kind!r} button (titles: {titles(page)})")
    return found[-1]


def test_the_sidebar_lists_opens_renames_and_deletes_conversations(signed_in_parley, sign_in_browser):  # noqa: F811
    server, _ = signed_in_parley
    page = BrowserPage(sign_in_browser, server.base_url, RunLog())
    sign_in_browser.get(server.base_url + "/")  # signs in at once (the fake needs no UI)
    page.wait_ready()
    page.js("localStorage.clear()")
    page.reload()
    page.set_viewport(1280, 800)
    wait_until(lambda: page.find("#sidebar").is_displayed(), message="the conversation list")

    assert page.ask("First question about llamas")["status"] == "done"
    wait_until(lambda: "First question about llamas" in titles(page), message="the first conversation listed")
    page.find("#new-chat").click()
    assert page.ask("Second question about alpacas")["status"] == "done"
    wait_until(lambda: titles(page)[:2] == ["Second question about alpacas", "First question about llamas"],
               message="newest first")
    second = page.session_id()

    # Open the older one: its turns come back, and the list marks it as current.
    row_button(page, "First question about llamas", "open").click()
    wait_until(lambda: [t["question"] for t in page.turns()] == ["First question about llamas"], message="opened")
    assert page.session_id() != second
    assert page.js("return document.querySelector('#session-list [aria-current=true]').textContent") == \
        "First question about llamas"

    # Rename (the page asks with window.prompt) and delete (window.confirm).
    page.js("window.prompt = () => 'Llamas, renamed'")
    row_button(page, "First question about llamas", "rename").click()
    wait_until(lambda: "Llamas, renamed" in titles(page), message="the new title")
    page.js("window.confirm = () => true")
    row_button(page, "Llamas, renamed", "delete").click()
    wait_until(lambda: "Llamas, renamed" not in titles(page), message="deleted")
    assert page.turns() == [], "the open conversation was the deleted one"
    assert "Second question about alpacas" in titles(page)

    # Narrow screens: the list is behind the toggle, and Escape closes it.
    page.set_viewport(390, 800, mobile=True)
    wait_until(lambda: not page.find("#sidebar").is_displayed(), message="the list folded away")
    toggle = page.find("#sidebar-toggle")
    assert toggle.is_displayed() and toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    wait_until(lambda: page.find("#sidebar").is_displayed(), message="the list opened")
    assert toggle.get_attribute("aria-expanded") == "true"
    row_button(page, "Second question about alpacas", "open").click()
    wait_until(lambda: [t["question"] for t in page.turns()] == ["Second question about alpacas"], message="opened")
    wait_until(lambda: not page.find("#sidebar").is_displayed(), message="the list closes after choosing")
    page.set_viewport(1280, 800)
