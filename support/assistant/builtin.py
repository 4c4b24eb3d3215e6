"""The built-in assistant: grounded, templated answers in the customer's language, with no
network. See answers.py for what it says."""

from .answers import compose
from .providers import AssistantReply, ReplyContext


class BuiltinProvider:
    name = "builtin"

    def reply(self, context: ReplyContext) -> AssistantReply:
        return compose(context)
