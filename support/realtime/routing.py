from django.urls import path

from .consumers import AgentConsumer, CustomerConsumer

websocket_urlpatterns = [
    path("ws/conversations/<uuid:conversation_id>/", CustomerConsumer.as_asgi()),
    path("ws/agent/", AgentConsumer.as_asgi()),
]
