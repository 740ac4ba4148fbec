"""The trust evaluation section checks the text model against the figures issue 16 quotes."""

from bench.trust_evaluation import text_targets


def rows(positive: float, negative: float, salminen: float) -> list[dict[str, object]]:
    return [
        {"dataset": "op_spam_v1.4 positive", "value": positive},
        {"dataset": "op_spam_v1.4 negative", "value": negative},
        {"dataset": "salminen_fake_reviews_subset", "value": salminen},
        {"dataset": "YelpChi", "value": 0.5},
    ]


def test_figures_equal_to_the_quoted_ones_at_their_three_places_meet_them() -> None:
    (line,) = text_targets(rows(0.9187, 0.8945, 0.9667))
    assert line.endswith(": met.") and "0.9187 (at least 0.919)" in line


def test_a_figure_below_the_quoted_one_is_not_met() -> None:
    (line,) = text_targets(rows(0.9184, 0.8945, 0.9585))
    assert "**not met** on 2 of 3 rows" in line


def test_no_text_rows_no_line() -> None:
    assert text_targets([{"dataset": "YelpChi", "value": 0.8}]) == []
