"""WebSockets: one per customer conversation, one per agent.

Both are authorised by support.conversations.access, like the API. Events arrive from
support.common.bus after commit as ``{"type": "support.event", "event": {...}}``.
Clients send small commands: ``typing`` (both), ``watch`` / ``unwatch`` (agents).
A client that reconnects catches up with ``GET .../messages/?after=<last id>``.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from support.agents import availability
from support.common.bus import Event
from support.common.errors import SupportError
from support.conversations import events
from support.conversations.access import Action, access_conversation
from support.conversations.actors import Actor

from .auth import (
    accepted_subprotocol,
    customer_actor,
    socket_token,
    staff_actor,
    staff_still_signed_in,
)

logger = logging.getLogger(__name__)

# Close codes (4000-4999 are the application's).
UNAUTHORISED = 4401
FORBIDDEN = 4403
NOT_FOUND = 4404
SERVER_ERROR = 1011
TYPING_INTERVAL = 1.0  # seconds between two typing announcements of one socket


class _Base(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    actor: Actor | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._typing_sent: dict[tuple[str, bool], float] = {}

    async def refuse(self, code: int) -> None:
        """Refuse with an application close code. A close before the handshake is answered
        is an HTTP 403 to the client, which browsers report as 1006, so the socket is
        accepted first and then closed with ``code``."""
        await self.accept(subprotocol=accepted_subprotocol(self.scope))
        await self.close(code=code)

    async def receive(
        self, text_data: str | None = None, bytes_data: Any = None, **kwargs: Any
    ) -> None:
        """A frame that is not a JSON text frame gets an error, not a dead socket. Anything
        else that fails closes the socket with 1011, so that ``disconnect`` cleans up."""
        if text_data is None:
            await self._error("Send JSON text frames.")
            return
        try:
            content = await self.decode_json(text_data)
        except (ValueError, RecursionError):
            await self._error("Send a JSON object.")
            return
        try:
            await self.receive_json(content)
        except Exception:
            logger.exception("socket %s failed on a frame; closing it", self.channel_name)
            await self.close(code=SERVER_ERROR)

    async def _error(self, detail: str) -> None:
        await self.send_json({"type": "error", "data": {"detail": detail}})

    async def support_event(self, message: dict[str, Any]) -> None:
        if message.get("origin") == self.channel_name:
            return  # our own typing, echoed back by a group we are in
        await self.send_json(message["event"])

    async def _publish(self, event: Event) -> None:
        for group in event.groups:
            await self.channel_layer.group_send(
                group,
                {"type": "support.event", "event": event.as_message(), "origin": self.channel_name},
            )

    async def _typing(self, conversation_id: str, *, staff_only: bool) -> None:
        assert self.actor is not None
        # Clients announce typing every 2 s at most; a socket that sends more is flooding:
        # one announcement a second passes.
        now, key = time.monotonic(), (conversation_id, staff_only)
        if now - self._typing_sent.get(key, -TYPING_INTERVAL) < TYPING_INTERVAL:
            return
        self._typing_sent[key] = now
        group = (
            events.conversation_staff_group(conversation_id)
            if staff_only
            else events.conversation_group(conversation_id)
        )
        kind = "customer.typing" if self.actor.is_customer else "agent.typing"
        await self._publish(
            Event(
                type=kind,
                conversation_id=conversation_id,
                data={"by": self.actor.display_name if self.actor.is_staff else "customer"},
                groups=(group,),
            )
        )


class UnknownPathConsumer(_Base):
    async def connect(self) -> None:
        await self.refuse(NOT_FOUND)


class CustomerConsumer(_Base):
    """``/ws/conversations/<id>/`` with the conversation token (subprotocol
    ``ks.token.<token>``): the customer's own events."""

    async def connect(self) -> None:
        conversation_id = self.scope["url_route"]["kwargs"]["conversation_id"]
        token = socket_token(self.scope)
        actor = await customer_actor(token) if token else None
        if actor is None or not await _may_view(actor, conversation_id):
            await self.refuse(UNAUTHORISED if actor is None else FORBIDDEN)
            return
        self.actor = actor
        self.conversation_id = str(conversation_id)
        await self.channel_layer.group_add(
            events.conversation_group(self.conversation_id), self.channel_name
        )
        await self.accept(subprotocol=accepted_subprotocol(self.scope))

    async def disconnect(self, code: int) -> None:
        if self.actor is not None:
            await self.channel_layer.group_discard(
                events.conversation_group(self.conversation_id), self.channel_name
            )

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "typing":
            # The customer's typing goes to staff only.
            await self._typing(self.conversation_id, staff_only=True)


class AgentConsumer(_Base):
    """``/ws/agent/`` (console session, or an API token as for customers): the queue, the
    agent's own assignments, and the conversations the agent watches.

    The socket is the agent's presence: it is recorded while open and refreshed every
    ``AGENT_SOCKET_HEARTBEAT_SECONDS``; when an agent's last socket has been closed for the
    grace period, the sweep sets the agent offline (support.agents.availability).
    """

    heartbeat: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        identity = await staff_actor(self.scope)
        if identity is None or not identity[0].is_staff:
            await self.refuse(UNAUTHORISED)
            return
        actor, self.user_id = identity
        self.actor = actor
        self.watching: set[str] = set()
        self.groups_joined = [events.QUEUE_GROUP]
        if actor.agent_id:
            self.groups_joined.append(events.agent_group(actor.agent_id))
        # Logging out or being deactivated closes the user's sockets at once.
        self.groups_joined.append(events.user_group(self.user_id))
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        if actor.agent_id:
            await _presence(availability.socket_opened, actor.agent_id, self.channel_name)
            self.heartbeat = asyncio.create_task(self._beat())
        await self.accept(subprotocol=accepted_subprotocol(self.scope))

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(settings.AGENT_SOCKET_HEARTBEAT_SECONDS)
            if not await staff_still_signed_in(self.scope, self.user_id):
                await self.close(code=UNAUTHORISED)
                return
            await _presence(availability.socket_seen, None, self.channel_name)

    async def support_signed_out(self, message: dict[str, Any]) -> None:
        """The user logged out or was deactivated (support.realtime.signals)."""
        await self.close(code=UNAUTHORISED)

    async def disconnect(self, code: int) -> None:
        if self.actor is None:
            return
        if self.heartbeat is not None:
            self.heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.heartbeat
        if self.actor.agent_id:
            await _presence(availability.socket_closed, self.actor.agent_id, self.channel_name)
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        for conversation_id in list(self.watching):
            await self._unwatch(conversation_id)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            await self._error("Send a JSON object.")
            return
        kind = content.get("type")
        conversation_id = str(content.get("conversation_id", ""))
        if kind not in ("watch", "unwatch", "typing"):
            await self.send_json({"type": "error", "data": {"detail": f"Unknown type {kind!r}."}})
            return
        try:
            UUID(conversation_id)
        except ValueError:
            await self.send_json({"type": "error", "data": {"detail": "Bad conversation_id."}})
            return
        if kind == "unwatch":
            await self._unwatch(conversation_id)
        elif kind == "watch":
            assert self.actor is not None
            if not await staff_still_signed_in(self.scope, self.user_id):
                await self.close(code=UNAUTHORISED)
                return
            if not await _may_view(self.actor, conversation_id):
                await self.send_json(
                    {"type": "error", "data": {"detail": "Conversation not found."}}
                )
                return
            self.watching.add(conversation_id)
            await self.channel_layer.group_add(
                events.conversation_group(conversation_id), self.channel_name
            )
            await self.channel_layer.group_add(
                events.conversation_staff_group(conversation_id), self.channel_name
            )
            await self.send_json({"type": "watching", "conversation_id": conversation_id})
        elif conversation_id in self.watching:
            # The customer sees "… is typing" only from someone writing them a reply who may
            # send it: not a note, not a colleague who is only watching, not while the
            # assistant still has the conversation. Colleagues see it either way.
            assert self.actor is not None
            to_customer = content.get("kind", "reply") == "reply" and await _may(
                self.actor, conversation_id, Action.REPLY
            )
            await self._typing(conversation_id, staff_only=not to_customer)

    async def _unwatch(self, conversation_id: str) -> None:
        self.watching.discard(conversation_id)
        await self.channel_layer.group_discard(
            events.conversation_group(conversation_id), self.channel_name
        )
        await self.channel_layer.group_discard(
            events.conversation_staff_group(conversation_id), self.channel_name
        )


@database_sync_to_async
def _presence(update: Callable[..., None], agent_id: str | None, channel_name: str) -> None:
    """Record presence; a failure costs only presence, never the socket."""
    try:
        if agent_id is None:
            update(channel_name=channel_name)
        else:
            update(agent_id=agent_id, channel_name=channel_name)
    except Exception:
        logger.exception("could not record the presence of %s", agent_id or channel_name)


async def _may_view(actor: Actor, conversation_id: object) -> bool:
    return await _may(actor, conversation_id, Action.VIEW)


@database_sync_to_async
def _may(actor: Actor, conversation_id: object, action: Action) -> bool:
    try:
        access_conversation(actor, UUID(str(conversation_id)), action)
    except (SupportError, ValueError):
        return False
    return True
