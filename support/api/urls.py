from django.urls import path

from . import agents, customer_messages, orders, views

conversation = "conversations/<uuid:conversation_id>/"

urlpatterns = [
    path("", views.ApiRootView.as_view(), name="api-root"),
    path("conversations/", views.ConversationsView.as_view(), name="conversations"),
    path(conversation, views.ConversationDetailView.as_view(), name="conversation-detail"),
    path(
        f"{conversation}messages/",
        customer_messages.messages,  # MessagesView, with a fast path for customers' posts
        name="conversation-messages",
    ),
    path(f"{conversation}escalate/", views.EscalateView.as_view(), name="escalate-conversation"),
    path(f"{conversation}assign/", views.AssignView.as_view(), name="assign-agent"),
    path(f"{conversation}agent/messages/", views.AgentMessageView.as_view(), name="agent-message"),
    path(f"{conversation}notes/", views.NoteView.as_view(), name="conversation-notes"),
    path(f"{conversation}resolve/", views.ResolveView.as_view(), name="resolve-conversation"),
    path(f"{conversation}claim/", agents.ClaimView.as_view(), name="claim-conversation"),
    path(f"{conversation}unassign/", agents.UnassignView.as_view(), name="unassign-conversation"),
    path(
        f"{conversation}orders/",
        orders.ConversationOrdersView.as_view(),
        name="conversation-orders",
    ),
    path("orders/<str:order_number>/", orders.OrderView.as_view(), name="order"),
    path("agents/", views.AgentsView.as_view(), name="agents"),
    path("agents/me/", agents.MyAgentView.as_view(), name="agent-me"),
    path("agents/<str:agent_id>/", agents.AgentDetailView.as_view(), name="agent-detail"),
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
]
