# Build: docker build -t agora .   Run: see docker-compose.yml (or docker run with the
# production settings: JWT_SECRET, DATA_KEY, BLIND_INDEX_KEY, DATABASE_URL, REDIS_URL).
#
# Layers: cargo-chef builds the dependencies from the manifests alone, so a change to Agora's
# source rebuilds only Agora. .dockerignore keeps target/, data/, .env and .git out.
FROM rust:1.95-bookworm AS chef
RUN cargo install cargo-chef --version 0.1.76 --locked
# One profile for the cached dependencies and the binary: a stripped release build.
ENV CARGO_PROFILE_RELEASE_STRIP=symbols
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json --bin agora

FROM chef AS build
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --recipe-path recipe.json --bin agora
COPY . .
RUN cargo build --release --locked --bin agora

# The runtime: Debian slim with CA certificates and nothing else (no shell tools are used: the
# health check is the binary itself). Pinning apt versions would break the build at each Debian
# point release, so the base image's tag is the pin.
FROM debian:bookworm-slim
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 agora \
    && useradd --system --uid 10001 --gid 10001 --home /var/lib/agora agora \
    && install -d -m 0700 -o agora /var/lib/agora
COPY --from=build /src/target/release/agora /usr/local/bin/agora
# Numeric, so runtimes that refuse to run as root (runAsNonRoot) can check it without /etc/passwd.
USER 10001:10001
# Production unless told otherwise: refuses to start without its secrets, never reads .env.
ENV APP_ENV=production BIND_ADDR=0.0.0.0:8080 DATA_DIR=/var/lib/agora LOG_FORMAT=json
EXPOSE 8080
# The server applies pending migrations before it listens (one instance at a time: a PostgreSQL
# advisory lock), so replicas started together all come up on an empty database.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/agora", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/agora"]
CMD ["serve"]
