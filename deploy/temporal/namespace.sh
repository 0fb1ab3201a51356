#!/usr/bin/env bash
# The coordinator's namespace on a fresh cluster, made by the Temporal CLI over mTLS, then waited for
# until the frontend serves it (its namespace cache refreshes every 10 s). scripts/cluster.sh and
# docker-compose's temporal-namespace service both run this file. Safe to run again.
#
# Environment: the client variables every coordinator process reads (src/temporal/connectionConfig.ts):
# TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY, TEMPORAL_TLS_CA,
# TEMPORAL_TLS_SERVER_NAME (optional); TEMPORAL_CLI, the CLI binary (default: `temporal` on PATH).
set -euo pipefail

ns=${TEMPORAL_NAMESPACE:-default}

cli() {
  "${TEMPORAL_CLI:-temporal}" "$@" --address "${TEMPORAL_ADDRESS:?}" --tls-cert-path "${TEMPORAL_TLS_CERT:?}" \
    --tls-key-path "${TEMPORAL_TLS_KEY:?}" --tls-ca-path "${TEMPORAL_TLS_CA:?}" \
    ${TEMPORAL_TLS_SERVER_NAME:+--tls-server-name "$TEMPORAL_TLS_SERVER_NAME"}
}

cli operator namespace describe --namespace "$ns" >/dev/null 2>&1 \
  || cli operator namespace create --namespace "$ns" --retention 72h >/dev/null
deadline=$((SECONDS + 60))
until cli workflow count --namespace "$ns" >/dev/null 2>&1; do
  [ $SECONDS -lt $deadline ] || { echo "namespace $ns is not served after 60 s" >&2; exit 1; }
  sleep 0.5
done
