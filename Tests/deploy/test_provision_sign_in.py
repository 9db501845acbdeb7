"""release/provision.sh --with-sign-in (issue 13) against the fake az and kubectl: the app registration, its
redirect URI and federated credential (issuer = the cluster's OIDC issuer, subject = the service account), the
Key Vault certificate and the application routing add-on, the rendered settings; idempotent; never a secret."""

from __future__ import annotations

import re

import yaml

from deploy_support import RELEASE, changes, command_of

HOST = "parley.example.com"
REDIRECT_URI = f"https://{HOST}/auth/callback"
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
# What would make or print a client secret: there must be none of it, in any call or output.
SECRET_MARKERS = re.compile(r"credential reset|--password(?![-\w])|--key-type|--key-value|client_secret|clientSecret"
                            r"|CLIENT_SECRET|passwordCredentials")


def provisioned(cloud, *arguments, **env):
    result = cloud.run("provision.sh", *arguments, **env)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result


def signed_in(cloud, *arguments, **env):
    return provisioned(cloud, "--with-sign-in", "--host", HOST, *arguments, **env)


def only_app(cloud) -> dict:
    (app,) = cloud.state()["apps"].values()
    return app


def applied(cloud) -> dict[str, list[dict]]:
    return {p.name: [d for d in yaml.safe_load_all(p.read_text(encoding="utf-8")) if d]
            for p in sorted((cloud.folder / "applied").glob("*.yaml"))}


def pod_env(documents: list[dict]) -> dict[str, str]:
    (deployment,) = [d for d in documents if d["kind"] == "Deployment"]
    return {e["name"]: e["value"] for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}


def azure_changes(cloud) -> list[str]:
    return [" ".join(c[:5]) for c in changes(cloud.calls()) if c[0] == "az" and c[1:3] != ["aks", "get-credentials"]
            and c[1:3] != ["acr", "build"]]


def test_first_run_registers_the_app_with_the_redirect_uri_and_no_secret(cloud):
    signed_in(cloud)
    app = only_app(cloud)
    assert app["signInAudience"] == "AzureADMyOrg"
    assert app["web"]["redirectUris"] == [REDIRECT_URI]
    # Authorization code flow only: no implicit-flow tokens.
    assert app["web"]["implicitGrantSettings"] == {"enableIdTokenIssuance": False, "enableAccessTokenIssuance": False}
    # Bearer tokens for Parley's API: audience api://<client id>, v2 (issuer = the tenant's v2.0 issuer).
    assert app["identifierUris"] == [f"api://{app['appId']}"]
    assert app["api"]["requestedAccessTokenVersion"] == 2
    assert app["passwordCredentials"] == [] and app["keyCredentials"] == []
    assert app["appId"] in cloud.state()["service_principals"]
    assert app["groupMembershipClaims"] is None, "no group claims unless PARLEY_AUTH_ALLOWED_GROUPS is set"


def test_the_federated_credential_trusts_the_clusters_issuer_for_the_service_account(cloud):
    signed_in(cloud)
    state = cloud.state()
    issuer = state["aks"]["parley-aks"]["oidcIssuerProfile"]["issuerUrl"]
    (credential,) = only_app(cloud)["federatedIdentityCredentials"]
    assert credential["issuer"] == issuer
    assert credential["subject"] == "system:serviceaccount:parley:parley-sign-in"
    assert credential["audiences"] == [TOKEN_EXCHANGE_AUDIENCE]
    # The same service account the workload identity (Azure OpenAI) uses: the pod has one projected token.
    (identity,) = state["identities"].values()
    assert [(c["issuer"], c["subject"]) for c in identity["federatedCredentials"].values()] == [
        (issuer, credential["subject"])]
    deployment = next(d for d in applied(cloud)["manifest-ingress.yaml"] if d["kind"] == "Deployment")
    assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == "parley-sign-in"


def test_the_rendered_manifest_carries_the_apps_client_id_the_public_url_and_the_certificate(cloud):
    signed_in(cloud, PARLEY_RATE_LIMIT="7", PARLEY_DAILY_TOKEN_BUDGET="50000")
    state = cloud.state()
    documents = applied(cloud)
    assert list(documents) == ["manifest-ingress.yaml"]
    text = (cloud.folder / "applied" / "manifest-ingress.yaml").read_text(encoding="utf-8")
    assert not re.search(r"^[^#]*__[A-Z_]+__", text, re.MULTILINE), "placeholders left"
    values = pod_env(documents["manifest-ingress.yaml"])
    app = only_app(cloud)
    (identity,) = state["identities"].values()
    assert values["PARLEY_AUTH"] == "entra"
    assert values["PARLEY_AUTH_CLIENT_ID"] == app["appId"] != identity["clientId"]
    assert values["PARLEY_PUBLIC_URL"] == f"https://{HOST}"
    assert values["PARLEY_PUBLIC_URL"] + "/auth/callback" in app["web"]["redirectUris"]
    assert values["PARLEY_TRUSTED_PROXIES"] == state["aks"]["parley-aks"]["networkProfile"]["podCidr"]
    assert (values["PARLEY_RATE_LIMIT"], values["PARLEY_DAILY_TOKEN_BUDGET"]) == ("7", "50000")
    assert "PARLEY_AUTH_ALLOWED_GROUPS" not in values, "an empty setting is left out"
    (account,) = [d for d in documents["manifest-ingress.yaml"] if d["kind"] == "ServiceAccount"]
    assert account["metadata"]["annotations"]["azure.workload.identity/client-id"] == identity["clientId"]
    (ingress,) = [d for d in documents["manifest-ingress.yaml"] if d["kind"] == "Ingress"]
    (vault,) = state["keyvaults"].values()
    assert ingress["metadata"]["annotations"]["kubernetes.azure.com/tls-cert-keyvault-uri"] == \
        f"https://{vault['name']}.vault.azure.net/certificates/parley-tls"
    assert ingress["spec"]["tls"][0]["hosts"] == [HOST] and ingress["spec"]["rules"][0]["host"] == HOST


def test_the_certificate_is_for_the_host_and_the_add_on_reads_the_vault(cloud):
    result = signed_in(cloud)
    state = cloud.state()
    (vault,) = state["keyvaults"].values()
    assert vault["properties"]["enableRbacAuthorization"] is True
    policy = vault["certificates"]["parley-tls"]["policy"]
    assert policy["x509CertificateProperties"]["subject"] == f"CN={HOST}"
    assert policy["x509CertificateProperties"]["subjectAlternativeNames"] == {"dnsNames": [HOST]}
    assert policy["keyProperties"]["exportable"] is True, "the add-on reads the certificate with its key"
    assert "self-signed" in result.stderr
    routing = state["aks"]["parley-aks"]["ingressProfile"]["webAppRouting"]
    assert routing["enabled"] is True
    roles = {(a["principalId"], a["roleDefinitionName"]) for a in state["role_assignments"] if a["scope"] == vault["id"]}
    assert roles == {(routing["identity"]["objectId"], "Key Vault Secrets User"),
                     ("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "Key Vault Certificates Officer")}
    assert f"https://{HOST}/ once the DNS A record of {HOST} points at 203.0.113.200" in result.stdout


def test_second_run_creates_and_changes_nothing_in_azure(cloud):
    signed_in(cloud, PARLEY_AUTH_ALLOWED_GROUPS="0c5e1b6a-0000-4000-8000-000000000001")
    before = cloud.state()
    cloud.clear_calls()
    result = signed_in(cloud, PARLEY_AUTH_ALLOWED_GROUPS="0c5e1b6a-0000-4000-8000-000000000001")
    assert azure_changes(cloud) == []
    after = cloud.state()
    for key in ("apps", "service_principals", "keyvaults", "role_assignments"):
        assert after[key] == before[key], key
    assert after["aks"]["parley-aks"]["ingressProfile"] == before["aks"]["parley-aks"]["ingressProfile"]
    assert "exists: client id" in result.stdout


def test_no_secret_is_made_asked_for_or_printed(cloud):
    result = signed_in(cloud)
    calls = [" ".join(c) for c in cloud.calls()]
    outputs = [result.stdout, result.stderr, *calls,
               *(p.read_text(encoding="utf-8") for p in (cloud.folder / "applied").glob("*.yaml"))]
    assert [m.group(0) for o in outputs for m in SECRET_MARKERS.finditer(o)] == []
    app = only_app(cloud)
    assert app["passwordCredentials"] == [] and app["keyCredentials"] == []
    assert all(d["kind"] != "Secret" for documents in applied(cloud).values() for d in documents)
    for script in ("provision.sh", "lib-sign-in.sh", "lib.sh"):
        code = [line for line in (RELEASE / script).read_text(encoding="utf-8").splitlines()
                if not line.lstrip().startswith("#")]
        assert SECRET_MARKERS.findall("\n".join(code)) == [], script


def test_allowed_groups_turn_on_group_claims_and_reach_the_pod(cloud):
    groups = "0c5e1b6a-0000-4000-8000-000000000001,0c5e1b6a-0000-4000-8000-000000000002"
    signed_in(cloud, PARLEY_AUTH_ALLOWED_GROUPS=groups)
    assert only_app(cloud)["groupMembershipClaims"] == "SecurityGroup"
    assert pod_env(applied(cloud)["manifest-ingress.yaml"])["PARLEY_AUTH_ALLOWED_GROUPS"] == groups


def test_a_recreated_cluster_updates_the_apps_federated_credential_to_its_new_issuer(cloud):
    signed_in(cloud)
    state = cloud.state()
    new_issuer = "https://eastus.oic.prod-aks.azure.com/tenant/recreated/"
    state["aks"]["parley-aks"]["oidcIssuerProfile"]["issuerUrl"] = new_issuer
    cloud.save_state(state)
    cloud.clear_calls()
    signed_in(cloud)
    assert "az ad app federated-credential update" in [command_of(c) for c in cloud.calls()]
    (credential,) = only_app(cloud)["federatedIdentityCredentials"]
    assert credential["issuer"] == new_issuer
    assert credential["subject"] == "system:serviceaccount:parley:parley-sign-in"


def test_a_second_host_adds_its_redirect_uri_and_keeps_the_first(cloud):
    signed_in(cloud)
    provisioned(cloud, "--with-sign-in", "--host", "chat.example.org")
    assert only_app(cloud)["web"]["redirectUris"] == [REDIRECT_URI, "https://chat.example.org/auth/callback"]
    assert len(cloud.state()["apps"]) == 1


def test_internal_deploys_the_private_load_balancer_without_key_vault_or_add_on(cloud):
    result = signed_in(cloud, "--internal", TRUSTED_PROXIES="10.1.0.0/24")
    commands = [command_of(c) for c in cloud.calls()]
    assert not [c for c in commands if c.startswith(("az keyvault", "az aks approuting"))]
    documents = applied(cloud)
    assert list(documents) == ["manifest-internal.yaml"]
    values = pod_env(documents["manifest-internal.yaml"])
    assert values["PARLEY_AUTH_CLIENT_ID"] == only_app(cloud)["appId"]
    assert values["PARLEY_PUBLIC_URL"] == f"https://{HOST}"
    assert values["PARLEY_TRUSTED_PROXIES"] == "10.1.0.0/24"
    (credential,) = only_app(cloud)["federatedIdentityCredentials"]
    assert credential["subject"] == "system:serviceaccount:parley:parley-internal"
    assert "kubectl get service parley-internal" in " ".join(" ".join(c) for c in cloud.calls())
    assert f"your TLS proxy serves https://{HOST}/" in result.stdout


def test_internal_without_trusted_proxies_leaves_the_setting_out(cloud):
    signed_in(cloud, "--internal")
    assert "PARLEY_TRUSTED_PROXIES" not in pod_env(applied(cloud)["manifest-internal.yaml"])


def test_an_existing_certificate_is_used_as_given(cloud):
    assert cloud.az("group", "create", "--name", "certs", "--location", "eastus").returncode == 0
    assert cloud.az("keyvault", "create", "--name", "corp-certs", "--resource-group", "certs",
                    "--location", "eastus").returncode == 0
    cloud.clear_calls()
    uri = "https://corp-certs.vault.azure.net/certificates/parley-example-com"
    signed_in(cloud, TLS_CERT_KEYVAULT_URI=uri)
    commands = [command_of(c) for c in cloud.calls()]
    assert "az keyvault certificate create" not in commands and "az keyvault create" not in commands
    (ingress,) = [d for d in applied(cloud)["manifest-ingress.yaml"] if d["kind"] == "Ingress"]
    assert ingress["metadata"]["annotations"]["kubernetes.azure.com/tls-cert-keyvault-uri"] == uri
    vault = cloud.state()["keyvaults"]["corp-certs"]
    routing = cloud.state()["aks"]["parley-aks"]["ingressProfile"]["webAppRouting"]
    assert [a["roleDefinitionName"] for a in cloud.state()["role_assignments"]
            if a["scope"] == vault["id"] and a["principalId"] == routing["identity"]["objectId"]] == [
        "Key Vault Secrets User"]


def test_an_add_on_enabled_without_the_vault_gets_the_vault_attached(cloud):
    signed_in(cloud)
    state = cloud.state()
    state["role_assignments"] = [a for a in state["role_assignments"] if a["roleDefinitionName"] != "Key Vault Secrets User"]
    cloud.save_state(state)
    cloud.clear_calls()
    signed_in(cloud)
    assert azure_changes(cloud) == ["az aks approuting update --resource-group"]


def test_dry_run_prints_the_sign_in_plan_and_runs_nothing(cloud):
    result = provisioned(cloud, "--dry-run", "--with-sign-in")
    assert cloud.calls() == []
    for expected in ("az ad app create", "--sign-in-audience AzureADMyOrg",
                     "--web-redirect-uris https://\\<host\\>/auth/callback", "az ad sp create",
                     "az ad app federated-credential create", "system:serviceaccount:parley:parley-sign-in",
                     "api://AzureADTokenExchange", "az keyvault certificate create", "az aks approuting enable",
                     "--enable-kv", "kubectl get ingress parley-sign-in"):
        assert expected in result.stdout, expected
    assert "dry run done" in result.stdout


def test_sign_in_needs_a_host_name_and_refuses_a_url(cloud):
    missing = cloud.run("provision.sh", "--with-sign-in")
    assert missing.returncode != 0 and "--host parley.example.com" in missing.stderr
    url = cloud.run("provision.sh", "--with-sign-in", "--host", f"https://{HOST}/")
    assert url.returncode != 0 and "no https://" in url.stderr
    assert cloud.calls() == []


def test_variant_flags_need_sign_in_and_do_not_mix_with_the_other_variants(cloud):
    alone = cloud.run("provision.sh", "--internal")
    assert alone.returncode != 0 and "go with --with-sign-in" in alone.stderr
    with_postgres = cloud.run("provision.sh", "--with-sign-in", "--host", HOST, "--with-postgres")
    assert with_postgres.returncode != 0 and "--with-postgres" in with_postgres.stderr
    assert cloud.calls() == []


def test_deploy_only_after_sign_in_only_applies_and_refuses_when_nothing_was_provisioned(cloud):
    refused = cloud.run("provision.sh", "--deploy-only", "--with-sign-in", "--host", HOST)
    assert refused.returncode != 0 and "make provision" in refused.stderr
    signed_in(cloud)
    cloud.clear_calls()
    signed_in(cloud, "--deploy-only", IMAGE_TAG="fedcba987654")
    assert azure_changes(cloud) == []
    assert [c[:2] for c in cloud.calls() if c[:2] == ["kubectl", "apply"]] == [["kubectl", "apply"]]


def test_render_only_with_sign_in_and_given_values_calls_nothing(cloud, tmp_path):
    out = tmp_path / "by-hand"
    result = provisioned(cloud, "--render-only", str(out), "--with-sign-in", "--host", HOST,
                         IDENTITY_CLIENT_ID="11111111-0000-4000-8000-000000000001",
                         AZURE_OPENAI_ENDPOINT="https://parley-openai-x.openai.azure.com/",
                         ACR_LOGIN_SERVER="parleyacrx.azurecr.io",
                         PARLEY_AUTH_CLIENT_ID="22222222-0000-4000-8000-000000000002",
                         TLS_CERT_KEYVAULT_URI="https://kv.vault.azure.net/certificates/tls",
                         TRUSTED_PROXIES="10.244.0.0/16")
    assert cloud.calls() == []
    values = pod_env([d for d in yaml.safe_load_all((out / "manifest-ingress.yaml").read_text(encoding="utf-8")) if d])
    assert values["PARLEY_AUTH_CLIENT_ID"] == "22222222-0000-4000-8000-000000000002"
    assert "kubectl apply --filename" in result.stdout


def test_render_only_with_sign_in_looks_the_app_up_read_only(cloud, tmp_path):
    signed_in(cloud)
    cloud.clear_calls()
    provisioned(cloud, "--render-only", str(tmp_path / "by-hand"), "--with-sign-in", "--host", HOST)
    assert azure_changes(cloud) == []
    values = pod_env([d for d in yaml.safe_load_all(
        (tmp_path / "by-hand" / "manifest-ingress.yaml").read_text(encoding="utf-8")) if d])
    assert values["PARLEY_AUTH_CLIENT_ID"] == only_app(cloud)["appId"]


def test_help_mentions_the_sign_in_flags(cloud):
    usage = cloud.run("provision.sh", "--help").stdout
    for flag in ("--with-sign-in", "--host", "--internal"):
        assert flag in usage
