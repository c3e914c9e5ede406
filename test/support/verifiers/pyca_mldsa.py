"""ML-DSA checks with pyca/cryptography, independent of Trent's signer: its wheel carries its own
OpenSSL (3.5 or later), whose ML-DSA shares no code with @noble/post-quantum.

Usage: pyca_mldsa.py check | pyca_mldsa.py <request.json>
A request is {"verify": [{"spki", "message", "signature"}], "keys": [{"parameterSet", "seed"}]}
(bytes as hex); the answer, on stdout, is {"verify": [{"valid", "keyType"}], "keys": [{"pkcs8", "spki"}]}.
"""
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization as s
from cryptography.hazmat.primitives.asymmetric import mldsa

PRIVATE = {44: mldsa.MLDSA44PrivateKey, 65: mldsa.MLDSA65PrivateKey, 87: mldsa.MLDSA87PrivateKey}


def verify(case):
    # Parsing the DER SubjectPublicKeyInfo checks Trent's encoding and OID, too.
    key = s.load_der_public_key(bytes.fromhex(case["spki"]))
    try:
        key.verify(bytes.fromhex(case["signature"]), bytes.fromhex(case["message"]))
        valid = True
    except InvalidSignature:
        valid = False
    return {"valid": valid, "keyType": type(key).__name__}


def keys(case):
    key = PRIVATE[case["parameterSet"]].from_seed_bytes(bytes.fromhex(case["seed"]))
    return {
        "pkcs8": key.private_bytes(s.Encoding.DER, s.PrivateFormat.PKCS8, s.NoEncryption()).hex(),
        "spki": key.public_key().public_bytes(s.Encoding.DER, s.PublicFormat.SubjectPublicKeyInfo).hex(),
    }


if __name__ == "__main__":
    if sys.argv[1] == "check":
        from cryptography.hazmat.backends.openssl.backend import backend

        sys.exit(0 if backend.mldsa_supported() else 1)
    with open(sys.argv[1]) as f:
        request = json.load(f)
    print(json.dumps({
        "verify": [verify(c) for c in request.get("verify", [])],
        "keys": [keys(c) for c in request.get("keys", [])],
    }))
