#!/usr/bin/env bash
# Local development without keys: give the signed-in Azure CLI user the role "Cognitive Services OpenAI User"
# on the Azure OpenAI account (the guide's local step), then print the .env lines for `make run`.
# Parley then gets its tokens from `az account get-access-token` (the Azure CLI credential).
#
# Usage: release/assign-local-role.sh [--dry-run]     (make assign-local-role)
#   --dry-run  print every az command instead of running it
# Settings (override from the environment): RESOURCE_GROUP, AZURE_OPENAI_NAME, as for release/provision.sh.
# Idempotent: the role is only assigned when the user does not hold it on the account yet.
set -euo pipefail

RELEASE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=release/lib.sh
source "$RELEASE_DIR/lib.sh"

# ---- settings (the same defaults as release/provision.sh) ------------------------------------------------------
RESOURCE_GROUP="${RESOURCE_GROUP:-parley-rg}"
NAME_SUFFIX="${NAME_SUFFIX:-}"             # default: from the subscription and the group (lib.sh name_suffix)
AZURE_OPENAI_NAME="${AZURE_OPENAI_NAME:-}" # default parley-openai-<suffix>
# ---------------------------------------------------------------------------------------------------------------

readonly OPENAI_ROLE="Cognitive Services OpenAI User"

for argument in "$@"; do
    case $argument in
    --dry-run) DRY_RUN=1 ;;
    -h | --help)
        sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
        exit 0
        ;;
    *) die "unknown argument '$argument' (try --help)" ;;
    esac
done
trap lib_cleanup EXIT
if ((!DRY_RUN)); then require_tools az; fi

STEP_TOTAL=3
step "signed-in user"
USER_OBJECT_ID=$(lookup '<object id of the signed-in user>' az ad signed-in-user show --query id --output tsv) ||
    die "not signed in as a user: run 'az login' (a service principal gets its role from whoever provisions)"
note "object id $USER_OBJECT_ID"

SUBSCRIPTION_ID=$(lookup '<subscription-id>' az account show --query id --output tsv)
if [[ -z $NAME_SUFFIX ]]; then
    NAME_SUFFIX=$(name_suffix "$SUBSCRIPTION_ID" "$RESOURCE_GROUP")
    if ((DRY_RUN)); then NAME_SUFFIX='<suffix>'; fi # not the hash of a placeholder
fi
AZURE_OPENAI_NAME="${AZURE_OPENAI_NAME:-parley-openai-$NAME_SUFFIX}"

step "Azure OpenAI account $AZURE_OPENAI_NAME"
exists az cognitiveservices account show --name "$AZURE_OPENAI_NAME" --resource-group "$RESOURCE_GROUP" ||
    ((DRY_RUN)) ||
    die "no Azure OpenAI account $AZURE_OPENAI_NAME in $RESOURCE_GROUP: run release/provision.sh first, or set" \
        "AZURE_OPENAI_NAME and RESOURCE_GROUP"
OPENAI_ID=$(lookup "<id of $AZURE_OPENAI_NAME>" az cognitiveservices account show --name "$AZURE_OPENAI_NAME" \
    --resource-group "$RESOURCE_GROUP" --query id --output tsv)
OPENAI_ENDPOINT=$(lookup "https://$AZURE_OPENAI_NAME.openai.azure.com/" az cognitiveservices account show \
    --name "$AZURE_OPENAI_NAME" --resource-group "$RESOURCE_GROUP" --query properties.endpoint --output tsv)

step "role '$OPENAI_ROLE' for you on $AZURE_OPENAI_NAME"
ASSIGNMENT=$(lookup '' az role assignment list --assignee "$USER_OBJECT_ID" --role "$OPENAI_ROLE" \
    --scope "$OPENAI_ID" --query '[].id' --output tsv)
if [[ -n $ASSIGNMENT ]]; then
    note "assigned"
else
    run az role assignment create --assignee-object-id "$USER_OBJECT_ID" --assignee-principal-type User \
        --role "$OPENAI_ROLE" --scope "$OPENAI_ID" --output none
    note "role assignments can take up to 30 minutes to take effect"
fi

printf '\nPut these lines in .env, then run make run (parley doctor checks the setup):\n' >&3
printf 'OPENAI_API_BASE=%s\nDEPLOYMENT_NAME=gpt-4.1-mini\n' "$OPENAI_ENDPOINT" >&3
