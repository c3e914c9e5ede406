"""The seed chapter's boto3 snippets, run unchanged against Trent.

boto3.client is wrapped only to point it at Trent (endpoint and CA bundle), which is what
AWS_ENDPOINT_URL / AWS_CA_BUNDLE do on newer boto3; the snippets themselves are verbatim.
"""
import base64
import json
import os
import sys

import boto3

_client = boto3.client


def _trent_client(name, *args, **kwargs):
    kwargs.setdefault("endpoint_url", os.environ["TRENT_URL"])
    kwargs.setdefault("verify", os.environ.get("TRENT_CA") or True)
    kwargs.setdefault("region_name", "us-east-1")
    return _client(name, *args, **kwargs)


boto3.client = _trent_client

# --- seed: "Using Envelope Encryption in Code" (verbatim) ---
from cryptography.fernet import Fernet

kms = boto3.client('kms')

def encrypt_data(plaintext: bytes, key_id: str) -> dict:
    # Generate data key
    response = kms.generate_data_key(
        KeyId=key_id,
        KeySpec='AES_256'
    )

    # Encrypt data with plaintext key
    cipher = Fernet(base64.urlsafe_b64encode(response['Plaintext'][:32]))
    encrypted_data = cipher.encrypt(plaintext)

    return {
        'encrypted_data': encrypted_data,
        'encrypted_key': response['CiphertextBlob']
    }

def decrypt_data(encrypted_data: bytes, encrypted_key: bytes) -> bytes:
    # Decrypt the data key
    response = kms.decrypt(CiphertextBlob=encrypted_key)

    # Decrypt data with plaintext key
    cipher = Fernet(base64.urlsafe_b64encode(response['Plaintext'][:32]))
    return cipher.decrypt(encrypted_data)

# --- seed: "Decrypting in Lambda" (verbatim) ---
def decrypt_env_var(encrypted_value):
    kms = boto3.client('kms')
    return kms.decrypt(
        CiphertextBlob=base64.b64decode(encrypted_value)
    )['Plaintext'].decode('utf-8')


if __name__ == "__main__":
    key_id = sys.argv[1]
    record = b'{"pet": "Rex", "vaccinations": ["rabies"]}'
    envelope = encrypt_data(record, key_id)
    assert envelope["encrypted_data"] != record
    assert decrypt_data(envelope["encrypted_data"], envelope["encrypted_key"]) == record

    blob = kms.encrypt(KeyId=key_id, Plaintext=b"s3cr3t-db-password")["CiphertextBlob"]
    os.environ["DB_PASSWORD"] = base64.b64encode(blob).decode()
    db_password = decrypt_env_var(os.environ['DB_PASSWORD'])
    assert db_password == "s3cr3t-db-password"

    try:
        kms.decrypt(CiphertextBlob=b"not a ciphertext at all")
        raise SystemExit("decrypt of garbage succeeded")
    except kms.exceptions.InvalidCiphertextException:
        pass
    print(json.dumps({"ok": True, "boto3": boto3.__version__}))
