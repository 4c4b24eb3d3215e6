from django.contrib.auth.views import LogoutView
from django.urls import path

from . import views

app_name = "console"

conversation = "c/<uuid:conversation_id>/"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(next_page="console:login"), name="logout"),
    path(conversation, views.conversation, name="conversation"),
    path(f"{conversation}messages/", views.messages, name="messages"),
    path(f"{conversation}sidebar/", views.sidebar, name="sidebar"),
    path(f"{conversation}composer/", views.composer, name="composer"),
    path("availability/", views.availability, name="availability"),
    path(f"{conversation}assign/", views.assign, name="assign"),
    path(f"{conversation}claim/", views.claim, name="claim"),
    path(f"{conversation}unassign/", views.unassign, name="unassign"),
    path(f"{conversation}resolve/", views.resolve, name="resolve"),
    path(f"{conversation}escalate/", views.escalate, name="escalate"),
    path(f"{conversation}reply/", views.reply, name="reply"),
]
