from django.urls import path, re_path

from .consumers import AgentConsumer, CustomerConsumer, UnknownPathConsumer

websocket_urlpatterns = [
    path("ws/conversations/<uuid:conversation_id>/", CustomerConsumer.as_asgi()),
    path("ws/agent/", AgentConsumer.as_asgi()),
    # Anything else is closed with 4404 (without it, Channels answers with a 500 and a traceback).
    re_path(r"", UnknownPathConsumer.as_asgi()),
]
