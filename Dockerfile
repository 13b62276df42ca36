# syntax=docker/dockerfile:1
# Lyssna's container image: a static binary on distroless, running as a
# non-root user, with its data under the /data volume.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t lyssna .
#   docker run -p 8080:8080 -v lyssna-data:/data lyssna
#
# deploy/compose.yaml runs it with PostgreSQL and an S3 server.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# Modules first, so that a code change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# CGO off: the SQLite driver is pure Go, so the binary is static.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/lyssna ./cmd/lyssna \
    && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="Lyssna" \
      org.opencontainers.image.description="Podcast hosting: media, RSS feeds, pages and an API in one binary" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/lyssna/lyssna" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/lyssna /usr/local/bin/lyssna
COPY --from=build --chown=65532:65532 /out/data /data
COPY LICENSE NOTICE /usr/share/doc/lyssna/
# distroless' nonroot user; /data belongs to it.
USER 65532:65532
ENV LYSSNA_LISTEN=0.0.0.0:8080 \
    LYSSNA_DATA_DIR=/data \
    LYSSNA_LOG_FORMAT=json
EXPOSE 8080
VOLUME ["/data"]
# The image has no shell or curl: the binary asks its own /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["/usr/local/bin/lyssna", "healthcheck"]
# Give `docker stop` more than LYSSNA_SHUTDOWN_TIMEOUT (30s): docker stop -t 40.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/lyssna"]
CMD ["serve"]
