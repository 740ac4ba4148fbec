"""Near-duplicate clusters: synthetic campaigns, stock phrases, datasketch agreement, the
Amazon fashion sample, bad input and throughput."""

import gzip
import itertools
import json
import os
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from candor.trust import duplicates as du
from candor.trust.table import Reviews

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("CANDOR_SHARED_DATA", REPO.parent / "shared" / "data"))
FASHION = SHARED / "amazon_mcauley_small_samples" / "AMAZON_FASHION_5.json.gz"

WORDS = (
    "the a story plot book author character ending chapter writing page reader series "
    "novel world dialogue pace slow fast love hate enjoy finish start middle twist voice "
    "history family war city night summer winter friend mother father child secret "
    "letter house road river sea island mountain garden kitchen school teacher doctor "
    "detective murder mystery romance dragon magic king queen ship train war peace "
    "beautiful boring brilliant clumsy clever dark funny gentle honest odd quiet sharp "
    "strange sweet tender warm wild wise young old new long short deep"
)
VOCABULARY = tuple(WORDS.split())

TEMPLATES = (
    "This is by far the best book I have read this year. The characters feel real, the "
    "plot never lets go, and the ending made me cry. Highly recommend it to everyone who "
    "loves a good story. Five stars without a doubt!",
    "Terrible book, a total waste of money. The author clearly did no research at all and "
    "the dialogue is wooden from the first page to the last. Do not buy this, save your "
    "money for something better. One star is too many.",
    "I received this book from the publisher and I was blown away. Every chapter is a joy "
    "to read and the writing is simply wonderful. A true masterpiece that belongs on every "
    "shelf. Buy it now, you will not regret it!",
)


def make_reviews(texts: list[object], reviewers: list[int] | None = None) -> Reviews:
    n = len(texts)
    return Reviews.from_columns(
        review_id=[f"r{i}" for i in range(n)],
        product_id=[i % 7 for i in range(n)],
        reviewer_id=list(range(n)) if reviewers is None else reviewers,
        rating=[5] * n,
        time=[0] * n,
        text=texts,  # type: ignore[arg-type]
    )


def unrelated(rng: np.random.Generator, n: int) -> list[str]:
    words = np.array(VOCABULARY)
    return [
        " ".join(rng.choice(words, int(rng.integers(20, 60)))).capitalize() + "." for _ in range(n)
    ]


def edit(rng: np.random.Generator, text: str, substitutions: int) -> str:
    """Small edits: word substitutions, plus case and punctuation noise."""
    words = text.split()
    for _ in range(substitutions):
        words[int(rng.integers(len(words)))] = str(rng.choice(VOCABULARY))
    out = " ".join(words)
    if rng.random() < 0.5:
        out = out.upper()
    return out.replace(",", "" if rng.random() < 0.5 else ",,")


def test_templates_with_small_edits_cluster_and_unrelated_do_not() -> None:
    rng = np.random.default_rng(0)
    texts: list[object] = unrelated(rng, 600)
    campaign: dict[int, list[int]] = defaultdict(list)
    for t, template in enumerate(TEMPLATES):
        for k in range(14):
            campaign[t].append(len(texts))
            texts.append(edit(rng, template, substitutions=k % 3))  # 0-2 word swaps
    order = rng.permutation(len(texts))  # campaigns are spread through the corpus
    texts = [texts[i] for i in order]
    where = np.argsort(order)
    out = du.duplicate_signal(make_reviews(texts))
    size = out.features["dup_cluster_size"]
    labels, _ = du.clusters(texts)
    for members in campaign.values():
        rows = where[members]
        assert len(set(labels[rows])) == 1  # one cluster per template
        assert np.all(size[rows] == 14)
        assert np.all(out.flags["near_duplicate"][rows])
        assert np.all(out.numbers["near_duplicate"][rows] == 14)
        assert np.all(out.features["dup_distinct_reviewers"][rows] == 14)
    others = np.setdiff1d(np.arange(len(texts)), where[[m for ms in campaign.values() for m in ms]])
    assert np.all(size[others] == 1)
    assert not out.flags["near_duplicate"][others].any()
    assert len(set(labels[where[campaign[0]]]) & set(labels[where[campaign[1]]])) == 0


def test_stock_phrases_are_not_a_campaign() -> None:
    short = ["Great book!", "great book", "Great book!!", "Loved it, highly recommend."] * 25
    out = du.duplicate_signal(make_reviews(list(short)))
    assert np.all(out.features["dup_cluster_size"] == 1)
    assert not out.flags["near_duplicate"].any() and not out.flags["repeated_text"].any()


def test_one_account_repeating_itself_is_not_a_campaign() -> None:
    text = TEMPLATES[0]
    texts: list[object] = [text, text, text.lower(), "Nice.", "Nice.", TEMPLATES[1]]
    out = du.duplicate_signal(make_reviews(texts, reviewers=[5, 5, 5, 5, 5, 6]))
    assert out.flags["repeated_text"].tolist() == [True, True, True, True, True, False]
    assert out.numbers["repeated_text"].tolist() == [3, 3, 3, 2, 2, 0]
    assert not out.flags["near_duplicate"].any()
    assert out.features["dup_distinct_reviewers"].tolist() == [1, 1, 1, 1, 1, 1]


def test_bad_input_and_no_text() -> None:
    rng = np.random.default_rng(1)
    big = " ".join(rng.choice(VOCABULARY, 200_000))  # > 1 MB
    texts: list[object] = [
        None,
        "",
        42,
        "???!!!",
        "日本語のレビューです。とても面白い本でした。",
        "Отличная книга, читается на одном дыхании, всем советую",
        "Отличная книга, читается на одном дыхании, всем советую!!",
        "\ud800 broken surrogate in a review with enough words",
        big,
        big + " and a different ending",
    ]
    out = du.duplicate_signal(make_reviews(texts))
    assert out.features["dup_cluster_size"].tolist() == [1, 1, 1, 1, 1, 2, 2, 1, 2, 2]
    empty = du.duplicate_signal(make_reviews([]))
    assert empty.features["dup_cluster_size"].shape == (0,)
    none = du.duplicate_signal(
        Reviews.from_columns(["a", "b"], [1, 1], [1, 2], [5, 5], [0, 0], text=None)
    )
    assert np.all(none.features["dup_cluster_size"] == 0)
    assert not none.flags["near_duplicate"].any()


def test_batch_normalisation_matches_reference() -> None:
    texts: list[object] = [
        "  Hello,   WORLD__foo_bar!! ",
        "Straße ﬁne \uff21\uff22\uff23",
        "İstanbul çok güzel",
        "a_b c",
        None,
        "",
        "x",
    ]
    ascii_only = [t for t in texts if not isinstance(t, str) or t.isascii()]
    ascii_only.append("Long ASCII " * (du.MAX_CHARS // 5))  # cut at MAX_CHARS
    # an all-ASCII batch is lowercased in one call, any other text by text: both checked
    for batch in (texts, ascii_only):
        points, lengths, words = du.prepare(batch)
        ends = np.cumsum(lengths)
        for i, text in enumerate(batch):
            got = "".join(map(chr, points[ends[i] - lengths[i] : ends[i]].tolist()))
            assert got == du.normalize(text)
            assert words[i] == len(got.split())


def test_signatures_are_datasketch_minhashes() -> None:
    rng = np.random.default_rng(2)
    texts = [*unrelated(rng, 30), edit(rng, TEMPLATES[0], 2), TEMPLATES[0]]
    points, lengths, _ = du.prepare(texts)
    sig = du.signatures(points, lengths)
    for i, text in enumerate(texts):
        assert np.array_equal(sig[i], du.to_minhash(text).hashvalues)

    # the estimate tracks exact Jaccard of the char 5-gram sets
    def shingles(t: str) -> set[str]:
        n = du.normalize(t)
        return {n[k : k + du.SHINGLE] for k in range(len(n) - du.SHINGLE + 1)}

    errors = []
    for k in range(60):
        base = TEMPLATES[k % 3]
        other = edit(rng, base, int(rng.integers(0, 12)))
        a, b = shingles(base), shingles(other)
        exact = len(a & b) / len(a | b)
        p, ln, _ = du.prepare([base, other])
        s = du.signatures(p, ln, num_perm=256)
        errors.append((s[0] == s[1]).mean() - exact)
    assert abs(np.mean(errors)) < 0.03 and np.std(errors) < 0.06


def test_lsh_params_keep_recall_at_the_threshold() -> None:
    bands, rows = du.lsh_params(0.8, 64)
    assert (bands, rows) == (16, 4)
    assert 1 - (1 - 0.8**rows) ** bands >= du.MIN_CANDIDATE_PROBABILITY


@pytest.mark.skipif(not FASHION.is_file(), reason="shared data not available")
def test_amazon_fashion_variants() -> None:
    with gzip.open(FASHION, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    texts = [r.get("reviewText") for r in rows]
    reviews = Reviews.from_columns(
        [str(i) for i in range(len(rows))],
        [r["asin"] for r in rows],
        [r["reviewerID"] for r in rows],
        [int(r.get("overall") or 1) for r in rows],
        [r["unixReviewTime"] for r in rows],
        text=texts,
    )
    out = du.duplicate_signal(reviews)
    # the 2018 dump repeats one account's review across product variants: every group of
    # rows with the same account and the same (normalised) text is one cluster
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    for i, text in enumerate(texts):
        if du.normalize(text):
            groups[(int(reviews.reviewer[i]), du.normalize(text))].append(i)
    repeated = [g for g in groups.values() if len(g) > 1]
    assert sum(len(g) - 1 for g in repeated) >= 2_700  # README: 2,728 duplicate rows
    for g in repeated:
        assert np.all(out.flags["repeated_text"][g])
        assert np.all(out.features["dup_cluster_size"][g] >= len(g))
    # those are artefacts, not campaigns: no cluster spans two accounts in this sample
    assert not out.flags["near_duplicate"].any()
    assert np.all(out.features["dup_distinct_reviewers"] == 1)


def test_exact_jaccard_matches_python_sets() -> None:
    rng = np.random.default_rng(4)
    texts: list[object] = [edit(rng, TEMPLATES[k % 3], k % 7) for k in range(40)]
    sets = du.ShingleSets(texts, np.arange(len(texts)))
    i = rng.integers(0, 40, 200)
    j = rng.integers(0, 40, 200)
    got = np.concatenate([sets.jaccard(i[:50], j[:50]), sets.jaccard(i[50:], j[50:])])

    def shingles(t: object) -> set[str]:
        n = du.normalize(t)
        return {n[k : k + du.SHINGLE] for k in range(len(n) - du.SHINGLE + 1)}

    want = [
        len(shingles(texts[a]) & shingles(texts[b])) / len(shingles(texts[a]) | shingles(texts[b]))
        for a, b in zip(i, j, strict=True)
    ]
    np.testing.assert_allclose(got, want, atol=1e-9)


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.integers(-(2**62), 2**62), max_size=50), small=st.booleans())
def test_distinct_and_groups_are_numpys_unique(values: list[int], small: bool) -> None:
    """The sort-based stand-ins for np.unique (whose hashing is far slower on many distinct
    64-bit keys) give what it gives: sorted values, first index and inverse."""
    x = np.array([v % 5 if small else v for v in values], dtype=np.int64)
    assert np.array_equal(du.distinct(x), np.unique(x))
    unique, first, inverse = du.groups(x)
    expected = np.unique(x, return_index=True, return_inverse=True)
    for got, want in zip((unique, first, inverse), expected, strict=True):
        assert np.array_equal(got, want.ravel())


def partition(labels: np.ndarray) -> list[int]:
    """Labels renamed by first appearance: equal lists, equal partitions."""
    first: dict[int, int] = {}
    return [first.setdefault(int(label), len(first)) for label in labels]


def pieces_clusters(texts: list[object], cuts: list[int]) -> np.ndarray:
    """`clusters` rebuilt from its parts as the engine runs them (candor.pipeline.
    per_cluster): signatures per batch of rows (cut at ``cuts``), one representative per
    signature key (its first text), `band_pairs` over the representatives in key order,
    `accepted` on every candidate pair, connected components by union-find."""
    bounds = [0, *sorted({c % (len(texts) + 1) for c in cuts}), len(texts)]
    parts = [du.corpus_signatures(texts[a:b]) for a, b in itertools.pairwise(bounds)]
    sig = np.concatenate([p[0] for p in parts])
    index = np.flatnonzero(np.concatenate([p[1] for p in parts]))
    _, first, rep_of = np.unique(du.row_keys(sig), return_index=True, return_inverse=True)
    reps = sig[first]
    bands, rows = du.lsh_params(du.THRESHOLD, du.NUM_PERM)
    found = {
        pair for band in range(bands) for pair in zip(*du.band_pairs(reps, band, rows), strict=True)
    }
    i, j = (np.array([pair[end] for pair in found], dtype=np.int64) for end in (0, 1))
    text_of = [texts[k] for k in index[first]]
    edge = du.accepted(reps[i], reps[j], ([text_of[k] for k in i], [text_of[k] for k in j]))
    root = list(range(len(reps)))

    def find(x: int) -> int:
        while root[x] != x:
            x = root[x]
        return x

    for a, b in zip(i[edge].tolist(), j[edge].tolist(), strict=True):
        root[find(a)] = find(b)
    labels = np.arange(len(texts))
    labels[index] = [len(texts) + find(r) for r in rep_of.ravel().tolist()]
    return labels


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    edits=st.lists(st.integers(0, 9), min_size=2, max_size=40),
    cuts=st.lists(st.integers(0, 100), max_size=4),
)
def test_clusters_are_the_components_of_accepted_candidate_pairs(
    seed: int, edits: list[int], cuts: list[int]
) -> None:
    """`clusters` checks only the pairs that would still join two clusters, in rounds,
    yet gives what checking every candidate pair gives, however the rows are batched:
    texts edited from a few templates, some from the text before (chains), near the
    threshold and far from it, with repeats, stock phrases and missing texts."""
    rng = np.random.default_rng(seed)
    templates = unrelated(rng, 3)
    texts: list[object] = []
    for k, count in enumerate(edits):
        base = texts[-1] if count % 2 and texts and isinstance(texts[-1], str) else None
        base = base or templates[k % len(templates)]
        texts.append(edit(rng, str(base), count))
        if count == 9:
            texts[-1] = rng.choice([None, "Great book!", "great great great great great great"])
    assert partition(pieces_clusters(texts, cuts)) == partition(du.clusters(texts)[0])
