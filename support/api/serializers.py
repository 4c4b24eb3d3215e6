"""Input and output shapes. Inputs are strict: unknown fields, wrong types, empty or
over-long text are refused with 400, never coerced."""

from typing import Any

from django.conf import settings
from rest_framework import serializers

from support.agents.models import Agent, Availability
from support.conversations.models import SupportConversation, SupportMessage
from support.conversations.states import Language, Status


class StrictCharField(serializers.CharField):
    """A string and only a string: no numbers turned into text, no NUL characters or lone
    surrogates (which no database stores), and by default stored exactly as sent."""

    default_error_messages = {
        "not_a_string": "Must be a string.",
        "bad_character": "Contains a character that cannot be stored (NUL or a lone surrogate).",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        if "\x00" in data:
            self.fail("bad_character")
        try:
            data.encode("utf-8")
        except UnicodeEncodeError:
            self.fail("bad_character")
        value: str = super().to_internal_value(data)
        return value


class MessageTextField(StrictCharField):
    default_error_messages = {
        "blank": "The message is empty.",
        "whitespace": "The message contains only whitespace.",
        "max_length": "The message is longer than {max_length} characters.",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", settings.MESSAGE_MAX_LENGTH)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if not value.strip():
            self.fail("whitespace")
        return value

    def run_validation(self, data: Any = serializers.empty) -> Any:
        try:
            return super().run_validation(data)
        except serializers.ValidationError as error:
            codes = error.get_codes()
            code = None
            if codes == ["max_length"]:
                code = "message_too_long"
            elif codes in (["blank"], ["whitespace"], ["null"]):
                code = "message_empty"
            if code is None:
                raise
            messages = [str(detail) for detail in error.detail]  # type: ignore[union-attr]
            raise serializers.ValidationError(messages, code=code) from error


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo never passes silently."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Unknown field."] for name in unknown}, code="unknown_field"
                )
        return super().to_internal_value(data)


# Inputs


class CreateConversationInput(StrictSerializer):
    user_id = StrictCharField(max_length=128, trim_whitespace=True)
    user_hash = StrictCharField(
        max_length=128,
        trim_whitespace=True,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Hex HMAC-SHA256 of user_id under CUSTOMER_IDENTITY_SECRET, computed by the "
        "shop's server for its signed-in customer. Absent (or empty): a guest. One that does "
        "not verify: 403 invalid_user_hash.",
    )
    language = serializers.ChoiceField(choices=Language.choices, default=Language.ENGLISH)


class MessageInput(StrictSerializer):
    message = MessageTextField()


class EscalateInput(StrictSerializer):
    reason = StrictCharField(max_length=1000, required=False, allow_blank=True)


class AssignInput(StrictSerializer):
    agent_id = StrictCharField(max_length=64, trim_whitespace=True)


class ResolveInput(StrictSerializer):
    reason = StrictCharField(max_length=1000, required=False, allow_blank=True)


class ClaimInput(StrictSerializer):
    """No fields: the claimer is the caller."""


class UnassignInput(StrictSerializer):
    reason = StrictCharField(max_length=1000, required=False, allow_blank=True)


class AgentUpdateInput(StrictSerializer):
    availability = serializers.ChoiceField(choices=Availability.choices, required=False)
    max_concurrent = serializers.IntegerField(
        min_value=0,
        max_value=100,
        required=False,
        help_text="Conversations assigned at once, at most. Supervisors only.",
    )
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=Language.choices),
        allow_empty=False,
        max_length=len(Language.choices),
        required=False,
        help_text="Languages spoken: en, ml, ml-Latn. Supervisors only.",
    )


class QueueQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    assigned_agent = StrictCharField(max_length=64, required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    page = serializers.IntegerField(min_value=1, required=False)
    page_size = serializers.IntegerField(min_value=1, max_value=200, required=False)


class MessagesQuery(serializers.Serializer):
    after = serializers.IntegerField(min_value=0, required=False)
    limit = serializers.IntegerField(min_value=1, max_value=500, default=100)


class TokenInput(StrictSerializer):
    username = StrictCharField(max_length=150, trim_whitespace=True)
    password = StrictCharField(max_length=256)


# Outputs


class ConversationOutput(serializers.ModelSerializer):
    assigned_agent = serializers.CharField(source="assigned_agent_id", allow_null=True)
    assigned_agent_name = serializers.CharField(
        source="assigned_agent.display_name",
        allow_null=True,
        help_text="The assigned agent's display name, as the customer sees it.",
    )

    class Meta:
        model = SupportConversation
        fields = [
            "conversation_id",
            "user_id",
            "language",
            "status",
            "priority",
            "escalated",
            "escalation_reason",
            "escalation_source",
            "escalated_at",
            "assigned_agent",
            "assigned_agent_name",
            "assigned_at",
            "first_agent_reply_at",
            "resolved_at",
            "started_at",
            "ended_at",
            "message_count",
        ]
        read_only_fields = fields


class StaffConversationOutput(ConversationOutput):
    """What agents see: the conversation, whether the shop vouched for the customer and the
    handoff brief. Never sent to customers."""

    customer_verified = serializers.BooleanField(
        required=False,  # absent from what customers get
        help_text="The shop signed user_id (a valid user_hash): this is its signed-in "
        "customer. False: anyone could have typed this user id.",
    )
    handoff_brief = serializers.JSONField(
        allow_null=True,
        required=False,  # absent from what customers get
        help_text="Set at escalation: why, language, intents, orders, last messages.",
    )

    class Meta(ConversationOutput.Meta):
        fields = [*ConversationOutput.Meta.fields, "customer_verified", "handoff_brief"]
        read_only_fields = fields


class QueueOutput(serializers.Serializer):
    """A waiting conversation's place in the queue (support.conversations.waiting)."""

    position = serializers.IntegerField(min_value=1, help_text="1: next to be answered.")
    estimated_wait_seconds = serializers.IntegerField(
        allow_null=True,
        min_value=0,
        help_text="Seconds until an agent is expected, from recent data; null: no estimate.",
    )
    open_now = serializers.BooleanField(help_text="Whether it is business hours now.")
    next_opening = serializers.DateTimeField(
        allow_null=True, help_text="When business hours begin next; null while open."
    )


class ConversationDetailOutput(StaffConversationOutput):
    """One conversation with its ``queue`` while it waits (escalated, no agent yet)."""

    queue = QueueOutput(allow_null=True, help_text="Null unless escalated and unassigned.")

    class Meta(StaffConversationOutput.Meta):
        fields = [*StaffConversationOutput.Meta.fields, "queue"]
        read_only_fields = fields


class CreatedConversationOutput(ConversationOutput):
    access_token = serializers.SerializerMethodField(
        help_text="Send as X-Conversation-Token. Shown only once."
    )

    class Meta(ConversationOutput.Meta):
        fields = [*ConversationOutput.Meta.fields, "access_token"]
        read_only_fields = fields

    def get_access_token(self, conversation: SupportConversation) -> str:
        token: str = self.context["access_token"]
        return token


class MessageOutput(serializers.ModelSerializer):
    message_id = serializers.IntegerField(source="pk")
    message = serializers.CharField(source="text")
    agent_id = serializers.CharField(allow_null=True)
    agent_name = serializers.SerializerMethodField()

    class Meta:
        model = SupportMessage
        fields = [
            "message_id",
            "sender",
            "message",
            "detected_intent",
            "is_private",
            "agent_id",
            "agent_name",
            "created_at",
        ]
        read_only_fields = fields

    def get_agent_name(self, message: SupportMessage) -> str | None:
        return message.agent.display_name if message.agent else None


class AIResponseOutput(serializers.Serializer):
    message_id = serializers.IntegerField()
    message = serializers.CharField()
    sender = serializers.CharField()
    created_at = serializers.DateTimeField()


class UserMessageOutput(serializers.Serializer):
    message_id = serializers.IntegerField()
    sender = serializers.CharField()
    message = serializers.CharField()
    detected_intent = serializers.CharField()
    created_at = serializers.DateTimeField()
    conversation_status = serializers.CharField()
    ai_response = AIResponseOutput(
        required=False, help_text="Present only when the assistant answered."
    )


class QueuePageOutput(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = StaffConversationOutput(many=True)


class MessagePageOutput(serializers.Serializer):
    results = MessageOutput(many=True)
    has_more = serializers.BooleanField()


class AgentOutput(serializers.ModelSerializer):
    load = serializers.IntegerField(
        read_only=True, help_text="Conversations assigned to the agent now."
    )

    class Meta:
        model = Agent
        fields = [
            "agent_id",
            "display_name",
            "role",
            "languages",
            "availability",
            "availability_changed_at",
            "max_concurrent",
            "load",
        ]
        read_only_fields = fields


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()
    agent_id = serializers.CharField(allow_null=True)
    role = serializers.CharField()


class ErrorOutput(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()


class ApiRootOutput(serializers.Serializer):
    docs = serializers.URLField(help_text="Interactive documentation (Swagger UI).")
    schema = serializers.URLField(help_text="The OpenAPI schema.")
    conversations = serializers.URLField()
    agents = serializers.URLField()
    auth_token = serializers.URLField(help_text="POST username and password for an API token.")
