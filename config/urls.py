from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from support.common.health import health


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico whatever the page says. The URL is looked up per
    request: with hashed static names it exists only after collectstatic."""
    return HttpResponsePermanentRedirect(static("console/icon.svg"))


urlpatterns = [
    # The service's front door is the agents' console; customers arrive through the chat.
    path("", RedirectView.as_view(pattern_name="console:queue"), name="home"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("support.api.urls")),
    path("console/", include("support.console.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("chat/", include("support.widget.urls")),
    path("favicon.ico", favicon),
    path("health/", health, name="health"),
]
# Unknown URLs under /api/ answer {"detail", "code"} like every other API error.
handler404 = "support.api.errors.page_not_found"
handler500 = "support.api.errors.server_error"

if settings.BENCH_BASELINE:  # bench/run.py only
    urlpatterns.append(path("bench/", include("bench.baseline.urls")))
