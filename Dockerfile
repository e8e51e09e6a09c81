# syntax=docker/dockerfile:1
# wbsync in a container: a static binary on distroless, run as a non-root
# user, with no shell. `make docker` builds it; by hand:
#
#   docker build --build-arg VERSION=$(git describe --tags --always) \
#                --build-arg COMMIT=$(git rev-parse HEAD) -t wbsync .
#   docker run --rm -e WANDB_API_KEY -e WBSYNC_URL -v "$PWD:/work:ro" wbsync plan -f wbsync.yaml
#
# The final image holds the binary, CA certificates (for HTTPS to W&B) and
# nothing else. It runs as uid/gid 65532 ("nonroot"): to write --out files
# into a mounted directory, mount it writable and pass --user "$(id -u):$(id -g)".

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# Dependencies first, so source edits reuse this layer.
COPY go.mod go.sum ./
RUN go mod download && go mod verify
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
# CGO off: a static binary that needs no libc. -trimpath: no build paths in
# the binary. The version and commit are what `wbsync version` prints.
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commitStamp=${COMMIT}" \
      -o /out/wbsync ./cmd/wbsync \
 && /out/wbsync version

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/wbsync /usr/local/bin/wbsync
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/wbsync"]
CMD ["--help"]
