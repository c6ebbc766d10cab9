"""Raw SQL per database vendor for migrations (Django's loader skips modules starting with '_')."""


def run(schema_editor, postgresql: str, sqlite: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    statements = [postgresql] if vendor == "postgresql" else sqlite if vendor == "sqlite" else []
    # A raw cursor without parameters: PL/pgSQL bodies contain '%' placeholders of their own.
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            if statement.strip():
                cursor.execute(statement)
