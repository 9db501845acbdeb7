"""The Dockerfile, .dockerignore and the devcontainer, read as text (no Docker engine runs here)."""

from __future__ import annotations

import json
import re

from deploy_support import RELEASE_BUILD, REPO


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    joined = re.sub(r"\\\n\s*", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    result = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def stages() -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for instruction in instructions():
        if instruction[0] == "FROM":
            found.append([])
        found[-1].append(instruction)
    return found


def test_two_stages_on_pinned_tags():
    build, runtime = stages()
    images = [stage[0][1].split()[0] for stage in (build, runtime)]
    assert re.fullmatch(r"swift:6\.3(\.\d+)?-(bookworm|noble)", images[0]), images[0]
    assert re.fullmatch(r"(debian:bookworm-slim|debian:12-slim|ubuntu:24\.04|ubuntu:noble)", images[1]), images[1]
    assert all(":" in image and not image.endswith(":latest") for image in images)
    assert build[0][1].endswith(" AS build")


def test_dependency_resolution_is_cached_in_its_own_layer():
    build = stages()[0]
    position = {}
    for index, (word, arguments) in enumerate(build):
        if word == "COPY" and arguments.startswith("Package.*"):
            position.setdefault("copy manifest", index)
        if word == "RUN" and "swift package resolve" in arguments:
            position.setdefault("resolve", index)
        if word == "COPY" and arguments.startswith("Sources"):
            position.setdefault("copy sources", index)
        if word == "RUN" and " ".join(RELEASE_BUILD) in arguments:
            position.setdefault("build", index)
    assert list(position) == ["copy manifest", "resolve", "copy sources", "build"], position
    assert position["copy manifest"] < position["resolve"] < position["copy sources"] < position["build"]


def test_release_build_is_the_command_the_binary_test_runs():
    build_runs = [arguments for word, arguments in stages()[0] if word == "RUN" and "swift build" in arguments]
    assert len(build_runs) == 1
    assert build_runs[0].startswith(" ".join(RELEASE_BUILD) + " ")
    assert "strip" in build_runs[0]


def test_runtime_stage_holds_only_the_binary_and_the_page_and_runs_as_non_root():
    runtime = stages()[1]
    copies = [arguments for word, arguments in runtime if word == "COPY"]
    assert copies == ["--from=build /staging/parley /app/parley", "Public /app/Public"]
    settings = {word: arguments for word, arguments in runtime}
    user = settings["USER"].split(":")
    assert all(part.isdigit() and int(part) >= 10000 for part in user), settings["USER"]
    assert settings["WORKDIR"] == "/app"
    assert settings["EXPOSE"] == "8087"
    assert json.loads(settings["ENTRYPOINT"]) == ["/app/parley"]
    assert json.loads(settings["CMD"]) == ["serve"]
    assert settings["ENV"] == "LOG_FORMAT=json"
    install = next(arguments for word, arguments in runtime if word == "RUN")
    assert "ca-certificates" in install and "--no-install-recommends" in install
    assert "rm -rf /var/lib/apt/lists/*" in install
    # USER comes after every RUN, so nothing runs as root at start and the app files stay root-owned.
    words = [word for word, _ in runtime]
    assert words.index("USER") > max(i for i, w in enumerate(words) if w in ("RUN", "COPY"))


def test_dockerignore_is_an_allow_list_that_keeps_secrets_and_builds_out():
    lines = [line.strip() for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines[0] == "*"
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    assert allowed == {"Package.swift", "Package.resolved", "Sources", "Tests", "Public"}
    assert "Tests/deploy/" in lines


def test_devcontainer_has_swift_azure_cli_kubectl_and_k9s():
    config = json.loads((REPO / ".devcontainer" / "devcontainer.json").read_text(encoding="utf-8"))
    assert re.fullmatch(r"swift:6\.3(\.\d+)?-(bookworm|noble)", config["image"])
    features = " ".join(config["features"])
    for feature in ("azure-cli", "kubectl", "k9s"):
        assert feature in features, feature
    assert 8087 in config["forwardPorts"]
