"""release/replicas/manifest-replicas.yaml (3 replicas, PostgreSQL with Entra auth, Prometheus scraping) and
release/provision.sh --with-postgres against the fake az and kubectl."""

from __future__ import annotations

import re
import subprocess

import yaml

from deploy_support import RELEASE, REPO, documents_of, load_documents, tool

MANIFEST = RELEASE / "replicas" / "manifest-replicas.yaml"
BASE = RELEASE / "manifest.yaml"


def deployment() -> dict:
    return documents_of(MANIFEST, "Deployment")[0]


def container() -> dict:
    return deployment()["spec"]["template"]["spec"]["containers"][0]


def env() -> dict[str, str]:
    return {e["name"]: e.get("value") for e in container()["env"]}


def test_kinds_and_names():
    kinds = sorted(d["kind"] for d in load_documents(MANIFEST))
    assert kinds == ["Deployment", "Namespace", "NetworkPolicy", "PodDisruptionBudget", "Service", "ServiceAccount"]
    names = {d["metadata"]["name"] for d in load_documents(MANIFEST) if d["kind"] != "Namespace"}
    assert names == {"parley-replicas"}
    assert deployment()["spec"]["template"]["spec"]["serviceAccountName"] == "parley-replicas"


def test_passes_kubernetes_validate_strict():
    result = subprocess.run([tool("kubernetes-validate"), "--strict", "--kubernetes-version", "1.33.0", str(MANIFEST)],
                            capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(" passed for resource ") == len(load_documents(MANIFEST))


def test_three_replicas_and_a_disruption_budget():
    assert deployment()["spec"]["replicas"] == 3
    budget = documents_of(MANIFEST, "PodDisruptionBudget")[0]["spec"]
    assert budget["minAvailable"] == 2
    assert budget["selector"]["matchLabels"].items() <= deployment()["spec"]["template"]["metadata"]["labels"].items()


def test_every_env_name_is_one_parley_reads(parley_variables):
    assert set(env()) <= parley_variables, sorted(set(env()) - parley_variables)


def test_postgres_with_entra_and_no_password():
    values = env()
    assert values["PARLEY_SESSION_STORE"] == "postgres"
    assert values["PARLEY_POSTGRES_AUTH"] == "entra"
    assert values["PGSSLMODE"] == "verify-full"
    assert values["PGHOST"] == "__POSTGRES_HOST__" and values["PGUSER"] == "__POSTGRES_USER__"
    assert "PGPASSWORD" not in values and "PARLEY_POSTGRES_URL" not in values
    text = MANIFEST.read_text(encoding="utf-8")
    for forbidden in ("secretKeyRef", "OPENAI_API_KEY", "AZURE_CLIENT_SECRET", "kind: Secret"):
        assert forbidden not in text


def test_prometheus_scrapes_the_metrics_port_which_the_service_does_not_expose():
    annotations = deployment()["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/path"] == "/metrics"
    port = int(annotations["prometheus.io/port"])
    assert env()["PARLEY_METRICS_PORT"] == str(port)
    assert {p["name"]: p["containerPort"] for p in container()["ports"]} == {"http": 8087, "metrics": port}
    service = documents_of(MANIFEST, "Service")[0]["spec"]
    assert [p["targetPort"] for p in service["ports"]] == [8087]


def test_network_policy_admits_metrics_and_reaches_postgres():
    policy = documents_of(MANIFEST, "NetworkPolicy")[0]["spec"]
    assert sorted(p["port"] for rule in policy["ingress"] for p in rule["ports"]) == [8087, 9090]
    assert {p["port"] for rule in policy["egress"] for p in rule["ports"]} == {53, 443, 5432}


def test_same_probes_security_and_resources_as_the_single_replica_manifest():
    base = documents_of(BASE, "Deployment")[0]["spec"]["template"]["spec"]
    mine = deployment()["spec"]["template"]["spec"]
    for key in ("securityContext", "automountServiceAccountToken", "terminationGracePeriodSeconds", "volumes"):
        assert mine[key] == base[key], key
    base_container, my_container = base["containers"][0], mine["containers"][0]
    for key in ("livenessProbe", "readinessProbe", "resources", "securityContext", "volumeMounts", "args"):
        assert my_container[key] == base_container[key], key
    assert {e["name"] for e in base_container["env"]} <= set(env())


def test_is_not_applied_with_the_release_folder():
    """`kubectl apply -f release` does not recurse: the variant is deployed only by --with-postgres."""
    assert MANIFEST.parent != RELEASE


# ---- provision.sh --with-postgres ------------------------------------------------------------------------------

def provisioned(cloud, *arguments, **env):
    result = cloud.run("provision.sh", *arguments, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_with_postgres_creates_an_entra_only_server_and_makes_the_identity_a_user(cloud):
    provisioned(cloud, "--with-postgres")
    state = cloud.state()
    server = next(iter(state["postgres"].values()))
    identity = next(iter(state["identities"].values()))
    assert server["authConfig"]["activeDirectoryAuth"] == "Enabled"
    assert server["authConfig"]["passwordAuth"] == "Disabled"
    assert "parley" in server["databases"]
    admins = list(server["administrators"].values())
    assert [(a["objectId"], a["principalName"], a["principalType"]) for a in admins] == [
        (identity["principalId"], identity["name"], "ServicePrincipal")]
    applied = sorted((cloud.folder / "applied").glob("*.yaml"))
    assert [p.name for p in applied] == ["manifest-replicas.yaml"]
    text = applied[0].read_text(encoding="utf-8")
    assert not re.search(r"__[A-Z_]+__", text)
    for document in yaml.safe_load_all(text):
        if document["kind"] == "Deployment":
            values = {e["name"]: e["value"] for e in document["spec"]["template"]["spec"]["containers"][0]["env"]}
            assert values["PGHOST"] == server["fullyQualifiedDomainName"]
            assert values["PGUSER"] == identity["name"]
    # The federated credential covers the replicas' service account.
    assert any(c["subject"] == "system:serviceaccount:parley:parley-replicas"
               for c in identity["federatedCredentials"].values())


def test_with_postgres_second_run_creates_nothing(cloud):
    provisioned(cloud, env_flag := "--with-postgres")
    before = cloud.state()["postgres"]
    cloud.clear_calls()
    provisioned(cloud, env_flag)
    assert not [c for c in cloud.calls() if c[:2] == ["az", "postgres"] and "create" in c]
    assert cloud.state()["postgres"] == before


def test_postgres_is_off_by_default_and_on_with_the_variable(cloud):
    provisioned(cloud)
    assert not [c for c in cloud.calls() if c[:2] == ["az", "postgres"]]
    assert "postgres" not in cloud.state()
    provisioned(cloud, WITH_POSTGRES="1")
    assert "postgres" in cloud.state()


def test_with_postgres_dry_run_prints_the_plan(cloud):
    result = provisioned(cloud, "--dry-run", "--with-postgres")
    assert cloud.calls() == []
    for expected in ("az postgres flexible-server create", "--microsoft-entra-auth Enabled",
                     "--password-auth Disabled", "az postgres flexible-server db create",
                     "az postgres flexible-server microsoft-entra-admin create", "--type ServicePrincipal"):
        assert expected in result.stdout, expected
    # The forms the az CLI removed in 2025 (the script exited 2 with them).
    assert "--active-directory-auth" not in result.stdout and " ad-admin " not in result.stdout


def test_make_deploy_after_with_postgres_deploys_the_replicas_and_demands_no_other_credential(cloud):
    """make deploy (--deploy-only, no flag) used to ask for the single-replica manifests' federated credentials,
    which --with-postgres never creates."""
    provisioned(cloud, "--with-postgres")
    cloud.clear_calls()
    result = provisioned(cloud, "--deploy-only", IMAGE_TAG="fedcba987654")
    assert "deploying the replicas" in result.stdout
    azure = [c[1:4] for c in cloud.calls() if c[0] == "az" and ("create" in c or "update" in c)]
    assert azure == []
    applied = [c for c in cloud.calls() if c[:2] == ["kubectl", "apply"]]
    assert len(applied) == 1
    assert [p.name for p in (cloud.folder / "applied").glob("*.yaml")] == ["manifest-replicas.yaml"]
    # Asking for the single-replica manifests explicitly still says what is missing.
    explicit = cloud.run("provision.sh", "--deploy-only", WITH_POSTGRES="0")
    assert explicit.returncode != 0 and "federated credential" in explicit.stderr


def test_help_mentions_the_flag(cloud):
    assert "--with-postgres" in cloud.run("provision.sh", "--help").stdout
