# Parley container image: build with the official Swift toolchain image, run on a slim Debian.
#
#   docker build --tag parley:local .            (or: make docker)
#   az acr build --registry <acr> --image parley:<tag> .   (release/provision.sh does this; no local Docker)
#
# Expected size: ~165 MB uncompressed, ~60 MB compressed in the registry: debian:bookworm-slim ~75 MB,
# ca-certificates with openssl/libssl3 ~9 MB, the stripped static-stdlib binary 80.7 MB (measured 2026-11,
# 154 MB before strip; ~40 MB of it is Foundation's ICU data), Public/ 0.1 MB. See README "Deploy to AKS".

# ---- build stage ------------------------------------------------------------------------------------------
# Swift >= 6.2 is required (Hummingbird 2.28 and AsyncHTTPClient 1.37 declare swift-tools-version 6.2);
# bookworm so the build and runtime stages share glibc.
FROM swift:6.3-bookworm AS build
WORKDIR /build

# Dependency resolution in its own layer: it is only redone when Package.swift or Package.resolved change.
# Package.resolved is not committed, so `Package.*` copies it only when the build context has one.
COPY Package.* ./
RUN if [ -f Package.resolved ]; then swift package resolve --force-resolved-versions; else swift package resolve; fi

# SwiftPM validates every target's folder, test targets included, so Tests/ comes along (it is not compiled:
# only the `parley` product is built).
COPY Sources ./Sources
COPY Tests ./Tests

# The same command Tests/deploy/test_release_binary.py runs (there with a separate --scratch-path).
# --static-swift-stdlib: the Swift runtime and Foundation are linked in, so the runtime image needs no Swift
# libraries, only glibc, libstdc++, zlib and CA certificates.
RUN swift build -c release --static-swift-stdlib --product parley \
    && mkdir /staging \
    && cp "$(swift build -c release --static-swift-stdlib --product parley --show-bin-path)/parley" /staging/parley \
    && strip /staging/parley

# ---- runtime stage ----------------------------------------------------------------------------------------
FROM debian:bookworm-slim

# ca-certificates: NIOSSL reads /etc/ssl/certs/ca-certificates.crt to verify Entra and Azure OpenAI.
# libstdc++6 and zlib1g: linked by the binary (ldd: libstdc++.so.6, libz.so.1); already in the base image,
# named here so that stays true. Versions are not pinned: Debian security updates replace them in place and
# old point versions disappear from the mirrors, which would break the build.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libstdc++6 zlib1g \
    && rm -rf /var/lib/apt/lists/*

# WORKDIR /app so that ./Public is found; the files stay owned by root and read-only for the app user.
WORKDIR /app
COPY --from=build /staging/parley /app/parley
COPY Public /app/Public

# A numeric non-root user, so Kubernetes' runAsNonRoot can verify it; the app writes no files, so a
# read-only root filesystem works.
USER 65532:65532
ENV LOG_FORMAT=json
EXPOSE 8087
# Parley drains on SIGTERM for PARLEY_SHUTDOWN_GRACE (25 s by default).
STOPSIGNAL SIGTERM
# No HEALTHCHECK: Kubernetes ignores it and uses the manifests' /healthz and /readyz probes, and the image
# has no curl to call them (README "Deploy to AKS", checkov skips).
# checkov:skip=CKV_DOCKER_2:Kubernetes ignores HEALTHCHECK; the manifests probe /healthz and /readyz
ENTRYPOINT ["/app/parley"]
CMD ["serve"]
