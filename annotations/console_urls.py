"""URLs of the manager's console pages, one module per area (annotations/views/console/)."""

from django.urls import include, path

urlpatterns = [
    path("", include("annotations.views.console.projects")),
    path("", include("annotations.views.console.labels")),
    path("", include("annotations.views.console.members")),
    path("", include("annotations.views.console.accounts")),
    path("", include("annotations.views.console.assignment")),
    path("", include("annotations.views.console.imports")),
    path("", include("annotations.views.console.documents")),
]
