"""State and call log shared by the fake `az` and `kubectl` executables in this folder.

The tests put this folder first on PATH and point FAKE_CLOUD_DIR at a temporary folder, which holds
  calls.jsonl   one JSON array per invocation: ["az", "group", "show", ...] in call order
  state.json    what the fake Azure and the fake cluster hold (created resources, applied objects)
so that a `show` finds what a `create` made in an earlier process, and the tests can read both.
Nothing here touches the network.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path

SUBSCRIPTION_ID = "11111111-2222-3333-4444-555555555555"
TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
USER_OBJECT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


def cloud_dir() -> Path:
    value = os.environ.get("FAKE_CLOUD_DIR")
    if not value:
        sys.stderr.write("fake cloud: FAKE_CLOUD_DIR is not set; refusing to run\n")
        sys.exit(2)
    return Path(value)


def record_call(argv: list[str]) -> None:
    with open(cloud_dir() / "calls.jsonl", "a", encoding="utf-8") as log:
        log.write(json.dumps(argv) + "\n")


def load_state() -> dict:
    path = cloud_dir() / "state.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    return {}


def save_state(state: dict) -> None:
    path = cloud_dir() / "state.json"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, indent=2, sort_keys=True), encoding="utf-8")
    temporary.replace(path)


def stable_uuid(*parts: str) -> str:
    """The same id for the same resource in every run, like a real resource keeps its ids."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))
