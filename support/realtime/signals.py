"""Closing a user's staff sockets when their credentials stop holding.

A socket is authorised once, when it opens. When its user logs out, is deactivated, or
loses an API token, every staff socket of that user (``events.user_group``) is told to close
with 4401 after the change commits; the console then goes to its login page. The heartbeat
and every ``watch`` check the credentials again as well (support.realtime.consumers), in
case this message is lost.
"""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from support.agents.models import AgentToken
from support.conversations.events import user_group

logger = logging.getLogger(__name__)


def close_sockets_of(user_id: object) -> None:
    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(user_group(user_id), {"type": "support.signed_out"})
        except Exception:  # the heartbeat closes them within a minute anyway
            logger.exception("could not close the sockets of user %s", user_id)

    transaction.on_commit(send)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        close_sockets_of(user.pk)


@receiver(post_save, sender=get_user_model())
def _deactivated(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if not created and not instance.is_active:
        close_sockets_of(instance.pk)


@receiver(post_delete, sender=AgentToken)
def _token_revoked(sender: Any, instance: AgentToken, **kwargs: Any) -> None:
    close_sockets_of(instance.user_id)
