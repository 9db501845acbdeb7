# shellcheck shell=bash
# The sign-in steps of release/provision.sh --with-sign-in (issue 13), sourced by it after lib.sh: the Entra app
# registration people sign in to, its federated credential for Parley's service accounts (so the pod's projected
# token is the client assertion and no client secret exists anywhere), and for the Ingress variant the TLS
# certificate in Key Vault and the AKS application routing add-on that serves it. Every step looks first and
# creates or updates only what is missing, like the rest of provision.sh. Nothing here ever asks Entra for a
# password or a client secret (`az ad app credential reset`, `--password`); Tests/deploy checks that it cannot.
#
# Uses provision.sh's settings: SIGN_IN_HOST, SIGN_IN_APP_NAME, SIGN_IN_INTERNAL, PARLEY_AUTH_ALLOWED_GROUPS,
# KEY_VAULT_NAME, TLS_CERT_NAME, TLS_CERT_ISSUER, TLS_CERT_KEYVAULT_URI, TRUSTED_PROXIES, and AKS_NAME, NAMESPACE,
# RESOURCE_GROUP, LOCATION, OIDC_ISSUER, TOKEN_EXCHANGE_AUDIENCE. Sets SIGN_IN_CLIENT_ID, TLS_CERT_KEYVAULT_URI,
# TRUSTED_PROXIES.

# Lets whoever runs provision.sh create the certificate in the vault (RBAC vaults have no access policies).
readonly CERTIFICATES_ROLE="Key Vault Certificates Officer"
# What `az aks approuting update --attach-kv` grants the add-on's identity on the vault.
readonly ADDON_SECRETS_ROLE="Key Vault Secrets User"

sign_in_public_url() { printf 'https://%s' "$SIGN_IN_HOST"; }
sign_in_redirect_uri() { printf 'https://%s/auth/callback' "$SIGN_IN_HOST"; }

# A DNS name, not a URL: the redirect URI and PARLEY_PUBLIC_URL are built from it, always https.
check_sign_in_host() {
    if [[ -z $SIGN_IN_HOST ]]; then
        if ((DRY_RUN)); then
            SIGN_IN_HOST='<host>'
            return 0
        fi
        die "--with-sign-in needs the DNS name people will open: --host parley.example.com (or SIGN_IN_HOST)." \
            "Sign-in needs an https redirect URI, https://<host>/auth/callback (README \"Sign-in on AKS\")"
    fi
    [[ $SIGN_IN_HOST =~ ^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$ ]] ||
        die "--host $SIGN_IN_HOST: give a DNS name such as parley.example.com (no https://, no path, no port)"
}

# Prints the lines of $2 that are not in $1 (both newline-separated), and $2's own lines first.
union_of() {
    local current=$1 wanted=$2
    printf '%s\n' "$current" | sed '/^$/d'
    grep -qxF -- "$wanted" <<<"$current" || printf '%s\n' "$wanted"
}

# The app registration: single tenant, a web redirect URI, api://<client id> for bearer tokens (v2 access
# tokens, so their issuer is the tenant's v2.0 issuer like the id token's), group claims when groups restrict
# sign-in, and its service principal (the enterprise application users consent to and are assigned to).
ensure_sign_in_app() {
    local redirect_uri
    redirect_uri=$(sign_in_redirect_uri)
    # `az ad app list --display-name` matches a prefix; the query keeps the exact name.
    SIGN_IN_CLIENT_ID=$(lookup '' az ad app list --display-name "$SIGN_IN_APP_NAME" \
        --query "[?displayName=='$SIGN_IN_APP_NAME'].appId" --output tsv)
    if (($(grep -c . <<<"$SIGN_IN_CLIENT_ID") > 1)); then
        die "several app registrations are named $SIGN_IN_APP_NAME ($(tr '\n' ' ' <<<"$SIGN_IN_CLIENT_ID")):" \
            "delete the extra ones (az ad app delete --id <appId>) or choose one with SIGN_IN_APP_NAME"
    fi
    if [[ -n $SIGN_IN_CLIENT_ID ]]; then
        note "exists: client id $SIGN_IN_CLIENT_ID"
    else
        provisioning_change "app registration $SIGN_IN_APP_NAME"
        # Authorization code flow only: no implicit-flow id or access tokens (--enable-*-token-issuance false).
        SIGN_IN_CLIENT_ID=$(lookup "<appId of $SIGN_IN_APP_NAME>" az ad app create --display-name "$SIGN_IN_APP_NAME" \
            --sign-in-audience AzureADMyOrg --web-redirect-uris "$redirect_uri" --enable-id-token-issuance false \
            --enable-access-token-issuance false --query appId --output tsv)
        [[ -n $SIGN_IN_CLIENT_ID ]] || die "az ad app create returned no appId"
        note "created: client id $SIGN_IN_CLIENT_ID"
    fi

    local uris
    # (A dry run prints a first run, where the registration was just created with the redirect URI.)
    uris=$(lookup "$redirect_uri" az ad app show --id "$SIGN_IN_CLIENT_ID" --query 'web.redirectUris' --output tsv)
    if grep -qxF -- "$redirect_uri" <<<"$uris"; then
        note "redirect URI $redirect_uri"
    else
        # Added, not replaced: another Parley (another host) may use the same registration.
        provisioning_change "redirect URI $redirect_uri on $SIGN_IN_APP_NAME"
        local all
        mapfile -t all < <(union_of "$uris" "$redirect_uri")
        run az ad app update --id "$SIGN_IN_CLIENT_ID" --web-redirect-uris "${all[@]}"
    fi

    local identifier="api://$SIGN_IN_CLIENT_ID"
    uris=$(lookup '' az ad app show --id "$SIGN_IN_CLIENT_ID" --query identifierUris --output tsv)
    if grep -qxF -- "$identifier" <<<"$uris"; then
        note "application ID URI $identifier"
    else
        provisioning_change "application ID URI $identifier on $SIGN_IN_APP_NAME"
        local all
        mapfile -t all < <(union_of "$uris" "$identifier")
        run az ad app update --id "$SIGN_IN_CLIENT_ID" --identifier-uris "${all[@]}"
    fi

    # Access tokens for Parley's API are v1 unless asked for (issuer https://sts.windows.net/<tenant>/), which
    # Parley refuses: it takes the tenant's v2.0 issuer only.
    local version
    version=$(lookup '' az ad app show --id "$SIGN_IN_CLIENT_ID" --query api.requestedAccessTokenVersion --output tsv)
    if [[ $version == 2 ]]; then
        note "v2 access tokens"
    else
        provisioning_change "v2 access tokens for $SIGN_IN_APP_NAME"
        run az ad app update --id "$SIGN_IN_CLIENT_ID" --set api.requestedAccessTokenVersion=2
    fi

    if [[ -n $PARLEY_AUTH_ALLOWED_GROUPS ]]; then
        # The id token then carries the user's security group ids (`groups`), which Parley compares with
        # PARLEY_AUTH_ALLOWED_GROUPS. Over 200 groups Entra sends an overage marker instead (README).
        local claims
        claims=$(lookup '' az ad app show --id "$SIGN_IN_CLIENT_ID" --query groupMembershipClaims --output tsv)
        if [[ $claims == SecurityGroup || $claims == All ]]; then
            note "group claims ($claims)"
        else
            provisioning_change "group claims on $SIGN_IN_APP_NAME"
            run az ad app update --id "$SIGN_IN_CLIENT_ID" --set groupMembershipClaims=SecurityGroup
        fi
    fi

    if exists az ad sp show --id "$SIGN_IN_CLIENT_ID"; then
        note "service principal exists"
    else
        provisioning_change "service principal of $SIGN_IN_APP_NAME"
        run az ad sp create --id "$SIGN_IN_CLIENT_ID" --output none
    fi
}

# The app registration trusts the cluster's issuer for one service account: Parley presents the pod's projected
# token (audience api://AzureADTokenExchange) as the client assertion when it redeems a sign-in code.
ensure_app_federated_credential() {
    local account=$1
    local name="$AKS_NAME-$NAMESPACE-$account"
    local subject="system:serviceaccount:$NAMESPACE:$account"
    local parameters current
    parameters=$(printf '{"name": "%s", "issuer": "%s", "subject": "%s", "audiences": ["%s"], "description": "%s"}' \
        "$name" "$OIDC_ISSUER" "$subject" "$TOKEN_EXCHANGE_AUDIENCE" "Parley sign-in from AKS $AKS_NAME")
    current=$(lookup '' az ad app federated-credential list --id "$SIGN_IN_CLIENT_ID" \
        --query "[?name=='$name'].[issuer, subject]" --output tsv)
    if [[ -z $current ]]; then
        provisioning_change "federated credential $name on $SIGN_IN_APP_NAME"
        run az ad app federated-credential create --id "$SIGN_IN_CLIENT_ID" --parameters "$parameters" --output none
    elif [[ $current == "$OIDC_ISSUER"$'\t'"$subject" ]]; then
        note "$name: $subject from $OIDC_ISSUER"
    else
        # A recreated cluster has a new issuer: the old credential would fail with AADSTS700213 / AADSTS70021.
        provisioning_change "federated credential $name on $SIGN_IN_APP_NAME (issuer or subject changed)"
        run az ad app federated-credential update --id "$SIGN_IN_CLIENT_ID" --federated-credential-id "$name" \
            --parameters "$parameters" --output none
    fi
}

# The Key Vault certificate policy: a certificate for the host, renewed by Key Vault 30 days before it expires
# (the add-on picks the new version up). Issuer "Self" is self-signed (browsers warn); TLS_CERT_ISSUER names a
# CA issuer configured in the vault (az keyvault certificate issuer create) for a trusted one.
certificate_policy() {
    printf '{"issuerParameters": {"name": "%s"}, ' "$TLS_CERT_ISSUER"
    printf '"keyProperties": {"exportable": true, "keyType": "RSA", "keySize": 2048, "reuseKey": false}, '
    printf '"secretProperties": {"contentType": "application/x-pkcs12"}, '
    printf '"x509CertificateProperties": {"subject": "CN=%s", "subjectAlternativeNames": {"dnsNames": ["%s"]}, ' \
        "$SIGN_IN_HOST" "$SIGN_IN_HOST"
    printf '"ekus": ["1.3.6.1.5.5.7.3.1"], "keyUsage": ["digitalSignature", "keyEncipherment"], '
    printf '"validityInMonths": 12}, '
    printf '"lifetimeActions": [{"trigger": {"daysBeforeExpiry": 30}, "action": {"actionType": "AutoRenew"}}]}'
}

# Sets KEY_VAULT_ID and TLS_CERT_KEYVAULT_URI: the given certificate (TLS_CERT_KEYVAULT_URI), or the vault and
# certificate this creates.
ensure_tls_certificate() {
    if [[ -n $TLS_CERT_KEYVAULT_URI ]]; then
        local vault
        vault=$(sed -n 's|^https://\([A-Za-z0-9-]*\)\.vault\.azure\.net/certificates/[A-Za-z0-9-]*/\{0,1\}[A-Za-z0-9]*$|\1|p' \
            <<<"$TLS_CERT_KEYVAULT_URI")
        [[ -n $vault ]] || die "TLS_CERT_KEYVAULT_URI=$TLS_CERT_KEYVAULT_URI: expected" \
            "https://<vault>.vault.azure.net/certificates/<name>"
        note "the certificate you gave: $TLS_CERT_KEYVAULT_URI (nothing created in Key Vault)"
        KEY_VAULT_ID=$(lookup "<id of $vault>" az keyvault show --name "$vault" --query id --output tsv)
        return 0
    fi
    if exists az keyvault show --name "$KEY_VAULT_NAME" --resource-group "$RESOURCE_GROUP"; then
        note "Key Vault $KEY_VAULT_NAME exists"
    else
        provisioning_change "Key Vault $KEY_VAULT_NAME"
        run az keyvault create --name "$KEY_VAULT_NAME" --resource-group "$RESOURCE_GROUP" --location "$LOCATION" \
            --enable-rbac-authorization true --output none
    fi
    KEY_VAULT_ID=$(lookup "<id of $KEY_VAULT_NAME>" az keyvault show --name "$KEY_VAULT_NAME" \
        --resource-group "$RESOURCE_GROUP" --query id --output tsv)
    local user assignment
    user=$(lookup '<object id of the signed-in user>' az ad signed-in-user show --query id --output tsv) ||
        die "not signed in as a user: the certificate needs '$CERTIFICATES_ROLE' on $KEY_VAULT_NAME for whoever" \
            "runs this, or give an existing one with TLS_CERT_KEYVAULT_URI"
    assignment=$(lookup '' az role assignment list --assignee "$user" --role "$CERTIFICATES_ROLE" \
        --scope "$KEY_VAULT_ID" --query '[].id' --output tsv)
    if [[ -n $assignment ]]; then
        note "you hold '$CERTIFICATES_ROLE' on $KEY_VAULT_NAME"
    else
        provisioning_change "role '$CERTIFICATES_ROLE' for you on $KEY_VAULT_NAME"
        run az role assignment create --assignee-object-id "$user" --assignee-principal-type User \
            --role "$CERTIFICATES_ROLE" --scope "$KEY_VAULT_ID" --output none
        note "a new role assignment can take minutes: if the certificate step says Forbidden, run this again"
    fi
    if exists az keyvault certificate show --vault-name "$KEY_VAULT_NAME" --name "$TLS_CERT_NAME"; then
        note "certificate $TLS_CERT_NAME exists"
    else
        provisioning_change "certificate $TLS_CERT_NAME in $KEY_VAULT_NAME"
        run az keyvault certificate create --vault-name "$KEY_VAULT_NAME" --name "$TLS_CERT_NAME" \
            --policy "$(certificate_policy)" --output none
        if [[ $TLS_CERT_ISSUER == Self ]]; then
            warn "the certificate for $SIGN_IN_HOST is self-signed (browsers warn): for a trusted one set" \
                "TLS_CERT_ISSUER to a CA issuer of the vault, or TLS_CERT_KEYVAULT_URI to an imported certificate"
        fi
    fi
    # Without a version: the add-on follows the newest version, so renewals need no redeploy.
    TLS_CERT_KEYVAULT_URI="https://$KEY_VAULT_NAME.vault.azure.net/certificates/$TLS_CERT_NAME"
}

# The application routing add-on (managed NGINX, ingress class webapprouting.kubernetes.azure.com) with the
# Key Vault provider, allowed to read the vault's certificates.
ensure_app_routing() {
    local enabled
    enabled=$(lookup false az aks show --name "$AKS_NAME" --resource-group "$RESOURCE_GROUP" \
        --query ingressProfile.webAppRouting.enabled --output tsv)
    if ! is_true "$enabled"; then
        provisioning_change "application routing add-on on $AKS_NAME"
        run az aks approuting enable --resource-group "$RESOURCE_GROUP" --name "$AKS_NAME" --enable-kv \
            --attach-kv "$KEY_VAULT_ID" --output none
        return 0
    fi
    local addon attached
    addon=$(lookup '' az aks show --name "$AKS_NAME" --resource-group "$RESOURCE_GROUP" \
        --query ingressProfile.webAppRouting.identity.objectId --output tsv)
    attached=''
    if [[ -n $addon ]]; then
        attached=$(lookup '' az role assignment list --assignee "$addon" --role "$ADDON_SECRETS_ROLE" \
            --scope "$KEY_VAULT_ID" --query '[].id' --output tsv)
    fi
    if [[ -n $attached ]]; then
        note "application routing add-on enabled and reading the vault"
    else
        provisioning_change "Key Vault for the application routing add-on on $AKS_NAME"
        run az aks approuting update --resource-group "$RESOURCE_GROUP" --name "$AKS_NAME" --enable-kv \
            --attach-kv "$KEY_VAULT_ID" --output none
    fi
}

# X-Forwarded-For is believed from the ingress controller: the pods of app-routing-system, which have addresses
# from the cluster's pod range (the manifest's NetworkPolicy admits only them on port 8087).
ingress_trusted_proxies() {
    if [[ -n $TRUSTED_PROXIES ]]; then return 0; fi
    TRUSTED_PROXIES=$(lookup '10.244.0.0/16' az aks show --name "$AKS_NAME" --resource-group "$RESOURCE_GROUP" \
        --query networkProfile.podCidr --output tsv)
    [[ -n $TRUSTED_PROXIES ]] || die "AKS cluster $AKS_NAME reports no pod CIDR (networkProfile.podCidr):" \
        "set TRUSTED_PROXIES to the ingress controller pods' range"
    note "X-Forwarded-For trusted from the pod range $TRUSTED_PROXIES (PARLEY_TRUSTED_PROXIES)"
}
