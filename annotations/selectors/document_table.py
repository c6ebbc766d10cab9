"""The documents table: one read for every list of a project's documents that is searched,
filtered, sorted and paged (the manager's documents table, the documents API; by design also the
adjudication queue and an annotator's own list), and the rows of one page.

``document_table`` returns a light queryset: the documents in scope, filtered and ordered, with no
per-row figures, so that counting it and skipping to page 1,000 stay cheap.
``document_table_rows`` then reads what the table shows for the documents of one page in one
query; ``document_table_page`` does both.

**Scope.** Managers and reviewers see every document of the project and every assignment and span
on it. An annotator sees the documents assigned to them, and "the work" of a document is theirs
alone: their own assignment, and the spans they may read (``selectors.spans.span_list``: their
own in a blind project). The states, counts and filters below are computed over that scope, so
an annotator learns nothing of the others' work from them that the rest of the app hides.

**States** (``state``), from the assignments in scope, skipped ones ignored:

* ``unassigned``: no assignment that is not skipped (nobody has it, or everyone who had it
  skipped it);
* ``open``: at least one assignment assigned or in progress (work outstanding);
* ``complete``: at least one assignment submitted and none assigned or in progress.

Every document is in exactly one of them. Adjudication is apart (``adjudicated``): a document is
adjudicated when its adjudication is closed (``AdjudicationState.ADJUDICATED``), whatever its
state; "ready to adjudicate" is ``state=complete`` with ``adjudicated=False``. ``submitted``
keeps the documents with (or without) a submission in scope, whatever else is open: the
adjudication queue's documents are ``submitted=True``, lowest agreement first
(``ordering="agreement"``).

**Search** (PostgreSQL): ``websearch_to_tsquery`` over the title and text (quoted phrases,
``or``, ``-word``; the ``english`` configuration, so "ministers" finds "minister") against
``Document.search_vector`` (GIN index ``document_search``). Documents whose vector is still
pending (added a moment ago: ``services.search_index``) are matched by a plain case-insensitive
scan of the same terms, so they are never missed. A search is read by id from the text index
first (``text_matches``); one that matches more than ``SEARCH_ID_LIMIT`` documents is counted up
to ``SEARCH_COUNT_LIMIT`` ("more than 5,000"). On SQLite every document is matched by the plain
scan and counted.

**Filters**: states, annotator, submissions, adjudication and agreement are correlated
``EXISTS`` tests, which PostgreSQL runs as semi- and anti-joins over one pass of the related
table; a label or status is read first as the set of documents that have one (spans and gold
spans), and such sets and a search's ids are intersected before the query, which takes them as
one array; ``batch`` is a column of the document (the import job that created it).
``agreement_below`` keeps documents whose own character-level alpha is known and below the
number (documents without a figure are left out); it and ``annotator`` are reviewers' filters (a
``ValueError`` for other roles: the API refuses them with a 400 first, ``REVIEWER_FILTERS``).

**Why not plain ORM here** (each measured by ``bench/documents_table.py`` at 100,000
documents): testing ``@@`` on a row reads its vector out of TOAST, which PostgreSQL's planner does
not count, so a search is read from the GIN bitmap by hand (``text_matches``); ORed ``EXISTS``
and ``UNION`` subqueries got estimates that spoiled the plans of the filters combined with them,
so the span filters are read as id sets; and lists of ids go to PostgreSQL as one array parameter.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.postgres.search import SearchQuery
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextChoices,
)
from django.db.models.functions import Coalesce

from annotations.models import (
    OPEN_ASSIGNMENT_STATES,
    AdjudicationState,
    Assignment,
    AssignmentState,
    Document,
    DocumentAdjudication,
    DocumentAgreement,
    GoldSpan,
    Job,
    JobKind,
    Label,
    Membership,
    Span,
    VerificationStatus,
)
from annotations.permissions import can_review
from annotations.selectors.access import ProjectAccess

User = AbstractBaseUser | AnonymousUser

# The text search configuration, and what a document's vector holds: its title and text. Defined
# once: the fill (services.search_index) writes this expression and the search below reads it.
SEARCH_CONFIG = "english"
SEARCH_VECTOR_SQL = (
    f"to_tsvector('{SEARCH_CONFIG}', coalesce(title, '') || ' ' || coalesce(text, ''))"
)
SEARCH_MAX_LENGTH = 200


class DocumentState(TextChoices):
    UNASSIGNED = "unassigned", "Unassigned"
    OPEN = "open", "Open"
    COMPLETE = "complete", "Complete"


# Sort keys and what each sorts by; "-key" sorts descending. Ties are broken by id, in the same
# direction, so every order is total and paging never shows a row twice.
ORDERINGS = ("id", "title", "created", "published", "agreement", "spans")
ORDERING_CHOICES = tuple(f"{sign}{key}" for key in ORDERINGS for sign in ("", "-"))
DEFAULT_ORDERING = "id"

# Filters that read the other annotators' work: managers and reviewers only.
REVIEWER_FILTERS = ("annotator", "agreement_below")

PAGE_SIZES = (25, 50, 100)


# --- the query -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentTableQuery:
    """What a request asks of the table (the API's query parameters, the page's GET form); its
    fields are ``document_table``'s keyword arguments. Parsing belongs to the callers; what the
    values must name is checked here (``document_table_query_problems``)."""

    search: str = ""
    state: str | None = None
    annotator: int | None = None
    label: int | None = None
    status: int | None = None
    adjudicated: bool | None = None
    submitted: bool | None = None
    agreement_below: float | None = None
    batch: uuid.UUID | None = None
    ordering: str = DEFAULT_ORDERING

    def as_kwargs(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_kwargs(cls, values: dict[str, Any]) -> DocumentTableQuery:
        """From a serializer's or a form's cleaned data (absent and empty values are defaults)."""
        known = {
            name: value
            for name, value in values.items()
            if name in cls.__dataclass_fields__ and value is not None and value != ""
        }
        return cls(**known)


def document_table_query_problems(
    access: ProjectAccess, query: DocumentTableQuery
) -> dict[str, str]:
    """What is wrong with ``query`` for this user, by parameter (empty when nothing is): a
    reviewers' filter asked by another role, or an id that names nothing in the project (a label,
    status, member or import of another project is no filter: it is a mistake, said as one). At
    most one small query per id given."""
    problems: dict[str, str] = {}
    if not can_review(access):
        for name in REVIEWER_FILTERS:
            if getattr(query, name) is not None:
                problems[name] = "Only managers and reviewers filter documents by this."
    project = access.project
    if (
        query.label is not None
        and not Label.objects.filter(project=project, pk=query.label).exists()
    ):
        problems["label"] = "No such label in this project."
    if (
        query.status is not None
        and not VerificationStatus.objects.filter(project=project, pk=query.status).exists()
    ):
        problems["status"] = "No such verification status in this project."
    if (
        "annotator" not in problems
        and query.annotator is not None
        and not Membership.objects.filter(project=project, user_id=query.annotator).exists()
    ):
        problems["annotator"] = "Not a member of this project."
    if (
        query.batch is not None
        and not Job.objects.filter(project=project, kind=JobKind.IMPORT, pk=query.batch).exists()
    ):
        problems["batch"] = "No such import in this project."
    if query.state is not None and query.state not in DocumentState.values:
        problems["state"] = f"Use one of {', '.join(DocumentState.values)}."
    if query.ordering not in ORDERING_CHOICES:
        problems["ordering"] = f"Use one of {', '.join(ORDERING_CHOICES)}."
    if len(query.search) > SEARCH_MAX_LENGTH:
        problems["search"] = f"At most {SEARCH_MAX_LENGTH} characters."
    return problems


# --- scope ---------------------------------------------------------------------------------------


def _assignments_in_scope(access: ProjectAccess, user: User) -> QuerySet[Assignment]:
    """The assignments of the outer document that the table counts for this user."""
    assignments = Assignment.objects.filter(document=OuterRef("pk"))
    if not can_review(access):
        assignments = assignments.filter(annotator=user)
    return assignments


def _spans_in_scope(access: ProjectAccess, user: User) -> QuerySet[Span]:
    """The spans of the outer document that the user may read (``selectors.spans.span_list``: an
    annotator's documents are all assigned to them, so in a project that is not blind they read
    every span of them, in a blind one their own)."""
    spans = Span.objects.filter(document=OuterRef("pk"))
    if not can_review(access) and access.project.blind:
        spans = spans.filter(annotator=user)
    return spans


# --- search --------------------------------------------------------------------------------------

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def plain_search_terms(search: str) -> list[list[tuple[str, bool]]]:
    """The terms of a web-style search for a plain scan, as ``websearch_to_tsquery`` reads them:
    groups joined by AND, each group a list of alternatives joined by ``or``, each alternative a
    word or quoted phrase and whether it is negated (``-word``)."""
    groups: list[list[tuple[str, bool]]] = []
    join_next = False
    for match in _TOKEN.finditer(search):
        if match.group(3) is not None:
            word = match.group(3)
            if word.lower() == "or" and groups:
                join_next = True
                continue
            negated = word.startswith("-") and len(word) > 1
            term = (word[1:] if negated else word).strip("\"'")
        else:
            negated = match.group(1) == "-"
            term = " ".join(match.group(2).split())
        if not term:
            continue
        if join_next:
            groups[-1].append((term, negated))
            join_next = False
        else:
            groups.append([(term, negated)])
    return groups


def _plain_match(search: str) -> Q:
    match = Q()
    for group in plain_search_terms(search):
        alternatives = Q()
        for term, negated in group:
            found = Q(title__icontains=term) | Q(text__icontains=term)
            alternatives |= ~found if negated else found
        match &= alternatives
    return match


def _search(qs: QuerySet[Document], search: str, project_id: int) -> QuerySet[Document]:
    search = search.strip()
    if not search:
        return qs
    plain = _plain_match(search)
    if connection.vendor != "postgresql":
        return qs.filter(plain)
    query = SearchQuery(search, config=SEARCH_CONFIG, search_type="websearch")
    # The documents still waiting for their vector are few (an import of a moment ago), found
    # through the partial index document_search_pending and matched plainly here, by id: the
    # search stays one indexable condition. (An OR with the plain scan made PostgreSQL test every
    # row of the project, ~500 ms at 100,000 documents.)
    pending = list(
        Document.objects.filter(project_id=project_id, search_vector__isnull=True)
        .filter(plain)
        .values_list("id", flat=True)
    )
    found = Q(search_vector=query)
    return qs.filter(found | _id_in(pending) if pending else found)


# --- the table -----------------------------------------------------------------------------------


def _state_filter(state: str, assignments: QuerySet[Assignment]) -> Q:
    """``assignments``: the project's assignments in the user's scope. Correlated EXISTS tests,
    which PostgreSQL runs as semi- and anti-joins over one pass of the assignments each, with
    estimates good enough to combine them with the other filters (a grouped subquery was
    estimated at 150 documents and sent the planner into nested loops)."""
    of_document = assignments.filter(document_id=OuterRef("pk"))
    open_ = Q(Exists(of_document.filter(state__in=OPEN_ASSIGNMENT_STATES)))
    if state == DocumentState.OPEN:
        return open_
    if state == DocumentState.COMPLETE:
        return Q(Exists(of_document.filter(state=AssignmentState.SUBMITTED))) & ~open_
    if state == DocumentState.UNASSIGNED:
        return ~Q(Exists(of_document.exclude(state=AssignmentState.SKIPPED)))
    raise ValueError(f"Unknown document state {state!r}; use one of {DocumentState.values}.")


class _IdAmong(Func):
    """``id = ANY('{...}'::bigint[])``: a list of ids as one parameter, the array's text
    (PostgreSQL). As an ``IN`` list, psycopg quoted 12,000 ids one by one in 70 ms, twice per
    page (the count, the page); through ``ArrayField`` Django prepared each id in 35 ms."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, ids: Sequence[int]) -> None:
        super().__init__(F("pk"))
        self.array = "{" + ",".join(str(int(pk)) for pk in ids) + "}"

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        column, params = compiler.compile(self.source_expressions[0])
        return f"{column} = ANY(%s::bigint[])", (*params, self.array)


def _id_in(ids: Sequence[int]) -> Q:
    """The documents among ``ids``, however many (SQLite: an ``IN`` list, which stays short there:
    only the spans' filters make one, and SQLite has no array)."""
    if connection.vendor == "postgresql":
        return Q(_IdAmong(ids))
    return Q(pk__in=list(ids))


def _documents_with(
    spans: QuerySet[Span], gold: QuerySet[GoldSpan] | None, **match: int
) -> set[int] | QuerySet[Any]:
    """Documents with a span (or a gold span) matching ``match``. On PostgreSQL the set of their
    ids, read first (the distinct documents of an index scan of each table): as one SQL
    condition, two EXISTS joined by OR were tested document by document, and a UNION was
    estimated at 200 documents whatever it held, which spoiled the plan of every filter combined
    with it; a list has a size the planner knows. Elsewhere, a subquery."""
    ids = spans.filter(**match).order_by().values("document_id")
    if connection.vendor != "postgresql":
        if gold is not None:
            ids = ids.union(gold.filter(**match).order_by().values("document_id"))
        return ids
    found = set(ids.distinct().values_list("document_id", flat=True))
    if gold is not None:
        found.update(gold.filter(**match).order_by().values_list("document_id", flat=True))
    return found


def _ordering(qs: QuerySet[Document], ordering: str, access: ProjectAccess, user: User) -> Any:
    descending = ordering.startswith("-")
    key = ordering.lstrip("-")
    if key not in ORDERINGS:
        raise ValueError(f"Unknown ordering {ordering!r}; use one of {ORDERING_CHOICES}.")
    tie = F("id").desc() if descending else F("id").asc()
    if key == "id":
        return qs.order_by(tie)
    if key == "agreement":
        # The stored per-document alpha (a LEFT JOIN on the one-to-one row, not a subquery per
        # document); documents without a figure last either way.
        qs = qs.annotate(_alpha=F("agreement__alpha"))
        expression = F("_alpha")
    elif key == "spans":
        counted = _spans_in_scope(access, user).order_by().values("document")
        counted = counted.annotate(n=Count("pk")).values("n")
        qs = qs.annotate(_spans=Coalesce(Subquery(counted, output_field=IntegerField()), 0))
        expression = F("_spans")
    else:
        expression = F(
            {"title": "title", "created": "created_at", "published": "published_at"}[key]
        )
    primary = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
    return qs.order_by(primary, tie)


def document_table(
    access: ProjectAccess,
    user: User,
    *,
    search: str = "",
    state: str | None = None,
    annotator: int | None = None,
    label: int | None = None,
    status: int | None = None,
    adjudicated: bool | None = None,
    submitted: bool | None = None,
    agreement_below: float | None = None,
    batch: uuid.UUID | str | None = None,
    ordering: str = DEFAULT_ORDERING,
) -> QuerySet[Document]:
    """The documents in the user's scope that match, in ``ordering``, with no per-row figures
    (see the module docstring for every parameter). Ids of labels, statuses, annotators and
    batches from another project match nothing. A search reads the ids of the documents whose
    vector is pending now, when it is called. To count and page it, or to read every id of a
    search, use ``document_table_page`` / ``DocumentTableIds`` / ``document_table_all_ids``,
    which steer PostgreSQL to the full-text index where it matters."""
    query = DocumentTableQuery(
        search=search,
        state=state,
        annotator=annotator,
        label=label,
        status=status,
        adjudicated=adjudicated,
        submitted=submitted,
        agreement_below=agreement_below,
        batch=uuid.UUID(str(batch)) if batch is not None else None,
        ordering=ordering,
    )
    return _document_table(access, user, query)


def _document_table(
    access: ProjectAccess,
    user: User,
    query: DocumentTableQuery,
    *,
    matched_ids: list[int] | None = None,
) -> QuerySet[Document]:
    """``document_table``. ``matched_ids``: the documents the search matches, read beforehand
    from the text index (``text_matches``); the search is then this list of ids."""
    search, state, annotator = query.search, query.state, query.annotator
    label, status = query.label, query.status
    adjudicated, submitted = query.adjudicated, query.submitted
    agreement_below, batch, ordering = query.agreement_below, query.batch, query.ordering
    reviews = can_review(access)
    if not reviews:
        refused = [
            name
            for name, value in (("annotator", annotator), ("agreement_below", agreement_below))
            if value is not None
        ]
        if refused:
            raise ValueError(f"Only reviewers filter documents by {', '.join(refused)}.")
    project = access.project
    qs = Document.objects.filter(project=project)
    assignments = Assignment.objects.filter(project=project)
    # No project here: a label or status is the project's, and the documents found are
    # intersected with the project's anyway (one of another project finds none of them).
    spans = Span.objects.all()
    gold: QuerySet[GoldSpan] | None = GoldSpan.objects.all()
    if not reviews:
        assignments = assignments.filter(annotator=user)
        qs = qs.filter(pk__in=assignments.values("document_id"))
        gold = None  # an annotator's filters read their own work only
        if project.blind:
            spans = spans.filter(annotator=user)
    # The filters read as sets of ids (a search read from the text index, spans by label or
    # status) are intersected here: as several arrays in one query, PostgreSQL chose to scan
    # every document against them (60 ms) where one array is an index probe per id.
    among: set[int] | None = None if matched_ids is None else set(matched_ids)
    if matched_ids is None:
        qs = _search(qs, search, project.pk)
    for field, value in (("label_id", label), ("status_id", status)):
        if value is None:
            continue
        found = _documents_with(spans, gold, **{field: value})
        if isinstance(found, set):
            among = found if among is None else among & found
        else:
            qs = qs.filter(pk__in=found)
    if among is not None:
        qs = qs.filter(_id_in(sorted(among)))
    if state:
        qs = qs.filter(_state_filter(state, assignments))
    if annotator is not None:
        qs = qs.filter(
            Exists(assignments.filter(document_id=OuterRef("pk"), annotator_id=annotator))
        )
    if adjudicated is not None:
        closed = Exists(
            DocumentAdjudication.objects.filter(
                document=OuterRef("pk"), state=AdjudicationState.ADJUDICATED
            )
        )
        qs = qs.filter(closed if adjudicated else ~Q(closed))
    if submitted is not None:
        handed_in = Q(
            Exists(assignments.filter(document_id=OuterRef("pk"), state=AssignmentState.SUBMITTED))
        )
        qs = qs.filter(handed_in if submitted else ~handed_in)
    if agreement_below is not None:
        qs = qs.filter(
            Exists(
                DocumentAgreement.objects.filter(document=OuterRef("pk"), alpha__lt=agreement_below)
            )
        )
    if batch is not None:
        qs = qs.filter(import_job_id=batch)
    return _ordering(qs, ordering, access, user)


def document_table_ids(queryset: QuerySet[Document]) -> QuerySet[Any]:
    """The ids of ``document_table``'s documents, in its order ("select all N matching")."""
    return queryset.values_list("id", flat=True)


# A search that matches up to this many documents is read by id from the text index first
# (``text_matches``); one that matches more is left to the planner and counted up to
# SEARCH_COUNT_LIMIT: "more than 5,000" says enough to refine it or to act on every match.
SEARCH_ID_LIMIT = 5_000
SEARCH_COUNT_LIMIT = 5_000
ALL_MATCHES = 10**9


@contextmanager
def _bitmap_scans() -> Iterator[None]:
    """Run the block's queries with PostgreSQL's sequential and plain index scans off, so that a
    full-text condition is answered by the GIN index's bitmap (see ``text_matches``). For one
    simple query only: in a join it would spoil every other choice of the planner. The settings
    are the transaction's and are put back at the end of the block, also inside a caller's
    transaction."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan')"
        )
        before = cursor.fetchone()
        cursor.execute(
            "SELECT set_config('enable_seqscan', 'off', true), "
            "set_config('enable_indexscan', 'off', true)"
        )
        yield
        # On an error the block's savepoint is rolled back instead, which undoes the settings too
        # (a statement here would fail in the aborted transaction and hide the error).
        cursor.execute(
            "SELECT set_config('enable_seqscan', %s, true), "
            "set_config('enable_indexscan', %s, true)",
            before,
        )


def text_matches(project_id: int, search: str, *, limit: int | None = None) -> list[int] | None:
    """The ids of the project's documents that ``search`` matches (pending ones included), read
    from the GIN index alone; ``None`` when there are more than ``limit``.

    Why by hand: testing ``@@`` on a row reads its vector out of TOAST (~25 us: four buffer
    reads and a decompression), which the planner does not know, while the GIN bitmap needs no
    test for plain words. Left to itself it counted a word found in 96 % of 100,000 documents by
    testing each (500 ms), walked the id index testing every row to fill a page of 3 matches of a
    word it had no statistics for (350 ms), and, combining a search with filters, tested the
    vectors of every document the filters kept. Here the bitmap reads the matches only
    (``project_id + 0``: the project is tested on each match rather than looked up in its own
    index, which the planner preferred, testing ``@@`` on all the project's documents); the
    table's queries then take the ids as a list (bench/documents_table.py)."""
    limit = SEARCH_ID_LIMIT if limit is None else limit
    plain = _plain_match(search)
    query = SearchQuery(search, config=SEARCH_CONFIG, search_type="websearch")
    pending = Document.objects.filter(project_id=project_id, search_vector__isnull=True).filter(
        plain
    )
    with _bitmap_scans():
        found = list(
            Document.objects.alias(_in_project=F("project_id") + 0)
            .filter(_in_project=project_id, search_vector=query)
            .order_by()  # any order: the first matches the bitmap yields are enough
            .values_list("id", flat=True)[: limit + 1]
        )
        if len(found) <= limit:
            found += pending.values_list("id", flat=True)
    return found if len(found) <= limit else None


@dataclass(frozen=True, slots=True)
class DocumentCount:
    value: int  # the number of documents matching, or SEARCH_COUNT_LIMIT when ``capped``
    capped: bool  # a search with more matches than SEARCH_COUNT_LIMIT


class DocumentTableIds:
    """The ids of the documents a ``DocumentTableQuery`` matches, in its order, for a paginator
    (Django's or DRF's): ``count()`` and slices, each a query that reads no per-row figure
    however deep the page.

    A search (PostgreSQL) is first read by id from the text index (``text_matches``); when it
    matches more than ``SEARCH_ID_LIMIT`` documents the planner has it (the matches are dense:
    walking the id index finds a page at once) and the count stops at ``SEARCH_COUNT_LIMIT``
    (``total.capped``). Everything else is counted exactly."""

    def __init__(self, access: ProjectAccess, user: User, query: DocumentTableQuery) -> None:
        self.access, self.user, self.query = access, user, query
        self._matched: list[int] | None = None
        self._many = False
        if query.search.strip() and connection.vendor == "postgresql":
            self._matched = text_matches(access.project.pk, query.search)
            self._many = self._matched is None
        self.ids = document_table_ids(
            _document_table(access, user, query, matched_ids=self._matched)
        )
        self._count: DocumentCount | None = None

    @property
    def total(self) -> DocumentCount:
        if self._count is None:
            ids = self.ids.order_by()
            filtered = any(
                value is not None
                for name, value in self.query.as_kwargs().items()
                if name not in ("search", "ordering")
            )
            everything = can_review(self.access) and not filtered
            if self._many and everything and SEARCH_COUNT_LIMIT <= SEARCH_ID_LIMIT:
                # More than SEARCH_ID_LIMIT matches and nothing else to narrow them.
                self._count = DocumentCount(value=SEARCH_COUNT_LIMIT, capped=True)
            elif self._many:
                found = ids[: SEARCH_COUNT_LIMIT + 1].count()
                self._count = DocumentCount(
                    value=min(found, SEARCH_COUNT_LIMIT), capped=found > SEARCH_COUNT_LIMIT
                )
            else:
                self._count = DocumentCount(value=ids.count(), capped=False)
        return self._count

    def count(self) -> int:
        return self.total.value

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[int]:
        return list(self.ids[index])


def document_table_all_ids(
    access: ProjectAccess, user: User, query: DocumentTableQuery
) -> list[int]:
    """Every id the query matches, in id order ("select all N matching": a bulk action). A
    search's matches are all read from the text index, however many (see ``text_matches``)."""
    query = DocumentTableQuery(**{**query.as_kwargs(), "ordering": "id"})
    matched = None
    if query.search.strip() and connection.vendor == "postgresql":
        matched = text_matches(access.project.pk, query.search, limit=ALL_MATCHES)
    return list(document_table_ids(_document_table(access, user, query, matched_ids=matched)))


# --- rows ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentRow:
    """One row of the table: what it shows of one document."""

    id: int
    title: str
    created_at: Any
    published_at: Any
    source_url: str
    metadata: dict[str, Any]
    import_job_id: uuid.UUID | None
    state: str
    assigned: int  # assignments in scope that are not skipped
    submitted: int
    spans: int  # spans in scope
    agreement: float | None  # the document's character-level alpha; None for annotators
    agreement_reason: str  # why it is None, when it is known
    agreement_stale: bool  # an input changed since it was computed
    adjudicated: bool
    assignment_state: str | None  # the user's own assignment of the document, if any


def _count(assignments: QuerySet[Any]) -> Coalesce:
    counted = assignments.order_by().values("document").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def document_table_rows(
    access: ProjectAccess, user: User, document_ids: Sequence[int]
) -> list[DocumentRow]:
    """The rows of these documents (one page), in the order of ``document_ids``: one query, each
    figure a correlated subquery over an index that starts with the document. Ids outside the
    user's scope are left out."""
    if not document_ids:
        return []
    reviews = can_review(access)
    assignments = _assignments_in_scope(access, user)
    agreement = DocumentAgreement.objects.filter(document=OuterRef("pk"))
    own = Assignment.objects.filter(document=OuterRef("pk"), annotator=user).values("state")[:1]
    qs = Document.objects.filter(project=access.project, pk__in=list(document_ids))
    if not reviews:
        qs = qs.filter(Exists(assignments))
    values = qs.annotate(
        n_open=_count(assignments.filter(state__in=OPEN_ASSIGNMENT_STATES)),
        n_assigned=_count(assignments.exclude(state=AssignmentState.SKIPPED)),
        n_submitted=_count(assignments.filter(state=AssignmentState.SUBMITTED)),
        n_spans=_count(_spans_in_scope(access, user)),
        alpha=Subquery(agreement.values("alpha")[:1], output_field=FloatField()),
        alpha_reason=Subquery(agreement.values("alpha_reason")[:1]),
        alpha_dirty=Subquery(agreement.values("dirty")[:1], output_field=BooleanField()),
        closed=Exists(
            DocumentAdjudication.objects.filter(
                document=OuterRef("pk"), state=AdjudicationState.ADJUDICATED
            )
        ),
        own_state=Subquery(own),
    ).values(
        "id",
        "title",
        "created_at",
        "published_at",
        "source_url",
        "metadata",
        "import_job_id",
        "n_open",
        "n_assigned",
        "n_submitted",
        "n_spans",
        "alpha",
        "alpha_reason",
        "alpha_dirty",
        "closed",
        "own_state",
    )
    found = {}
    for row in values:
        if row["n_open"]:
            state = DocumentState.OPEN
        elif row["n_submitted"]:
            state = DocumentState.COMPLETE
        else:
            state = DocumentState.UNASSIGNED
        found[row["id"]] = DocumentRow(
            id=row["id"],
            title=row["title"],
            created_at=row["created_at"],
            published_at=row["published_at"],
            source_url=row["source_url"],
            metadata=row["metadata"],
            import_job_id=row["import_job_id"],
            state=state,
            assigned=row["n_assigned"],
            submitted=row["n_submitted"],
            spans=row["n_spans"],
            agreement=row["alpha"] if reviews else None,
            agreement_reason=(row["alpha_reason"] or "") if reviews else "",
            agreement_stale=bool(row["alpha_dirty"]) if reviews else False,
            adjudicated=row["closed"],
            assignment_state=row["own_state"],
        )
    return [found[pk] for pk in document_ids if pk in found]


@dataclass(frozen=True, slots=True)
class DocumentTablePage:
    rows: list[DocumentRow]
    number: int  # 1-based; the last page when the number asked for is past it
    size: int
    count: int  # documents matching, on every page (at most SEARCH_COUNT_LIMIT for a search)
    count_capped: bool  # a search matched more than ``count``
    num_pages: int


def document_table_page(
    access: ProjectAccess, user: User, query: DocumentTableQuery, *, page: int, size: int
) -> DocumentTablePage:
    """One page of the documents ``query`` matches: the count, the ids of the page and their
    rows (three queries, four with a search: the pending documents)."""
    ids = DocumentTableIds(access, user, query)
    paginator = Paginator(ids, size)  # type: ignore[arg-type]
    current = paginator.get_page(page)
    return DocumentTablePage(
        rows=document_table_rows(access, user, list(current.object_list)),
        number=current.number,
        size=size,
        count=paginator.count,
        count_capped=ids.total.capped,
        num_pages=paginator.num_pages,
    )


# --- choices for the filters ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportBatch:
    id: uuid.UUID
    created_at: Any
    name: str  # the imported file names
    created: int | None  # documents the job created, when it says
    state: str


def import_batches(access: ProjectAccess, *, limit: int = 200) -> list[ImportBatch]:
    """The project's imports, newest first: the batches the table filters by."""
    jobs = (
        Job.objects.filter(project=access.project, kind=JobKind.IMPORT)
        .order_by("-created_at")
        .values_list("id", "created_at", "params", "result", "state")[:limit]
    )
    batches = []
    for pk, created_at, params, result, state in jobs:
        params, result = params or {}, result or {}
        names = [f.get("name", "") for f in params.get("files", [])] or [params.get("name", "")]
        created = result.get("created", result.get("documents"))
        batches.append(
            ImportBatch(
                id=pk,
                created_at=created_at,
                name=", ".join(n for n in names if n) or "import",
                created=created if isinstance(created, int) else None,
                state=state,
            )
        )
    return batches


def document_table_choices(access: ProjectAccess) -> dict[str, Any]:
    """The choices of the table's filters: members, labels, statuses, import batches."""
    project = access.project
    members = [
        (user_id, f"{username} ({role})")
        for user_id, username, role in Membership.objects.filter(project=project)
        .order_by("user__username")
        .values_list("user_id", "user__username", "role")
    ]
    labels = [
        (pk, f"{name} (retired)" if retired else name)
        for pk, name, retired in Label.objects.filter(project=project).values_list(
            "id", "name", "retired"
        )
    ]
    statuses = [
        (pk, f"{name} (retired)" if retired else name)
        for pk, name, retired in VerificationStatus.objects.filter(project=project).values_list(
            "id", "name", "retired"
        )
    ]
    return {
        "members": members,
        "labels": labels,
        "statuses": statuses,
        "batches": import_batches(access),
    }
