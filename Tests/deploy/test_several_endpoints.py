"""release/several/manifest-several.yaml (issue 15): the backends file in a ConfigMap, mounted into the pod, and
PARLEY_BACKENDS_FILE pointing at it; the file itself is accepted by the built parley."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from deploy_support import MANIFESTS, RELEASE, REPO, documents_of, load_documents, missing

MANIFEST = RELEASE / "several" / "manifest-several.yaml"
BASE = RELEASE / "manifest-both.yaml"


def deployment() -> dict:
    return documents_of(MANIFEST, "Deployment")[0]


def container() -> dict:
    (only,) = deployment()["spec"]["template"]["spec"]["containers"]
    return only


def env() -> dict[str, str]:
    return {variable["name"]: variable.get("value") for variable in container()["env"]}


def backends_json() -> str:
    return documents_of(MANIFEST, "ConfigMap")[0]["data"]["backends.json"]


def test_kinds_and_names_and_not_picked_up_by_kubectl_apply_release():
    assert [d["kind"] for d in load_documents(MANIFEST)] == [
        "Namespace", "ConfigMap", "ServiceAccount", "Deployment", "Service", "NetworkPolicy"]
    assert MANIFEST not in MANIFESTS
    assert {d["metadata"]["name"] for d in load_documents(MANIFEST) if d["kind"] not in ("Namespace", "ConfigMap")} == {
        "parley-several"}


def test_the_pod_reads_the_mounted_file_and_no_single_endpoint_variable(parley_variables):
    variables = env()
    mount = next(m for m in container()["volumeMounts"] if m["name"] == "backends")
    assert mount["readOnly"] is True
    assert variables["PARLEY_BACKENDS_FILE"] == f"{mount['mountPath']}/backends.json"
    volume = next(v for v in deployment()["spec"]["template"]["spec"]["volumes"] if v["name"] == "backends")
    assert volume["configMap"]["name"] == documents_of(MANIFEST, "ConfigMap")[0]["metadata"]["name"]
    assert not {"OPENAI_API_BASE", "DEPLOYMENT_NAME", "PARLEY_DEPLOYMENTS", "OPENAI_API_KEY"} & set(variables)
    assert set(variables) <= parley_variables


def test_both_accounts_in_the_file_and_no_key():
    text = backends_json()
    assert "__AZURE_OPENAI_ENDPOINT__" in text and "__AZURE_OPENAI_ENDPOINT_2__" in text
    assert "api_key_env" not in text, "both accounts use the pod's Entra token"
    raw = MANIFEST.read_text(encoding="utf-8")
    for forbidden in ("api-key", "OPENAI_API_KEY", "AZURE_CLIENT_SECRET", "secretKeyRef"):
        assert forbidden not in raw


def test_otherwise_the_same_pod_as_manifest_both():
    """Probes, security, resources and the workload-identity wiring do not drift from manifest-both.yaml."""
    base = documents_of(BASE, "Deployment")[0]["spec"]["template"]["spec"]
    several = deployment()["spec"]["template"]["spec"]
    for key in ("securityContext", "automountServiceAccountToken", "terminationGracePeriodSeconds"):
        assert several[key] == base[key]
    base_container, several_container = base["containers"][0], several["containers"][0]
    for key in ("ports", "livenessProbe", "readinessProbe", "resources", "securityContext", "image", "args"):
        assert several_container[key] == base_container[key], key
    assert deployment()["spec"]["template"]["metadata"]["labels"]["azure.workload.identity/use"] == "true"


def test_the_rendered_file_is_accepted_by_parley(tmp_path: Path):
    binary = Path(os.environ.get("PARLEY_BIN", REPO / ".build" / "debug" / "parley"))
    if not binary.exists():
        missing(f"{binary} is not built (swift build --product parley, or set PARLEY_BIN)")
    rendered = backends_json().replace("__AZURE_OPENAI_ENDPOINT_2__", "https://parley-openai-x-2.openai.azure.com/") \
        .replace("__AZURE_OPENAI_ENDPOINT__", "https://parley-openai-x.openai.azure.com/")
    file = tmp_path / "backends.json"
    file.write_text(rendered, encoding="utf-8")
    result = subprocess.run([str(binary), "config"], capture_output=True, text=True, timeout=60, cwd=tmp_path,
                            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PARLEY_BACKENDS_FILE": str(file)})
    assert result.returncode == 0, result.stderr
    assert "2 deployment(s), 4 backend(s)" in result.stdout


@pytest.mark.parametrize("broken, field", [
    ('"priority": 2}', "priority"),
])
def test_a_broken_file_stops_parley_with_code_two(tmp_path: Path, broken: str, field: str):
    binary = Path(os.environ.get("PARLEY_BIN", REPO / ".build" / "debug" / "parley"))
    if not binary.exists():
        missing(f"{binary} is not built (swift build --product parley, or set PARLEY_BIN)")
    rendered = backends_json().replace("__AZURE_OPENAI_ENDPOINT_2__", "https://b.openai.azure.com/") \
        .replace("__AZURE_OPENAI_ENDPOINT__", "https://a.openai.azure.com/").replace(broken, '"priority": "two"}', 1)
    file = tmp_path / "backends.json"
    file.write_text(rendered, encoding="utf-8")
    result = subprocess.run([str(binary), "config"], capture_output=True, text=True, timeout=60, cwd=tmp_path,
                            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PARLEY_BACKENDS_FILE": str(file)})
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and f"[1].{field}:" in result.stderr and str(file) in result.stderr


# ---- provision.sh --second-region ------------------------------------------------------------------------------

def test_second_region_creates_a_second_account_with_the_same_deployments_and_the_role_on_both(cloud):
    from deploy_support import command_of, option

    result = cloud.run("provision.sh", "--second-region", "swedencentral")
    assert result.returncode == 0, result.stdout + result.stderr
    calls = cloud.calls()
    creates = [c for c in calls if command_of(c) == "az cognitiveservices account create"]
    assert [(option(c, "--location"), option(c, "--custom-domain") == option(c, "--name")) for c in creates] == [
        ("eastus", True), ("swedencentral", True)]
    first, second = (option(c, "--name") for c in creates)
    assert second == f"{first}-2"
    deployments = sorted((option(c, "--name"), option(c, "--deployment-name")) for c in calls
                         if command_of(c) == "az cognitiveservices account deployment create")
    assert deployments == sorted([(first, "gpt-4.1-mini"), (first, "gpt-4.1"), (second, "gpt-4.1-mini"), (second, "gpt-4.1")])
    scopes = [option(c, "--scope") for c in calls if command_of(c) == "az role assignment create"]
    assert len(scopes) == 2 and scopes[0].endswith(f"/{first}") and scopes[1].endswith(f"/{second}")
    assert sum(1 for c in calls if command_of(c) == "az resource update") == 2, "API keys disabled on both"
    applied = sorted((cloud.folder / "applied").glob("*.yaml"))
    assert [p.name for p in applied] == ["manifest-several.yaml"]
    text = applied[0].read_text(encoding="utf-8")
    assert not re.search(r"__[A-Z0-9_]+__", text)
    assert f"{first}.openai.azure.com" in text and f"{second}.openai.azure.com" in text

    again = cloud.run("provision.sh", "--second-region", "swedencentral")
    assert again.returncode == 0, again.stdout + again.stderr
    later = cloud.calls()[len(calls):]
    assert not [c for c in later if c[0] == "az" and ("create" in c or command_of(c) == "az resource update")
                and command_of(c) != "az acr build"], "a second run created something"


def test_second_region_and_with_postgres_are_refused(cloud):
    result = cloud.run("provision.sh", "--second-region", "swedencentral", "--with-postgres")
    assert result.returncode != 0
    assert "--second-region and --with-postgres" in result.stderr
