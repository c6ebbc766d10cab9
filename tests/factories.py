"""factory_boy factories. Projects are made through the service so they get default labels and
statuses and a manager, exactly as in the app."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from annotations.models import Assignment, Document, Membership, Project, Role, Span
from annotations.services.projects import project_create
from annotations.services.spans import span_create

User = get_user_model()
PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy hook signature
        if create:
            obj.save()


def make_project(manager: User, **fields) -> Project:
    fields.setdefault("name", "Test project")
    return project_create(creator=manager, **fields)


def add_member(project: Project, user: User, role: str = Role.ANNOTATOR) -> Membership:
    return Membership.objects.create(project=project, user=user, role=role)


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    title = factory.Sequence(lambda n: f"Document {n}")
    text = "The ministry said no civilians were hurt. Local officials counted twelve casualties."


def assign(document: Document, user: User, state: str = "assigned") -> Assignment:
    return Assignment.objects.create(
        project=document.project, document=document, annotator=user, state=state
    )


def make_span(
    document: Document, user: User, start: int, end: int, label_key: str = "claim"
) -> Span:
    project = document.project
    return span_create(
        annotator=user,
        document=document,
        label=project.labels.get(key=label_key),
        start=start,
        end=end,
    )
