"""Bad input through the one entry point, `analyse`, with every signal: empty texts,
scripts other than Latin, 1 MB texts and identical timestamps crash nothing, and a text
cut for analysis is always flagged ``text_truncated``."""

import numpy as np
import pytest

from candor.trust import duplicates, text
from candor.trust.score import ALL_SIGNALS, analyse
from candor.trust.table import Reviews

MEGABYTE = 1_000_000

SCRIPTS = (
    "这本书的故事非常感人\uff0c我一口气读完了\uff0c强烈推荐给所有喜欢历史小说的朋友们\u3002",
    "この本はとても面白かったです\u3002登場人物が生き生きとしていて、最後まで一気に読みました\u3002",
    "كتاب رائع جدا، استمتعت بكل صفحة فيه وأنصح الجميع بقراءته دون تردد على الإطلاق",
    "Очень хорошая книга, читается на одном дыхании, рекомендую всем любителям детективов.",
    "שפה עברית: ספר נפלא, קראתי אותו בלילה אחד ואני ממליץ עליו לכל מי שאוהב מתח.",
    "हिन्दी में: यह किताब बहुत अच्छी है, मैंने इसे एक ही बार में पढ़ लिया और सबको सुझाऊँगा।",
    "Ελληνικά: υπέροχο βιβλίο με ζωντανούς χαρακτήρες και ένα τέλος που δεν περίμενα καθόλου.",
    "e\u0301\u0301\u0301 zalgo t\u0336e\u0336x\u0336t\u0336 \u200b\u200d\ufeff"
    " 🙂📚🔥 \ud800 \U0001f468\u200d\U0001f469\u200d\U0001f467",
)


def table(texts: list[str], seconds: np.ndarray | None = None) -> Reviews:
    n = len(texts)
    rng = np.random.default_rng(0)
    return Reviews(
        review_id=[f"r{i}" for i in range(n)],
        product=rng.integers(0, 3, n),
        reviewer=np.arange(n, dtype=np.int64),
        rating=rng.integers(1, 6, n),
        time=np.full(n, 1_700_000_000, np.int64)
        if seconds is None
        else np.asarray(seconds, np.int64),
        verified=np.zeros(n, bool),
        helpful=np.zeros(n, np.int64),
        text=texts,
    )


def check(result_len: int, trust: np.ndarray) -> None:
    assert trust.shape == (result_len,)
    assert np.isfinite(trust).all() and ((trust >= 0) & (trust <= 1)).all()


def test_empty_and_whitespace_texts_score_and_give_reasons() -> None:
    texts = ["", " ", "\n\t", "", "Great.", ""]
    result = analyse(table(texts), ALL_SIGNALS)
    check(len(texts), result.trust)
    assert set(result.signals) == set(ALL_SIGNALS)
    for i in range(len(texts)):
        assert isinstance(result.reasons(i), list)
    assert result.truncated is not None and not result.truncated.any()


def test_non_latin_scripts_do_not_crash_any_signal() -> None:
    texts = [*SCRIPTS, *SCRIPTS]  # each twice, by different accounts
    result = analyse(table(texts), ALL_SIGNALS)
    check(len(texts), result.trust)
    for i in range(len(texts)):
        for code, sentence in result.reasons(i):
            assert code and sentence


def test_a_megabyte_text_is_analysed_on_its_beginning_and_flagged() -> None:
    huge = ("A long and winding review of a very long book indeed. " * 20_000)[:MEGABYTE]
    huge_other = "数" * MEGABYTE
    texts = ["A short ordinary review of a decent novel.", huge, huge_other, huge]
    result = analyse(table(texts), ALL_SIGNALS)
    check(len(texts), result.trust)
    assert result.truncated is not None
    assert result.truncated.tolist() == [False, True, True, True]
    assert result.merged.numbers["text_truncated"][1] == text.MAX_CHARS
    # the two identical megabyte texts by two accounts are still compared (on their
    # start): one is the original, the other its copy
    assert result.merged.flags["copied_text"][[1, 3]].sum() == 1


@pytest.mark.parametrize("signals", [("duplicates",), ("text",), ALL_SIGNALS])
def test_truncation_is_flagged_whichever_text_signal_ran(signals: tuple[str, ...]) -> None:
    assert duplicates.MAX_CHARS == text.MAX_CHARS  # one limit, one note
    texts = ["x" * (text.MAX_CHARS + 1), "y" * text.MAX_CHARS, "an ordinary review text here"]
    result = analyse(table(texts), signals)
    assert result.truncated is not None
    assert result.truncated.tolist() == [True, False, False]


def test_identical_timestamps_everywhere() -> None:
    rng = np.random.default_rng(1)
    n = 300
    texts = [f"review number {i} of a book I liked well enough to finish" for i in range(n)]
    reviews = Reviews(
        review_id=[str(i) for i in range(n)],
        product=rng.integers(0, 5, n),
        reviewer=rng.integers(0, 40, n),
        rating=rng.integers(1, 6, n),
        time=np.zeros(n, np.int64),  # every review at the epoch, the same second
        verified=np.zeros(n, bool),
        helpful=np.zeros(n, np.int64),
        text=texts,
    )
    result = analyse(reviews, ALL_SIGNALS)
    check(n, result.trust)
    assert all(np.isfinite(v).all() for v in result.merged.numbers.values())


def test_none_entries_in_text_count_as_empty() -> None:
    texts: list = [None, "A real review with enough words to score it.", None]
    result = analyse(table(texts), ALL_SIGNALS)
    check(3, result.trust)
