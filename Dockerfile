# syntax=docker/dockerfile:1.7
# Multi-stage build: a release binary on a small, non-root runtime image. ECS needs only
# `processToRun` in the task environment; ENTRYPOINT is the binary itself.
#   docker build -t intervalprocessing .
#   docker run --rm -e processToRun=FileGeneration -e MONGODB_URI=... intervalprocessing

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
# Cache mounts keep the crates.io index and compiled dependencies between builds.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin intervalprocessing \
 && install -D -m 0755 target/release/intervalprocessing /out/intervalprocessing

# glibc, CA certificates and a nonroot user (uid 65532), nothing else: no shell, no package manager.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/intervalprocessing /usr/local/bin/intervalprocessing
USER nonroot:nonroot
ENV LOG_FORMAT=json
ENTRYPOINT ["/usr/local/bin/intervalprocessing"]
