"""Every az command line the release scripts can run, checked against the real Azure CLI's argument tables
(azure-cli pinned in Tests/requirements-az.txt, in .venv-az; Tests/deploy/az_cli_check.py), offline.

The fake az accepts what it was written to accept, so it cannot tell that the az CLI removed a flag (it did in
2025 for --active-directory-auth). Here the command lines are collected by running the scripts against the fake
in every mode (first run, re-run, --with-postgres, --deploy-only, --render-only, a soft-deleted account recovered
or --purge'd, an existing cluster and a recreated one, assign-local-role.sh, --with-sign-in with its variants)
plus the dry-run printouts, and each
is parsed by the az CLI's own parser. One check per module: loading the CLI's tables takes a few seconds.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from deploy_support import FAKES, IN_CI, RELEASE, REPO, FakeCloud, missing

AZ_PYTHON = REPO / ".venv-az" / "bin" / "python"
CHECKER = Path(__file__).resolve().parent / "az_cli_check.py"
REMOVED_FLAGS_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "removed-az-flags.sh"
SCRIPTS = [RELEASE / "provision.sh", RELEASE / "lib-sign-in.sh", RELEASE / "assign-local-role.sh"]
# Commands the scripts print as advice instead of running (a die message); they must be valid too.
ADVICE = [["cognitiveservices", "account", "update", "--name", "x", "--resource-group", "parley-rg",
           "--custom-domain", "x"]]


def az_cli_verdicts(command_lines: list[list[str]]) -> list[str | None]:
    if not AZ_PYTHON.exists():
        missing(f"{AZ_PYTHON} is missing (scripts/install-test-tools.sh installs Tests/requirements-az.txt)")
    result = subprocess.run([str(AZ_PYTHON), str(CHECKER)], input=json.dumps(command_lines), capture_output=True,
                            text=True, timeout=600, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                                                         "HOME": os.environ.get("HOME", "/tmp")})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def new_cloud(folder: Path) -> FakeCloud:
    (folder / "cloud").mkdir(parents=True)
    return FakeCloud(folder=folder / "cloud", env={
        "PATH": f"{FAKES}{os.pathsep}{Path(os.sys.executable).parent}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
        "HOME": str(folder), "USER": "tester", "LANG": "C.UTF-8", "FAKE_CLOUD_DIR": str(folder / "cloud"),
        "IMAGE_TAG": "0123456789ab", "EXTERNAL_IP_INTERVAL": "0", "DOCTOR_INTERVAL": "0",
        "RENDER_DIR": str(folder / "rendered")})


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def printed_az_commands(stdout: str) -> list[list[str]]:
    """The `+ (dry run) az ...` lines of a dry run (printed with %q, so shlex reads them back)."""
    prefix = "+ (dry run) az "
    return [shlex.split(line[len(prefix):]) for line in stdout.splitlines() if line.startswith(prefix)]


def soft_delete(cloud: FakeCloud) -> None:
    state = cloud.state()
    name, account = state["openai"].popitem()
    state.setdefault("deleted_openai", {})[name] = account
    del state["groups"]["parley-rg"]
    cloud.save_state(state)


@pytest.fixture(scope="module")
def script_command_lines(tmp_path_factory) -> list[list[str]]:
    cloud = new_cloud(tmp_path_factory.mktemp("az-cli"))
    lines = []
    lines += printed_az_commands(ok(cloud.run("provision.sh", "--dry-run")))
    lines += printed_az_commands(ok(cloud.run("provision.sh", "--dry-run", "--with-postgres")))
    lines += printed_az_commands(ok(cloud.run("assign-local-role.sh", "--dry-run")))
    # An existing cluster without workload identity (az aks update), then a first run and a re-run.
    ok(cloud.az("group", "create", "--name", "parley-rg", "--location", "eastus"))
    ok(cloud.az("aks", "create", "--name", "parley-aks", "--resource-group", "parley-rg", "--location", "eastus"))
    ok(cloud.run("provision.sh"))
    state = cloud.state()  # a recreated cluster: the federated credentials are updated to its new issuer
    state["aks"]["parley-aks"]["oidcIssuerProfile"]["issuerUrl"] = "https://eastus.oic.prod-aks.azure.com/t/new/"
    cloud.save_state(state)
    ok(cloud.run("provision.sh"))
    ok(cloud.run("provision.sh", "--with-postgres"))
    ok(cloud.run("provision.sh", "--deploy-only", IMAGE_TAG="fedcba987654"))
    ok(cloud.run("provision.sh", "--render-only", str(cloud.folder.parent / "by-hand"), "--with-postgres"))
    ok(cloud.run("assign-local-role.sh"))
    soft_delete(cloud)
    ok(cloud.run("provision.sh"))
    soft_delete(cloud)
    ok(cloud.run("provision.sh", "--purge"))
    lines += [call[1:] for call in cloud.calls() if call[0] == "az"]
    lines += sign_in_command_lines(tmp_path_factory.mktemp("az-cli-sign-in"))
    unique = []
    for line in lines + ADVICE:
        if line not in unique:
            unique.append(line)
    return unique


def sign_in_command_lines(folder: Path) -> list[list[str]]:
    """--with-sign-in in every path: first run with groups, a re-run after the cluster was recreated on another
    host with the add-on's vault access gone, --internal, a given certificate, --deploy-only, --render-only."""
    cloud = new_cloud(folder)
    host = ["--with-sign-in", "--host", "parley.example.com"]
    lines = printed_az_commands(ok(cloud.run("provision.sh", "--dry-run", *host)))
    ok(cloud.run("provision.sh", *host, PARLEY_AUTH_ALLOWED_GROUPS="0c5e1b6a-0000-4000-8000-000000000001"))
    state = cloud.state()
    state["aks"]["parley-aks"]["oidcIssuerProfile"]["issuerUrl"] = "https://eastus.oic.prod-aks.azure.com/t/new/"
    state["role_assignments"] = [a for a in state["role_assignments"] if a["roleDefinitionName"] != "Key Vault Secrets User"]
    cloud.save_state(state)
    ok(cloud.run("provision.sh", "--with-sign-in", "--host", "chat.example.org"))
    ok(cloud.run("provision.sh", *host, "--internal", TRUSTED_PROXIES="10.1.0.0/24"))
    vault = next(iter(cloud.state()["keyvaults"]))
    ok(cloud.run("provision.sh", *host, TLS_CERT_KEYVAULT_URI=f"https://{vault}.vault.azure.net/certificates/other"))
    ok(cloud.run("provision.sh", "--deploy-only", *host, IMAGE_TAG="fedcba987654"))
    ok(cloud.run("provision.sh", "--render-only", str(folder / "by-hand"), *host))
    return lines + [call[1:] for call in cloud.calls() if call[0] == "az"]


def command_and_flags(argv: list[str]) -> tuple[str, set[str]]:
    words = []
    for word in argv:
        if word.startswith("-"):
            break
        words.append(word)
    return " ".join(words), {word for word in argv if word.startswith("--")}


def az_calls_in_scripts() -> dict[str, set[str]]:
    """Each `az ...` the scripts run (through run/lookup/exists/probe) with the flags written after it."""
    found: dict[str, set[str]] = {}
    for script in SCRIPTS:
        text = script.read_text(encoding="utf-8").replace("\\\n", " ")
        for match in re.finditer(r"""(?:\brun|\bexists|\bprobe|\blookup\s+(?:"[^"]*"|'[^']*'))\s+az\s+([^|\n]*)""",
                                 text):
            rest = match.group(1)
            command = " ".join(re.match(r"((?:[a-z][a-z-]*\s*)+)", rest).group(1).split())
            found.setdefault(command, set()).update(re.findall(r"(?<!\S)--[a-z][a-z-]*", rest))
    return found


def test_the_checked_command_lines_cover_every_az_command_and_flag_in_the_scripts(script_command_lines):
    checked: dict[str, set[str]] = {}
    for line in script_command_lines:
        command, flags = command_and_flags(line)
        checked.setdefault(command, set()).update(flags)
    in_scripts = az_calls_in_scripts()
    assert len(in_scripts) >= 30, sorted(in_scripts)
    not_run = {c: sorted(f - checked.get(c, set())) for c, f in in_scripts.items() if f - checked.get(c, set())}
    assert not_run == {}, "run these paths in script_command_lines too"


def test_the_az_cli_accepts_every_command_line_the_scripts_run(script_command_lines):
    verdicts = az_cli_verdicts(script_command_lines)
    rejected = [(" ".join(line), verdict) for line, verdict in zip(script_command_lines, verdicts) if verdict]
    assert rejected == []
    assert len(verdicts) == len(script_command_lines) > 50


def test_a_removed_flag_and_a_removed_command_are_rejected(tmp_path):
    """The check can fail: the fixture's calls use what the az CLI removed in 2025, and the fake refuses them too."""
    cloud = new_cloud(tmp_path)
    result = subprocess.run([str(REMOVED_FLAGS_FIXTURE)], capture_output=True, text=True, env=cloud.env, timeout=60)
    assert result.stdout.count("exit code 2") == 2, result.stdout + result.stderr  # the fake: unknown argument
    lines = [call[1:] for call in cloud.calls()]
    assert [command_and_flags(line)[0] for line in lines] == ["postgres flexible-server create",
                                                              "postgres flexible-server ad-admin list"]
    verdicts = az_cli_verdicts(lines + [ADVICE[0]])
    assert "unrecognized arguments: --active-directory-auth" in verdicts[0]
    assert "is not an az command" in verdicts[1]
    assert verdicts[2] is None


def test_the_az_cli_is_installed_in_ci():
    if IN_CI:
        assert AZ_PYTHON.exists(), "make test installs Tests/requirements-az.txt into .venv-az"
