#!/usr/bin/env bash
# Provision Parley on AKS end to end, with no secrets: Azure OpenAI (custom subdomain, gpt-35-turbo and gpt-4),
# a container registry, an AKS cluster with the OIDC issuer and workload identity, a user-assigned identity
# holding "Cognitive Services OpenAI User" on the Azure OpenAI account only, one federated credential per
# Kubernetes service account, the image built in the registry (no local Docker), the manifests in release/
# rendered with the real values and applied, then the external IPs and `parley doctor` run inside each pod.
#
# Usage: release/provision.sh [--dry-run] [--deploy-only] [--with-postgres]
#   --dry-run        print every az/kubectl command instead of running it (nothing is read or changed)
#   --deploy-only    change nothing in Azure: build the image if its tag is new, render, apply, verify
#                    (make deploy); stops if a resource is missing
#   --with-postgres  (off by default; also WITH_POSTGRES=1) also create an Azure Database for PostgreSQL flexible
#                    server with Microsoft Entra authentication only, make the identity a database user, and
#                    deploy release/replicas/manifest-replicas.yaml (3 replicas sharing sessions) instead
# Every step is idempotent: it looks the resource up and creates it only when az says it does not exist,
# so running the script again changes nothing but the image and the manifests.
# Settings: the variables below; each can be overridden from the environment, e.g.
#   LOCATION=swedencentral RESOURCE_GROUP=my-parley release/provision.sh
set -euo pipefail

RELEASE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(dirname "$RELEASE_DIR")
# shellcheck source=release/lib.sh
source "$RELEASE_DIR/lib.sh"

# ---- settings ------------------------------------------------------------------------------------------------
LOCATION="${LOCATION:-eastus}"
RESOURCE_GROUP="${RESOURCE_GROUP:-parley-rg}"
# Azure OpenAI account and registry names are global: a short suffix derived from you and the group keeps them
# unique, and the same on every run.
NAME_SUFFIX="${NAME_SUFFIX:-$(printf '%s/%s' "${USER:-$(id -un)}" "$RESOURCE_GROUP" | sha256sum | cut -c1-6)}"
# The account name is also its custom subdomain (https://<name>.openai.azure.com/), which Entra tokens need.
AZURE_OPENAI_NAME="${AZURE_OPENAI_NAME:-parley-openai-$NAME_SUFFIX}"
AZURE_OPENAI_SKU="${AZURE_OPENAI_SKU:-S0}"
# The deployment names are the ones release/*.yaml use; the models behind them can change
# (gpt-35-turbo 0125 is the last gpt-35-turbo; gpt-4 turbo-2024-04-09 is GPT-4 Turbo).
GPT35_MODEL="${GPT35_MODEL:-gpt-35-turbo}"
GPT35_MODEL_VERSION="${GPT35_MODEL_VERSION:-0125}"
GPT4_MODEL="${GPT4_MODEL:-gpt-4}"
GPT4_MODEL_VERSION="${GPT4_MODEL_VERSION:-turbo-2024-04-09}"
MODEL_SKU="${MODEL_SKU:-Standard}"
MODEL_CAPACITY="${MODEL_CAPACITY:-10}" # thousands of tokens per minute
ACR_NAME="${ACR_NAME:-parleyacr$NAME_SUFFIX}"
AKS_NAME="${AKS_NAME:-parley-aks}"
AKS_NODE_COUNT="${AKS_NODE_COUNT:-1}"
IDENTITY_NAME="${IDENTITY_NAME:-parley-identity}"
# --with-postgres: the shared session store (server names are global, hence the suffix).
WITH_POSTGRES="${WITH_POSTGRES:-0}"
POSTGRES_NAME="${POSTGRES_NAME:-parley-pg-$NAME_SUFFIX}"
POSTGRES_DATABASE="${POSTGRES_DATABASE:-parley}"
POSTGRES_SKU="${POSTGRES_SKU:-Standard_B1ms}"
POSTGRES_TIER="${POSTGRES_TIER:-Burstable}"
POSTGRES_VERSION="${POSTGRES_VERSION:-16}"
POSTGRES_HOST="${POSTGRES_HOST:-}"
NAMESPACE="${NAMESPACE:-parley}"
IMAGE_REPOSITORY="${IMAGE_REPOSITORY:-parley}"
IMAGE_TAG="${IMAGE_TAG:-}" # default: the git commit (see default_image_tag)
# Which files of release/ to deploy: all of them (as `kubectl apply -f release`), or one way only:
#   one Parley per deployment: MANIFESTS="manifest.yaml manifest-gpt4.yaml"
#   one Parley serving both:   MANIFESTS="manifest-both.yaml"
MANIFESTS_SET="${MANIFESTS:-}"
MANIFESTS="${MANIFESTS:-manifest.yaml manifest-gpt4.yaml manifest-both.yaml}"
# Where the rendered manifests go (kept when set; a temporary folder otherwise).
RENDER_DIR="${RENDER_DIR:-}"
ROLLOUT_TIMEOUT="${ROLLOUT_TIMEOUT:-300s}"
EXTERNAL_IP_TRIES="${EXTERNAL_IP_TRIES:-60}"
EXTERNAL_IP_INTERVAL="${EXTERNAL_IP_INTERVAL:-10}" # seconds; 60 x 10 s = at most 10 minutes
# ---------------------------------------------------------------------------------------------------------------

# Least privilege: data-plane inference only (not "Cognitive Services User", not on the resource group).
readonly OPENAI_ROLE="Cognitive Services OpenAI User"
# The audience AKS workload identity projects service-account tokens for.
readonly TOKEN_EXCHANGE_AUDIENCE="api://AzureADTokenExchange"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

for argument in "$@"; do
    case $argument in
    --dry-run) DRY_RUN=1 ;;
    --deploy-only) DEPLOY_ONLY=1 ;;
    --with-postgres) WITH_POSTGRES=1 ;;
    -h | --help)
        usage
        exit 0
        ;;
    *) die "unknown argument '$argument' (try --help)" ;;
    esac
done

if ((WITH_POSTGRES)) && [[ -z ${MANIFESTS_SET:-} ]]; then MANIFESTS="replicas/manifest-replicas.yaml"; fi

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

for manifest in $MANIFESTS; do
    [[ -f $RELEASE_DIR/$manifest ]] || die "no manifest release/$manifest (MANIFESTS=\"$MANIFESTS\")"
done
mapfile -t SERVICE_ACCOUNTS < <(object_names ServiceAccount)
mapfile -t DEPLOYMENTS < <(object_names Deployment)
[[ -n $IMAGE_TAG ]] || IMAGE_TAG=$(default_image_tag)
if ((!DRY_RUN)); then require_tools az kubectl; fi

STEP_TOTAL=16
if ((WITH_POSTGRES)); then STEP_TOTAL=$((STEP_TOTAL + 3)); fi
if ((DRY_RUN)); then note "dry run: printing the commands of a first run; nothing is read or changed"; fi

step "Azure subscription"
SUBSCRIPTION_ID=$(lookup '<subscription-id>' az account show --query id --output tsv) ||
    die "not signed in to Azure: run 'az login' (and 'az account set --subscription <id>')"
note "subscription $SUBSCRIPTION_ID, location $LOCATION"

step "resource group $RESOURCE_GROUP"
if exists az group show --name "$RESOURCE_GROUP"; then
    note "exists"
else
    provisioning_change "resource group $RESOURCE_GROUP"
    run az group create --name "$RESOURCE_GROUP" --location "$LOCATION" --output none
fi

step "Azure OpenAI account $AZURE_OPENAI_NAME (custom subdomain $AZURE_OPENAI_NAME)"
if exists az cognitiveservices account show --name "$AZURE_OPENAI_NAME" --resource-group "$RESOURCE_GROUP"; then
    note "exists"
else
    provisioning_change "Azure OpenAI account $AZURE_OPENAI_NAME"
    run az cognitiveservices account create --name "$AZURE_OPENAI_NAME" --resource-group "$RESOURCE_GROUP" \
        --location "$LOCATION" --kind OpenAI --sku "$AZURE_OPENAI_SKU" --custom-domain "$AZURE_OPENAI_NAME" \
        --yes --output none
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

step "model deployments gpt-35-turbo and gpt-4"
ensure_model_deployment() {
    local deployment=$1 model=$2 version=$3
    if exists az cognitiveservices account deployment show --name "$AZURE_OPENAI_NAME" \
        --resource-group "$RESOURCE_GROUP" --deployment-name "$deployment"; then
        note "$deployment exists"
    else
        provisioning_change "model deployment $deployment"
        run az cognitiveservices account deployment create --name "$AZURE_OPENAI_NAME" \
            --resource-group "$RESOURCE_GROUP" --deployment-name "$deployment" --model-name "$model" \
            --model-version "$version" --model-format OpenAI --sku-name "$MODEL_SKU" \
            --sku-capacity "$MODEL_CAPACITY" --output none
    fi
}
ensure_model_deployment gpt-35-turbo "$GPT35_MODEL" "$GPT35_MODEL_VERSION"
ensure_model_deployment gpt-4 "$GPT4_MODEL" "$GPT4_MODEL_VERSION"

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

step "role '$OPENAI_ROLE' for $IDENTITY_NAME on $AZURE_OPENAI_NAME"
ASSIGNMENT=$(lookup '' az role assignment list --assignee "$PRINCIPAL_ID" --role "$OPENAI_ROLE" \
    --scope "$OPENAI_ID" --query '[].id' --output tsv)
if [[ -n $ASSIGNMENT ]]; then
    note "assigned"
else
    provisioning_change "role assignment '$OPENAI_ROLE' for $IDENTITY_NAME"
    # By object id with the principal type: no Microsoft Graph lookup, which fails for a few minutes after
    # the identity is created.
    run az role assignment create --assignee-object-id "$PRINCIPAL_ID" --assignee-principal-type ServicePrincipal \
        --role "$OPENAI_ROLE" --scope "$OPENAI_ID" --output none
    note "role assignments can take up to 30 minutes to take effect (parley doctor says so when it matters)"
fi

if ((WITH_POSTGRES)); then
    step "PostgreSQL flexible server $POSTGRES_NAME (Microsoft Entra authentication only)"
    if exists az postgres flexible-server show --name "$POSTGRES_NAME" --resource-group "$RESOURCE_GROUP"; then
        note "exists"
    else
        provisioning_change "PostgreSQL flexible server $POSTGRES_NAME"
        # No password authentication at all; 0.0.0.0 admits Azure services (the cluster's outbound address).
        run az postgres flexible-server create --name "$POSTGRES_NAME" --resource-group "$RESOURCE_GROUP" \
            --location "$LOCATION" --tier "$POSTGRES_TIER" --sku-name "$POSTGRES_SKU" --version "$POSTGRES_VERSION" \
            --storage-size 32 --public-access 0.0.0.0 --active-directory-auth Enabled --password-auth Disabled \
            --yes --output none
    fi
    POSTGRES_HOST=$(lookup "$POSTGRES_NAME.postgres.database.azure.com" az postgres flexible-server show \
        --name "$POSTGRES_NAME" --resource-group "$RESOURCE_GROUP" --query fullyQualifiedDomainName --output tsv)
    note "host $POSTGRES_HOST"

    step "database $POSTGRES_DATABASE on $POSTGRES_NAME"
    if exists az postgres flexible-server db show --server-name "$POSTGRES_NAME" --resource-group "$RESOURCE_GROUP" \
        --database-name "$POSTGRES_DATABASE"; then
        note "exists"
    else
        provisioning_change "database $POSTGRES_DATABASE"
        run az postgres flexible-server db create --server-name "$POSTGRES_NAME" --resource-group "$RESOURCE_GROUP" \
            --database-name "$POSTGRES_DATABASE" --output none
    fi

    step "$IDENTITY_NAME as a Microsoft Entra user of $POSTGRES_NAME"
    # Registering the identity as the server's Entra administrator creates its database role (named after the
    # identity) without anyone running SQL. Least privilege instead: an Entra admin runs, in database postgres,
    #   SELECT * FROM pgaadauth_create_principal('<identity name>', false, false);
    # and GRANT CREATE ON SCHEMA public in the parley database (parley doctor prints this when the login fails).
    PG_ADMINS=$(lookup '' az postgres flexible-server ad-admin list --server-name "$POSTGRES_NAME" \
        --resource-group "$RESOURCE_GROUP" --query '[].objectId' --output tsv)
    if grep -qx "$PRINCIPAL_ID" <<<"$PG_ADMINS"; then
        note "$IDENTITY_NAME is a database user"
    else
        provisioning_change "Entra user $IDENTITY_NAME on $POSTGRES_NAME"
        run az postgres flexible-server ad-admin create --server-name "$POSTGRES_NAME" \
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
if [[ -z $RENDER_DIR ]]; then
    RENDER_DIR=$(mktemp -d)
    OWN_RENDER_DIR=1
fi
mkdir -p "$RENDER_DIR"
for manifest in $MANIFESTS; do
    # Rendered flat (release/replicas/x.yaml -> x.yaml): `kubectl apply --filename` does not recurse.
    sed -e "s|__AZURE_CLIENT_ID__|$(sed_escape "$CLIENT_ID")|g" \
        -e "s|__POSTGRES_HOST__|$(sed_escape "${POSTGRES_HOST:-__POSTGRES_HOST__}")|g" \
        -e "s|__POSTGRES_USER__|$(sed_escape "$IDENTITY_NAME")|g" \
        -e "s|__AZURE_OPENAI_ENDPOINT__|$(sed_escape "$OPENAI_ENDPOINT")|g" \
        -e "s|__ACR_LOGIN_SERVER__|$(sed_escape "$ACR_LOGIN_SERVER")|g" \
        -e "s|__IMAGE_TAG__|$(sed_escape "$IMAGE_TAG")|g" \
        -e "s|^\(  *namespace:\) parley\$|\1 $(sed_escape "$NAMESPACE")|" \
        -e "s|^  name: parley\$|  name: $(sed_escape "$NAMESPACE")|" \
        "$RELEASE_DIR/$manifest" >"$RENDER_DIR/${manifest##*/}"
done
if grep -n '__[A-Z_]*__' "$RENDER_DIR"/*.yaml | grep -v '^[^:]*:[0-9]*: *#'; then
    die "placeholders left in the rendered manifests (above)"
fi
note "rendered into $RENDER_DIR"

step "apply to namespace $NAMESPACE"
run kubectl apply --filename "$RENDER_DIR"

step "wait for the rollouts of ${DEPLOYMENTS[*]}"
NOT_READY=()
for deployment in "${DEPLOYMENTS[@]}"; do
    # A pod stays unready while it cannot get a token; `parley doctor` below says why, so go on.
    run kubectl rollout status "deployment/$deployment" --namespace "$NAMESPACE" --timeout "$ROLLOUT_TIMEOUT" ||
        NOT_READY+=("$deployment")
done

step "external IPs (LoadBalancer, port 80)"
ADDRESSES=()
for service in "${DEPLOYMENTS[@]}"; do
    command=(kubectl get service "$service" --namespace "$NAMESPACE" --output 'jsonpath={.status.loadBalancer.ingress[0].ip}')
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
    if [[ -n $address ]]; then
        ADDRESSES+=("$service: http://$address/")
    else
        warn "$service has no external IP yet; watch it with: kubectl get service $service --namespace $NAMESPACE --watch"
    fi
done

step "parley doctor in ${DEPLOYMENTS[*]}"
DOCTOR_FAILED=()
for deployment in "${DEPLOYMENTS[@]}"; do
    run kubectl exec --namespace "$NAMESPACE" "deploy/$deployment" -- /app/parley doctor ||
        DOCTOR_FAILED+=("$deployment")
done

printf '\n' >&3
for line in "${ADDRESSES[@]}"; do note "Parley $line"; done
if ((${#NOT_READY[@]} + ${#DOCTOR_FAILED[@]})); then
    die "not working yet: ${NOT_READY[*]} ${DOCTOR_FAILED[*]} — read parley doctor's output above. A new role" \
        "assignment can take up to 30 minutes; then run: kubectl exec --namespace $NAMESPACE deploy/<name> --" \
        "/app/parley doctor"
fi
if ((DRY_RUN)); then note "dry run done: nothing was changed"; else note "done"; fi
