# shellcheck shell=bash
# Helpers shared by release/provision.sh and release/assign-local-role.sh (sourced, not run).
#
# Every az/kubectl command goes through `run`, `lookup`, `exists` or `probe`, which print it (as `+ az ...`,
# quoted so it can be pasted) before running it. With --dry-run (DRY_RUN=1) nothing is run at all: reads
# answer "not found" or a <placeholder>, so the printout is the plan for a first run.

SCRIPT_NAME=$(basename "$0")
# DRY_RUN from the environment (make provision DRY_RUN=1): only 1 or true means a dry run; 0, false or empty
# mean a real one, and anything else is refused rather than guessed.
case ${DRY_RUN:-0} in
1 | [Tt][Rr][Uu][Ee]) DRY_RUN=1 ;;
0 | [Ff][Aa][Ll][Ss][Ee]) DRY_RUN=0 ;;
*)
    printf '%s: DRY_RUN=%s: use 1 or true for a dry run, 0 or false (or nothing) for a real one\n' \
        "$SCRIPT_NAME" "$DRY_RUN" >&2
    exit 1
    ;;
esac
# With DEPLOY_ONLY=1 every Azure change is refused (the resources must exist already); see provision.sh.
DEPLOY_ONLY=0
# stderr of the last read, shown only when it failed for a reason other than "not found".
LIB_ERR_FILE=$(mktemp)
# Commands print to fd 3 so that they are seen even inside $(...).
exec 3>&1

STEP_NUMBER=0
STEP_TOTAL=1

# A numbered progress line: ==> [3/14] Azure OpenAI account parley-openai-1a2b3c
step() {
    STEP_NUMBER=$((STEP_NUMBER + 1))
    printf '==> [%d/%d] %s\n' "$STEP_NUMBER" "$STEP_TOTAL" "$*" >&3
}

note() { printf '    %s\n' "$*" >&3; }
warn() { printf '%s: warning: %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() {
    printf '%s: %s\n' "$SCRIPT_NAME" "$*" >&2
    exit 1
}

show_command() {
    local prefix='+'
    if ((DRY_RUN)); then prefix='+ (dry run)'; fi
    printf '%s' "$prefix" >&3
    printf ' %q' "$@" >&3
    printf '\n' >&3
}

# Runs a command that changes something (or, with --dry-run, only prints it).
run() {
    show_command "$@"
    if ((DRY_RUN)); then return 0; fi
    "$@"
}

# Prints what a read returns; with --dry-run prints the placeholder ($1) instead of running the read.
lookup() {
    local placeholder=$1
    shift
    show_command "$@"
    if ((DRY_RUN)); then
        printf '%s\n' "$placeholder"
        return 0
    fi
    "$@"
}

# `exists az <group> show ...`: status 0 when the resource exists, 1 when az says it does not (exit code 3,
# ResourceNotFound, Azure/azure-cli#6612). Any other failure (not signed in, no network, a wrong argument)
# stops the script: it must never be mistaken for "missing" and lead to a create, nor hide a failed create
# the way the original `az identity show ... || az role assignment create ...` did.
exists() {
    local command=("$@" --output none)
    show_command "${command[@]}"
    if ((DRY_RUN)); then return 1; fi
    local status=0
    "${command[@]}" 2>"$LIB_ERR_FILE" || status=$?
    case $status in
    0) return 0 ;;
    3) return 1 ;;
    *)
        cat "$LIB_ERR_FILE" >&2
        die "'$1 $2 $3' failed with exit code $status (not a 'not found'); stopping"
        ;;
    esac
}

# Like exists, for reads whose "not found" exit code is not documented: any failure counts as missing.
# Only used where "missing" leads to something harmless to repeat (building an image).
probe() {
    local command=("$@" --output none)
    show_command "${command[@]}"
    if ((DRY_RUN)); then return 1; fi
    "${command[@]}" 2>"$LIB_ERR_FILE"
}

# Refuses an Azure change in --deploy-only mode.
provisioning_change() {
    if ((DEPLOY_ONLY)); then
        die "$* is missing or out of date: run 'release/provision.sh' (make provision) first"
    fi
}

require_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || die "'$tool' is not installed (the devcontainer has it; see README 'Deploy to AKS')"
    done
}

# The suffix of the global names (Azure OpenAI account and subdomain, registry, PostgreSQL server): derived from
# the subscription id and the resource group, so it is the same for everyone on the team, in the devcontainer
# (root) and on every run. (It used to come from $USER: a second person got "account missing" or a second account.)
name_suffix() { printf '%s/%s' "$1" "$2" | sha256sum | cut -c1-6; }

lib_cleanup() { rm -f "$LIB_ERR_FILE"; }
