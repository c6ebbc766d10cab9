from annotations.clusters import ClusterSpan, cluster_spans

CLAIM, DENIAL = 1, 2


def span(span_id, annotator, label, start, end):
    return ClusterSpan(span_id, annotator, label, start, end)


def test_identical_spans_of_all_annotators_are_unanimous():
    [cluster] = cluster_spans(
        [span(1, 10, CLAIM, 0, 5), span(2, 11, CLAIM, 0, 5), span(3, 12, CLAIM, 0, 5)], 3
    )
    assert cluster.kind == "unanimous"
    assert cluster.proposal == (0, 5)
    assert cluster.span_ids == (1, 2, 3)


def test_two_of_three_same_boundaries_is_majority():
    [cluster] = cluster_spans(
        [span(1, 10, CLAIM, 0, 5), span(2, 11, CLAIM, 0, 5), span(3, 12, CLAIM, 2, 9)], 3
    )
    assert cluster.kind == "majority"
    assert cluster.proposal == (0, 5)
    assert (cluster.start, cluster.end) == (0, 9)


def test_all_marked_but_boundaries_split_is_disputed():
    [cluster] = cluster_spans(
        [span(1, 10, CLAIM, 0, 5), span(2, 11, CLAIM, 1, 5), span(3, 12, CLAIM, 2, 6)], 3
    )
    assert cluster.kind == "disputed"
    assert cluster.proposal == (0, 5)  # ties: earliest start


def test_one_of_three_marked_is_disputed_even_alone():
    [cluster] = cluster_spans([span(1, 10, CLAIM, 0, 5)], 3)
    assert cluster.kind == "disputed"


def test_labels_never_share_a_cluster_and_touching_spans_do_not_overlap():
    clusters = cluster_spans(
        [
            span(1, 10, CLAIM, 0, 5),
            span(2, 11, DENIAL, 0, 5),
            span(3, 10, CLAIM, 5, 8),
            span(4, 11, CLAIM, 5, 8),
        ],
        2,
    )
    summary = [(c.label, c.start, c.end, c.kind) for c in clusters]
    assert summary == [
        (CLAIM, 0, 5, "disputed"),
        (DENIAL, 0, 5, "disputed"),
        (CLAIM, 5, 8, "unanimous"),
    ]


def test_chain_of_overlaps_forms_one_cluster():
    [cluster] = cluster_spans(
        [span(1, 10, CLAIM, 0, 4), span(2, 11, CLAIM, 3, 8), span(3, 12, CLAIM, 7, 12)], 3
    )
    assert (cluster.start, cluster.end) == (0, 12)
    assert len(cluster.spans) == 3


def test_duplicate_versions_of_one_annotator_vote_once():
    clusters = cluster_spans([span(1, 10, CLAIM, 0, 5), span(2, 10, CLAIM, 0, 5)], 2)
    assert [c.kind for c in clusters] == ["disputed"]
