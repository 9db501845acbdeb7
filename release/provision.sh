#!/usr/bin/env bash
# Provision Parley on AKS end to end, with no secrets: Azure OpenAI (custom subdomain, API keys disabled, a mini
# and a large chat model), a container registry, an AKS cluster with the OIDC issuer and workload identity, a
# user-assigned identity holding "Cognitive Services OpenAI User" on the Azure OpenAI account only, one federated
# credential per Kubernetes service account, the image built in the registry (no local Docker), the manifests in
# release/ rendered with the real values and applied, then the external IPs and `parley doctor` run inside each pod.
#
# Usage: release/provision.sh [--dry-run] [--deploy-only] [--with-postgres] [--second-region LOCATION] [--purge]
#                             [--render-only DIR] [--with-sign-in --host HOST [--internal]]
#   --dry-run        (also DRY_RUN=1 or true) print every az/kubectl command instead of running it (nothing is
#                    read or changed)
#   --deploy-only    change nothing in Azure: build the image if its tag is new, render, apply, verify
#                    (make deploy); stops if a resource is missing. Deploys what was provisioned: the replicas
#                    manifest when the PostgreSQL server exists (unless WITH_POSTGRES=0 or MANIFESTS is set)
#   --with-postgres  (off by default; also WITH_POSTGRES=1) also create an Azure Database for PostgreSQL flexible
#                    server with Microsoft Entra authentication only, make the identity a database user, and
#                    deploy release/replicas/manifest-replicas.yaml (3 replicas sharing sessions) instead
#   --second-region LOCATION  (also SECOND_LOCATION) also create a second Azure OpenAI account
#                    (AZURE_OPENAI_NAME_2, default <account>-2) in LOCATION with the same deployments and no API keys,
#                    assign the role on it too, and deploy release/several/manifest-several.yaml instead: one Parley
#                    over both accounts, moving a question to the second at once when the first answers 429
#                    (README "Several endpoints"). Not with --with-postgres
#   --purge          when the Azure OpenAI account's name is soft-deleted (kept 48 h after az group delete),
#                    purge it and create a new account instead of recovering the old one
#   --with-sign-in   (also WITH_SIGN_IN=1) Microsoft Entra sign-in with no client secret (README "Sign-in on AKS"):
#                    an app registration (redirect URI https://HOST/auth/callback) with a federated credential
#                    for the service account (issuer = the cluster's OIDC issuer), and
#                    release/sign-in/manifest-ingress.yaml: HTTPS through the application routing add-on with a
#                    certificate from Key Vault (created, or TLS_CERT_KEYVAULT_URI), Service ClusterIP.
#                    Not with --with-postgres or --second-region
#   --host HOST      (also SIGN_IN_HOST) the DNS name people open, e.g. parley.example.com; its A record points
#                    at the ingress address the run prints
#   --internal       with --with-sign-in: release/sign-in/manifest-internal.yaml instead, an internal load balancer
#                    (private address) behind your own TLS proxy serving https://HOST; no Key Vault, no add-on
#   --render-only DIR  write the filled manifests into DIR for `kubectl apply -f DIR` by hand, and stop: changes
#                    nothing anywhere. IDENTITY_CLIENT_ID, AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_ENDPOINT_2,
#                    ACR_LOGIN_SERVER, POSTGRES_HOST and IMAGE_TAG are taken from the environment when set, otherwise looked up read-only with az
#                    (with --with-sign-in also PARLEY_AUTH_CLIENT_ID, TLS_CERT_KEYVAULT_URI and TRUSTED_PROXIES)
# Every step is idempotent: it looks the resource up and creates it only when az says it does not exist,
# so running the script again changes nothing but the image and the manifests.
# Settings: the variables below; each can be overridden from the environment, e.g.
#   LOCATION=swedencentral RESOURCE_GROUP=my-parley release/provision.sh
set -euo pipefail

RELEASE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(dirname "$RELEASE_DIR")
# shellcheck source=release/lib.sh
source "$RELEASE_DIR/lib.sh"
# shellcheck source=release/lib-sign-in.sh
source "$RELEASE_DIR/lib-sign-in.sh"

# ---- settings ------------------------------------------------------------------------------------------------
LOCATION="${LOCATION:-eastus}"
RESOURCE_GROUP="${RESOURCE_GROUP:-parley-rg}"
# Azure OpenAI account, registry and PostgreSQL names are global: a short suffix derived from the subscription and
# the group (lib.sh name_suffix) keeps them unique, and the same for everyone and on every run. Set after the
# subscription is known unless given.
NAME_SUFFIX="${NAME_SUFFIX:-}"
# The account name is also its custom subdomain (https://<name>.openai.azure.com/), which Entra tokens need.
AZURE_OPENAI_NAME="${AZURE_OPENAI_NAME:-}" # default parley-openai-<suffix>
AZURE_OPENAI_SKU="${AZURE_OPENAI_SKU:-S0}"
# Models, chosen 2026-11: GA chat models on Azure OpenAI, GlobalStandard (pay per token, the SKU new models come
# to first and in most regions). The guide's gpt-35-turbo 0125 / gpt-4 turbo-2024-04-09 on Standard are retired
# (https://learn.microsoft.com/azure/ai-foundry/openai/concepts/model-retirements), and gpt-4o 2024-11-20 has a
# 2026 retirement date, so: gpt-4.1-mini (the guide suggests it for gpt-35-turbo-16k) and gpt-4.1, 2025-04-14.
# The region's offer is checked before anything is created (step "models offered"); a retired default then
# stops with the list of what the region has, and MINI_MODEL / LARGE_MODEL (and _VERSION) pick others.
MINI_MODEL="${MINI_MODEL:-gpt-4.1-mini}"
MINI_MODEL_VERSION="${MINI_MODEL_VERSION:-2025-04-14}"
LARGE_MODEL="${LARGE_MODEL:-gpt-4.1}"
LARGE_MODEL_VERSION="${LARGE_MODEL_VERSION:-2025-04-14}"
MODEL_SKU="${MODEL_SKU:-GlobalStandard}"
MODEL_CAPACITY="${MODEL_CAPACITY:-10}" # thousands of tokens per minute
ACR_NAME="${ACR_NAME:-}"               # default parleyacr<suffix>
AKS_NAME="${AKS_NAME:-parley-aks}"
AKS_NODE_COUNT="${AKS_NODE_COUNT:-1}"
IDENTITY_NAME="${IDENTITY_NAME:-parley-identity}"
# --with-postgres: the shared session store (server names are global, hence the suffix).
WITH_POSTGRES_SET="${WITH_POSTGRES:+1}"
WITH_POSTGRES="${WITH_POSTGRES:-0}"
POSTGRES_NAME="${POSTGRES_NAME:-}" # default parley-pg-<suffix>
POSTGRES_DATABASE="${POSTGRES_DATABASE:-parley}"
POSTGRES_SKU="${POSTGRES_SKU:-Standard_B1ms}"
POSTGRES_TIER="${POSTGRES_TIER:-Burstable}"
POSTGRES_VERSION="${POSTGRES_VERSION:-16}"
POSTGRES_HOST="${POSTGRES_HOST:-}"
# --second-region: a second Azure OpenAI account in another region, for failover on 429 (issue 15).
SECOND_LOCATION="${SECOND_LOCATION:-}"
AZURE_OPENAI_NAME_2="${AZURE_OPENAI_NAME_2:-}" # default <AZURE_OPENAI_NAME>-2
AZURE_OPENAI_ENDPOINT_2="${AZURE_OPENAI_ENDPOINT_2:-}"
# --with-sign-in (issue 13): Microsoft Entra sign-in; no client secret anywhere.
WITH_SIGN_IN="${WITH_SIGN_IN:-0}"
SIGN_IN_INTERNAL="${SIGN_IN_INTERNAL:-0}" # --internal
SIGN_IN_HOST="${SIGN_IN_HOST:-}"          # --host
SIGN_IN_APP_NAME="${SIGN_IN_APP_NAME:-}"  # default parley-sign-in-<suffix>
# Who may sign in: Entra group object ids, comma-separated (empty: anyone in the tenant).
PARLEY_AUTH_ALLOWED_GROUPS="${PARLEY_AUTH_ALLOWED_GROUPS:-}"
# Per-user limits written into the manifest: questions per minute, prompt + completion tokens per day.
PARLEY_RATE_LIMIT="${PARLEY_RATE_LIMIT:-20}"
PARLEY_DAILY_TOKEN_BUDGET="${PARLEY_DAILY_TOKEN_BUDGET:-200000}"
# PARLEY_TRUSTED_PROXIES: default the cluster's pod CIDR with the Ingress; with --internal your TLS proxy's range
# (empty: each client's own address counts).
TRUSTED_PROXIES="${TRUSTED_PROXIES:-}"
KEY_VAULT_NAME="${KEY_VAULT_NAME:-}" # default parley-kv-<suffix> (vault names are global, 3-24 characters)
TLS_CERT_NAME="${TLS_CERT_NAME:-parley-tls}"
# "Self" = self-signed; or the name of a CA issuer configured in the vault (az keyvault certificate issuer create).
TLS_CERT_ISSUER="${TLS_CERT_ISSUER:-Self}"
# An existing certificate, https://<vault>.vault.azure.net/certificates/<name>: then no vault or certificate is made.
TLS_CERT_KEYVAULT_URI="${TLS_CERT_KEYVAULT_URI:-}"
PARLEY_AUTH_CLIENT_ID="${PARLEY_AUTH_CLIENT_ID:-}" # --render-only: the app registration's client id
NAMESPACE="${NAMESPACE:-parley}"
IMAGE_REPOSITORY="${IMAGE_REPOSITORY:-parley}"
IMAGE_TAG="${IMAGE_TAG:-}" # default: the git commit (see default_image_tag)
# Which files of release/ to deploy: all of them (as `kubectl apply -f release`), or one way only:
#   one Parley per deployment: MANIFESTS="manifest.yaml manifest-gpt4.yaml"
#   one Parley serving both:   MANIFESTS="manifest-both.yaml"
MANIFESTS_SET="${MANIFESTS:-}"
MANIFESTS="${MANIFESTS:-manifest.yaml manifest-gpt4.yaml manifest-both.yaml}"
# Where the rendered manifests go (kept when set, and emptied of older *.yaml first; a temporary folder otherwise).
RENDER_DIR="${RENDER_DIR:-}"
# --render-only: values taken as given instead of looked up (see Usage).
IDENTITY_CLIENT_ID="${IDENTITY_CLIENT_ID:-}"
AZURE_OPENAI_ENDPOINT="${AZURE_OPENAI_ENDPOINT:-}"
ACR_LOGIN_SERVER="${ACR_LOGIN_SERVER:-}"
ROLLOUT_TIMEOUT="${ROLLOUT_TIMEOUT:-300s}"
EXTERNAL_IP_TRIES="${EXTERNAL_IP_TRIES:-60}"
EXTERNAL_IP_INTERVAL="${EXTERNAL_IP_INTERVAL:-10}" # seconds; 60 x 10 s = at most 10 minutes
# parley doctor is retried: a new role assignment and federated credential take minutes to propagate.
DOCTOR_TRIES="${DOCTOR_TRIES:-10}"
DOCTOR_INTERVAL="${DOCTOR_INTERVAL:-20}" # seconds; 10 x 20 s = at most 3 minutes of waiting per deployment
# ---------------------------------------------------------------------------------------------------------------

# Least privilege: data-plane inference only (not "Cognitive Services User", not on the resource group).
readonly OPENAI_ROLE="Cognitive Services OpenAI User"
# The audience AKS workload identity projects service-account tokens for.
readonly TOKEN_EXCHANGE_AUDIENCE="api://AzureADTokenExchange"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

PURGE=0
RENDER_ONLY=0
while (($#)); do
    case $1 in
    --dry-run) DRY_RUN=1 ;;
    --deploy-only) DEPLOY_ONLY=1 ;;
    --with-postgres)
        WITH_POSTGRES=1
        WITH_POSTGRES_SET=1
        ;;
    --second-region)
        (($# > 1)) || die "--second-region needs a location, e.g. --second-region swedencentral (try --help)"
        SECOND_LOCATION=$2
        shift
        ;;
    --purge) PURGE=1 ;;
    --with-sign-in) WITH_SIGN_IN=1 ;;
    --internal) SIGN_IN_INTERNAL=1 ;;
    --host)
        (($# > 1)) || die "--host needs a DNS name, e.g. --host parley.example.com (try --help)"
        SIGN_IN_HOST=$2
        shift
        ;;
    --render-only)
        (($# > 1)) || die "--render-only needs a folder (try --help)"
        RENDER_ONLY=1
        RENDER_DIR=$2
        shift
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    *) die "unknown argument '$1' (try --help)" ;;
    esac
    shift
done

OWN_RENDER_DIR=0
cleanup() {
    lib_cleanup
    if ((OWN_RENDER_DIR)); then rm -rf "$RENDER_DIR"; fi
}
trap cleanup EXIT

default_image_tag() {
    local stamp
    stamp=$(date -u +%Y%m%d%H%M%S)
    if git -C "$REPO_ROOT" rev-parse --verify --quiet HEAD >/dev/null 2>&1; then
        local commit
        commit=$(git -C "$REPO_ROOT" rev-parse --short=12 HEAD)
        # A clean tree's tag names exactly one image, so an existing tag need not be rebuilt; uncommitted
        # changes get a new tag every time so that the Deployment really rolls.
        if [[ -z $(git -C "$REPO_ROOT" status --porcelain 2>/dev/null) ]]; then
            printf '%s' "$commit"
        else
            printf '%s-dirty-%s' "$commit" "$stamp"
        fi
    else
        printf 'build-%s' "$stamp"
    fi
}

# The names of the objects of one kind in the selected manifests (each document there has `kind:` at the
# top level before `metadata.name`, which Tests/deploy checks).
object_names() {
    local kind=$1 manifest
    for manifest in $MANIFESTS; do
        awk -v kind="$kind" '$0 == "kind: " kind { found = 1; next } found && /^  name: / { print $2; found = 0 }' \
            "$RELEASE_DIR/$manifest"
    done
}

sed_escape() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }

is_true() { [[ ${1,,} == true ]]; }

# The deployment names release/*.yaml use (DEPLOYMENT_NAME, PARLEY_DEPLOYMENTS), named after what they run.
readonly MINI_DEPLOYMENT=gpt-4.1-mini LARGE_DEPLOYMENT=gpt-4.1

# Sets SUBSCRIPTION_ID and the default global names (see NAME_SUFFIX); read-only.
resolve_names() {
    SUBSCRIPTION_ID=$(lookup '<subscription-id>' az account show --query id --output tsv) ||
        die "not signed in to Azure: run 'az login' (and 'az account set --subscription <id>')"
    if [[ -z $NAME_SUFFIX ]]; then
        NAME_SUFFIX=$(name_suffix "$SUBSCRIPTION_ID" "$RESOURCE_GROUP")
        if ((DRY_RUN)); then NAME_SUFFIX='<suffix>'; fi
    fi
    AZURE_OPENAI_NAME="${AZURE_OPENAI_NAME:-parley-openai-$NAME_SUFFIX}"
    ACR_NAME="${ACR_NAME:-parleyacr$NAME_SUFFIX}"
    POSTGRES_NAME="${POSTGRES_NAME:-parley-pg-$NAME_SUFFIX}"
    AZURE_OPENAI_NAME_2="${AZURE_OPENAI_NAME_2:-$AZURE_OPENAI_NAME-2}"
    SIGN_IN_APP_NAME="${SIGN_IN_APP_NAME:-parley-sign-in-$NAME_SUFFIX}"
    KEY_VAULT_NAME="${KEY_VAULT_NAME:-parley-kv-$NAME_SUFFIX}"
}

# A render folder holds rendered manifests only and is emptied first, so a file from an earlier run (another
# MANIFESTS) is never applied again.
prepare_render_dir() {
    if [[ -z $RENDER_DIR ]]; then
        RENDER_DIR=$(mktemp -d)
        OWN_RENDER_DIR=1
        return 0
    fi
    mkdir -p "$RENDER_DIR"
    local other
    other=$(find "$RENDER_DIR" -mindepth 1 -maxdepth 1 ! -name '*.yaml' -print -quit)
    [[ -z $other ]] || die "the render folder $RENDER_DIR holds $other besides rendered manifests: use an empty folder"
    find "$RENDER_DIR" -mindepth 1 -maxdepth 1 -name '*.yaml' -delete
}

render_manifests() {
    prepare_render_dir
    local manifest drop=()
    # Optional settings whose value is empty are left out of the manifest (the variable and its value line).
    if [[ -z $PARLEY_AUTH_ALLOWED_GROUPS ]]; then drop+=(-e '/- name: PARLEY_AUTH_ALLOWED_GROUPS$/,+1d'); fi
    if [[ -z $TRUSTED_PROXIES ]]; then drop+=(-e '/- name: PARLEY_TRUSTED_PROXIES$/,+1d'); fi
    for manifest in $MANIFESTS; do
        # Rendered flat (release/replicas/x.yaml -> x.yaml): `kubectl apply --filename` does not recurse.
        sed -e "s|__AZURE_CLIENT_ID__|$(sed_escape "$CLIENT_ID")|g" \
            -e "s|__POSTGRES_HOST__|$(sed_escape "${POSTGRES_HOST:-__POSTGRES_HOST__}")|g" \
            -e "s|__POSTGRES_USER__|$(sed_escape "$IDENTITY_NAME")|g" \
            -e "s|__AZURE_OPENAI_ENDPOINT__|$(sed_escape "$OPENAI_ENDPOINT")|g" \
            -e "s|__AZURE_OPENAI_ENDPOINT_2__|$(sed_escape "${OPENAI_ENDPOINT_2:-__AZURE_OPENAI_ENDPOINT_2__}")|g" \
            -e "s|__ACR_LOGIN_SERVER__|$(sed_escape "$ACR_LOGIN_SERVER")|g" \
            -e "s|__IMAGE_TAG__|$(sed_escape "$IMAGE_TAG")|g" \
            -e "s|__PARLEY_AUTH_CLIENT_ID__|$(sed_escape "${SIGN_IN_CLIENT_ID:-}")|g" \
            -e "s|__PARLEY_PUBLIC_URL__|$(sed_escape "$(sign_in_public_url)")|g" \
            -e "s|__PARLEY_HOST__|$(sed_escape "$SIGN_IN_HOST")|g" \
            -e "s|__TLS_CERT_KEYVAULT_URI__|$(sed_escape "$TLS_CERT_KEYVAULT_URI")|g" \
            -e "s|__PARLEY_TRUSTED_PROXIES__|$(sed_escape "$TRUSTED_PROXIES")|g" \
            -e "s|__PARLEY_AUTH_ALLOWED_GROUPS__|$(sed_escape "$PARLEY_AUTH_ALLOWED_GROUPS")|g" \
            -e "s|__PARLEY_RATE_LIMIT__|$(sed_escape "$PARLEY_RATE_LIMIT")|g" \
            -e "s|__PARLEY_DAILY_TOKEN_BUDGET__|$(sed_escape "$PARLEY_DAILY_TOKEN_BUDGET")|g" \
            "${drop[@]}" \
            -e "s|^\(  *namespace:\) parley\$|\1 $(sed_escape "$NAMESPACE")|" \
            -e "s|^  name: parley\$|  name: $(sed_escape "$NAMESPACE")|" \
            "$RELEASE_DIR/$manifest" >"$RENDER_DIR/${manifest##*/}"
    done
    if grep -n '__[A-Z_]*__' "$RENDER_DIR"/*.yaml | grep -v '^[^:]*:[0-9]*: *#'; then
        die "placeholders left in the rendered manifests (above)"
    fi
    note "rendered into $RENDER_DIR"
}

# Prints the value of $1 when set (naming the variable), otherwise runs the read-only lookup that follows.
given_or_lookup() {
    local variable=$1
    shift
    if [[ -n ${!variable} ]]; then
        note "$variable=${!variable} (from the environment)"
        printf '%s\n' "${!variable}"
    else
        lookup "$@"
    fi
}

# --render-only: the filled manifests for people who apply by hand. Nothing is created or changed; values come
# from the environment or from az reads (show), which need `az login` and the provisioned resources.
render_only() {
    STEP_TOTAL=2
    step "values for $MANIFESTS"
    if [[ -z $IDENTITY_CLIENT_ID || -z $AZURE_OPENAI_ENDPOINT || -z $ACR_LOGIN_SERVER ]] ||
        { ((WITH_POSTGRES)) && [[ -z $POSTGRES_HOST ]]; } ||
        { [[ -n $SECOND_LOCATION ]] && [[ -z $AZURE_OPENAI_ENDPOINT_2 ]]; } ||
        { ((WITH_SIGN_IN)) && [[ -z $PARLEY_AUTH_CLIENT_ID || ($SIGN_IN_INTERNAL == 0 && -z $TLS_CERT_KEYVAULT_URI) ]]; }; then
        resolve_names
    fi
    CLIENT_ID=$(given_or_lookup IDENTITY_CLIENT_ID "<clientId of $IDENTITY_NAME>" az identity show \
        --name "$IDENTITY_NAME" --resource-group "$RESOURCE_GROUP" --query clientId --output tsv)
    OPENAI_ENDPOINT=$(given_or_lookup AZURE_OPENAI_ENDPOINT "https://$AZURE_OPENAI_NAME.openai.azure.com/" \
        az cognitiveservices account show --name "$AZURE_OPENAI_NAME" --resource-group "$RESOURCE_GROUP" \
        --query properties.endpoint --output tsv)
    if [[ -n $SECOND_LOCATION ]]; then
        OPENAI_ENDPOINT_2=$(given_or_lookup AZURE_OPENAI_ENDPOINT_2 "https://$AZURE_OPENAI_NAME_2.openai.azure.com/" \
            az cognitiveservices account show --name "$AZURE_OPENAI_NAME_2" --resource-group "$RESOURCE_GROUP" \
            --query properties.endpoint --output tsv)
    fi
    ACR_LOGIN_SERVER=$(given_or_lookup ACR_LOGIN_SERVER "$ACR_NAME.azurecr.io" az acr show --name "$ACR_NAME" \
        --resource-group "$RESOURCE_GROUP" --query loginServer --output tsv)
    if ((WITH_POSTGRES)); then
        POSTGRES_HOST=$(given_or_lookup POSTGRES_HOST "$POSTGRES_NAME.postgres.database.azure.com" \
            az postgres flexible-server show --name "$POSTGRES_NAME" --resource-group "$RESOURCE_GROUP" \
            --query fullyQualifiedDomainName --output tsv)
    fi
    if ((WITH_SIGN_IN)); then
        SIGN_IN_CLIENT_ID=$(given_or_lookup PARLEY_AUTH_CLIENT_ID "<appId of $SIGN_IN_APP_NAME>" az ad app list \
            --display-name "$SIGN_IN_APP_NAME" --query "[?displayName=='$SIGN_IN_APP_NAME'].appId" --output tsv)
        [[ -n $SIGN_IN_CLIENT_ID && $SIGN_IN_CLIENT_ID != *$'\n'* ]] ||
            die "no single app registration $SIGN_IN_APP_NAME: run release/provision.sh --with-sign-in first," \
                "or set PARLEY_AUTH_CLIENT_ID"
        if ((!SIGN_IN_INTERNAL)); then
            TLS_CERT_KEYVAULT_URI="${TLS_CERT_KEYVAULT_URI:-https://$KEY_VAULT_NAME.vault.azure.net/certificates/$TLS_CERT_NAME}"
            ingress_trusted_proxies
        fi
    fi
    [[ -n $CLIENT_ID && -n $OPENAI_ENDPOINT && -n $ACR_LOGIN_SERVER ]] || die "a value is empty (above)"
    note "image $ACR_LOGIN_SERVER/$IMAGE_REPOSITORY:$IMAGE_TAG (IMAGE_TAG; build it with make deploy or az acr build)"
    step "render $MANIFESTS"
    render_manifests
    note "apply with: kubectl apply --filename $RENDER_DIR"
}

if ((WITH_POSTGRES)) && [[ -n $SECOND_LOCATION ]]; then
    die "--second-region and --with-postgres cannot be combined yet: pick one"
fi
if ((WITH_POSTGRES)) && [[ -z ${MANIFESTS_SET:-} ]]; then MANIFESTS="replicas/manifest-replicas.yaml"; fi
if [[ -n $SECOND_LOCATION && -z ${MANIFESTS_SET:-} ]]; then MANIFESTS="several/manifest-several.yaml"; fi
case $WITH_SIGN_IN in 0 | 1) ;; *) die "WITH_SIGN_IN=$WITH_SIGN_IN: use 1 (or --with-sign-in) or 0" ;; esac
if ((WITH_SIGN_IN)); then
    ((!WITH_POSTGRES)) || die "--with-sign-in does not go with --with-postgres yet (there is no replicas manifest" \
        "with sign-in); see README \"Sign-in on AKS\""
    [[ -z $SECOND_LOCATION ]] || die "--with-sign-in does not go with --second-region yet; see README \"Sign-in on AKS\""
    if [[ -z ${MANIFESTS_SET:-} ]]; then
        if ((SIGN_IN_INTERNAL)); then
            MANIFESTS="sign-in/manifest-internal.yaml"
        else
            MANIFESTS="sign-in/manifest-ingress.yaml"
        fi
    fi
    check_sign_in_host
elif ((SIGN_IN_INTERNAL)) || [[ -n $SIGN_IN_HOST ]]; then
    die "--internal and --host go with --with-sign-in (try --help)"
fi
[[ -n $IMAGE_TAG ]] || IMAGE_TAG=$(default_image_tag)
if ((RENDER_ONLY)); then
    for manifest in $MANIFESTS; do
        [[ -f $RELEASE_DIR/$manifest ]] || die "no manifest release/$manifest (MANIFESTS=\"$MANIFESTS\")"
    done
    render_only
    exit 0
fi
if ((!DRY_RUN)); then require_tools az kubectl; fi

if ((DRY_RUN)); then note "dry run: printing the commands of a first run; nothing is read or changed"; fi
resolve_names
note "subscription $SUBSCRIPTION_ID, location $LOCATION, global names with suffix $NAME_SUFFIX"
# make deploy deploys what make provision deployed: after --with-postgres only the replicas manifest has a
# federated credential, so the single-replica manifests must not be demanded. (probe: any failure counts as
# "no server", which only means the default manifests, whose missing credentials are then reported.)
if ((DEPLOY_ONLY && !WITH_SIGN_IN)) && [[ -z $WITH_POSTGRES_SET && -z ${MANIFESTS_SET:-} ]] &&
    probe az postgres flexible-server show --name "$POSTGRES_NAME" --resource-group "$RESOURCE_GROUP"; then
    note "PostgreSQL server $POSTGRES_NAME exists: deploying the replicas (WITH_POSTGRES=0 for the others)"
    WITH_POSTGRES=1
    MANIFESTS="replicas/manifest-replicas.yaml"
fi
for manifest in $MANIFESTS; do
    [[ -f $RELEASE_DIR/$manifest ]] || die "no manifest release/$manifest (MANIFESTS=\"$MANIFESTS\")"
done
mapfile -t SERVICE_ACCOUNTS < <(object_names ServiceAccount)
mapfile -t DEPLOYMENTS < <(object_names Deployment)

STEP_TOTAL=16
if ((DEPLOY_ONLY)); then STEP_TOTAL=$((STEP_TOTAL - 1)); fi
if ((WITH_POSTGRES)); then STEP_TOTAL=$((STEP_TOTAL + 3)); fi
if [[ -n $SECOND_LOCATION ]]; then STEP_TOTAL=$((STEP_TOTAL + 1)); fi
if ((WITH_SIGN_IN)); then STEP_TOTAL=$((STEP_TOTAL + 2 + !SIGN_IN_INTERNAL)); fi

if ((!DEPLOY_ONLY)); then
    step "models offered in $LOCATION ($MINI_MODEL $MINI_MODEL_VERSION, $LARGE_MODEL $LARGE_MODEL_VERSION; $MODEL_SKU)"
    # One line per model version: name, version, SKUs (tab-separated; none for an entry without skus). Checked
    # before anything is created, so a retired model stops the first run here with the region's list instead of
    # at the deployment step.
    OFFERED=$(lookup '' az cognitiveservices model list --location "$LOCATION" --output tsv \
        --query "[?model.format=='OpenAI'].[model.name, model.version, join(' ', model.skus[].name || \`[]\`)]")
    MISSING_MODELS=()
    for wanted in "$MINI_MODEL $MINI_MODEL_VERSION" "$LARGE_MODEL $LARGE_MODEL_VERSION"; do
        if ((DRY_RUN)) || awk -F '\t' -v want="$wanted" -v sku="$MODEL_SKU" \
            '$1 " " $2 == want && (" " $3 " ") ~ (" " sku " ") { found = 1 } END { exit !found }' <<<"$OFFERED"; then
            note "$wanted offered as $MODEL_SKU"
        else
            MISSING_MODELS+=("$wanted")
        fi
    done
    if ((${#MISSING_MODELS[@]})); then
        printf '%s: %s offers these OpenAI models (name, version, SKUs):\n' "$SCRIPT_NAME" "$LOCATION" >&2
        sort -u <<<"$OFFERED" | sed -e 's/\t/  /g' -e 's/^/    /' >&2
        die "${MISSING_MODELS[*]} not offered as $MODEL_SKU in $LOCATION (retired, or not in this region). Pick from" \
            "the list above: MINI_MODEL, MINI_MODEL_VERSION, LARGE_MODEL, LARGE_MODEL_VERSION, MODEL_SKU, or LOCATION"
    fi
fi

step "resource group $RESOURCE_GROUP"
if exists az group show --name "$RESOURCE_GROUP"; then
    note "exists"
else
    provisioning_change "resource group $RESOURCE_GROUP"
    run az group create --name "$RESOURCE_GROUP" --location "$LOCATION" --output none
fi

step "Azure OpenAI account $AZURE_OPENAI_NAME (custom subdomain $AZURE_OPENAI_NAME, no API keys)"
if exists az cognitiveservices account show --name "$AZURE_OPENAI_NAME" --resource-group "$RESOURCE_GROUP"; then
    note "exists"
else
    provisioning_change "Azure OpenAI account $AZURE_OPENAI_NAME"
    # A deleted account keeps its name (and subdomain) for 48 h, soft-deleted; creating it again fails then.
    # Its id: /subscriptions/<id>/providers/Microsoft.CognitiveServices/locations/<location>/resourceGroups/<group>/
    # deletedAccounts/<name>.
    DELETED_ID=$(lookup '' az cognitiveservices account list-deleted --query "[?name=='$AZURE_OPENAI_NAME'].id" \
        --output tsv | head -n 1)
    DELETED_GROUP=$(sed -n 's|.*/resourceGroups/\([^/]*\)/.*|\1|p' <<<"$DELETED_ID")
    DELETED_LOCATION=$(sed -n 's|.*/locations/\([^/]*\)/.*|\1|p' <<<"$DELETED_ID")
    if [[ -n $DELETED_ID ]] && ((PURGE)); then
        note "soft-deleted in $DELETED_GROUP: purging it (--purge), then creating a new account"
        run az cognitiveservices account purge --name "$AZURE_OPENAI_NAME" --resource-group "$DELETED_GROUP" \
            --location "$DELETED_LOCATION" --output none
    elif [[ -n $DELETED_ID ]]; then
        [[ $DELETED_GROUP == "$RESOURCE_GROUP" ]] ||
            die "the name $AZURE_OPENAI_NAME is held by an account soft-deleted from resource group $DELETED_GROUP:" \
                "run again with --purge to free it, or set AZURE_OPENAI_NAME"
        note "soft-deleted (deleted accounts are kept 48 h): recovering it with its deployments (--purge: a new one)"
        run az cognitiveservices account recover --name "$AZURE_OPENAI_NAME" --resource-group "$RESOURCE_GROUP" \
            --location "$DELETED_LOCATION" --output none
    fi
    if [[ -z $DELETED_ID ]] || ((PURGE)); then
        run az cognitiveservices account create --name "$AZURE_OPENAI_NAME" --resource-group "$RESOURCE_GROUP" \
            --location "$LOCATION" --kind OpenAI --sku "$AZURE_OPENAI_SKU" --custom-domain "$AZURE_OPENAI_NAME" \
            --yes --output none
    fi
fi
OPENAI_ID=$(lookup "<id of $AZURE_OPENAI_NAME>" az cognitiveservices account show --name "$AZURE_OPENAI_NAME" \
    --resource-group "$RESOURCE_GROUP" --query id --output tsv)
OPENAI_SUBDOMAIN=$(lookup "$AZURE_OPENAI_NAME" az cognitiveservices account show --name "$AZURE_OPENAI_NAME" \
    --resource-group "$RESOURCE_GROUP" --query properties.customSubDomainName --output tsv)
OPENAI_ENDPOINT=$(lookup "https://$AZURE_OPENAI_NAME.openai.azure.com/" az cognitiveservices account show \
    --name "$AZURE_OPENAI_NAME" --resource-group "$RESOURCE_GROUP" --query properties.endpoint --output tsv)
# Entra tokens are only accepted on the custom-subdomain endpoint, not the regional one
# (https://<region>.api.cognitive.microsoft.com/), and an existing account may have been made without one.
if [[ -z $OPENAI_SUBDOMAIN ]]; then
    die "Azure OpenAI account $AZURE_OPENAI_NAME has no custom subdomain, which Microsoft Entra tokens need:" \
        "az cognitiveservices account update --name $AZURE_OPENAI_NAME --resource-group $RESOURCE_GROUP" \
        "--custom-domain $AZURE_OPENAI_NAME (it cannot be changed afterwards)"
fi
note "endpoint $OPENAI_ENDPOINT"
# Nobody needs a key (pods use workload identity, people `az login`), so the account accepts none. The az CLI
# (2.91) has no flag for it on `cognitiveservices account create/update`, hence the generic resource update.
# `disable_local_auth NAME ID`.
disable_local_auth() {
    local disabled
    disabled=$(lookup false az cognitiveservices account show --name "$1" \
        --resource-group "$RESOURCE_GROUP" --query properties.disableLocalAuth --output tsv)
    if is_true "$disabled"; then
        note "API keys disabled (disableLocalAuth)"
    else
        provisioning_change "disableLocalAuth on $1"
        run az resource update --ids "$2" --set properties.disableLocalAuth=true --output none
    fi
}
disable_local_auth "$AZURE_OPENAI_NAME" "$OPENAI_ID"

step "model deployments $MINI_DEPLOYMENT and $LARGE_DEPLOYMENT"
ensure_model_deployment() {
    local deployment=$1 model=$2 version=$3 account=${4:-$AZURE_OPENAI_NAME}
    if exists az cognitiveservices account deployment show --name "$account" \
        --resource-group "$RESOURCE_GROUP" --deployment-name "$deployment"; then
        note "$deployment exists"
    else
        provisioning_change "model deployment $deployment"
        run az cognitiveservices account deployment create --name "$account" \
            --resource-group "$RESOURCE_GROUP" --deployment-name "$deployment" --model-name "$model" \
            --model-version "$version" --model-format OpenAI --sku-name "$MODEL_SKU" \
            --sku-capacity "$MODEL_CAPACITY" --output none
    fi
}
ensure_model_deployment "$MINI_DEPLOYMENT" "$MINI_MODEL" "$MINI_MODEL_VERSION"
ensure_model_deployment "$LARGE_DEPLOYMENT" "$LARGE_MODEL" "$LARGE_MODEL_VERSION"

if [[ -n $SECOND_LOCATION ]]; then
    step "second Azure OpenAI account $AZURE_OPENAI_NAME_2 in $SECOND_LOCATION (same deployments, no API keys)"
    # The same models, SKU and capacity: the backends file sends each deployment's overflow here.
    if exists az cognitiveservices account show --name "$AZURE_OPENAI_NAME_2" --resource-group "$RESOURCE_GROUP"; then
        note "exists"
    else
        provisioning_change "Azure OpenAI account $AZURE_OPENAI_NAME_2"
        run az cognitiveservices account create --name "$AZURE_OPENAI_NAME_2" --resource-group "$RESOURCE_GROUP" \
            --location "$SECOND_LOCATION" --kind OpenAI --sku "$AZURE_OPENAI_SKU" --custom-domain "$AZURE_OPENAI_NAME_2" \
            --yes --output none
    fi
    OPENAI_ID_2=$(lookup "<id of $AZURE_OPENAI_NAME_2>" az cognitiveservices account show --name "$AZURE_OPENAI_NAME_2" \
        --resource-group "$RESOURCE_GROUP" --query id --output tsv)
    OPENAI_ENDPOINT_2=$(lookup "https://$AZURE_OPENAI_NAME_2.openai.azure.com/" az cognitiveservices account show \
        --name "$AZURE_OPENAI_NAME_2" --resource-group "$RESOURCE_GROUP" --query properties.endpoint --output tsv)
    note "endpoint $OPENAI_ENDPOINT_2"
    disable_local_auth "$AZURE_OPENAI_NAME_2" "$OPENAI_ID_2"
    ensure_model_deployment "$MINI_DEPLOYMENT" "$MINI_MODEL" "$MINI_MODEL_VERSION" "$AZURE_OPENAI_NAME_2"
    ensure_model_deployment "$LARGE_DEPLOYMENT" "$LARGE_MODEL" "$LARGE_MODEL_VERSION" "$AZURE_OPENAI_NAME_2"
fi

step "container registry $ACR_NAME"
if exists az acr show --name "$ACR_NAME" --resource-group "$RESOURCE_GROUP"; then
    note "exists"
else
    provisioning_change "container registry $ACR_NAME"
    run az acr create --name "$ACR_NAME" --resource-group "$RESOURCE_GROUP" --location "$LOCATION" --sku Basic \
        --output none
fi
ACR_ID=$(lookup "<id of $ACR_NAME>" az acr show --name "$ACR_NAME" --resource-group "$RESOURCE_GROUP" \
    --query id --output tsv)
ACR_LOGIN_SERVER=$(lookup "$ACR_NAME.azurecr.io" az acr show --name "$ACR_NAME" --resource-group "$RESOURCE_GROUP" \
    --query loginServer --output tsv)

step "AKS cluster $AKS_NAME (OIDC issuer, workload identity, registry attached)"
if exists az aks show --name "$AKS_NAME" --resource-group "$RESOURCE_GROUP"; then
    note "exists"
else
    provisioning_change "AKS cluster $AKS_NAME"
    # Azure CNI powered by Cilium enforces the manifests' NetworkPolicy (no route to the node's IMDS).
    run az aks create --name "$AKS_NAME" --resource-group "$RESOURCE_GROUP" --location "$LOCATION" \
        --node-count "$AKS_NODE_COUNT" --enable-oidc-issuer --enable-workload-identity --enable-managed-identity \
        --network-plugin azure --network-plugin-mode overlay --network-dataplane cilium \
        --attach-acr "$ACR_ID" --generate-ssh-keys --output none
fi
OIDC_ENABLED=$(lookup true az aks show --name "$AKS_NAME" --resource-group "$RESOURCE_GROUP" \
    --query oidcIssuerProfile.enabled --output tsv)
WORKLOAD_IDENTITY_ENABLED=$(lookup true az aks show --name "$AKS_NAME" --resource-group "$RESOURCE_GROUP" \
    --query securityProfile.workloadIdentity.enabled --output tsv)
if is_true "$OIDC_ENABLED" && is_true "$WORKLOAD_IDENTITY_ENABLED"; then
    note "OIDC issuer and workload identity enabled"
else
    provisioning_change "OIDC issuer / workload identity on $AKS_NAME"
    run az aks update --name "$AKS_NAME" --resource-group "$RESOURCE_GROUP" --enable-oidc-issuer \
        --enable-workload-identity --output none
fi
OIDC_ISSUER=$(lookup "<OIDC issuer URL of $AKS_NAME>" az aks show --name "$AKS_NAME" \
    --resource-group "$RESOURCE_GROUP" --query oidcIssuerProfile.issuerUrl --output tsv)
[[ -n $OIDC_ISSUER ]] || die "AKS cluster $AKS_NAME reports no OIDC issuer URL"
note "OIDC issuer $OIDC_ISSUER"
KUBELET_OBJECT_ID=$(lookup "<kubelet identity of $AKS_NAME>" az aks show --name "$AKS_NAME" \
    --resource-group "$RESOURCE_GROUP" --query identityProfile.kubeletidentity.objectId --output tsv)
ACR_PULL=$(lookup "<AcrPull from az aks create --attach-acr>" az role assignment list \
    --assignee "$KUBELET_OBJECT_ID" --role AcrPull --scope "$ACR_ID" --query '[].id' --output tsv)
if [[ -n $ACR_PULL ]]; then
    note "the cluster can pull from $ACR_NAME"
else
    provisioning_change "AcrPull for $AKS_NAME on $ACR_NAME"
    run az aks update --name "$AKS_NAME" --resource-group "$RESOURCE_GROUP" --attach-acr "$ACR_ID" --output none
fi

step "kubectl credentials for $AKS_NAME"
run az aks get-credentials --name "$AKS_NAME" --resource-group "$RESOURCE_GROUP" --overwrite-existing --output none

step "managed identity $IDENTITY_NAME"
if exists az identity show --name "$IDENTITY_NAME" --resource-group "$RESOURCE_GROUP"; then
    note "exists"
else
    provisioning_change "managed identity $IDENTITY_NAME"
    run az identity create --name "$IDENTITY_NAME" --resource-group "$RESOURCE_GROUP" --location "$LOCATION" \
        --output none
fi
CLIENT_ID=$(lookup "<clientId of $IDENTITY_NAME>" az identity show --name "$IDENTITY_NAME" \
    --resource-group "$RESOURCE_GROUP" --query clientId --output tsv)
PRINCIPAL_ID=$(lookup "<principalId of $IDENTITY_NAME>" az identity show --name "$IDENTITY_NAME" \
    --resource-group "$RESOURCE_GROUP" --query principalId --output tsv)
note "client id $CLIENT_ID"

step "role '$OPENAI_ROLE' for $IDENTITY_NAME on $AZURE_OPENAI_NAME${SECOND_LOCATION:+ and $AZURE_OPENAI_NAME_2}"
ensure_openai_role() {
    local scope=$1 account=$2 assignment
    assignment=$(lookup '' az role assignment list --assignee "$PRINCIPAL_ID" --role "$OPENAI_ROLE" \
        --scope "$scope" --query '[].id' --output tsv)
    if [[ -n $assignment ]]; then
        note "assigned${SECOND_LOCATION:+ on $account}"
    else
        provisioning_change "role assignment '$OPENAI_ROLE' for $IDENTITY_NAME${SECOND_LOCATION:+ on $account}"
        # By object id with the principal type: no Microsoft Graph lookup, which fails for a few minutes after
        # the identity is created.
        run az role assignment create --assignee-object-id "$PRINCIPAL_ID" --assignee-principal-type ServicePrincipal \
            --role "$OPENAI_ROLE" --scope "$scope" --output none
        note "role assignments can take up to 30 minutes to take effect (parley doctor says so when it matters)"
    fi
}
ensure_openai_role "$OPENAI_ID" "$AZURE_OPENAI_NAME"
# The one Entra token works on both accounts; the role is needed on each.
if [[ -n $SECOND_LOCATION ]]; then ensure_openai_role "$OPENAI_ID_2" "$AZURE_OPENAI_NAME_2"; fi

if ((WITH_POSTGRES)); then
    step "PostgreSQL flexible server $POSTGRES_NAME (Microsoft Entra authentication only)"
    if exists az postgres flexible-server show --name "$POSTGRES_NAME" --resource-group "$RESOURCE_GROUP"; then
        note "exists"
    else
        provisioning_change "PostgreSQL flexible server $POSTGRES_NAME"
        # No password authentication at all; 0.0.0.0 admits Azure services (the cluster's outbound address).
        # --microsoft-entra-auth and microsoft-entra-admin replaced --active-directory-auth and ad-admin, which the
        # az CLI removed in 2025 (Tests/deploy checks every call against the az CLI's own argument tables).
        run az postgres flexible-server create --name "$POSTGRES_NAME" --resource-group "$RESOURCE_GROUP" \
            --location "$LOCATION" --tier "$POSTGRES_TIER" --sku-name "$POSTGRES_SKU" --version "$POSTGRES_VERSION" \
            --storage-size 32 --public-access 0.0.0.0 --microsoft-entra-auth Enabled --password-auth Disabled \
            --yes --output none
    fi
    POSTGRES_HOST=$(lookup "$POSTGRES_NAME.postgres.database.azure.com" az postgres flexible-server show \
        --name "$POSTGRES_NAME" --resource-group "$RESOURCE_GROUP" --query fullyQualifiedDomainName --output tsv)
    note "host $POSTGRES_HOST"

    step "database $POSTGRES_DATABASE on $POSTGRES_NAME"
    if exists az postgres flexible-server db show --server-name "$POSTGRES_NAME" --resource-group "$RESOURCE_GROUP" \
        --name "$POSTGRES_DATABASE"; then
        note "exists"
    else
        provisioning_change "database $POSTGRES_DATABASE"
        run az postgres flexible-server db create --server-name "$POSTGRES_NAME" --resource-group "$RESOURCE_GROUP" \
            --name "$POSTGRES_DATABASE" --output none
    fi

    step "$IDENTITY_NAME as a Microsoft Entra user of $POSTGRES_NAME"
    # Registering the identity as the server's Entra administrator creates its database role (named after the
    # identity) without anyone running SQL. Least privilege instead: an Entra admin runs, in database postgres,
    #   SELECT * FROM pgaadauth_create_principal('<identity name>', false, false);
    # and GRANT CREATE ON SCHEMA public in the parley database (parley doctor prints this when the login fails).
    PG_ADMINS=$(lookup '' az postgres flexible-server microsoft-entra-admin list --server-name "$POSTGRES_NAME" \
        --resource-group "$RESOURCE_GROUP" --query '[].objectId' --output tsv)
    if grep -qx "$PRINCIPAL_ID" <<<"$PG_ADMINS"; then
        note "$IDENTITY_NAME is a database user"
    else
        provisioning_change "Entra user $IDENTITY_NAME on $POSTGRES_NAME"
        run az postgres flexible-server microsoft-entra-admin create --server-name "$POSTGRES_NAME" \
            --resource-group "$RESOURCE_GROUP" --object-id "$PRINCIPAL_ID" --display-name "$IDENTITY_NAME" \
            --type ServicePrincipal --output none
    fi
fi

step "federated credentials for service accounts ${SERVICE_ACCOUNTS[*]} in namespace $NAMESPACE"
ensure_federated_credential() {
    local account=$1
    local name="$AKS_NAME-$NAMESPACE-$account"
    local subject="system:serviceaccount:$NAMESPACE:$account"
    if exists az identity federated-credential show --name "$name" --identity-name "$IDENTITY_NAME" \
        --resource-group "$RESOURCE_GROUP"; then
        local issuer current_subject
        issuer=$(lookup '' az identity federated-credential show --name "$name" --identity-name "$IDENTITY_NAME" \
            --resource-group "$RESOURCE_GROUP" --query issuer --output tsv)
        current_subject=$(lookup '' az identity federated-credential show --name "$name" \
            --identity-name "$IDENTITY_NAME" --resource-group "$RESOURCE_GROUP" --query subject --output tsv)
        if [[ $issuer == "$OIDC_ISSUER" && $current_subject == "$subject" ]]; then
            note "$name: $subject from $OIDC_ISSUER"
            return 0
        fi
        # A recreated cluster has a new issuer: the old credential would fail with AADSTS70021.
        provisioning_change "federated credential $name (issuer or subject changed)"
        run az identity federated-credential update --name "$name" --identity-name "$IDENTITY_NAME" \
            --resource-group "$RESOURCE_GROUP" --issuer "$OIDC_ISSUER" --subject "$subject" \
            --audiences "$TOKEN_EXCHANGE_AUDIENCE" --output none
    else
        provisioning_change "federated credential $name"
        run az identity federated-credential create --name "$name" --identity-name "$IDENTITY_NAME" \
            --resource-group "$RESOURCE_GROUP" --issuer "$OIDC_ISSUER" --subject "$subject" \
            --audiences "$TOKEN_EXCHANGE_AUDIENCE" --output none
    fi
}
for account in "${SERVICE_ACCOUNTS[@]}"; do
    ensure_federated_credential "$account"
done

if ((WITH_SIGN_IN)); then
    step "sign-in app registration $SIGN_IN_APP_NAME (redirect URI $(sign_in_redirect_uri); no client secret)"
    ensure_sign_in_app
    step "federated credentials of $SIGN_IN_APP_NAME for service accounts ${SERVICE_ACCOUNTS[*]} (no client secret)"
    for account in "${SERVICE_ACCOUNTS[@]}"; do
        ensure_app_federated_credential "$account"
    done
    if ((!SIGN_IN_INTERNAL)); then
        step "HTTPS for $SIGN_IN_HOST: certificate in Key Vault, application routing add-on"
        ensure_tls_certificate
        ensure_app_routing
        ingress_trusted_proxies
    fi
fi

step "image $ACR_LOGIN_SERVER/$IMAGE_REPOSITORY:$IMAGE_TAG"
# `az acr repository show` for a missing tag has no documented exit code, so any failure means "build it":
# a needless build is harmless, a skipped one is not.
if probe az acr repository show --name "$ACR_NAME" --image "$IMAGE_REPOSITORY:$IMAGE_TAG"; then
    note "already built"
else
    # Built in the registry from the Dockerfile; .dockerignore keeps the upload to the sources.
    run az acr build --registry "$ACR_NAME" --image "$IMAGE_REPOSITORY:$IMAGE_TAG" \
        --file "$REPO_ROOT/Dockerfile" "$REPO_ROOT"
fi

step "render $MANIFESTS"
render_manifests

step "apply to namespace $NAMESPACE"
run kubectl apply --filename "$RENDER_DIR"

step "wait for the rollouts of ${DEPLOYMENTS[*]}"
NOT_READY=()
for deployment in "${DEPLOYMENTS[@]}"; do
    # A pod stays unready while it cannot get a token; `parley doctor` below says why, so go on.
    run kubectl rollout status "deployment/$deployment" --namespace "$NAMESPACE" --timeout "$ROLLOUT_TIMEOUT" ||
        NOT_READY+=("$deployment")
done

# The Ingress variant is reached through the add-on's address (its Service is ClusterIP); the others through
# their own LoadBalancer Service (a private address with --internal).
ADDRESS_KIND=service
if ((WITH_SIGN_IN && !SIGN_IN_INTERNAL)); then ADDRESS_KIND=ingress; fi
if ((WITH_SIGN_IN)); then
    step "$ADDRESS_KIND addresses (HTTPS at https://$SIGN_IN_HOST/)"
else
    step "external IPs (LoadBalancer, port 80)"
fi
ADDRESSES=()
for service in "${DEPLOYMENTS[@]}"; do
    command=(kubectl get "$ADDRESS_KIND" "$service" --namespace "$NAMESPACE" --output 'jsonpath={.status.loadBalancer.ingress[0].ip}')
    show_command "${command[@]}"
    address=''
    if ((DRY_RUN)); then address="<external IP of $service>"; fi
    for ((try = 1; try <= EXTERNAL_IP_TRIES && ${#address} == 0; try++)); do
        address=$("${command[@]}") || address=''
        if [[ -z $address ]] && ((try < EXTERNAL_IP_TRIES)); then
            note "$service: waiting for an external IP ($try/$EXTERNAL_IP_TRIES)"
            sleep "$EXTERNAL_IP_INTERVAL"
        fi
    done
    if [[ -n $address ]] && ((WITH_SIGN_IN && !SIGN_IN_INTERNAL)); then
        ADDRESSES+=("$service: https://$SIGN_IN_HOST/ once the DNS A record of $SIGN_IN_HOST points at $address")
    elif [[ -n $address ]] && ((WITH_SIGN_IN)); then
        ADDRESSES+=("$service: private address http://$address/; your TLS proxy serves https://$SIGN_IN_HOST/ from it")
    elif [[ -n $address ]]; then
        ADDRESSES+=("$service: http://$address/")
    else
        warn "$service has no external IP yet; watch it with: kubectl get $ADDRESS_KIND $service --namespace $NAMESPACE --watch"
    fi
done

step "parley doctor in ${DEPLOYMENTS[*]}"
DOCTOR_FAILED=()
for deployment in "${DEPLOYMENTS[@]}"; do
    for ((try = 1; ; try++)); do
        if run kubectl exec --namespace "$NAMESPACE" "deploy/$deployment" -- /app/parley doctor; then break; fi
        if ((try >= DOCTOR_TRIES)); then
            DOCTOR_FAILED+=("$deployment")
            break
        fi
        note "$deployment: not working yet ($try/$DOCTOR_TRIES); a new role assignment or federated credential" \
            "takes minutes to propagate, so parley doctor runs again in ${DOCTOR_INTERVAL}s"
        sleep "$DOCTOR_INTERVAL"
    done
done

printf '\n' >&3
for line in "${ADDRESSES[@]}"; do note "Parley $line"; done
if ((${#NOT_READY[@]} + ${#DOCTOR_FAILED[@]})); then
    die "not working yet: ${NOT_READY[*]} ${DOCTOR_FAILED[*]} — read parley doctor's output above. A new role" \
        "assignment can take up to 30 minutes; then run: kubectl exec --namespace $NAMESPACE deploy/<name> --" \
        "/app/parley doctor"
fi
if ((DRY_RUN)); then note "dry run done: nothing was changed"; else note "done"; fi
