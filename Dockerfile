# sestd in a small image: a static binary on distroless, running as nonroot.
#   docker build --build-arg VERSION=$(git describe --always --dirty) -t sestd .
# The same image runs the daemon (`run`), the simulator (`sim`) and the CLI.
# Plain Dockerfile syntax (no BuildKit mounts), so docker-compose v1 builds it.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0
# Dependencies first, so that a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
RUN go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
      -o /out/usr/local/bin/sestd ./cmd/sestd \
 && mkdir -p /out/var/lib/sestd/documents /out/var/lib/sestd/inbox /out/var/lib/sestd/export

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="sestd" \
      org.opencontainers.image.description="Syncs a university's admissions systems with the Servicestelle" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/usr/local/bin/sestd /usr/local/bin/sestd
# Document root, import inbox and export directory; a volume mounted here
# starts out owned by the nonroot user.
COPY --from=build --chown=65532:65532 /out/var/lib/sestd /var/lib/sestd
ENV SESTD_LOG_FORMAT=json
WORKDIR /var/lib/sestd
USER 65532:65532
# Admin API and /metrics (SESTD_ADMIN_LISTEN), simulator.
EXPOSE 8787 8089
ENTRYPOINT ["/usr/local/bin/sestd"]
CMD ["run"]
