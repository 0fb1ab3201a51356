# The regenesis image: the coordinator's worker, and the validator agent (`regenesis agent`).
# geth and avalanchego are built from the Go module proxy at the versions the tests pin: the worker
# rehearses C-Chain genesis files on geth and primary genesis files on avalanchego. The Temporal
# server runs as its own service.
FROM golang:1.26-bookworm AS tools
RUN GOBIN=/out go install -trimpath github.com/ethereum/go-ethereum/cmd/geth@v1.16.7
# avalanchego's main package is named `main`: the binary is renamed after the build.
RUN GOBIN=/out go install -trimpath github.com/ava-labs/avalanchego/main@v1.14.0 && mv /out/main /out/avalanchego

FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY bin ./bin
COPY tsconfig.json ./
COPY --from=tools /out/geth /out/avalanchego /usr/local/bin/
# The workflow bundle is built once here: built at worker start it would cost every worker ~370 MB
# of peak memory. With it and a capped old generation a worker peaks at ~270 MB at 1M accounts.
RUN node bin/regenesis.js bundle --out /app/workflow-bundle.js
ENV GETH_BIN=/usr/local/bin/geth \
    AVALANCHEGO_BIN=/usr/local/bin/avalanchego \
    REGENESIS_ARTIFACTS_DIR=/var/lib/regenesis/artifacts \
    REGENESIS_WORKFLOW_BUNDLE=/app/workflow-bundle.js \
    NODE_OPTIONS=--max-old-space-size=256 \
    LOG_FORMAT=json
RUN useradd --system --uid 10001 regenesis && mkdir -p /var/lib/regenesis && chown regenesis /var/lib/regenesis
USER regenesis
ENTRYPOINT ["node", "bin/regenesis.js"]
CMD ["worker"]
