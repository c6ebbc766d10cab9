from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.models import Membership, Project
from annotations.services.annotation_imports import ANNOTATION_FORMATS, import_annotations, parse


class Command(BaseCommand):
    help = (
        "Import annotated documents from a Label Studio JSON export, a doccano JSONL file or our own "
        "JSONL export into a project, all or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="Project id")
        parser.add_argument("path", type=Path)
        parser.add_argument("--format", required=True, choices=ANNOTATION_FORMATS)
        parser.add_argument("--user", help="Attribute every span to this member (username)")
        parser.add_argument("--annotator", help="doccano: the username the file's spans belong to")
        parser.add_argument(
            "--create-labels", action="store_true", help="Create labels the project lacks"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            project = Project.objects.get(pk=int(options["project"]))
        except (Project.DoesNotExist, ValueError):
            raise CommandError(f"No project with id {options['project']!r}.") from None
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        attribute_to = None
        for option in ("user", "annotator"):
            name = options[option]
            if (
                name
                and not Membership.objects.filter(project=project, user__username=name).exists()
            ):
                raise CommandError(f"{name!r} is not a member of project {project.pk}.")
        if options["user"]:
            attribute_to = get_user_model().objects.get(username=options["user"])
        with path.open("rb") as fp:
            documents, report = parse(fp, options["format"], annotator=options["annotator"])
            result = import_annotations(
                project=project,
                documents=documents,
                report=report,
                attribute_to=attribute_to,
                create_labels=options["create_labels"],
            )
        if not result.ok:
            for error in result.errors:
                self.stderr.write(f"  item {error['item']}, {error['field']}: {error['message']}")
            raise CommandError(
                f"{result.error_count} problem(s) in {path.name}; nothing was imported."
            )
        self.stdout.write(
            f"Imported {result.documents} document(s), {result.spans} span(s), {result.gold_spans} gold span(s)"
            + (f"; created labels {result.created_labels}" if result.created_labels else "")
            + "."
        )
