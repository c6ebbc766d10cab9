from django.urls import include, path
from rest_framework.routers import DefaultRouter

from annotations.views.adjudication import (
    AdjudicationViewSet,
    CommentViewSet,
    GoldComparisonViewSet,
    GoldSpanViewSet,
)
from annotations.views.agreement import AgreementViewSet
from annotations.views.auth import TokenObtainView
from annotations.views.dashboard import DashboardViewSet
from annotations.views.documents import AssignmentViewSet, DocumentViewSet
from annotations.views.exports import ExportViewSet
from annotations.views.imports import AnnotationImportViewSet, ImportViewSet
from annotations.views.jobs import HealthView, JobViewSet, ProjectJobViewSet
from annotations.views.markdown import MarkdownPreviewView
from annotations.views.projects import (
    LabelViewSet,
    MembershipViewSet,
    ProjectViewSet,
    VerificationStatusViewSet,
)
from annotations.views.spans import SpanViewSet

router = DefaultRouter()
router.register("projects", ProjectViewSet, basename="project")
nested = r"projects/(?P<project_pk>\d+)"
router.register(f"{nested}/members", MembershipViewSet, basename="member")
router.register(f"{nested}/labels", LabelViewSet, basename="label")
router.register(f"{nested}/statuses", VerificationStatusViewSet, basename="status")
router.register(f"{nested}/documents", DocumentViewSet, basename="document")
router.register(
    f"{nested}/imports/annotations", AnnotationImportViewSet, basename="annotation-import"
)
router.register(f"{nested}/imports", ImportViewSet, basename="import")
router.register(f"{nested}/assignments", AssignmentViewSet, basename="assignment")
router.register(f"{nested}/spans", SpanViewSet, basename="span")
router.register(f"{nested}/jobs", ProjectJobViewSet, basename="project-job")
router.register(f"{nested}/agreement", AgreementViewSet, basename="agreement")
router.register(f"{nested}/adjudication", AdjudicationViewSet, basename="adjudication")
router.register(f"{nested}/gold-spans", GoldSpanViewSet, basename="gold-span")
router.register(f"{nested}/comments", CommentViewSet, basename="comment")
router.register(f"{nested}/exports", ExportViewSet, basename="export")
router.register(f"{nested}/dashboard", DashboardViewSet, basename="dashboard")
router.register(f"{nested}/gold-comparison", GoldComparisonViewSet, basename="gold-comparison")
router.register("jobs", JobViewSet, basename="job")

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="auth-token"),
    path("health/", HealthView.as_view(), name="health"),
    path("markdown/", MarkdownPreviewView.as_view(), name="markdown"),
    path("", include(router.urls)),
]
