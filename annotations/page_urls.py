"""Browser pages (server-rendered shells around the frontend bundle)."""

from django.urls import path

from annotations.views import comparison_pages, pages, review_pages

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

# Reviewer pages (reviewers and managers; annotators get 404): annotations/views/review_pages.py
urlpatterns += [
    path(
        "projects/<int:project_id>/dashboard/",
        review_pages.dashboard,
        name="page-dashboard",
    ),
    path(
        "projects/<int:project_id>/adjudicate/",
        review_pages.adjudication_queue,
        name="page-adjudication-queue",
    ),
    path(
        "projects/<int:project_id>/adjudicate/<int:document_id>/",
        review_pages.adjudication_document,
        name="page-adjudication",
    ),
    path("projects/<int:project_id>/exports/", review_pages.exports, name="page-exports"),
    path(
        "projects/<int:project_id>/documents/<int:document_id>/gold/",
        comparison_pages.gold_comparison_page,
        name="page-gold-comparison",
    ),
]
