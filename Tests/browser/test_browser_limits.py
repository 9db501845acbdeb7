"""Issue 13 on the page without sign-in: what is left of the daily budget under the message box,
no conversation list (and no request for one), everything else as before."""

from __future__ import annotations

import re

from browser_helpers import wait_until


def tokens_left(page) -> int:
    text = page.find("#limits-note").text
    match = re.search(r"([\d,]+) tokens left today", text)
    assert match, f"the note says {text!r}"
    return int(match.group(1).replace(",", ""))


def test_the_page_shows_the_tokens_left_today_and_counts_down(budget_page):
    note = budget_page.find("#limits-note")
    assert note.is_displayed()
    assert note.text == "12,000 tokens left today"
    turn = budget_page.ask("How many tokens will this take?")
    assert turn["status"] == "done"
    wait_until(lambda: tokens_left(budget_page) < 12000, message="the note counts the answer's tokens")
    assert tokens_left(budget_page) > 0


def test_without_sign_in_there_is_no_conversation_list(budget_page):
    assert not budget_page.find("#sidebar").is_displayed()
    assert not budget_page.find("#sidebar-toggle").is_displayed()
    budget_page.ask("hello")
    requested = budget_page.js("return performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)")
    assert "/sessions" not in requested, "the page does not ask for a list the server does not have"
    assert not budget_page.find("#sidebar").is_displayed()


def test_no_budget_no_note(page):
    assert not page.find("#limits-note").is_displayed()
