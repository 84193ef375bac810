# Build: docker build -t agora .   Run: see docker-compose.yml
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p agora

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /var/lib/agora agora \
    && mkdir -p /var/lib/agora && chown agora /var/lib/agora
COPY --from=build /src/target/release/agora /usr/local/bin/agora
USER agora
ENV BIND_ADDR=0.0.0.0:8080 DATA_DIR=/var/lib/agora LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/agora"]
