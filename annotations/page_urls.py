"""Browser pages (server-rendered shells around the frontend bundle)."""

from django.urls import path

from annotations.views import pages

urlpatterns = [
    path("", pages.project_list, name="page-projects"),
    path("projects/<int:project_id>/", pages.project_detail, name="page-project"),
    path("projects/<int:project_id>/next/", pages.project_next, name="page-project-next"),
    path(
        "projects/<int:project_id>/documents/<int:document_id>/",
        pages.document_workspace,
        name="page-workspace",
    ),
    path(
        "projects/<int:project_id>/documents/<int:document_id>/review/",
        pages.document_review,
        name="page-review",
    ),
]
