"""The chat page in real headless Chromium against `parley serve` and the fake Azure OpenAI.

Each test starts from an empty localStorage and an empty request record in the fake. The fake
answers "Echo: <question> | earlier: <1st> / <2nd> …" word by word (20 ms apart) unless the
question carries a directive: [[say:TEXT]], [[slow]], [[status:429]], [[status:429:1]],
[[content_filter]].
"""

from __future__ import annotations

import json
import time

import pytest

from browser_helpers import http, wait_until


def user_messages(recorded: dict) -> list[str]:
    return [m["content"] for m in recorded["messages"] if m["role"] == "user"]


# -- streaming, memory, history --------------------------------------------------------------


def test_answer_grows_in_several_steps_before_the_stream_ends(page, fake_openai):
    page.start_recording_answers()
    question = "Tell me a story about a lighthouse keeper and a very patient seagull"
    turn = page.ask(question)

    assert turn["status"] == "done"
    assert turn["answer"].startswith(f"Echo: {question}")
    streaming = [s["text"] for s in page.recorded_answers() if s["status"] == "streaming" and s["text"]]
    distinct = list(dict.fromkeys(streaming))
    assert len(distinct) >= 3, f"the answer appeared in {len(distinct)} DOM step(s) only: {distinct}"
    for earlier, later in zip(distinct, distinct[1:]):
        assert later.startswith(earlier) and len(later) > len(earlier), "the text must only grow"
    assert len(distinct[0]) < len(turn["answer"]), "the first partial text is shorter than the answer"
    # usage is shown discreetly with the deployment that answered
    assert "gpt-35-turbo" in turn["meta"] and "tokens" in turn["meta"]


def test_typing_state_is_visible_while_answering(page):
    page.ask("[[slow]] take your time", wait=False)
    wait_until(lambda: page.js("return !!document.querySelector('.turn[data-status=streaming]')"),
               message="a streaming turn")
    assert page.js("return document.querySelector('#stop').hidden") is False
    assert page.js("return document.querySelector('#send').hidden") is True
    assert page.js("return document.querySelector('.turn[data-status=streaming] .content')"
                   ".getAttribute('aria-busy')") == "true"
    wait_until(lambda: page.js("return !!document.querySelector('.turn[data-status=streaming] .caret')"),
               message="the streaming caret")
    from selenium.webdriver.common.keys import Keys
    page.find("#question").send_keys(Keys.ESCAPE)  # Escape in the message box stops, like the Stop button
    assert page.wait_settled()["status"] == "stopped"
    assert page.js("return document.querySelector('.turn .caret')") is None


def test_follow_up_is_answered_with_memory_of_the_same_session(page, fake_openai):
    page.ask("My name is Ada")
    first_session = page.session_id()
    assert first_session, "the server-issued session id is stored"
    turn = page.ask("What is my name?")

    assert "earlier: My name is Ada" in turn["answer"]
    assert page.session_id() == first_session
    last = fake_openai.requests()[-1]
    assert user_messages(last) == ["My name is Ada", "What is my name?"]


def test_reload_restores_and_new_chat_starts_a_new_session(page, parley, fake_openai):
    page.ask("Remember the colour teal")
    page.ask("And the number seven")
    old_session = page.session_id()
    before = [(t["question"], t["answer"]) for t in page.turns()]

    page.reload()
    after = [(t["question"], t["answer"]) for t in page.turns()]
    assert after == before
    assert page.session_id() == old_session

    page.find("#new-chat").click()
    wait_until(lambda: page.turns() == [], message="an empty conversation")
    assert page.js("return document.getElementById('empty').hidden") is False
    assert page.session_id() is None
    wait_until(lambda: http("GET", f"{parley.base_url}/sessions/{old_session}")[0] == 404,
               message="the old session to be deleted")

    turn = page.ask("Fresh start")
    new_session = page.session_id()
    assert new_session and new_session != old_session
    assert "earlier" not in turn["answer"]
    assert user_messages(fake_openai.requests()[-1]) == ["Fresh start"]


def test_unknown_stored_session_starts_fresh_with_a_server_issued_id(page):
    page.js("localStorage.setItem('parley.session', 'not-a-session-the-server-knows')")
    page.reload()
    assert page.turns() == []
    assert page.session_id() is None, "a 404 from /sessions/{id} forgets the id"
    page.ask("hello")
    issued = page.session_id()
    assert issued and issued != "not-a-session-the-server-knows"


# -- stop, retry, regenerate -----------------------------------------------------------------


def test_stop_keeps_the_partial_answer_and_cancels_upstream(page, fake_openai):
    page.ask("[[slow]] a long answer please", wait=False)
    wait_until(lambda: len(page.turns()[-1]["answer"].split()) >= 3, timeout=15, message="some partial text")
    page.find("#stop").click()
    turn = page.wait_settled()

    assert turn["status"] == "stopped"
    partial = turn["answer"]
    assert len(partial.split()) >= 3
    time.sleep(0.6)  # the answer must not keep growing after Stop
    assert page.turns()[-1]["answer"] == partial
    assert "Stopped" in turn["meta"]

    def cancelled():
        records = [r for r in fake_openai.requests() if "[[slow]]" in " ".join(user_messages(r))]
        return records and records[-1].get("cancelled") is True

    wait_until(cancelled, timeout=5, message="the fake to see the request cancelled")

    # The server kept the question and the partial answer: a reload shows them.
    page.reload()
    restored = page.turns()[-1]
    assert restored["question"] == "[[slow]] a long answer please"
    kept = restored["answer"]
    # The server may have received a few more deltas than the page showed before it aborted.
    assert kept and (kept.startswith(partial) or partial.startswith(kept)), (kept, partial)


def test_regenerate_asks_the_last_question_again(page, fake_openai):
    page.ask("Name a colour")
    page.find(".turn:last-of-type .regenerate").click()
    wait_until(lambda: len(page.turns()) == 2, message="the regenerated turn")
    turn = page.wait_settled()
    assert turn["question"] == "Name a colour" and turn["status"] == "done"
    assert user_messages(fake_openai.requests()[-1])[-1] == "Name a colour"
    assert len(page.find_all(".regenerate")) == 1, "only the last answer offers Regenerate"


def test_rate_limit_is_shown_inline_and_retry_works(page, fake_openai):
    question = "Quick question [[status:429:1]]"
    turn = page.ask(question)

    assert turn["status"] == "error"
    assert turn["code"] == "rate_limited"
    assert turn["problem"], "the server's message is shown on the failed turn"
    assert page.js("return document.getElementById('question').value") == question, "the question is kept"
    retry = page.find(".turn:last-of-type .retry")
    wait_until(lambda: retry.is_enabled(), timeout=5, message="Retry to be enabled")
    retry.click()
    turn = page.wait_settled()
    assert turn["status"] == "done"
    assert turn["answer"].startswith("Echo: Quick question")
    assert len(page.turns()) == 1, "the retried turn replaces the failed one"
    assert page.js("return document.getElementById('question').value") == ""


# The JSON error paths with Retry-After: a 429 (e.g. from a proxy in front of Parley) and Parley's
# own load shedding (503 `overloaded`, exactly as /ask sends it). Both count down the same way.
RETRY_AFTER_ERRORS = {
    "rate_limited": (429, "Too many requests."),
    "overloaded": (503, "Parley is answering as many questions as it can right now (1000). Try again in a few seconds."),
}


@pytest.mark.parametrize("code", sorted(RETRY_AFTER_ERRORS))
def test_an_error_with_retry_after_shows_when_to_retry(page, code):
    status, message = RETRY_AFTER_ERRORS[code]
    page.js("""
        const [code, status, message] = arguments;
        const realFetch = window.fetch;
        window.fetch = async (url, init) => {
          if (String(url).endsWith('ask')) {
            window.fetch = realFetch;
            return new Response(JSON.stringify({error: {code, message, request_id: 'r1'}}),
              {status, headers: {'Content-Type': 'application/json', 'Retry-After': '2'}});
          }
          return realFetch(url, init);
        };
    """, code, status, message)
    turn = page.ask("When can I retry?")
    assert turn["status"] == "error" and turn["code"] == code and turn["problem"] == message
    wait_text = page.find(".turn:last-of-type .retry-after").text
    assert "retry in 2 s" in wait_text or "retry in 1 s" in wait_text
    assert not page.find(".turn:last-of-type .retry").is_enabled()
    wait_until(lambda: page.find(".turn:last-of-type .retry").is_enabled(), timeout=5, message="the countdown")
    page.find(".turn:last-of-type .retry").click()
    assert page.wait_settled()["status"] == "done"


def test_content_filter_is_shown_inline_and_retry_asks_again(page, fake_openai):
    question = "Something unsayable [[content_filter]]"
    turn = page.ask(question)
    assert turn["status"] == "error"
    assert turn["code"] == "content_filter"
    assert "filter" in turn["problem"].lower()
    attempts = len(fake_openai.requests())

    page.find(".turn:last-of-type .retry").click()
    wait_until(lambda: len(fake_openai.requests()) == attempts + 1, message="the retried request")
    turn = page.wait_settled()
    assert turn["status"] == "error" and turn["code"] == "content_filter"
    assert len(page.turns()) == 1


# -- safety ----------------------------------------------------------------------------------

XSS_ANSWER = "\n".join([
    "Harmless **bold** text and a [safe link](https://example.org/docs).",
    "",
    '<img src=x onerror="window.__pwned = \'img\'">',
    "",
    "<script>window.__pwned = 'script'</script>",
    "",
    "[click me](javascript:window.__pwned='link')",
    "",
    "[sneaky](JaVaScRiPt:window.__pwned='case')",
    "",
    '<a href="javascript:window.__pwned=\'raw\'" onclick="window.__pwned=\'click\'">raw link</a>',
    "",
    '<iframe src="javascript:window.__pwned=\'frame\'"></iframe>',
    "",
    '<form action="/ask"><input name="q"><button>go</button></form>',
    "",
    "<style>body { display: none }</style>",
    "",
    '<svg onload="window.__pwned=\'svg\'"><circle r="5"/></svg>',
    "",
    '<div style="position:fixed;inset:0" onmouseover="window.__pwned=\'div\'">overlay</div>',
    "",
    "![tracker](https://example.org/pixel.png)",
])


def test_model_output_cannot_run_script_or_create_active_markup(page):
    page.js("window.__pwned = undefined")
    turn = page.ask(f"[[say:{XSS_ANSWER}]]")
    assert turn["status"] == "done"

    # Give any handler a chance to fire, and hover/click what could be clickable.
    time.sleep(0.3)
    for anchor in page.find_all(".turn:last-of-type .content a"):
        assert anchor.get_attribute("href").startswith(("https:", "http:", "mailto:"))
        assert anchor.get_attribute("rel") == "noopener noreferrer"
    assert page.js("return window.__pwned") is None

    content = ".turn:last-of-type .content"
    for tag in ["img", "script", "iframe", "form", "input", "style", "svg", "object", "embed"]:
        assert page.find_all(f"{content} {tag}") == [], f"the answer created <{tag}>"
    assert page.find_all(f"{content} [style]") == []
    links = page.js(f"return [...document.querySelectorAll('{content} a')].map(a => a.textContent)")
    assert links == ["safe link", "Image: tracker"], links
    text = turn["answer"]
    assert '<img src=x onerror="window.__pwned = \'img\'">' in text, "raw HTML is shown as text"
    assert "<script>window.__pwned = 'script'</script>" in text
    assert "click me" in text and "sneaky" in text

    handlers = page.js("""
        return [...document.querySelectorAll('*')].flatMap(el =>
          [...el.attributes].filter(a => a.name.toLowerCase().startsWith('on')).map(a => el.tagName + ' ' + a.name));
    """)
    assert handlers == [], f"elements with event-handler attributes: {handlers}"
    assert page.js("return window.__pwned") is None


def test_markdown_subset_is_rendered_with_copy_buttons(page, driver):
    answer = "\n".join([
        "# Title", "", "Some **bold**, *italic*, ~~gone~~ and `inline code`.", "",
        "- first", "- second", "  - nested", "", "1. one", "2. two", "",
        "> quoted", "", "See <https://example.org/a> and mailto [me](mailto:me@example.org).", "",
        "```python", "print('hi')", "```", "",
        "| a | b |", "|---|---|", "| 1 | 2 |",
    ])
    turn = page.ask(f"[[say:{answer}]]")
    assert turn["status"] == "done"
    c = ".turn:last-of-type .content"
    assert page.find(f"{c} h1").text == "Title"
    assert page.find(f"{c} strong").text == "bold"
    assert page.find(f"{c} em").text == "italic"
    assert page.find(f"{c} del").text == "gone"
    assert page.find(f"{c} p code").text == "inline code"
    assert [li.text.split("\n")[0] for li in page.find_all(f"{c} > ul > li")] == ["first", "second"]
    assert page.find(f"{c} ul ul li").text == "nested"
    assert len(page.find_all(f"{c} > ol > li")) == 2
    assert page.find(f"{c} blockquote").text == "quoted"
    hrefs = [a.get_attribute("href") for a in page.find_all(f"{c} a")]
    assert hrefs == ["https://example.org/a", "mailto:me@example.org"]
    assert page.find(f"{c} pre code").text == "print('hi')"
    assert page.find(f"{c} .code-lang").text == "python"
    assert [td.text for td in page.find_all(f"{c} td")] == ["1", "2"]

    driver.execute_cdp_cmd("Browser.grantPermissions", {
        "origin": page.base_url, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
    })
    page.find(f"{c} .copy-code").click()
    wait_until(lambda: page.find(f"{c} .copy-code").text == "Copied", message="copy feedback")
    clipboard = driver.execute_async_script(
        "navigator.clipboard.readText().then(arguments[0], e => arguments[0]('ERR ' + e))")
    assert clipboard == "print('hi')"

    page.find(".turn:last-of-type .copy-answer").click()
    wait_until(lambda: driver.execute_async_script(
        "navigator.clipboard.readText().then(arguments[0], e => arguments[0]('ERR ' + e))") == answer,
        message="the answer's markdown in the clipboard")


# -- picker, offline -------------------------------------------------------------------------


def test_deployment_picker_sends_the_chosen_deployment_and_remembers_it(page, fake_openai):
    from selenium.webdriver.support.select import Select

    assert page.find("#picker").is_displayed()
    picker = Select(page.find("#deployment"))
    assert [o.text for o in picker.options] == ["gpt-35-turbo", "gpt-4"]
    assert picker.first_selected_option.text == "gpt-35-turbo"

    picker.select_by_visible_text("gpt-4")
    turn = page.ask("Which model are you?")
    assert fake_openai.requests()[-1]["deployment"] == "gpt-4"
    assert "gpt-4" in turn["meta"]

    page.reload()
    assert Select(page.find("#deployment")).first_selected_option.text == "gpt-4"
    Select(page.find("#deployment")).select_by_visible_text("gpt-35-turbo")
    page.ask("And now?")
    assert fake_openai.requests()[-1]["deployment"] == "gpt-35-turbo"


def test_offline_mode_shows_the_banner_and_still_answers(offline_page):
    banner = offline_page.find("#banner")
    assert banner.is_displayed()
    assert "Offline mode" in banner.text
    assert not offline_page.find("#picker").is_displayed(), "one deployment: no picker"
    turn = offline_page.ask("Is anyone there?")
    assert turn["status"] == "done" and turn["answer"]


# -- composer and keyboard -------------------------------------------------------------------


def test_enter_sends_shift_enter_adds_a_line_and_send_is_disabled_when_empty(page, fake_openai):
    from selenium.webdriver.common.keys import Keys

    box = page.find("#question")
    send = page.find("#send")
    assert not send.is_enabled(), "empty input"
    box.send_keys("   ")
    assert not send.is_enabled(), "whitespace only"
    box.clear()

    height_before = box.size["height"]
    box.send_keys("line one", Keys.SHIFT, Keys.ENTER, Keys.NULL, "line two", Keys.SHIFT, Keys.ENTER,
                  Keys.NULL, "line three", Keys.SHIFT, Keys.ENTER, Keys.NULL, "line four")
    assert page.js("return document.getElementById('question').value") == "line one\nline two\nline three\nline four"
    assert page.turns() == [], "Shift+Enter does not send"
    assert box.size["height"] > height_before, "the textarea grows with its content"
    assert send.is_enabled()

    box.send_keys(Keys.ENTER)
    wait_until(lambda: len(page.turns()) == 1, message="Enter to send")
    assert not send.is_displayed() or not send.is_enabled(), "send is unavailable while answering"
    page.wait_settled()
    assert page.turns()[0]["question"] == "line one\nline two\nline three\nline four"
    assert page.js("return document.getElementById('question').value") == ""


def test_character_counter_appears_near_the_limit(page, parley):
    status, _, body = http("GET", f"{parley.base_url}/config")
    limit = json.loads(body)["max_question_chars"]
    counter = page.find("#counter")
    page.type_question("x" * 10)
    assert not counter.is_displayed()
    page.type_question("x" * int(limit * 0.9))
    assert counter.is_displayed()
    assert counter.text.replace(",", "") == f"{int(limit * 0.9)} / {limit}"
    assert page.find("#send").is_enabled()
    page.type_question("x" * (limit + 1))
    assert "over" in counter.get_attribute("class")
    assert not page.find("#send").is_enabled()


def test_follows_the_stream_unless_scrolled_up(page):
    long_answer = "\n\n".join(f"Paragraph {n} with enough words to take a line." for n in range(40))
    page.ask(f"[[say:{long_answer}]]")
    at_bottom = "const c = document.getElementById('conversation'); return c.scrollHeight - c.scrollTop - c.clientHeight;"
    assert page.js(at_bottom) < 5, "the view followed the answer to its end"

    page.ask("[[slow]] keep going", wait=False)
    wait_until(lambda: len(page.turns()[-1]["answer"].split()) >= 2, timeout=15, message="streaming")
    page.js("document.getElementById('conversation').scrollBy(0, -400)")
    time.sleep(0.2)
    position = page.js("return document.getElementById('conversation').scrollTop")
    length = len(page.turns()[-1]["answer"])
    wait_until(lambda: len(page.turns()[-1]["answer"]) > length + 10, timeout=10, message="more text")
    assert page.js("return document.getElementById('conversation').scrollTop") == position, \
        "the view stays where the reader scrolled"
    assert page.find("#jump").is_displayed()
    page.find("#jump").click()
    wait_until(lambda: page.js(at_bottom) < 5, message="jump to the latest text")
    page.find("#stop").click()
    page.wait_settled()


def test_keyboard_only_use_with_labels_focus_styles_and_live_region(page):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    labelled = page.js("""
        const name = el => el.getAttribute('aria-label') || (el.labels && el.labels[0] && el.labels[0].textContent)
                         || el.textContent.trim();
        return [...document.querySelectorAll('button, select, textarea, summary')]
          .filter(el => !el.closest('[hidden]')).map(el => [el.id || el.className, name(el)]);
    """)
    assert labelled and all(name for _, name in labelled), labelled
    assert page.js("return document.activeElement.id") == "question", "the message box has focus on load"

    page.type_question("Keyboard question")
    ActionChains(page.driver).send_keys(Keys.TAB).perform()
    assert page.js("return document.activeElement.id") == "send"
    outline = page.js("return getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), "a visible focus style"
    ActionChains(page.driver).send_keys(Keys.ENTER).perform()
    turn = page.wait_settled()
    assert turn["status"] == "done"
    assert page.js("return document.querySelector('.turn .content').getAttribute('aria-live')") == "polite"
    assert page.js("return document.querySelector('.turn .content').getAttribute('aria-busy')") == "false"
    assert page.js("return document.getElementById('status').getAttribute('aria-live')") == "polite"


def test_export_downloads_markdown_and_json(page, downloads_dir):
    for old in downloads_dir.iterdir():
        old.unlink()
    page.ask("Export me")
    answer = page.turns()[-1]["answer"]

    page.find("#export-menu summary").click()
    page.find("#export-md").click()
    markdown_file = wait_until(lambda: next(downloads_dir.glob("parley-*.md"), None), message="the .md download")
    page.find("#export-menu summary").click()
    page.find("#export-json").click()
    json_file = wait_until(lambda: next(downloads_dir.glob("parley-*.json"), None), message="the .json download")

    wait_until(lambda: markdown_file.stat().st_size > 0 and json_file.stat().st_size > 0, message="complete files")
    text = markdown_file.read_text()
    assert "## You\n\nExport me" in text and answer in text
    exported = json.loads(json_file.read_text())
    assert exported["session_id"] == page.session_id()
    assert [m["role"] for m in exported["messages"]] == ["user", "assistant"]
    assert exported["messages"][1]["content"] == answer
    assert exported["messages"][1]["usage"]["total_tokens"] > 0


# -- delivery ----------------------------------------------------------------------------------


def test_page_files_are_gzipped_and_revalidated_but_the_event_stream_is_not(parley):
    import gzip

    for path in ["/", "/style.css", "/js/app.js", "/js/markdown.js"]:
        status, headers, body = http("GET", parley.base_url + path, headers={"Accept-Encoding": "gzip"})
        assert status == 200 and headers["Content-Encoding"] == "gzip", path
        plain_status, plain_headers, plain = http("GET", parley.base_url + path)
        assert plain_status == 200 and "Content-Encoding" not in plain_headers
        assert gzip.decompress(body) == plain, path
        etag = headers["ETag"]
        assert etag != plain_headers["ETag"], "the gzip variant has its own ETag"
        status, _, _ = http("GET", parley.base_url + path,
                            headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
        assert status == 304, f"{path} revalidates"

    status, headers, _ = http("POST", parley.base_url + "/ask",
                              body=json.dumps({"question": "hi", "stream": True}).encode(),
                              headers={"Content-Type": "application/json", "Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Type"].startswith("text/event-stream")
    assert "Content-Encoding" not in headers


def test_page_weight_stays_small(parley):
    """Every file in Public/ as the browser gets it; the README states these figures."""
    from pathlib import Path

    public = Path(__file__).resolve().parents[2] / "Public"
    raw = gzipped = 0
    for file in sorted(p for p in public.rglob("*") if p.is_file()):
        path = "/" + file.relative_to(public).as_posix()
        status, _, plain = http("GET", parley.base_url + path)
        status_gz, _, packed = http("GET", parley.base_url + path, headers={"Accept-Encoding": "gzip"})
        assert status == status_gz == 200, path
        raw += len(plain)
        gzipped += len(packed)
    print(f"page weight: {raw} bytes raw, {gzipped} bytes gzipped")
    assert gzipped < 32 * 1024, f"the page grew to {gzipped} gzipped bytes (budget 32 KiB)"
