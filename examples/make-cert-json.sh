#!/bin/sh
# Makes what the README's curl POST sends: a user's PFX, made by OpenSSL, and cert.json, the body of a POST to
# /beta/deviceManagement/userPfxCertificates for it, made by `pfxstore import --dry-run --json`.
#
#   sh examples/make-cert-json.sh [UPN [DIR]]       UPN: alice@contoso.com, DIR: the current directory
#
# Writes into DIR: NAME.key.pem, NAME.crt.pem and NAME.pfx for the user (NAME is the UPN before the @; the PFX
# password is random and travels only inside cert.json, encrypted to the connector key), the connector key pair
# corp.key.pem/corp.pub.pem (made by `pfxstore keygen` the first time, reused after), and cert.json.
# Each run makes a new certificate, so each cert.json can be posted once more. Needs openssl and a built
# pfxstore (`npm install` builds it); no server.
set -eu

upn=${1:-alice@contoso.com}
dir=${2:-.}
name=${upn%%@*}
cli="$(cd "$(dirname "$0")/.." && pwd)/dist/src/main.js"

# OpenSSL draws progress dots on stderr while it makes a key: show its output only when it fails.
quietly() {
  out=$("$@" 2>&1) || { printf '%s\n' "$out" >&2; return 1; }
}

mkdir -p "$dir"
cd "$dir"
quietly openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$name.key.pem"
quietly openssl req -x509 -key "$name.key.pem" -out "$name.crt.pem" -days 365 -subj "/CN=$upn"
PFX_PASS=$(openssl rand -hex 16)
export PFX_PASS
openssl pkcs12 -export -in "$name.crt.pem" -inkey "$name.key.pem" -out "$name.pfx" -passout env:PFX_PASS
[ -f corp.pub.pem ] || node "$cli" keygen --out corp >/dev/null
node "$cli" import "$name.pfx" --upn "$upn" --public-key corp.pub.pem \
  --provider-name 'Microsoft Software Key Storage Provider' --key-name PFXEncryptionKey \
  --purpose smimeEncryption --password-env PFX_PASS --dry-run --json > cert.json
echo "$(pwd)/cert.json: the request body that imports $name.pfx for $upn" >&2
