"""The layering of Sources/: which module each target may import (README "Design"), and one name per type.

Reads every `import X` line of Sources/<target>/**/*.swift and fails when a target imports a module
that is not in its row of ALLOWED, or when a target has no row. Adding an import on purpose means
adding it here, next to the one-sentence reason in README "Design", so the arrows cannot drift.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# The platform modules every target may use.
PLATFORM = {"Foundation", "Synchronization", "Darwin", "Glibc"}

# target -> the modules it may import, besides PLATFORM.
ALLOWED: dict[str, set[str]] = {
    # Outbound HTTP, retry and deadline rules: knows no other Parley target.
    "ParleyOutbound": {"AsyncHTTPClient", "NIOCore", "NIOPosix"},
    # Entra credentials, the token cache and the sign-in OpenID client (JWTKit verifies its
    # tokens, issue 13): no Hummingbird, no Azure OpenAI.
    "ParleyIdentity": {"ParleyOutbound", "AsyncHTTPClient", "Logging", "Crypto", "_CryptoExtras", "JWTKit"},
    # The Azure OpenAI client: no Hummingbird, no identity (a token arrives through a closure).
    "ParleyAzureOpenAI": {"ParleyOutbound", "AsyncHTTPClient", "NIOCore", "NIOHTTP1", "Logging", "CoreMetrics"},
    # Sessions and prompts: knows no HTTP at all.
    "ParleyChat": {"Logging"},
    # The document index: scanning, passages, SQLite FTS5, retrieval; no HTTP.
    "ParleyDocuments": {"ParleyChat", "SQLiteNIO", "Logging", "Crypto"},
    # The PostgreSQL session store and the PostgreSQL passage index (implements ParleyDocuments' PassageIndex).
    "ParleySessionStorePostgres": {"ParleyChat", "ParleyOutbound", "ParleyDocuments", "PostgresNIO", "NIOSSL", "Logging", "ServiceLifecycle"},
    # HTTP, configuration, metrics and the composition root: every library, never the doctor.
    "ParleyServer": {
        "ParleyOutbound", "ParleyIdentity", "ParleyAzureOpenAI", "ParleyChat", "ParleySessionStorePostgres",
        "ParleyDocuments", "Hummingbird", "HTTPTypes", "NIOHTTPTypes", "NIOCore", "CompressNIO", "AsyncHTTPClient", "Logging",
        "ServiceLifecycle", "Configuration", "SystemPackage", "Prometheus", "CoreMetrics", "Yams",
    },
    # `parley doctor`: the server's settings and the libraries it checks.
    "ParleyDoctor": {
        "ParleyServer", "ParleyOutbound", "ParleyIdentity", "ParleyAzureOpenAI", "ParleySessionStorePostgres",
        "AsyncHTTPClient", "Logging",
    },
    # The executable: arguments only; everything else is behind ParleyServer and ParleyDoctor.
    "parley": {"ArgumentParser", "ParleyServer", "ParleyDoctor"},
    # Loopback fakes for the tests; never shipped.
    "ParleyTestSupport": {
        "Hummingbird", "ServiceLifecycle", "Logging", "NIOCore", "NIOPosix", "NIOHTTP1", "Crypto", "_CryptoExtras",
    },
    "parley-fakes": {"ArgumentParser", "ParleyTestSupport"},
    # `make eval` and `make bench-docs`: the retrieval library and arguments; never shipped.
    "parley-eval": {"ArgumentParser", "ParleyDocuments", "ParleyChat", "ParleyTestSupport"},
}

IMPORT = re.compile(
    r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:public\s+|internal\s+|package\s+|private\s+|fileprivate\s+)?import\s+"
    r"(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_][A-Za-z0-9_]*)",
    re.MULTILINE,
)


def imports_by_target(sources: Path) -> dict[str, dict[str, list[str]]]:
    """target -> module -> the files (relative to `sources`) that import it."""
    found: dict[str, dict[str, list[str]]] = {}
    for target in sorted(p for p in sources.iterdir() if p.is_dir()):
        modules: dict[str, list[str]] = {}
        for file in sorted(target.rglob("*.swift")):
            for module in IMPORT.findall(file.read_text(encoding="utf-8")):
                modules.setdefault(module, []).append(str(file.relative_to(sources)))
        found[target.name] = modules
    return found


def violations(sources: Path, allowed: dict[str, set[str]] = ALLOWED) -> list[str]:
    """One line per forbidden import or unlisted target; empty when the layering holds."""
    problems = []
    for target, modules in imports_by_target(sources).items():
        if target not in allowed:
            problems.append(f"{target}: no row in ALLOWED (Tests/deploy/test_layering.py); add one")
            continue
        for module, files in sorted(modules.items()):
            if module not in allowed[target] | PLATFORM:
                problems.append(f"{target} may not import {module} ({', '.join(files)})")
    return problems


TOP_LEVEL_TYPE = re.compile(
    r"^(?:@\w+\s+)*(?:public\s+|internal\s+|package\s+|private\s+|fileprivate\s+)?(?:final\s+)?"
    r"(?:struct|enum|class|actor|protocol|typealias)\s+([A-Z][A-Za-z0-9_]*)",
    re.MULTILINE,
)


def shared_type_names(sources: Path) -> dict[str, list[str]]:
    """Top-level type names declared by more than one target: one name per idea."""
    owners: dict[str, set[str]] = {}
    for target in sorted(p for p in sources.iterdir() if p.is_dir()):
        for file in target.rglob("*.swift"):
            for name in TOP_LEVEL_TYPE.findall(file.read_text(encoding="utf-8")):
                owners.setdefault(name, set()).add(target.name)
    return {name: sorted(targets) for name, targets in owners.items() if len(targets) > 1}


def test_no_two_targets_declare_a_type_of_the_same_name():
    assert shared_type_names(REPO / "Sources") == {}


def test_the_name_check_finds_a_clash(tmp_path):
    for target, kind in [("ParleyAzureOpenAI", "struct"), ("ParleyServer", "public enum")]:
        (tmp_path / target).mkdir()
        (tmp_path / target / "Event.swift").write_text(f"{kind} ServerSentEvent {{}}\n", encoding="utf-8")
    assert shared_type_names(tmp_path) == {"ServerSentEvent": ["ParleyAzureOpenAI", "ParleyServer"]}


def test_every_target_imports_only_what_its_row_allows():
    assert violations(REPO / "Sources") == []


def test_the_check_finds_a_forbidden_import(tmp_path):
    """A fixture violation: the executable importing the identity library directly."""
    executable = tmp_path / "parley"
    executable.mkdir()
    (executable / "Serve.swift").write_text("import ArgumentParser\nimport ParleyServer\n", encoding="utf-8")
    (executable / "Sneaky.swift").write_text("@preconcurrency import ParleyIdentity\nlet x = 1\n", encoding="utf-8")
    assert violations(tmp_path) == ["parley may not import ParleyIdentity (parley/Sneaky.swift)"]


def test_the_check_finds_an_unlisted_target_and_a_server_importing_the_doctor(tmp_path):
    (tmp_path / "ParleyNew").mkdir()
    (tmp_path / "ParleyNew" / "A.swift").write_text("import Foundation\n", encoding="utf-8")
    (tmp_path / "ParleyServer" / "HTTP").mkdir(parents=True)
    (tmp_path / "ParleyServer" / "HTTP" / "B.swift").write_text("import struct ParleyDoctor.DoctorReport\n", encoding="utf-8")
    assert violations(tmp_path) == [
        "ParleyNew: no row in ALLOWED (Tests/deploy/test_layering.py); add one",
        "ParleyServer may not import ParleyDoctor (ParleyServer/HTTP/B.swift)",
    ]
