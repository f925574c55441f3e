# syntax=docker/dockerfile:1
# TrustFeed: build on the official Rust image, run as a non-root user on a
# small distroless image (glibc, CA certificates, no shell).
#   docker build -t trustfeed .
#   docker run -p 8080:8080 trustfeed      # SQLite inside the container
#   docker compose up                      # with PostgreSQL 16, see compose.yaml

FROM rust:1.95-bookworm AS builder
WORKDIR /src
COPY . .
# The registry and target caches survive between builds (BuildKit); the
# binary is copied out of the cache in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p api \
    && install -D target/release/api /out/api \
    && mkdir -p /out/data

FROM gcr.io/distroless/cc-debian12:nonroot
WORKDIR /app
COPY --from=builder /out/api /app/api
# Where the default SQLite database lives; owned by the non-root user
# (65532, "nonroot" in distroless images).
COPY --from=builder --chown=65532:65532 /out/data /app/data
USER 65532:65532
ENV LISTEN_ADDR=0.0.0.0:8080 \
    LOG_FORMAT=json
EXPOSE 8080
# `api healthcheck` asks this server's /readyz: 503 while stopping or when
# the database does not answer.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["/app/api", "healthcheck"]
# SIGTERM starts the graceful stop (see the README's Deployment section).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/api"]
CMD ["serve"]
