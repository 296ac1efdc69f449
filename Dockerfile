# syntax=docker/dockerfile:1
# Build stage: install everything, compile TypeScript to dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# kustomize for rendering kustomizations (the agent falls back to `kubectl kustomize` if absent).
FROM registry.k8s.io/kustomize/kustomize:v5.5.0 AS kustomize

# helm for rendering charts (`helm template`): the release archive of the image's architecture,
# checked against the checksum the Helm project publishes beside it.
FROM node:20-bookworm-slim AS helm
ARG HELM_VERSION=v4.1.4
ARG TARGETARCH
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
 && curl -fsSL -o /tmp/helm.tar.gz "https://get.helm.sh/helm-${HELM_VERSION}-linux-${TARGETARCH}.tar.gz" \
 && curl -fsSL -o /tmp/helm.tar.gz.sha256sum "https://get.helm.sh/helm-${HELM_VERSION}-linux-${TARGETARCH}.tar.gz.sha256sum" \
 && echo "$(cut -d' ' -f1 /tmp/helm.tar.gz.sha256sum)  /tmp/helm.tar.gz" | sha256sum -c - \
 && tar -xzf /tmp/helm.tar.gz -C /tmp \
 && install -m 0755 "/tmp/linux-${TARGETARCH}/helm" /usr/local/bin/helm \
 && helm version --short

# Runtime stage: production dependencies only, non-root, read-only root filesystem friendly.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    FERRY_CACHE_DIR=/cache
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY --from=kustomize /app/kustomize /usr/local/bin/kustomize
COPY --from=helm /usr/local/bin/helm /usr/local/bin/helm
RUN ln -s /app/bin/ferry.js /usr/local/bin/ferry && mkdir -p /cache && chown 65532:65532 /cache
USER 65532:65532
VOLUME ["/cache"]
EXPOSE 8080
ENTRYPOINT ["ferry"]
CMD ["agent"]
