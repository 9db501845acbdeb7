"""release/sign-in/ (issue 13): the Ingress variant (application routing add-on, TLS from Key Vault, Service
ClusterIP) and the internal LoadBalancer variant, both with Microsoft Entra sign-in and no secret."""

from __future__ import annotations

import re
import subprocess

import pytest

from deploy_support import KUBERNETES_VERSION, MANIFESTS, RELEASE, REPO, documents_of, load_documents, tool

INGRESS = RELEASE / "sign-in" / "manifest-ingress.yaml"
INTERNAL = RELEASE / "sign-in" / "manifest-internal.yaml"
BOTH = [pytest.param(INGRESS, id="ingress"), pytest.param(INTERNAL, id="internal")]
BASE = RELEASE / "manifest-both.yaml"
NAMES = {INGRESS: "parley-sign-in", INTERNAL: "parley-internal"}
# The settings the server reads (issue 13; names fixed by the contract).
SIGN_IN_VARIABLES = {"PARLEY_AUTH", "PARLEY_AUTH_CLIENT_ID", "PARLEY_PUBLIC_URL", "PARLEY_AUTH_ALLOWED_GROUPS",
                     "PARLEY_RATE_LIMIT", "PARLEY_DAILY_TOKEN_BUDGET", "PARLEY_TRUSTED_PROXIES"}
# Set by the workload-identity webhook, or secrets: never in a manifest.
FORBIDDEN_VARIABLES = {"AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST",
                       "AZURE_CLIENT_SECRET", "PARLEY_AUTH_CLIENT_SECRET", "PARLEY_COOKIE_KEY", "OPENAI_API_KEY",
                       "AZURE_OPENAI_API_KEY"}
APP_ROUTING_CLASS = "webapprouting.kubernetes.azure.com"
KEY_VAULT_ANNOTATION = "kubernetes.azure.com/tls-cert-keyvault-uri"
INTERNAL_ANNOTATION = "service.beta.kubernetes.io/azure-load-balancer-internal"


def deployment(path) -> dict:
    (only,) = documents_of(path, "Deployment")
    return only


def container(path) -> dict:
    (only,) = deployment(path)["spec"]["template"]["spec"]["containers"]
    return only


def env(path) -> dict[str, str]:
    return {variable["name"]: variable.get("value") for variable in container(path)["env"]}


def service(path) -> dict:
    (only,) = documents_of(path, "Service")
    return only


def test_kinds_and_names_and_not_applied_with_the_release_folder():
    assert [d["kind"] for d in load_documents(INGRESS)] == [
        "Namespace", "ServiceAccount", "Deployment", "Service", "NetworkPolicy", "Ingress"]
    assert [d["kind"] for d in load_documents(INTERNAL)] == [
        "Namespace", "ServiceAccount", "Deployment", "Service", "NetworkPolicy"]
    for path, name in NAMES.items():
        assert {d["metadata"]["name"] for d in load_documents(path) if d["kind"] != "Namespace"} == {name}
        assert load_documents(path)[0] == {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "parley"}}
        assert path not in MANIFESTS, "kubectl apply -f release must not pick it up; provision.sh deploys it"


def test_pass_kubernetes_validate_strict():
    result = subprocess.run([tool("kubernetes-validate"), "--strict", "--kubernetes-version", KUBERNETES_VERSION,
                             str(INGRESS), str(INTERNAL)], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(" passed for resource ") == len(load_documents(INGRESS)) + len(load_documents(INTERNAL))


@pytest.mark.parametrize("path", BOTH)
def test_documents_put_kind_before_metadata_name(path):
    """provision.sh finds service accounts and deployments with awk on `kind:` then `  name:`."""
    for document in path.read_text(encoding="utf-8").split("\n---\n")[1:]:
        lines = [line for line in document.splitlines() if line and not line.startswith("#")]
        kind_line = next(i for i, line in enumerate(lines) if line.startswith("kind: "))
        name_line = next(i for i, line in enumerate(lines) if line.startswith("  name: "))
        assert kind_line < lines.index("metadata:") < name_line, document


@pytest.mark.parametrize("path", BOTH)
def test_same_probes_security_resources_and_identity_as_the_other_manifests(path):
    base = documents_of(BASE, "Deployment")[0]["spec"]["template"]
    mine = deployment(path)["spec"]["template"]
    for key in ("securityContext", "automountServiceAccountToken", "terminationGracePeriodSeconds", "volumes"):
        assert mine["spec"][key] == base["spec"][key], key
    base_container = base["spec"]["containers"][0]
    for key in ("image", "args", "ports", "livenessProbe", "readinessProbe", "resources", "securityContext",
                "volumeMounts"):
        assert container(path)[key] == base_container[key], key
    assert mine["metadata"]["labels"]["azure.workload.identity/use"] == "true"
    assert mine["metadata"]["annotations"] == base["metadata"]["annotations"], "Prometheus scrapes 9090"
    (account,) = documents_of(path, "ServiceAccount")
    assert mine["spec"]["serviceAccountName"] == account["metadata"]["name"]
    assert account["metadata"]["annotations"]["azure.workload.identity/client-id"] == "__AZURE_CLIENT_ID__"
    assert deployment(path)["metadata"]["annotations"] == documents_of(BASE, "Deployment")[0]["metadata"]["annotations"]
    # Everything the base pod is told, this one is told too (the endpoint, the deployments, JSON logs...).
    base_env = {e["name"]: e.get("value") for e in base_container["env"]}
    assert base_env.items() <= env(path).items()


@pytest.mark.parametrize("path", BOTH)
def test_sign_in_settings_are_entra_with_placeholders_for_provision(path):
    values = env(path)
    assert SIGN_IN_VARIABLES <= set(values)
    assert values["PARLEY_AUTH"] == "entra"
    assert values["PARLEY_AUTH_CLIENT_ID"] == "__PARLEY_AUTH_CLIENT_ID__"
    assert values["PARLEY_PUBLIC_URL"] == "__PARLEY_PUBLIC_URL__"
    for name in ("PARLEY_AUTH_ALLOWED_GROUPS", "PARLEY_RATE_LIMIT", "PARLEY_DAILY_TOKEN_BUDGET",
                 "PARLEY_TRUSTED_PROXIES"):
        assert values[name] == f"__{name}__"


@pytest.mark.parametrize("path", BOTH)
def test_every_env_name_is_one_parley_reads(path, parley_variables):
    assert set(env(path)) <= parley_variables, sorted(set(env(path)) - parley_variables)


@pytest.mark.parametrize("path", BOTH)
def test_no_secret_anywhere(path):
    text = path.read_text(encoding="utf-8")
    assert not set(env(path)) & FORBIDDEN_VARIABLES
    assert all(d["kind"] != "Secret" for d in load_documents(path))
    for forbidden in ("secretKeyRef", "CLIENT_SECRET", "client_secret", "clientSecret", "api-key", "password"):
        assert forbidden not in text, forbidden


@pytest.mark.parametrize("path", BOTH)
def test_every_placeholder_is_explained_in_the_header(path):
    text = path.read_text(encoding="utf-8")
    header = text[:text.index("\n---\n")]
    used = set(re.findall(r"__[A-Z0-9_]+__", text[len(header):]))
    base_placeholders = {"__AZURE_CLIENT_ID__", "__AZURE_OPENAI_ENDPOINT__", "__ACR_LOGIN_SERVER__", "__IMAGE_TAG__"}
    assert {p for p in used - base_placeholders if p not in header} == set()


def test_ingress_terminates_tls_with_a_key_vault_certificate_through_the_app_routing_add_on():
    (ingress,) = documents_of(INGRESS, "Ingress")
    spec = ingress["spec"]
    assert spec["ingressClassName"] == APP_ROUTING_CLASS
    assert ingress["metadata"]["annotations"][KEY_VAULT_ANNOTATION] == "__TLS_CERT_KEYVAULT_URI__"
    # The add-on writes the certificate into keyvault-<Ingress name>; tls must name exactly that secret.
    assert spec["tls"] == [{"hosts": ["__PARLEY_HOST__"], "secretName": f"keyvault-{ingress['metadata']['name']}"}]
    (rule,) = spec["rules"]
    assert rule["host"] == "__PARLEY_HOST__"
    (path,) = rule["http"]["paths"]
    assert (path["path"], path["pathType"]) == ("/", "Prefix")
    backend = path["backend"]["service"]
    assert backend["name"] == service(INGRESS)["metadata"]["name"]
    assert backend["port"]["number"] in [p["port"] for p in service(INGRESS)["spec"]["ports"]]
    # Server-Sent Events stream through NGINX unbuffered.
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"


def test_ingress_variant_service_is_cluster_ip_and_only_the_ingress_controller_reaches_8087():
    spec = service(INGRESS)["spec"]
    assert spec["type"] == "ClusterIP"
    assert [(p["port"], p["targetPort"]) for p in spec["ports"]] == [(80, 8087)]
    assert spec["selector"].items() <= deployment(INGRESS)["spec"]["template"]["metadata"]["labels"].items()
    (policy,) = documents_of(INGRESS, "NetworkPolicy")
    rules = {tuple(p["port"] for p in rule["ports"]): rule for rule in policy["spec"]["ingress"]}
    assert set(rules) == {(8087,), (9090,)}
    assert rules[(8087,)]["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "app-routing-system"}}}]
    assert {p["port"] for rule in policy["spec"]["egress"] for p in rule["ports"]} == {53, 443}


def test_internal_variant_is_a_private_load_balancer_that_keeps_the_client_address():
    document = service(INTERNAL)
    assert document["metadata"]["annotations"][INTERNAL_ANNOTATION] == "true"
    spec = document["spec"]
    assert spec["type"] == "LoadBalancer"
    assert spec["externalTrafficPolicy"] == "Local"
    assert [(p["port"], p["targetPort"]) for p in spec["ports"]] == [(80, 8087)]
    assert document["metadata"]["name"] == deployment(INTERNAL)["metadata"]["name"], "provision.sh waits on it"
    (policy,) = documents_of(INTERNAL, "NetworkPolicy")
    assert sorted(p["port"] for rule in policy["spec"]["ingress"] for p in rule["ports"]) == [8087, 9090]
    assert {p["port"] for rule in policy["spec"]["egress"] for p in rule["ports"]} == {53, 443}
