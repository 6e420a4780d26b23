"""The soak run's own counting (bench/soak.py): what it calls lost, duplicated, delivered and an error."""

from collections import Counter

from bench.soak import delivered_share, duplicates, error_rate, lost, percentile


def test_lost_names_each_acknowledged_reference_missing_from_the_database():
    acknowledged = {"PL-A": "k1", "PL-B": "k2", "PL-C": "k3"}
    assert lost(acknowledged, ["PL-A", "PL-C", "PL-Z"]) == ["PL-B"]
    assert lost(acknowledged, iter(["PL-C", "PL-B", "PL-A"])) == []


def test_duplicates_are_identities_seen_more_than_once():
    rows = [(1, "k1"), (1, "k2"), (2, "k1"), (1, "k1"), (1, "k1")]
    assert duplicates(rows) == {(1, "k1"): 3}
    assert duplicates([(7, 8, "quality"), (7, 9, "quality")]) == {}


def test_delivered_share_counts_due_keys_seen_at_least_once():
    seen = Counter({"a": 2, "b": 1, "stray": 1})
    assert delivered_share(["a", "b", "c", "a"], seen) == (2, 3, ["c"])
    assert delivered_share([], seen) == (0, 0, [])


def test_error_rate_counts_5xx_and_connection_errors_not_4xx():
    assert error_rate(Counter({"2xx": 90, "4xx": 5, "5xx": 3, "conn": 2})) == 0.05
    assert error_rate(Counter()) == 0.0


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([3.0, 1.0, 2.0], 1.0) == 3.0
    assert percentile([5.0], 0.01) == 5.0
    assert percentile([], 0.5) == 0.0
