"""Bearer secrets: generated once, shown once, stored only as a SHA-256 digest.

The secrets carry 256 bits of randomness, so a fast digest is enough; a slow password hash
would only make every request slower.
"""

import hashlib
import secrets


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
