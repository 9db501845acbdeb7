"""Screenshots of a conversation at 1280×800 (light and dark) and 360×740, written to
test-output/screenshots/ (the README shows desktop-light.png)."""

from __future__ import annotations

import struct

SAMPLE_ANSWER = "\n".join([
    "Here is a small **Swift** example that reads an environment variable with a default:",
    "",
    "```swift",
    "let port = Int(ProcessInfo.processInfo.environment[\"PORT\"] ?? \"\") ?? 8087",
    "print(\"listening on :\\(port)\")",
    "```",
    "",
    "- `PORT` picks the port; *8087* when unset",
    "- Read it once at start, then pass it in",
    "",
    "See the [Swift documentation](https://www.swift.org/documentation/) for more.",
])


def png_size(path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


def test_screenshots_light_dark_and_phone(page, screenshot_dir):
    # The fake answers exactly what [[say:…]] holds; the long question folds behind "Show more".
    page.ask(f"How do I read the PORT environment variable in Swift, with a default? [[say:{SAMPLE_ANSWER}]]")
    assert page.find(".turn .show-more").is_displayed()
    shots = {}

    page.color_scheme("light")
    page.set_viewport(1280, 800)
    shots["desktop-light.png"] = (1280, 800)
    page.driver.save_screenshot(str(screenshot_dir / "desktop-light.png"))

    page.color_scheme("dark")
    background = page.js("return getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(255, 255, 255)", "dark theme from prefers-color-scheme"
    shots["desktop-dark.png"] = (1280, 800)
    page.driver.save_screenshot(str(screenshot_dir / "desktop-dark.png"))

    page.color_scheme("light")
    page.set_viewport(360, 740, mobile=True)
    overflow = page.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a 360px phone"
    composer = page.find("#composer").rect
    assert composer["x"] >= 0 and composer["x"] + composer["width"] <= 360
    shots["phone-light.png"] = (360, 740)
    page.driver.save_screenshot(str(screenshot_dir / "phone-light.png"))

    page.set_viewport(1280, 800)
    for name, size in shots.items():
        assert png_size(screenshot_dir / name) == size, name
