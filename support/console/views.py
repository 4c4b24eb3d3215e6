"""The agent console: server-rendered pages, htmx partials, one small script for the socket.

Every action goes through the lifecycle actions and the access module, exactly like the API;
the buttons shown are only a convenience, the server decides.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode, urlsplit
from uuid import UUID

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import csrf
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from support.agents.availability import do_set_availability
from support.agents.models import Agent, Availability
from support.agents.selectors import with_load
from support.common.errors import Forbidden, InvalidInput, SupportError
from support.conversations import actions, assignment, selectors
from support.conversations.access import Action, access_conversation
from support.conversations.actors import Actor
from support.conversations.states import EscalationSource, Language, Status
from support.orders.services import orders_for

from .selectors import TABS, allowed, me, resolver_name, tab_counts, tab_queue, team

View = Callable[..., HttpResponse]


def staff_only(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated and _from_htmx(request):
            return _session_ended(request)
        return logged_in(request, *args, **kwargs)

    @login_required
    @wraps(view)
    def logged_in(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        actor = Actor.for_user(request.user)
        if actor is None or not actor.is_staff:
            return HttpResponseForbidden("This console is for agents and supervisors.")
        return view(request, actor, *args, **kwargs)

    return wrapper


def _session_ended(request: HttpRequest) -> HttpResponse:
    """A script's request after the session ended (logged out elsewhere, expired): the
    whole page goes to the login page and comes back after it, instead of the login page
    being drawn into a panel or a reply being taken for sent. Nothing was done."""
    page = urlsplit(request.headers.get("HX-Current-URL", ""))
    root = reverse("console:queue")
    here = page.path if page.path.startswith(root) else root
    response = HttpResponse("Your session has ended: log in again.", status=401)
    response["HX-Redirect"] = f"{reverse('console:login')}?{urlencode({'next': here})}"
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW. A console page whose token went stale (its user logged in again in
    another tab) reloads itself for a fresh one: the agent's draft is kept in the tab, and
    nothing was done. Everything else gets Django's page."""
    if _from_htmx(request) and request.path.startswith(reverse("console:queue")):
        response = HttpResponse("This page was out of date: it reloads.", status=403)
        response["HX-Refresh"] = "true"
        return response
    return csrf.csrf_failure(request, reason)


class LoginView(auth_views.LoginView):
    template_name = "console/login.html"
    redirect_authenticated_user = True


def _error(request: HttpRequest, error: SupportError) -> HttpResponse:
    response = render(request, "console/_flash.html", {"error": error.detail}, status=200)
    response["HX-Retarget"] = "#flash"
    response["HX-Reswap"] = "afterbegin"
    return response


def _from_htmx(request: HttpRequest) -> bool:
    """htmx sent it. Otherwise the browser submitted the form itself (no script, or the
    script had not taken the form over yet): it gets whole pages and redirects."""
    return request.headers.get("HX-Request") == "true"


def _refused(
    request: HttpRequest, actor: Actor, conversation_id: UUID, error: SupportError, draft: str = ""
) -> HttpResponse:
    """An action the server refused: a flash for htmx; for a plain form, the conversation's
    page with the error on top and the unsent text back in the composer."""
    if _from_htmx(request):
        return _error(request, error)
    return _conversation_page(request, actor, conversation_id, error=error, draft=draft)


def _done(conversation_id: UUID) -> HttpResponse:
    """After a plain form's action: back to the conversation's page (POST, redirect, GET)."""
    response = HttpResponseRedirect(reverse("console:conversation", args=[conversation_id]))
    response.status_code = 303  # See Other: the browser follows with a GET
    return response


def _back_to(request: HttpRequest, page: str) -> HttpResponse:
    """After a plain form in the header: back to the console page it was sent from."""
    safe = (
        page.startswith("/console/")
        and not page.startswith(reverse("console:availability"))  # a partial, not a page
        and url_has_allowed_host_and_scheme(
            page, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    )
    response = HttpResponseRedirect(page if safe else reverse("console:queue"))
    response.status_code = 303
    return response


@require_GET
@staff_only
def queue(request: HttpRequest, actor: Actor) -> HttpResponse:
    tab = request.GET.get("tab", "unassigned")
    tab = tab if tab in TABS else "unassigned"
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    language = request.GET.get("language", "")
    language = language if language in Language.values else ""
    context = {
        "actor": actor,
        "tab": tab,
        "status": status,
        "language": language,
        "conversations": tab_queue(actor, tab=tab, status=status, language=language)[:200],
        "counts": tab_counts(actor, status=status, language=language),
        "statuses": Status.choices,
        "languages": Language.choices,
        "team": team(),
        "me": me(actor),
        "availabilities": Availability.choices,
    }
    template = "console/_queue.html" if _from_htmx(request) else "console/queue.html"
    return render(request, template, context)


def _conversation_context(actor: Actor, conversation_id: UUID) -> dict[str, Any]:
    conversation = access_conversation(actor, conversation_id, Action.VIEW)
    return {
        "actor": actor,
        "conversation": conversation,
        "can": allowed(actor, conversation),
        "agents": with_load(Agent.objects.order_by("display_name")),
        "orders": orders_for(user_id=conversation.user_id, numbers=[], latest=5),
        "brief": conversation.handoff_brief,
        # The brief stores codes; people read the labels ("Keyword rule · Manglish").
        "brief_labels": _brief_labels(conversation.handoff_brief),
        "resolver": resolver_name(conversation),
        "me": me(actor),
        "availabilities": Availability.choices,
        "message_max_length": settings.MESSAGE_MAX_LENGTH,
    }


def _brief_labels(brief: dict[str, Any] | None) -> dict[str, str]:
    brief = brief or {}
    source, language = brief.get("source") or "", brief.get("language") or ""
    return {
        "source": dict(EscalationSource.choices).get(source, source),
        "language": dict(Language.choices).get(language, language),
    }


@require_GET
@staff_only
def conversation(request: HttpRequest, actor: Actor, conversation_id: UUID) -> HttpResponse:
    return _conversation_page(request, actor, conversation_id)


def _conversation_page(
    request: HttpRequest,
    actor: Actor,
    conversation_id: UUID,
    *,
    error: SupportError | None = None,
    draft: str = "",
) -> HttpResponse:
    try:
        context = _conversation_context(actor, conversation_id)
    except SupportError as missing:
        return render(request, "console/missing.html", {"error": missing.detail}, status=404)
    context["messages"] = selectors.messages_for(actor, context["conversation"], limit=500)
    context["flash_error"] = error.detail if error else ""
    context["draft"] = draft
    return render(
        request, "console/conversation.html", context, status=error.status if error else 200
    )


@require_GET
@staff_only
def messages(request: HttpRequest, actor: Actor, conversation_id: UUID) -> HttpResponse:
    """New messages after ``?after=<id>``, for the live transcript."""
    try:
        conversation = access_conversation(actor, conversation_id, Action.VIEW)
        after = int(request.GET.get("after", "0"))
    except (SupportError, ValueError):
        return HttpResponse(status=400)
    found = selectors.messages_for(actor, conversation, after=after, limit=200)
    return render(request, "console/_messages.html", {"messages": found})


@require_GET
@staff_only
def sidebar(request: HttpRequest, actor: Actor, conversation_id: UUID) -> HttpResponse:
    try:
        context = _conversation_context(actor, conversation_id)
    except SupportError as error:
        return _error(request, error)
    return render(request, "console/_sidebar.html", context)


@require_GET
@staff_only
def composer(request: HttpRequest, actor: Actor, conversation_id: UUID) -> HttpResponse:
    try:
        context = _conversation_context(actor, conversation_id)
    except SupportError as error:
        return _error(request, error)
    return render(request, "console/_composer.html", context)


def _act(
    request: HttpRequest, actor: Actor, conversation_id: UUID, action: Callable[[], object]
) -> HttpResponse:
    try:
        action()
    except SupportError as error:
        return _refused(request, actor, conversation_id, error)
    if not _from_htmx(request):
        return _done(conversation_id)
    try:
        context = _conversation_context(actor, conversation_id)
    except SupportError as error:
        return _error(request, error)
    response = render(request, "console/_sidebar.html", context)
    response["HX-Trigger"] = "conversation-changed"
    return response


@require_POST
@staff_only
def assign(request: HttpRequest, actor: Actor, conversation_id: UUID) -> HttpResponse:
    agent_id = request.POST.get("agent_id", "")
    return _act(
        request,
        actor,
        conversation_id,
        lambda: actions.do_assign_conversation(
            actor=actor, conversation_id=conversation_id, agent_id=agent_id
        ),
    )


@require_POST
@staff_only
def claim(request: HttpRequest, actor: Actor, conversation_id: UUID) -> HttpResponse:
    """Claim from the conversation (the sidebar is redrawn) or from the queue (the console
    opens the conversation)."""
    if request.POST.get("from") != "queue":
        return _act(
            request,
            actor,
            conversation_id,
            lambda: assignment.do_claim_conversation(actor=actor, conversation_id=conversation_id),
        )
    try:
        assignment.do_claim_conversation(actor=actor, conversation_id=conversation_id)
    except SupportError as error:
        return _refused(request, actor, conversation_id, error)
    if not _from_htmx(request):
        return _done(conversation_id)
    response = HttpResponse(status=204)
    response["HX-Redirect"] = reverse("console:conversation", args=[conversation_id])
    return response


@require_POST
@staff_only
def unassign(request: HttpRequest, actor: Actor, conversation_id: UUID) -> HttpResponse:
    reason = request.POST.get("reason", "")[:1000]
    return _act(
        request,
        actor,
        conversation_id,
        lambda: assignment.do_unassign_conversation(
            actor=actor, conversation_id=conversation_id, reason=reason
        ),
    )


@require_http_methods(["GET", "POST"])
@staff_only
def availability(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The header's availability switch with the viewer's load; POST sets it."""
    if request.method == "POST":
        try:
            if actor.agent_id is None:
                raise Forbidden("Your account has no agent profile.")
            value = request.POST.get("availability", "")
            if value not in Availability.values:
                raise InvalidInput("Choose online, away or offline.")
            do_set_availability(
                actor=actor, agent_id=actor.agent_id, availability=Availability(value)
            )
        except SupportError as error:
            if _from_htmx(request):
                return _error(request, error)
            return render(
                request,
                "console/missing.html",
                {"title": "Availability not changed", "error": error.detail},
                status=error.status,
            )
        if not _from_htmx(request):
            return _back_to(request, request.POST.get("next", ""))
    context = {"actor": actor, "me": me(actor), "availabilities": Availability.choices}
    return render(request, "console/_availability.html", context)


@require_POST
@staff_only
def resolve(request: HttpRequest, actor: Actor, conversation_id: UUID) -> HttpResponse:
    return _act(
        request,
        actor,
        conversation_id,
        lambda: actions.do_resolve_conversation(actor=actor, conversation_id=conversation_id),
    )


@require_POST
@staff_only
def escalate(request: HttpRequest, actor: Actor, conversation_id: UUID) -> HttpResponse:
    reason = request.POST.get("reason", "")[:1000]
    return _act(
        request,
        actor,
        conversation_id,
        lambda: actions.do_escalate_conversation(
            actor=actor, conversation_id=conversation_id, reason=reason
        ),
    )


@require_POST
@staff_only
def reply(request: HttpRequest, actor: Actor, conversation_id: UUID) -> HttpResponse:
    from support.api.serializers import MessageInput  # one validation for API and console

    text = request.POST.get("message", "")
    form = MessageInput(data={"message": text})
    try:
        if not form.is_valid():
            raise InvalidInput(str(form.errors["message"][0]))
        actions.do_post_agent_message(
            actor=actor,
            conversation_id=conversation_id,
            text=form.validated_data["message"],
            private=request.POST.get("kind") == "note",
        )
    except SupportError as error:
        return _refused(request, actor, conversation_id, error, draft=text)
    if not _from_htmx(request):
        return _done(conversation_id)
    return HttpResponse(status=204)  # console.js clears the box on this 204
