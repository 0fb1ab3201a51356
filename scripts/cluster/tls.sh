# Certificates of scripts/cluster.sh (sourced): a throwaway CA, the server's certificate (also its
# client certificate between its own services) and one client certificate for workers, agents and
# the CLI. EC P-256, 30 days: made for one machine's cluster, never for an operator's. The server's
# names are this host's (127.0.0.1, localhost) and docker-compose's service name (temporal), so
# the same files serve both.

# issue NAME CN EXTENSIONS: a key and a certificate signed by the cluster's CA.
issue() {
  local name=$1 cn=$2 ext=$3
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TLS/$name.key" \
    -out "$TLS/$name.csr" -subj "/CN=$cn" 2>/dev/null
  openssl x509 -req -in "$TLS/$name.csr" -CA "$TLS/ca.pem" -CAkey "$TLS/ca.key" -CAcreateserial \
    -days 30 -extfile <(printf '%b' "$ext") -out "$TLS/$name.pem" 2>/dev/null
  rm -f "$TLS/$name.csr"
}

# Made once per cluster directory: a restarted server and its clients keep trusting each other.
ensure_certificates() {
  [ -f "$TLS/client.pem" ] && return
  command -v openssl >/dev/null || die "openssl is needed to make the cluster's certificates"
  mkdir -p "$TLS" && chmod 700 "$TLS"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TLS/ca.key" -out "$TLS/ca.pem" \
    -days 30 -subj "/CN=regenesis local cluster CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  issue server localhost "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost,DNS:temporal"
  issue client regenesis-client "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth"
  chmod 600 "$TLS"/*.key
  say "certificates in $TLS"
}
