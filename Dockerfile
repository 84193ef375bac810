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

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /var/lib/agora agora \
    && install -d -m 0700 -o agora /var/lib/agora
COPY --from=build /src/target/release/agora /usr/local/bin/agora
USER agora
# Production unless told otherwise: refuses to start without its secrets, never reads .env.
ENV APP_ENV=production BIND_ADDR=0.0.0.0:8080 DATA_DIR=/var/lib/agora LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/agora"]
