"""release/provision.sh and the Makefile targets around it, for the cases issue 10 names: current models checked
before creating, names shared by the team, soft-deleted accounts, no API keys, DRY_RUN, the render folder,
--render-only, make undeploy in another namespace. All against the fake az and kubectl (Tests/deploy/fakes)."""

from __future__ import annotations

import hashlib
import subprocess

from deploy_support import (KUBERNETES_VERSION, REPO, SUBSCRIPTION_ID, changes, command_of, load_documents, option,
                            tool)

SUFFIX = hashlib.sha256(f"{SUBSCRIPTION_ID}/parley-rg".encode()).hexdigest()[:6]
ACCOUNT = f"parley-openai-{SUFFIX}"


def provisioned(cloud, *arguments, **env):
    result = cloud.run("provision.sh", *arguments, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def creates(calls: list[list[str]]) -> list[str]:
    return [command_of(c) for c in calls if c[0] == "az" and "create" in c]


def test_names_come_from_the_subscription_and_group_so_a_second_person_reuses_everything(cloud, tmp_path):
    provisioned(cloud)
    assert list(cloud.state()["openai"]) == [ACCOUNT]
    assert list(cloud.state()["acr"]) == [f"parleyacr{SUFFIX}"]
    other_home = tmp_path / "someone-else"
    other_home.mkdir()
    for user in ("someone-else", "root"):  # a colleague, and the devcontainer
        cloud.clear_calls()
        provisioned(cloud, USER=user, HOME=str(other_home))
        assert creates(cloud.calls()) == []
        assert list(cloud.state()["openai"]) == [ACCOUNT]
        result = cloud.run("provision.sh", "--deploy-only", USER=user, HOME=str(other_home))
        assert result.returncode == 0, result.stderr
        local = cloud.run("assign-local-role.sh", USER=user, HOME=str(other_home))
        assert local.returncode == 0 and f"https://{ACCOUNT}.openai.azure.com/" in local.stdout


def test_models_are_current_globalstandard_and_checked_before_anything_is_created(cloud):
    provisioned(cloud)
    calls = cloud.calls()
    listing = next(i for i, c in enumerate(calls) if command_of(c) == "az cognitiveservices model list")
    first_change = next(i for i, c in enumerate(calls) if c in changes(calls))
    assert listing < first_change
    deployments = cloud.state()["openai"][ACCOUNT]["deployments"]
    assert {n: (d["properties"]["model"]["name"], d["properties"]["model"]["version"], d["sku"]["name"])
            for n, d in deployments.items()} == {
        "gpt-4.1-mini": ("gpt-4.1-mini", "2025-04-14", "GlobalStandard"),
        "gpt-4.1": ("gpt-4.1", "2025-04-14", "GlobalStandard")}


def test_a_retired_model_stops_the_first_run_with_what_the_region_offers(cloud):
    result = cloud.run("provision.sh", MINI_MODEL="gpt-35-turbo", MINI_MODEL_VERSION="0125", MODEL_SKU="Standard")
    assert result.returncode != 0
    assert "gpt-35-turbo 0125 not offered as Standard in eastus" in result.stderr
    assert "gpt-4.1-mini  2025-04-14  GlobalStandard" in result.stderr  # the list to pick from
    assert changes(cloud.calls()) == []
    # The fake refuses it too, as Azure does (DeploymentModelNotSupported).
    provisioned(cloud)
    refused = cloud.az("cognitiveservices", "account", "deployment", "create", "--name", ACCOUNT, "--resource-group",
                       "parley-rg", "--deployment-name", "old", "--model-name", "gpt-35-turbo", "--model-version",
                       "0125", "--model-format", "OpenAI", "--sku-name", "Standard")
    assert refused.returncode != 0 and "DeploymentModelNotSupported" in refused.stderr


def test_other_models_can_be_chosen(cloud):
    provisioned(cloud, MINI_MODEL="gpt-4o-mini", MINI_MODEL_VERSION="2024-07-18", LARGE_MODEL="gpt-4o",
                LARGE_MODEL_VERSION="2024-11-20")
    models = {n: d["properties"]["model"]["name"] for n, d in cloud.state()["openai"][ACCOUNT]["deployments"].items()}
    assert models == {"gpt-4.1-mini": "gpt-4o-mini", "gpt-4.1": "gpt-4o"}


def test_the_account_accepts_no_api_keys(cloud):
    provisioned(cloud)
    assert cloud.state()["openai"][ACCOUNT]["properties"]["disableLocalAuth"] is True
    update = [c for c in cloud.calls() if command_of(c) == "az resource update"]
    assert [option(c, "--set") for c in update] == ["properties.disableLocalAuth=true"]
    cloud.clear_calls()
    provisioned(cloud)
    assert not [c for c in cloud.calls() if command_of(c) == "az resource update"]


def soft_delete_account(cloud, group: str = "parley-rg") -> None:
    """What `az group delete` leaves behind: no group, the account soft-deleted (48 h) under its name."""
    state = cloud.state()
    account = state["openai"].pop(ACCOUNT)
    account["resourceGroup"] = group
    state.setdefault("deleted_openai", {})[ACCOUNT] = account
    del state["groups"]["parley-rg"]
    cloud.save_state(state)
    cloud.clear_calls()


def test_a_soft_deleted_account_is_recovered(cloud):
    provisioned(cloud)
    soft_delete_account(cloud)
    result = provisioned(cloud)
    azure = [command_of(c) for c in changes(cloud.calls()) if c[0] == "az"]
    assert "az cognitiveservices account recover" in azure
    assert "az cognitiveservices account create" not in azure and "az cognitiveservices account purge" not in azure
    assert "recovering" in result.stdout
    assert ACCOUNT in cloud.state()["openai"] and not cloud.state()["deleted_openai"]


def test_with_purge_a_soft_deleted_account_is_purged_then_created(cloud):
    provisioned(cloud)
    soft_delete_account(cloud)
    provisioned(cloud, "--purge")
    azure = [command_of(c) for c in changes(cloud.calls()) if c[0] == "az"]
    purge, create = azure.index("az cognitiveservices account purge"), azure.index("az cognitiveservices account create")
    assert purge < create and "az cognitiveservices account recover" not in azure
    assert cloud.state()["purged_openai"] == [ACCOUNT]


def test_a_name_soft_deleted_in_another_group_is_explained(cloud):
    provisioned(cloud)
    soft_delete_account(cloud, group="old-rg")
    result = cloud.run("provision.sh")
    assert result.returncode != 0
    assert "old-rg" in result.stderr and "--purge" in result.stderr
    assert "az cognitiveservices account create" not in [command_of(c) for c in cloud.calls()]


def test_dry_run_means_1_or_true_only(cloud):
    for value in ("1", "true", "TRUE"):
        assert cloud.run("provision.sh", DRY_RUN=value).returncode == 0
        assert cloud.calls() == [], value
    provisioned(cloud, DRY_RUN="0")
    assert cloud.state()["openai"]
    for value in ("false", ""):
        cloud.clear_calls()
        provisioned(cloud, DRY_RUN=value)
        assert cloud.calls(), value
    wrong = cloud.run("provision.sh", DRY_RUN="yes")
    assert wrong.returncode != 0 and "DRY_RUN=yes" in wrong.stderr


def make_dry_run(value: str) -> str:
    result = subprocess.run(["make", "--dry-run", "--no-print-directory", "provision", f"DRY_RUN={value}"],
                            capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_provision_dry_run_only_for_1_or_true():
    assert "--dry-run" in make_dry_run("1") and "--dry-run" in make_dry_run("true")
    assert "--dry-run" not in make_dry_run("0") and "--dry-run" not in make_dry_run("false")


def test_a_reused_render_folder_holds_only_this_runs_manifests(cloud, tmp_path):
    render = tmp_path / "rendered"
    render.mkdir()
    (render / "manifest-replicas.yaml").write_text("stale: from an earlier run\n", encoding="utf-8")
    provisioned(cloud, MANIFESTS="manifest-both.yaml")
    assert sorted(p.name for p in render.iterdir()) == ["manifest-both.yaml"]
    assert sorted(p.name for p in (cloud.folder / "applied").iterdir()) == ["manifest-both.yaml"]
    (render / "notes.txt").write_text("mine\n", encoding="utf-8")
    refused = cloud.run("provision.sh", "--deploy-only", MANIFESTS="manifest-both.yaml")
    assert refused.returncode != 0 and "notes.txt" in refused.stderr
    assert (render / "notes.txt").exists()


def validate(folder) -> None:
    files = sorted(folder.glob("*.yaml"))
    result = subprocess.run([tool("kubernetes-validate"), "--strict", "--kubernetes-version", KUBERNETES_VERSION,
                             *map(str, files)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(" passed for resource ") == sum(len(load_documents(p)) for p in files)


def test_render_only_with_given_values_calls_nothing_and_writes_valid_manifests(cloud, tmp_path):
    out = tmp_path / "by-hand"
    result = cloud.run("provision.sh", "--render-only", str(out), IDENTITY_CLIENT_ID="0000-client",
                       AZURE_OPENAI_ENDPOINT="https://mine.openai.azure.com/", ACR_LOGIN_SERVER="mine.azurecr.io")
    assert result.returncode == 0, result.stderr
    assert cloud.calls() == []
    assert sorted(p.name for p in out.iterdir()) == ["manifest-both.yaml", "manifest-gpt4.yaml", "manifest.yaml"]
    text = (out / "manifest.yaml").read_text(encoding="utf-8")
    assert "0000-client" in text and "https://mine.openai.azure.com/" in text and "mine.azurecr.io/parley:" in text
    assert "from the environment" in result.stdout
    validate(out)


def test_render_only_looks_values_up_read_only(cloud, tmp_path):
    provisioned(cloud, "--with-postgres")
    state = cloud.state()
    cloud.clear_calls()
    out = tmp_path / "by-hand"
    result = cloud.run("provision.sh", "--render-only", str(out), "--with-postgres")
    assert result.returncode == 0, result.stderr
    assert changes(cloud.calls()) == [] and cloud.state() == state
    assert {command_of(c) for c in cloud.calls()} <= {
        "az account show", "az identity show", "az cognitiveservices account show", "az acr show",
        "az postgres flexible-server show"}
    text = (out / "manifest-replicas.yaml").read_text(encoding="utf-8")
    assert state["postgres"][f"parley-pg-{SUFFIX}"]["fullyQualifiedDomainName"] in text
    validate(out)


def test_make_undeploy_honours_namespace(cloud):
    provisioned(cloud, MANIFESTS="manifest-both.yaml", NAMESPACE="chat")
    provisioned(cloud, MANIFESTS="manifest.yaml")
    result = subprocess.run(["make", "--no-print-directory", "undeploy", "NAMESPACE=chat"], capture_output=True,
                            text=True, cwd=REPO, env=cloud.env, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    remaining = sorted(cloud.state()["objects"])
    assert [k for k in remaining if "/chat/" in k] == []
    assert "Deployment/parley/parley-gpt-35-turbo" in remaining and "Namespace//chat" in remaining


def test_make_undeploy_removes_the_sign_in_ingress(cloud):
    provisioned(cloud, "--with-sign-in", "--host", "parley.example.com")
    assert any(k.startswith("Ingress/parley/") for k in cloud.state()["objects"])
    result = subprocess.run(["make", "--no-print-directory", "undeploy"], capture_output=True,
                            text=True, cwd=REPO, env=cloud.env, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [k for k in cloud.state()["objects"] if "/parley/" in k] == []
