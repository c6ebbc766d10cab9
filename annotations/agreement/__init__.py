"""Inter-annotator agreement for span annotation: pure functions over plain records.

Imports nothing from Django, DRF or Celery (numpy and scipy only), so it runs in a web request,
a Celery task or a notebook alike. Each module's docstring states its definitions exactly as
implemented:

* ``records``      input dataclasses (``SpanRecord``, ``DocumentAnnotations``)
* ``statistic``    ``Statistic``: a value, or ``None`` with the reason it is undefined
* ``alpha``        Krippendorff's alpha from coincidence matrices (nominal, interval)
* ``segments``     character-level label-set values per segment, pairwise contingency tables
* ``unitizing``    Krippendorff's unitizing alpha (2004)
* ``span_match``   exact/overlap span matching, pairwise F1, verification-status clusters
* ``kappa``        Cohen's and Fleiss' kappa
* ``bootstrap``    percentile bootstrap of the project alpha over documents
* ``intermediate`` ``document_intermediate``: one document's additive, JSON-storable sums
* ``project``      ``ProjectAccumulator`` (add/remove/merge/JSON) and ``project_report``;
  its helpers ``report`` (JSON sections), ``document_rows`` (per-document numbers for the
  bootstrap and ranking) and ``matrices`` (growable matrices, sparse JSON form)

Typical use::

    item = document_intermediate(DocumentAnnotations(...))   # per document, store item.to_json()
    report = project_report(DocumentIntermediate.from_json(j) for j in stored)
"""

from annotations.agreement.alpha import (
    alpha_from_coincidence,
    coincidence_from_counts,
    coincidence_from_units,
    krippendorff_alpha,
)
from annotations.agreement.intermediate import DocumentIntermediate, document_intermediate
from annotations.agreement.kappa import cohen_kappa, fleiss_kappa, fleiss_kappa_from_coincidence
from annotations.agreement.project import OutdatedLayout, ProjectAccumulator, project_report
from annotations.agreement.records import DocumentAnnotations, SpanRecord
from annotations.agreement.statistic import Statistic
from annotations.agreement.unitizing import document_unitizing_alpha

__all__ = [
    "DocumentAnnotations",
    "DocumentIntermediate",
    "OutdatedLayout",
    "ProjectAccumulator",
    "SpanRecord",
    "Statistic",
    "alpha_from_coincidence",
    "coincidence_from_counts",
    "coincidence_from_units",
    "cohen_kappa",
    "document_intermediate",
    "document_unitizing_alpha",
    "fleiss_kappa",
    "fleiss_kappa_from_coincidence",
    "krippendorff_alpha",
    "project_report",
]
