"""Shared helpers for the deploy suite: repository paths, tool lookup, the parley binary, the fake cloud."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
RELEASE = REPO / "release"
FAKES = Path(__file__).resolve().parent / "fakes"
MANIFESTS = sorted(RELEASE.glob("*.yaml"))
# The interpreter running pytest lives in .venv/bin next to the tools Tests/requirements.txt installs.
VENV_BIN = Path(sys.executable).parent
IN_CI = os.environ.get("CI", "").lower() == "true"
# The Kubernetes version the manifests are validated against (kubernetes-validate bundles its schemas;
# 1.33 is a version AKS supports in 2026).
KUBERNETES_VERSION = "1.33.0"
# The fake cloud's subscription (fakes/fakecloud.py), from which provision.sh derives the global names.
SUBSCRIPTION_ID = "11111111-2222-3333-4444-555555555555"
# The Dockerfile's build command; test_release_binary.py runs it (with its own --scratch-path).
RELEASE_BUILD = ["swift", "build", "-c", "release", "--static-swift-stdlib", "--product", "parley"]


def missing(reason: str):
    """In CI a missing tool is a failure (make test installs every tool); on a laptop a skip."""
    if IN_CI:
        pytest.fail(reason + " (CI=true: make test must install it)")
    pytest.skip(reason)


def tool(name: str) -> str:
    found = shutil.which(name, path=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if found is None:
        missing(f"{name} is not installed (Tests/requirements.txt / Tests/apt-packages.txt)")
    return found


def load_documents(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def documents_of(path: Path, kind: str) -> list[dict]:
    return [d for d in load_documents(path) if d["kind"] == kind]


@pytest.fixture(scope="session")
def parley_variables() -> set[str]:
    """Every environment variable name Parley reads, as printed by the built binary itself
    (`parley config --variables`), so the manifests cannot drift from the configuration code."""
    binary = Path(os.environ.get("PARLEY_BIN", REPO / ".build" / "debug" / "parley"))
    if not binary.exists():
        missing(f"{binary} is not built (swift build --product parley, or set PARLEY_BIN)")
    result = subprocess.run([str(binary), "config", "--variables"], capture_output=True, text=True, timeout=60,
                            cwd=REPO, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    assert result.returncode == 0, f"parley config --variables failed: {result.stderr}"
    names = {line.strip() for line in result.stdout.splitlines() if line.strip()}
    # A contract check: the list is names only, and has the ones the issue names.
    # Upper case, except the lower-case spellings of the proxy variables that curl and Go also read.
    lower_case_proxy = {"http_proxy", "https_proxy", "no_proxy"}
    assert all(n.replace("_", "").isalnum() and (n.upper() == n or n in lower_case_proxy) for n in names), sorted(names)
    assert {"OPENAI_API_BASE", "DEPLOYMENT_NAME", "AZURE_CLIENT_ID"} <= names, sorted(names)
    return names


@dataclass
class FakeCloud:
    """A temporary fake Azure + cluster: the fake az/kubectl first on PATH, their state in `folder`."""

    folder: Path
    env: dict[str, str] = field(default_factory=dict)

    def run(self, script: str, *arguments: str, **extra_env: str) -> subprocess.CompletedProcess:
        env = {**self.env, **extra_env}
        return subprocess.run([str(RELEASE / script), *arguments], capture_output=True, text=True, env=env,
                              cwd=REPO, timeout=120)

    def az(self, *arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(FAKES / "az"), *arguments], capture_output=True, text=True, env=self.env,
                              timeout=30)

    def calls(self) -> list[list[str]]:
        log = self.folder / "calls.jsonl"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]

    def clear_calls(self) -> None:
        (self.folder / "calls.jsonl").unlink(missing_ok=True)

    def state(self) -> dict:
        path = self.folder / "state.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def save_state(self, state: dict) -> None:
        (self.folder / "state.json").write_text(json.dumps(state), encoding="utf-8")


@pytest.fixture
def cloud(tmp_path: Path) -> FakeCloud:
    folder = tmp_path / "cloud"
    folder.mkdir()
    env = {
        "PATH": f"{FAKES}{os.pathsep}{VENV_BIN}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "USER": "tester",
        "LANG": "C.UTF-8",
        "FAKE_CLOUD_DIR": str(folder),
        "IMAGE_TAG": "0123456789ab",
        "EXTERNAL_IP_INTERVAL": "0",
        "DOCTOR_INTERVAL": "0",
        "RENDER_DIR": str(tmp_path / "rendered"),
    }
    return FakeCloud(folder=folder, env=env)


# ---- reading the fake cloud's call log ----------------------------------------------------------------------

def option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def is_state_changing(argv: list[str]) -> bool:
    if argv[0] == "az":
        return bool({"create", "update", "delete", "build", "import", "get-credentials", "recover", "purge"}
                    & set(argv[1:5]))
    return argv[1] in {"apply", "delete", "create", "patch", "replace", "exec", "rollout"}


def changes(calls: list[list[str]]) -> list[list[str]]:
    return [c for c in calls if is_state_changing(c)]


def command_of(argv: list[str]) -> str:
    """'az identity federated-credential create' / 'kubectl apply'."""
    words = []
    for word in argv:
        if word.startswith("-"):
            break
        words.append(word)
    return " ".join(words[:2] if words[0] == "kubectl" else words)


def first_index(calls: list[list[str]], command: str) -> int:
    return next(i for i, c in enumerate(calls) if command_of(c) == command)
