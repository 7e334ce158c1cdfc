"""Prints one aforo-bridge bridge token for the customer described by the AFORO_* environment variables.

Needs PyJWT (and `cryptography` for RS256). The claims match `aforo-bridge/mint`: external_customer_id, optional
email and name, iat, exp = iat + 300, a random 128-bit jti and aud "aforo-bridge"; the header carries the kid.
"""

import os
import secrets
import sys
import time

import jwt

TTL_SECONDS = 300


def fail(message):
    sys.stderr.write(f"mint: {message}\n")
    sys.exit(2)


def required(name):
    value = os.environ.get(name)
    if not value:
        fail(f"{name} is required")
    return value


def signing_key(alg):
    # PyJWT, like the engine, uses the UTF-8 bytes of an HS256 secret string as the HMAC key.
    if alg == "HS256":
        return required("AFORO_SECRET")
    if os.environ.get("AFORO_PRIVATE_KEY_PEM"):
        return os.environ["AFORO_PRIVATE_KEY_PEM"]
    if os.environ.get("AFORO_PRIVATE_KEY_FILE"):
        with open(os.environ["AFORO_PRIVATE_KEY_FILE"], encoding="utf-8") as handle:
            return handle.read()
    fail("RS256 needs AFORO_PRIVATE_KEY_PEM or AFORO_PRIVATE_KEY_FILE")


def main():
    alg = required("AFORO_ALG")
    if alg not in ("HS256", "RS256"):
        fail("AFORO_ALG must be HS256 or RS256")
    kid = required("AFORO_KID")
    external_customer_id = required("AFORO_EXTERNAL_CUSTOMER_ID")
    key = signing_key(alg)

    iat = int(time.time())
    claims = {
        "external_customer_id": external_customer_id,
        "iat": iat,
        "exp": iat + TTL_SECONDS,
        # 128 random bits: the engine refuses a second exchange of the same (kid, jti).
        "jti": secrets.token_urlsafe(16),
        "aud": "aforo-bridge",
    }
    if os.environ.get("AFORO_EMAIL"):
        claims["email"] = os.environ["AFORO_EMAIL"]
    if os.environ.get("AFORO_NAME"):
        claims["name"] = os.environ["AFORO_NAME"]

    try:
        token = jwt.encode(claims, key, algorithm=alg, headers={"kid": kid, "typ": "JWT"})
    except Exception as error:  # a malformed PEM or a missing `cryptography` surfaces here
        fail(f"cannot sign {alg}: {error}")
    print(token)


if __name__ == "__main__":
    main()
