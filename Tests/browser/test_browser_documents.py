"""Answers from the team's documents on the page (issue 14), in real headless Chromium: an offline
Parley with a small documents folder quotes it, the [n] markers are links, a sources list sits under
the answer, and clicking either opens the passage fetched from /documents/{id}."""

from __future__ import annotations

from browser_helpers import wait_until


def passage_dialog(page) -> dict:
    return page.js("""
        const dialog = document.getElementById('passage');
        return {open: dialog.open, state: dialog.dataset.state || '',
                title: document.getElementById('passage-title').textContent,
                where: document.getElementById('passage-where').textContent,
                text: document.getElementById('passage-text').textContent};
    """)


def test_citations_are_links_with_sources_that_open_the_passage(documents_page, screenshot_dir):
    page = documents_page
    page.set_viewport(1280, 800)
    assert "quote the passages of your documents" in page.find("#banner").text
    turn = page.ask("How long do role assignments take?")
    assert turn["status"] == "done"
    assert "Role assignments take up to 30 minutes to apply." in turn["answer"]

    markers = page.find_all(".turn:last-of-type .content a.cite")
    assert [m.text for m in markers] == ["[1]"], "the [1] of the quote is a link"
    sources = page.find_all(".turn:last-of-type .sources .source")
    assert sources and "setup.md" in sources[0].text and "Roles" in sources[0].text

    markers[0].click()
    wait_until(lambda: passage_dialog(page)["state"] == "loaded", timeout=5, message="the passage loaded")
    shown = passage_dialog(page)
    assert shown["open"] is True
    assert "Setup" in shown["title"]
    assert "setup.md" in shown["where"] and "Roles" in shown["where"]
    assert "Role assignments take up to 30 minutes to apply." in shown["text"]
    page.driver.save_screenshot(str(screenshot_dir / "documents-passage.png"))

    page.find("#passage-close").click()
    wait_until(lambda: passage_dialog(page)["open"] is False, timeout=5, message="the dialog closed")

    sources[0].click()
    wait_until(lambda: passage_dialog(page)["open"] and passage_dialog(page)["state"] == "loaded",
               timeout=5, message="the passage opened from the sources list")
    assert "Role assignments" in passage_dialog(page)["text"]
    page.find("#passage-close").click()

    # The sources list fits a 360 px phone.
    page.set_viewport(360, 740, mobile=True)
    overflow = page.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a 360px phone"
    page.set_viewport(1280, 800)


def test_answers_without_documents_have_no_sources(page):
    turn = page.ask("[[say:See [1] for details.]] hello")
    assert turn["status"] == "done"
    assert page.find_all(".turn:last-of-type a.cite") == [], "no citations: [1] stays text"
    assert page.js("return document.querySelector('.turn:last-of-type .sources-wrap').hidden") is True
    assert page.js("return document.getElementById('passage').open") is False
