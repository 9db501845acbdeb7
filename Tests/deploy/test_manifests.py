"""The release/ manifests, read as YAML: workload identity wiring, probes, security, names, env variables."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from deploy_support import MANIFESTS, RELEASE, documents_of, load_documents

WORKLOAD_IDENTITY_LABEL = "azure.workload.identity/use"
CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id"
PORT = 8087
# Prometheus scrapes /metrics here; Parley then serves it on this port only (PARLEY_METRICS_PORT), never on PORT.
METRICS_PORT = 9090
# Set by the workload-identity webhook from the service account; a value in the manifest would win over it.
WEBHOOK_VARIABLES = {"AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST"}
SECRET_VARIABLES = {"OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "AZURE_CLIENT_SECRET"}
DEFAULT_SHUTDOWN_GRACE = 25
# name[:port]/path:tag with a tag that is not "latest"
TAGGED_IMAGE = re.compile(r"^[^@\s]+/[^:@\s]+:(?!latest$)[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
EXPECTED_DEPLOYMENTS = {
    "manifest.yaml": ("gpt-4.1-mini", None),
    "manifest-gpt4.yaml": ("gpt-4.1", None),
    "manifest-both.yaml": ("gpt-4.1-mini", "gpt-4.1-mini,gpt-4.1"),
}


def test_the_three_manifests_are_there():
    assert {p.name for p in MANIFESTS} == set(EXPECTED_DEPLOYMENTS)


def deployments():
    for path in MANIFESTS:
        for deployment in documents_of(path, "Deployment"):
            yield pytest.param(path, deployment, id=f"{path.name}:{deployment['metadata']['name']}")


def container_of(deployment: dict) -> dict:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def env_of(deployment: dict) -> dict[str, str]:
    return {e["name"]: e.get("value") for e in container_of(deployment).get("env", [])}


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_each_file_is_complete(path):
    kinds = Counter(d["kind"] for d in load_documents(path))
    assert kinds == {"Namespace": 1, "ServiceAccount": 1, "Deployment": 1, "Service": 1, "NetworkPolicy": 1}


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_documents_put_kind_before_metadata_name(path):
    """release/provision.sh finds service accounts and deployments with awk on `kind:` then `  name:`."""
    text = path.read_text(encoding="utf-8")
    for document in text.split("\n---\n")[1:]:
        lines = [line for line in document.splitlines() if line and not line.startswith("#")]
        kind_line = next(i for i, line in enumerate(lines) if line.startswith("kind: "))
        name_line = next(i for i, line in enumerate(lines) if line.startswith("  name: "))
        assert kind_line < lines.index("metadata:") < name_line, document


@pytest.mark.parametrize("path, deployment", deployments())
def test_pod_uses_workload_identity_through_a_service_account_in_the_same_file(path, deployment):
    template = deployment["spec"]["template"]
    assert template["metadata"]["labels"][WORKLOAD_IDENTITY_LABEL] == "true"
    account_name = template["spec"]["serviceAccountName"]
    accounts = {a["metadata"]["name"]: a for a in documents_of(path, "ServiceAccount")}
    assert account_name in accounts, f"{path.name}: no ServiceAccount {account_name}"
    account = accounts[account_name]
    assert account["metadata"]["namespace"] == deployment["metadata"]["namespace"]
    assert account["metadata"]["annotations"][CLIENT_ID_ANNOTATION] == "__AZURE_CLIENT_ID__"
    # The label must be on the pod (webhook objectSelector), not only on the Deployment or the account.
    assert WORKLOAD_IDENTITY_LABEL not in account["metadata"].get("labels", {})


@pytest.mark.parametrize("path, deployment", deployments())
def test_probes_hit_healthz_and_readyz_on_8087(path, deployment):
    container = container_of(deployment)
    assert {p["name"]: p["containerPort"] for p in container["ports"]} == {"http": PORT, "metrics": METRICS_PORT}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": PORT}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": PORT}


@pytest.mark.parametrize("path, deployment", deployments())
def test_every_env_name_is_one_parley_reads(path, deployment, parley_variables):
    names = set(env_of(deployment))
    assert names <= parley_variables, f"not read by parley: {sorted(names - parley_variables)}"
    assert not names & WEBHOOK_VARIABLES, "the workload-identity webhook sets these; the manifest must not"
    assert not names & SECRET_VARIABLES


@pytest.mark.parametrize("path, deployment", deployments())
def test_env_points_parley_at_azure_openai_with_entra(path, deployment):
    env = env_of(deployment)
    default, offered = EXPECTED_DEPLOYMENTS[path.name]
    assert env["OPENAI_API_BASE"] == "__AZURE_OPENAI_ENDPOINT__"
    assert env["OPENAI_API_TYPE"] == "azure_ad"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}(-preview)?|v1", env["OPENAI_API_VERSION"])
    assert env["DEPLOYMENT_NAME"] == default
    assert env.get("PARLEY_DEPLOYMENTS") == offered


@pytest.mark.parametrize("path, deployment", deployments())
def test_image_is_tagged_and_never_latest(path, deployment):
    container = container_of(deployment)
    assert TAGGED_IMAGE.match(container["image"]), container["image"]
    assert container["image"] == "__ACR_LOGIN_SERVER__/parley:__IMAGE_TAG__"
    assert container["args"] == ["serve"]


@pytest.mark.parametrize("path, deployment", deployments())
def test_security_context_is_locked_down(path, deployment):
    pod = deployment["spec"]["template"]["spec"]
    container = container_of(deployment)["securityContext"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["runAsNonRoot"] is True
    assert container["runAsUser"] >= 10000
    assert container["readOnlyRootFilesystem"] is True
    assert container["allowPrivilegeEscalation"] is False
    assert container["capabilities"] == {"drop": ["ALL"]}
    assert container["seccompProfile"] == {"type": "RuntimeDefault"}
    # Parley does not call the Kubernetes API; the webhook mounts its own token for Entra.
    assert pod["automountServiceAccountToken"] is False


@pytest.mark.parametrize("path, deployment", deployments())
def test_grace_period_exceeds_parleys_shutdown_grace(path, deployment):
    grace = int(env_of(deployment).get("PARLEY_SHUTDOWN_GRACE") or DEFAULT_SHUTDOWN_GRACE)
    assert deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > grace


@pytest.mark.parametrize("path, deployment", deployments())
def test_metrics_on_their_own_port_which_prometheus_scrapes_and_the_service_does_not_expose(path, deployment):
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/path"] == "/metrics"
    assert int(annotations["prometheus.io/port"]) == METRICS_PORT
    assert env_of(deployment)["PARLEY_METRICS_PORT"] == str(METRICS_PORT)
    service = documents_of(path, "Service")[0]["spec"]
    assert [p["targetPort"] for p in service["ports"]] == [PORT]


@pytest.mark.parametrize("path, deployment", deployments())
def test_requests_and_limits(path, deployment):
    resources = container_of(deployment)["resources"]
    for section in ("requests", "limits"):
        assert set(resources[section]) == {"cpu", "memory"}


@pytest.mark.parametrize("path, deployment", deployments())
def test_service_is_a_load_balancer_from_80_to_8087(path, deployment):
    services = documents_of(path, "Service")
    assert len(services) == 1
    service = services[0]["spec"]
    assert service["type"] == "LoadBalancer"
    assert [(p["port"], p["targetPort"]) for p in service["ports"]] == [(80, PORT)]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["selector"].items() <= pod_labels.items()
    assert services[0]["metadata"]["name"] == deployment["metadata"]["name"], "provision.sh waits on this name"


@pytest.mark.parametrize("path, deployment", deployments())
def test_network_policy_selects_the_pods_and_admits_8087(path, deployment):
    policy = documents_of(path, "NetworkPolicy")[0]["spec"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert policy["podSelector"]["matchLabels"].items() <= pod_labels.items()
    assert [port["port"] for rule in policy["ingress"] for port in rule["ports"]] == [PORT, METRICS_PORT]
    egress_ports = {port["port"] for rule in policy["egress"] for port in rule["ports"]}
    assert egress_ports == {53, 443}, "DNS and HTTPS only: never IMDS on port 80"


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_no_secret_and_no_key(path):
    text = path.read_text(encoding="utf-8")
    assert all(d["kind"] != "Secret" for d in load_documents(path))
    for forbidden in ("api-key", "OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "AZURE_CLIENT_SECRET", "secretKeyRef"):
        assert forbidden not in text
    assert not re.search(r"image:\s*\S+:latest\b", text)


def test_names_do_not_clash_so_release_applies_as_a_whole():
    """kubectl apply -f release: distinct objects everywhere; only the Namespace repeats, identical."""
    seen: dict[tuple[str, str, str], tuple[str, dict]] = {}
    for path in MANIFESTS:
        for document in load_documents(path):
            key = (document["kind"], document["metadata"].get("namespace", ""), document["metadata"]["name"])
            if key in seen:
                first_path, first = seen[key]
                assert document["kind"] == "Namespace", f"{key} in both {first_path} and {path.name}"
                assert document == first, f"the Namespace differs between {first_path} and {path.name}"
            else:
                seen[key] = (path.name, document)
    namespaced = {k for k in seen if k[0] != "Namespace"}
    assert {k[1] for k in namespaced} == {"parley"}
    # Each file applies on its own too: its first document creates the namespace the others live in.
    for path in MANIFESTS:
        assert load_documents(path)[0] == {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "parley"}}


def test_the_three_files_differ_only_in_names_and_deployments():
    """manifest-gpt4.yaml and manifest-both.yaml are manifest.yaml with other names: no drift in probes,
    security or resources between them."""
    base = (RELEASE / "manifest.yaml").read_text(encoding="utf-8")

    def normalise(text: str, name: str) -> list[str]:
        lines = [line for line in text.replace(name, "NAME").splitlines() if not line.lstrip().startswith("#")]
        return [line for line in lines if "gpt-4" not in line and "gpt-35-turbo" not in line
                and "PARLEY_DEPLOYMENTS" not in line]

    expected = normalise(base, "parley-gpt-35-turbo")
    for file_name, name in (("manifest-gpt4.yaml", "parley-gpt-4"), ("manifest-both.yaml", "parley-both")):
        assert normalise((RELEASE / file_name).read_text(encoding="utf-8"), name) == expected, file_name
