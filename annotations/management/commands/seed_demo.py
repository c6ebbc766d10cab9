"""Create a demo project with users, sample articles and assignments; safe to run again.

Re-running finds the users, the project and its documents by name and only adds what is missing,
so nothing is duplicated. Passwords are reset on every run so the credentials it prints always
work. The password is for demonstration only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from annotations.models import Membership, Project, Role
from annotations.services.assignments import assignments_distribute
from annotations.services.document_imports import import_path
from annotations.services.projects import membership_add, membership_change_role, project_create

DEMO_DIR = Path(__file__).resolve().parent.parent.parent / "demo"
ARTICLES = DEMO_DIR / "articles.jsonl"
GUIDELINES = DEMO_DIR / "guidelines.md"
DEFAULT_PASSWORD = "demo-password-1"
PROJECT_NAME = "Demo: official denials"
PROJECT_DESCRIPTION = (
    "Sample news articles in which officials deny what others report. Created by seed_demo; the "
    "articles, places and people are fictional."
)
ANNOTATORS_PER_DOCUMENT = 2
# username -> role in the demo project; the manager creates the project.
USERS: tuple[tuple[str, str], ...] = (
    ("manager", Role.MANAGER),
    ("reviewer", Role.REVIEWER),
    ("annotator1", Role.ANNOTATOR),
    ("annotator2", Role.ANNOTATOR),
    ("annotator3", Role.ANNOTATOR),
)


class Command(BaseCommand):
    help = (
        "Create demo users, a demo project with sample articles and assignments, and print the "
        "credentials. Idempotent: running it again adds nothing twice. Demo use only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"Password for every demo user (default: {DEFAULT_PASSWORD}). Demo only.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password: str = options["password"]
        with transaction.atomic():
            users = {name: self._user(name, password) for name, _ in USERS}
            project = self._project(users["manager"])
            self._memberships(project, users)
            imported = self._documents(project)
            distribution = assignments_distribute(project=project)

        self.stdout.write(
            f"Demo project {project.pk} '{project.name}': "
            f"{project.documents.count()} documents ({imported} imported now), "
            f"{distribution.created} assignments created now."
        )
        self.stdout.write("Demo users (demo credentials only, never use them for real data):")
        for name, role in USERS:
            self.stdout.write(f"  {name:<11} password: {password}   role: {role}")
        self.stdout.write(
            "Log in with these in the browser, or get an API token with "
            "POST /api/v1/auth/token/ {username, password}."
        )

    def _user(self, username: str, password: str) -> AbstractBaseUser:
        user, _ = get_user_model().objects.get_or_create(username=username)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError(f"--password is not accepted: {' '.join(exc.messages)}") from None
        # Reset on every run so the printed credentials are always the ones that work.
        user.set_password(password)
        user.save(update_fields=["password"])
        return user

    def _project(self, manager: AbstractBaseUser) -> Project:
        existing = Project.objects.filter(
            name=PROJECT_NAME, memberships__user=manager, memberships__role=Role.MANAGER
        ).first()
        if existing is not None:
            return existing
        return project_create(
            creator=manager,
            name=PROJECT_NAME,
            description=PROJECT_DESCRIPTION,
            guidelines=GUIDELINES.read_text(encoding="utf-8"),
            annotators_per_document=ANNOTATORS_PER_DOCUMENT,
        )

    def _memberships(self, project: Project, users: dict[str, AbstractBaseUser]) -> None:
        for name, role in USERS:
            membership = Membership.objects.filter(project=project, user=users[name]).first()
            if membership is None:
                membership_add(project=project, user=users[name], role=role)
            elif membership.role != role:
                membership_change_role(membership=membership, role=role)

    def _documents(self, project: Project) -> int:
        """Import the sample articles unless the project already holds documents. An import is
        all-or-nothing, so a project either has all of them or none."""
        if project.documents.exists():
            return 0
        results = import_path(project=project, path=ARTICLES, fmt="jsonl")
        failed = [r for r in results if not r.ok]
        if failed:
            problems = "; ".join(
                f"line {e.line}, {e.field}: {e.message}" for r in failed for e in r.errors
            )
            raise CommandError(f"The demo articles in {ARTICLES} did not import: {problems}")
        return sum(r.created for r in results)
