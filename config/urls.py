from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("support.api.urls")),
    path("console/", include("support.console.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("chat/", include("support.widget.urls")),
]
# Unknown URLs under /api/ answer {"detail", "code"} like every other API error.
handler404 = "support.api.errors.page_not_found"

if settings.BENCH_BASELINE:  # bench/run.py only
    urlpatterns.append(path("bench/", include("bench.baseline.urls")))
