from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from annotations.views.api_docs import ApiDocsView
from annotations.views.console.accounts import PasswordResetView


def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers and tools ask for /favicon.ico whatever the page links: send them the SVG."""
    return HttpResponseRedirect(static("annotations/favicon.svg"))


urlpatterns = [
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    # Before Django's own: the password reset that says so when this server sends no mail.
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include("annotations.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
    path("", include("annotations.console_urls")),
    path("", include("annotations.page_urls")),
]

# JSON, not Django's HTML, for a URL under /api/ that matches no route or a request Django refuses.
handler404 = "annotations.views.http_errors.not_found"
handler400 = "annotations.views.http_errors.bad_request"
