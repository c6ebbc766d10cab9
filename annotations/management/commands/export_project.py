from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from annotations.models import Label, Membership, Project
from annotations.services.exports import (
    EXPORT_FORMATS,
    ExportScope,
    count_documents,
    export_dir,
    write_export,
)


class Command(BaseCommand):
    help = "Export a project's annotations to a file (the same writers as the API's export jobs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="Project id")
        parser.add_argument("--format", required=True, choices=EXPORT_FORMATS)
        parser.add_argument(
            "--out", type=Path, required=True, help="File to write (replaced when complete)"
        )
        parser.add_argument(
            "--annotator", action="append", default=None, help="Username (repeat); default all"
        )
        parser.add_argument(
            "--label", action="append", default=None, help="Label key (repeat); default all"
        )
        parser.add_argument("--gold-only", action="store_true")
        parser.add_argument(
            "--all-documents", action="store_true", help="Not only submitted documents"
        )
        parser.add_argument(
            "--no-excel-safe",
            dest="excel_safe",
            action="store_false",
            help="CSV: write cells that start with = + - @ as they are (for programs; by default "
            "they get a leading ' so that a spreadsheet does not run them as formulas)",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            project = Project.objects.get(pk=int(options["project"]))
        except (Project.DoesNotExist, ValueError):
            raise CommandError(f"No project with id {options['project']!r}.") from None
        annotator_ids = None
        if options["annotator"]:
            found = dict(
                Membership.objects.filter(
                    project=project, user__username__in=options["annotator"]
                ).values_list("user__username", "user_id")
            )
            missing = sorted(set(options["annotator"]) - set(found))
            if missing:
                raise CommandError(f"Not members of project {project.pk}: {missing}.")
            annotator_ids = tuple(sorted(found.values()))
        if options["label"]:
            known = set(Label.objects.filter(project=project).values_list("key", flat=True))
            missing = sorted(set(options["label"]) - known)
            if missing:
                raise CommandError(f"Unknown labels in project {project.pk}: {missing}.")
        out: Path = options["out"]
        if not out.parent.is_dir():
            raise CommandError(f"The folder {out.parent} does not exist.")
        scope = ExportScope(
            annotator_ids=annotator_ids,
            gold_only=options["gold_only"],
            submitted_only=not options["all_documents"],
            labels=tuple(options["label"]) if options["label"] else None,
        )
        run_id = f"cli-{uuid.uuid4().hex}"
        bar = tqdm(
            total=count_documents(project, scope),
            unit="doc",
            disable=options["no_progress"],
            file=self.stderr._out,
        )
        try:
            exported = write_export(
                project=project,
                fmt=options["format"],
                scope=scope,
                job_id=run_id,
                progress=lambda: bar.update(1),
                excel_safe=options["excel_safe"],
            )
            shutil.move(str(exported.path), str(out))
        finally:
            bar.close()
            shutil.rmtree(export_dir(run_id), ignore_errors=True)
        self.stdout.write(f"Wrote {out} ({exported.result.get('documents', '?')} documents).")
