"""release/provision.sh and release/assign-local-role.sh against the fake az and kubectl (Tests/deploy/fakes)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from deploy_support import MANIFESTS, changes, command_of, documents_of, first_index, option

OPENAI_ROLE = "Cognitive Services OpenAI User"
AUDIENCE = "api://AzureADTokenExchange"
SERVICE_ACCOUNTS = [a["metadata"]["name"] for p in MANIFESTS for a in documents_of(p, "ServiceAccount")]
DEPLOYMENTS = [d["metadata"]["name"] for p in MANIFESTS for d in documents_of(p, "Deployment")]


def provisioned(cloud, *arguments, **env):
    result = cloud.run("provision.sh", *arguments, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_first_run_creates_everything_in_the_guides_order(cloud):
    result = provisioned(cloud)
    calls = cloud.calls()
    order = [
        "az account show",
        "az group create",
        "az cognitiveservices account create",
        "az cognitiveservices account deployment create",
        "az acr create",
        "az aks create",
        "az aks get-credentials",
        "az identity create",
        "az role assignment create",
        "az identity federated-credential create",
        "az acr build",
        "kubectl apply",
        "kubectl rollout",
        "kubectl get",
        "kubectl exec",
    ]
    positions = [first_index(calls, command) for command in order]
    assert positions == sorted(positions), list(zip(order, positions))
    # Every create is preceded by a show of the same resource (show-or-create on the right resource).
    for index, call in enumerate(calls):
        if call[0] == "az" and "create" in call and command_of(call) != "az role assignment create":
            show = command_of(call).replace(" create", " show")
            assert any(command_of(c) == show for c in calls[:index]), f"no {show} before {call}"
    deployments = [option(c, "--deployment-name") for c in calls
                   if command_of(c) == "az cognitiveservices account deployment create"]
    assert deployments == ["gpt-4.1-mini", "gpt-4.1"]
    steps = re.findall(r"^==> \[(\d+)/(\d+)\]", result.stdout, re.MULTILINE)
    assert [int(n) for n, _ in steps] == list(range(1, len(steps) + 1))
    assert {total for _, total in steps} == {str(len(steps))}
    assert "http://203.0.113." in result.stdout


def test_the_cluster_has_the_oidc_issuer_and_workload_identity_and_pulls_from_the_registry(cloud):
    provisioned(cloud)
    create = next(c for c in cloud.calls() if command_of(c) == "az aks create")
    for flag in ("--enable-oidc-issuer", "--enable-workload-identity", "--enable-managed-identity"):
        assert flag in create
    state = cloud.state()
    registry = next(iter(state["acr"].values()))
    kubelet = next(iter(state["aks"].values()))["identityProfile"]["kubeletidentity"]["objectId"]
    assert [a for a in state["role_assignments"]
            if (a["principalId"], a["roleDefinitionName"], a["scope"]) == (kubelet, "AcrPull", registry["id"])]


def test_the_openai_account_has_a_custom_subdomain(cloud):
    provisioned(cloud)
    create = next(c for c in cloud.calls() if command_of(c) == "az cognitiveservices account create")
    assert option(create, "--custom-domain") == option(create, "--name")
    assert option(create, "--kind") == "OpenAI"


def test_role_is_openai_user_scoped_to_the_account_only(cloud):
    provisioned(cloud)
    state = cloud.state()
    account = next(iter(state["openai"].values()))
    identity = next(iter(state["identities"].values()))
    assignments = [c for c in cloud.calls() if command_of(c) == "az role assignment create"]
    assert len(assignments) == 1
    call = assignments[0]
    assert option(call, "--role") == OPENAI_ROLE
    assert option(call, "--scope") == account["id"]
    assert option(call, "--scope").endswith(f"/providers/Microsoft.CognitiveServices/accounts/{account['name']}")
    assert option(call, "--assignee-object-id") == identity["principalId"]
    assert option(call, "--assignee-principal-type") == "ServicePrincipal"
    openai_roles = [a for a in state["role_assignments"] if a["roleDefinitionName"] == OPENAI_ROLE]
    assert [a["scope"] for a in openai_roles] == [account["id"]]


def test_federated_credentials_use_the_clusters_issuer_and_each_service_account(cloud):
    provisioned(cloud)
    state = cloud.state()
    issuer = next(iter(state["aks"].values()))["oidcIssuerProfile"]["issuerUrl"]
    assert issuer.startswith("https://") and ".oic.prod-aks.azure.com/" in issuer
    credentials = next(iter(state["identities"].values()))["federatedCredentials"].values()
    assert sorted(c["subject"] for c in credentials) == sorted(
        f"system:serviceaccount:parley:{account}" for account in SERVICE_ACCOUNTS)
    assert {c["issuer"] for c in credentials} == {issuer}
    assert all(c["audiences"] == [AUDIENCE] for c in credentials)


def test_applied_manifests_carry_the_real_client_id_endpoint_and_image(cloud):
    provisioned(cloud)
    state = cloud.state()
    account = next(iter(state["openai"].values()))
    identity = next(iter(state["identities"].values()))
    registry = next(iter(state["acr"].values()))
    applied = sorted((cloud.folder / "applied").glob("*.yaml"))
    assert [p.name for p in applied] == sorted(p.name for p in MANIFESTS)
    assert account["properties"]["endpoint"] == f"https://{account['name']}.openai.azure.com/"
    for path in applied:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"__[A-Z_]+__", text), path.name
        for document in yaml.safe_load_all(text):
            if document["kind"] == "ServiceAccount":
                assert document["metadata"]["annotations"]["azure.workload.identity/client-id"] == \
                    identity["clientId"]
            if document["kind"] == "Deployment":
                container = document["spec"]["template"]["spec"]["containers"][0]
                assert container["image"] == f"{registry['loginServer']}/parley:0123456789ab"
                env = {e["name"]: e["value"] for e in container["env"]}
                assert env["OPENAI_API_BASE"] == account["properties"]["endpoint"]
    build = state["builds"]
    assert [b["image"] for b in build] == ["parley:0123456789ab"]
    assert Path(build[0]["file"]).name == "Dockerfile"


def test_second_run_creates_and_assigns_nothing(cloud):
    provisioned(cloud)
    state_after_first = cloud.state()
    cloud.clear_calls()
    result = provisioned(cloud)
    calls = cloud.calls()
    azure_changes = [c for c in changes(calls) if c[0] == "az" and command_of(c) != "az aks get-credentials"]
    assert azure_changes == []
    assert not [c for c in calls if "create" in c]
    assert [command_of(c) for c in changes(calls) if c[0] == "kubectl"][0] == "kubectl apply"
    state = cloud.state()
    for key in ("groups", "openai", "acr", "aks", "identities", "role_assignments", "builds"):
        assert state[key] == state_after_first[key], key
    assert "exists" in result.stdout and "already built" in result.stdout


def test_dry_run_runs_nothing_and_prints_the_whole_plan(cloud):
    result = provisioned(cloud, "--dry-run")
    assert cloud.calls() == []
    printed = result.stdout
    for expected in ("az group create", "az cognitiveservices account create", "--custom-domain",
                     "az aks create", "--enable-oidc-issuer", "--enable-workload-identity",
                     "az role assignment create", "Cognitive\\ Services\\ OpenAI\\ User",
                     "az identity federated-credential create", "az acr build", "kubectl apply",
                     "/app/parley doctor"):
        assert expected in printed, expected
    for account in SERVICE_ACCOUNTS:
        assert f"--subject system:serviceaccount:parley:{account}" in printed


def test_dry_run_after_a_real_run_still_changes_nothing(cloud):
    provisioned(cloud)
    state = cloud.state()
    cloud.clear_calls()
    provisioned(cloud, "--dry-run")
    assert cloud.calls() == []
    assert cloud.state() == state


def test_a_failing_show_stops_the_script_instead_of_creating(cloud):
    """The original `show || create` turned any failure (here: not signed in) into a create."""
    provisioned(cloud)
    state = cloud.state()
    state["logged_out"] = True
    cloud.save_state(state)
    cloud.clear_calls()
    result = cloud.run("provision.sh")
    assert result.returncode != 0
    assert "az login" in result.stderr
    assert changes(cloud.calls()) == []


def test_a_show_failing_for_another_reason_is_not_taken_for_missing(cloud):
    result = cloud.run("provision.sh", FAKE_AZ_FAIL="group show")
    assert result.returncode != 0
    assert "not a 'not found'" in result.stderr
    assert changes(cloud.calls()) == []


def test_an_existing_cluster_without_workload_identity_is_updated(cloud):
    for argv in (("group", "create", "--name", "parley-rg", "--location", "eastus"),
                 ("aks", "create", "--name", "parley-aks", "--resource-group", "parley-rg", "--location", "eastus")):
        assert cloud.az(*argv).returncode == 0
    cloud.clear_calls()
    provisioned(cloud)
    updates = [c for c in cloud.calls() if command_of(c) == "az aks update"]
    assert any("--enable-oidc-issuer" in c and "--enable-workload-identity" in c for c in updates)
    assert any("--attach-acr" in c for c in updates)
    assert not [c for c in cloud.calls() if command_of(c) == "az aks create"]
    cluster = cloud.state()["aks"]["parley-aks"]
    assert cluster["securityProfile"]["workloadIdentity"]["enabled"] is True


def test_a_recreated_cluster_updates_the_federated_credentials_to_its_new_issuer(cloud):
    provisioned(cloud)
    state = cloud.state()
    new_issuer = "https://eastus.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/new-cluster/"
    state["aks"]["parley-aks"]["oidcIssuerProfile"]["issuerUrl"] = new_issuer
    cloud.save_state(state)
    cloud.clear_calls()
    provisioned(cloud)
    updates = [c for c in cloud.calls() if command_of(c) == "az identity federated-credential update"]
    assert len(updates) == len(SERVICE_ACCOUNTS)
    assert {option(c, "--issuer") for c in updates} == {new_issuer}
    assert not [c for c in cloud.calls() if command_of(c) == "az identity federated-credential create"]


def test_an_account_without_custom_subdomain_is_refused_with_the_fix(cloud):
    for argv in (("group", "create", "--name", "parley-rg", "--location", "eastus"),
                 ("cognitiveservices", "account", "create", "--name", "legacy", "--resource-group", "parley-rg",
                  "--location", "eastus", "--kind", "OpenAI", "--sku", "S0")):
        assert cloud.az(*argv).returncode == 0
    result = cloud.run("provision.sh", AZURE_OPENAI_NAME="legacy")
    assert result.returncode != 0
    assert "custom subdomain" in result.stderr and "--custom-domain legacy" in result.stderr


def test_one_parley_for_both_deployments_with_another_namespace(cloud):
    provisioned(cloud, MANIFESTS="manifest-both.yaml", NAMESPACE="chat")
    calls = cloud.calls()
    credentials = [c for c in calls if command_of(c) == "az identity federated-credential create"]
    assert [option(c, "--subject") for c in credentials] == ["system:serviceaccount:chat:parley-both"]
    objects = cloud.state()["objects"]
    assert sorted(objects) == sorted([
        "Namespace//chat", "ServiceAccount/chat/parley-both", "Deployment/chat/parley-both",
        "Service/chat/parley-both", "NetworkPolicy/chat/parley-both"])
    assert [next(w for w in c if w.startswith("deploy/")) for c in calls if command_of(c) == "kubectl exec"] == \
        ["deploy/parley-both"]
    assert all(option(c, "--namespace") == "chat" for c in calls if c[0] == "kubectl" and c[1] != "apply")


def test_doctor_failure_fails_the_run_with_advice_after_a_bounded_number_of_tries(cloud):
    result = cloud.run("provision.sh", FAKE_DOCTOR_EXIT="1", DOCTOR_TRIES="3")
    assert result.returncode == 1
    assert "30 minutes" in result.stderr
    assert len([c for c in cloud.calls() if command_of(c) == "kubectl exec"]) == 3 * len(DEPLOYMENTS)
    assert "(2/3)" in result.stdout and "propagate" in result.stdout


def test_doctor_is_retried_while_the_role_and_credential_propagate(cloud):
    result = cloud.run("provision.sh", FAKE_DOCTOR_FAILURES="2")
    assert result.returncode == 0, result.stderr
    assert len([c for c in cloud.calls() if command_of(c) == "kubectl exec"]) == 3 * len(DEPLOYMENTS)
    assert "runs again in 0s" in result.stdout


def test_external_ip_wait_is_bounded(cloud):
    result = cloud.run("provision.sh", FAKE_LB_PENDING_POLLS="1000", EXTERNAL_IP_TRIES="3")
    assert result.returncode == 0, result.stderr
    polls = [c for c in cloud.calls() if command_of(c) == "kubectl get"]
    assert len(polls) == 3 * len(DEPLOYMENTS)
    assert "no external IP yet" in result.stderr


def test_deploy_only_refuses_to_create_azure_resources(cloud):
    result = cloud.run("provision.sh", "--deploy-only")
    assert result.returncode != 0
    assert "make provision" in result.stderr
    assert changes(cloud.calls()) == []


def test_deploy_only_after_provisioning_only_applies(cloud):
    provisioned(cloud)
    cloud.clear_calls()
    provisioned(cloud, "--deploy-only", IMAGE_TAG="fedcba987654")
    azure = [command_of(c) for c in changes(cloud.calls()) if c[0] == "az"]
    assert azure == ["az aks get-credentials", "az acr build"]
    assert any(command_of(c) == "kubectl apply" for c in cloud.calls())


def test_assign_local_role_gives_the_signed_in_user_the_role_on_the_account(cloud):
    provisioned(cloud)
    cloud.clear_calls()
    result = cloud.run("assign-local-role.sh")
    assert result.returncode == 0, result.stderr
    state = cloud.state()
    account = next(iter(state["openai"].values()))
    created = [c for c in cloud.calls() if command_of(c) == "az role assignment create"]
    assert len(created) == 1
    assert option(created[0], "--role") == OPENAI_ROLE
    assert option(created[0], "--scope") == account["id"]
    assert option(created[0], "--assignee-principal-type") == "User"
    assert option(created[0], "--assignee-object-id") == "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    assert f"OPENAI_API_BASE={account['properties']['endpoint']}" in result.stdout
    cloud.clear_calls()
    again = cloud.run("assign-local-role.sh")
    assert again.returncode == 0, again.stderr
    assert changes(cloud.calls()) == []
    cloud.clear_calls()
    assert cloud.run("assign-local-role.sh", "--dry-run").returncode == 0
    assert cloud.calls() == []


def test_assign_local_role_without_an_account_says_what_to_do(cloud):
    cloud.az("group", "create", "--name", "parley-rg", "--location", "eastus")
    result = cloud.run("assign-local-role.sh")
    assert result.returncode != 0
    assert "provision.sh" in result.stderr
    assert changes(cloud.calls()) == [["az", "group", "create", "--name", "parley-rg", "--location", "eastus"]]


def test_help_prints_usage_and_unknown_arguments_fail(cloud):
    usage = cloud.run("provision.sh", "--help")
    assert usage.returncode == 0 and "--dry-run" in usage.stdout and "--deploy-only" in usage.stdout
    wrong = cloud.run("provision.sh", "--yes")
    assert wrong.returncode != 0 and "unknown argument" in wrong.stderr
    assert cloud.calls() == []
