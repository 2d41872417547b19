# syntax=docker/dockerfile:1
# One image per feature set: docker build --build-arg FEATURES=orders -t hme-orders .
# Default: every module (the all-in-one process).
ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS chef
RUN cargo install cargo-chef --locked
WORKDIR /app

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
ARG FEATURES="products,orders,images,auth,worker"
COPY --from=planner /app/recipe.json recipe.json
# Dependencies only: this layer is cached until Cargo.toml/Cargo.lock change.
RUN cargo chef cook --release --recipe-path recipe.json --no-default-features --features "$FEATURES"
COPY . .
RUN cargo build --release --locked --no-default-features --features "$FEATURES" --bin hme

FROM debian:bookworm-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /app hme
WORKDIR /app
COPY --from=builder /app/target/release/hme /usr/local/bin/hme
COPY config ./config
RUN mkdir -p /app/data && chown hme /app/data
USER hme
# MALLOC_ARENA_MAX=2: glibc's allocator otherwise keeps an arena per busy thread and the
# memory freed in it (migrations-docs/performance.md: 70 MB -> 55 MB under the list load).
ENV HME_ENV=production PORT=8080 HME_CONFIG_DIR=/app/config MALLOC_ARENA_MAX=2
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["hme", "health"]
ENTRYPOINT ["hme"]
CMD ["serve"]
