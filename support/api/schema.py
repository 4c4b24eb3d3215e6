"""OpenAPI descriptions of the two authentication schemes."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class AgentTokenScheme(OpenApiAuthenticationExtension):
    target_class = "support.api.authentication.AgentTokenAuthentication"
    name = "agentToken"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Staff API token, sent as `Token <key>`.",
        }


class ServiceTokenScheme(OpenApiAuthenticationExtension):
    target_class = "support.api.authentication.ServiceTokenAuthentication"
    name = "serviceToken"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The shop backend's service token (manage.py create_service_token).",
        }


class ConversationTokenScheme(OpenApiAuthenticationExtension):
    target_class = "support.api.authentication.ConversationTokenAuthentication"
    name = "conversationToken"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Conversation-Token",
            "description": "The customer's token, returned once when the conversation is created.",
        }
