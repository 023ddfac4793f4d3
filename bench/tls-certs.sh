#!/usr/bin/env bash
# Makes a throwaway PKI for the HTTPS benchmark runs: a self-signed CA and a server certificate
# for 127.0.0.1 (and localhost) signed by it, with openssl.
#
#   bench/tls-certs.sh DIR [ec|rsa]
#
# Writes into DIR: ca.pem (the CA certificate: curl --cacert), server.pem (the server's
# certificate alone: no intermediate, and the root stays out of the chain as in production) and
# server.key (its private key, unencrypted PKCS#8 PEM, which both this engine and Netty's JDK TLS
# read). Key type: ec (ECDSA P-256, the default: what most sites serve, and a cheap signature per
# handshake) or rsa (RSA 2048: a handshake signature costs the server far more). Nothing here is
# secret; the CA key is left in DIR too, and DIR is the caller's to remove.
set -euo pipefail

[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 DIR [ec|rsa]" >&2; exit 2; }
dir=$1
kind=${2:-ec}
command -v openssl >/dev/null || { echo "$0: openssl not found" >&2; exit 1; }

case $kind in
  ec) keyopts=(-algorithm EC -pkeyopt ec_paramgen_curve:P-256) ;;
  rsa) keyopts=(-algorithm RSA -pkeyopt rsa_keygen_bits:2048) ;;
  *) echo "$0: key type must be ec or rsa, not '$kind'" >&2; exit 2 ;;
esac

mkdir -p "$dir"
cd "$dir"
openssl genpkey "${keyopts[@]}" -out ca.key 2>/dev/null
openssl req -x509 -new -key ca.key -sha256 -days 2 -subj "/CN=siphon bench CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out ca.pem 2>/dev/null
openssl genpkey "${keyopts[@]}" -out server.key 2>/dev/null
openssl req -new -key server.key -sha256 -subj "/CN=127.0.0.1" -out server.csr 2>/dev/null
cat >server.ext <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost
EOF
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 -days 2 \
  -extfile server.ext -out server.pem 2>/dev/null
rm -f server.csr server.ext ca.srl
