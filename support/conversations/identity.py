"""Customers the shop vouches for.

The shop knows who is signed in; this service does not, and a ``user_id`` alone is only a
label anyone can type. So the shop's server computes

    user_hash = hex(HMAC-SHA256(key=CUSTOMER_IDENTITY_SECRET, message=user_id))

and passes it along with the user id (embed.js, the /chat/ URL, ``POST conversations/``).
A conversation begun with a hash that verifies is ``customer_verified``, and only then does
the assistant read the customer's orders. Without a hash the customer is a guest. A hash that
does not verify is refused: it is a forgery or a mistake in the shop's setup, and treating it
as a guest would hide the mistake.

Without a secret configured nobody can be verified: every customer is a guest.
"""

import hashlib
import hmac
import logging

from django.conf import settings

from support.common.errors import Forbidden

logger = logging.getLogger(__name__)


def enabled() -> bool:
    """Whether customers can be verified at all (a secret is configured)."""
    return bool(settings.CUSTOMER_IDENTITY_SECRET)


def user_hash(user_id: str, *, secret: str) -> str:
    """What the shop computes: the lowercase hex HMAC-SHA256 of ``user_id`` under ``secret``."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def configured_user_hash(user_id: str) -> str | None:
    """The hash of ``user_id`` under this deployment's secret (the demo prints it); None
    when no secret is configured."""
    secret = settings.CUSTOMER_IDENTITY_SECRET
    return user_hash(user_id, secret=secret) if secret else None


def verify_customer(*, user_id: str, user_hash: str | None) -> bool:
    """True when ``user_hash`` proves the shop signed ``user_id``; False for a guest (no hash,
    or no secret configured). Raises Forbidden (``invalid_user_hash``) for a hash that does
    not verify."""
    if not user_hash:
        return False
    expected = configured_user_hash(user_id)
    if expected is None:
        logger.warning(
            "a conversation came with a user_hash but CUSTOMER_IDENTITY_SECRET is not set: "
            "the customer is treated as a guest"
        )
        return False
    # Bytes: compare_digest refuses non-ASCII text, and a forged hash may contain anything.
    if not hmac.compare_digest(expected.encode(), user_hash.lower().encode()):
        raise Forbidden(
            "The user_hash does not match the user_id: the shop must sign the same user id "
            "with this service's CUSTOMER_IDENTITY_SECRET.",
            code="invalid_user_hash",
        )
    return True
