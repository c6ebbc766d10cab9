from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from annotations.models import Project
from annotations.services.document_imports import FORMATS, ImportFormatError, import_path


class Command(BaseCommand):
    help = (
        "Import documents into a project from a folder of .txt files (first line also the title), a "
        "JSONL file or a CSV file. Each file is all-or-nothing; errors are listed per line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="Project id")
        parser.add_argument(
            "path", type=Path, help="A .jsonl/.csv/.txt file or a folder of .txt files"
        )
        parser.add_argument("--format", choices=FORMATS, help="Default: from the file extension")
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            project = Project.objects.get(pk=int(options["project"]))
        except (Project.DoesNotExist, ValueError):
            raise CommandError(f"No project with id {options['project']!r}.") from None
        path: Path = options["path"]
        bar = tqdm(
            total=0,
            unit="B" if path.is_file() else "file",
            unit_scale=path.is_file(),
            disable=options["no_progress"],
            file=self.stderr._out,
        )

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            results = import_path(
                project=project, path=path, fmt=options["format"], progress=progress
            )
        except ImportFormatError as exc:
            raise CommandError(str(exc)) from None
        finally:
            bar.close()
        created = sum(r.created for r in results)
        failed = [r for r in results if not r.ok]
        for result in failed:
            self.stderr.write(
                f"{result.name}: {result.error_count} error(s), nothing imported from this file"
            )
            for error in result.errors:
                self.stderr.write(f"  line {error.line}, {error.field}: {error.message}")
            if result.error_count > len(result.errors):
                self.stderr.write(f"  ... and {result.error_count - len(result.errors)} more")
        self.stdout.write(
            f"Imported {created} document(s) into project {project.pk} from {len(results) - len(failed)} file(s)."
        )
        if failed:
            raise CommandError(f"{len(failed)} file(s) had errors and were not imported.")
