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
# The release profile strips symbols (a panic still names its file and line). For a symbolised
# backtrace, run the same command with `cargo build --profile release-debug` of the same commit.

# glibc, CA certificates and a nonroot user (uid 65532), nothing else: no shell, no package manager.
# The image is this base (about 23 MB) plus the stripped binary (README "Performance" gives its size).
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/intervalprocessing /usr/local/bin/intervalprocessing
USER 65532:65532
ENV LOG_FORMAT=json
# No HEALTHCHECK, on purpose: this is a batch task that ECS starts, that runs to an exit code and
# stops; nothing serves requests to probe. Its health is its exit code, the run ledger and the
# alarms `infra` creates (README "Did every run happen?" and "Failure behaviour").
ENTRYPOINT ["/usr/local/bin/intervalprocessing"]
