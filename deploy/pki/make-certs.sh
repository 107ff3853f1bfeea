#!/bin/sh
# Make the broker's TLS material with openssl: a CA (once) and a server certificate signed by it.
#
#   deploy/pki/make-certs.sh OUT_DIR BROKER_NAME [SAN]
#   deploy/pki/make-certs.sh --client OUT_DIR CN
#       a client certificate CN.crt/CN.key signed by the CA in OUT_DIR (a gateway's certificate
#       credential, CN = the gateway id; or a cloud daemon's), for a broker that requires
#       certificates (use_identity_as_username)
#
#   OUT_DIR      where ca.key/ca.crt and server.key/server.crt go (ca.key: keep it offline)
#   BROKER_NAME  the name gateways connect to, e.g. mqtt.example.org (the certificate's CN)
#   SAN          subjectAltName, default DNS:BROKER_NAME (e.g. "DNS:mqtt.example.org,IP:10.0.0.5")
#
# An existing CA in OUT_DIR is reused (re-running renews only the server certificate), so
# gateways that trust ca.crt keep working. Keys are EC P-256, written 0600.
# Environment: CA_DAYS (default 3650), SERVER_DAYS (default 825).
set -eu

if [ "${1:-}" = "--client" ]; then
    [ $# -eq 3 ] || { echo "usage: $0 --client OUT_DIR CN" >&2; exit 2; }
    out=$2
    cn=$3
    [ -f "$out/ca.key" ] || { echo "no CA in $out: make the server certificate first" >&2; exit 1; }
    umask 077
    ext=$(mktemp)
    trap 'rm -f "$ext" "$out/$cn.csr"' EXIT
    printf 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n' >"$ext"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$cn" \
        -keyout "$out/$cn.key" -out "$out/$cn.csr" 2>/dev/null
    openssl x509 -req -in "$out/$cn.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial \
        -days "${CLIENT_DAYS:-825}" -extfile "$ext" -out "$out/$cn.crt" 2>/dev/null
    chmod 0644 "$out/$cn.crt"
    echo "client certificate for $cn: $out/$cn.crt, key $out/$cn.key"
    exit 0
fi
if [ $# -lt 2 ]; then
    echo "usage: $0 OUT_DIR BROKER_NAME [SAN] | $0 --client OUT_DIR CN" >&2
    exit 2
fi
out=$1
name=$2
san=${3:-DNS:$name}
ca_days=${CA_DAYS:-3650}
server_days=${SERVER_DAYS:-825}

command -v openssl >/dev/null || { echo "openssl is missing: apt-get install openssl" >&2; exit 1; }
mkdir -p "$out"
umask 077

if [ ! -f "$out/ca.key" ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -subj "/CN=Silverguard broker CA" -days "$ca_days" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$out/ca.key" -out "$out/ca.crt" 2>/dev/null
    echo "new CA: $out/ca.crt (keep $out/ca.key offline)"
fi

ext=$(mktemp)
trap 'rm -f "$ext" "$out/server.csr"' EXIT
printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n' "$san" >"$ext"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$name" \
    -keyout "$out/server.key" -out "$out/server.csr" 2>/dev/null
openssl x509 -req -in "$out/server.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial \
    -days "$server_days" -extfile "$ext" -out "$out/server.crt" 2>/dev/null
chmod 0644 "$out/ca.crt" "$out/server.crt"
openssl verify -CAfile "$out/ca.crt" "$out/server.crt" >/dev/null
echo "server certificate for $name ($san): $out/server.crt, key $out/server.key"
