"""Off-topic text: a cookbook review pasted onto a novel is flagged; genuine reviews, short
texts, reviews in another language and tables without texts are not."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from candor.trust import relevance as rel
from candor.trust.relevance import CODE, FACTOR, OFF_TOPIC_FACTOR, SIMILARITY, relevance
from candor.trust.table import SECONDS_PER_DAY, Reviews

FRAMES = (
    "I loved how the {a} and the {b} come together in the last chapters.",
    "The author writes about the {a} with real feeling, and the {b} stayed with me.",
    "Some readers will find the {a} slow, but the {b} more than makes up for it.",
    "What a story: the {a}, the {b}, and an ending I did not see coming.",
    "My book club argued for an hour about the {a} and whether the {b} was fair.",
    "The {a} felt a little rushed to me, though the {b} is beautifully written.",
    "I keep thinking about the {a}; the {b} is the best part of the novel.",
)

BOOKS = {
    "lighthouse": (
        "lighthouse keeper",
        "storm off the Cornish coast",
        "letters from Elena",
        "drowned fishing boat",
        "keeper's daughter",
        "lamp room at night",
        "wreck of the Mariner",
        "island village",
    ),
    "war": (
        "trenches at Verdun",
        "young medic Tomas",
        "field hospital",
        "letters home to Lyon",
        "gas attack",
        "armistice in November",
        "brother lost at the front",
        "ration of bread",
    ),
    "space": (
        "generation ship",
        "captain Okafor",
        "mutiny in the engine deck",
        "frozen colonists",
        "signal from Kepler",
        "failing reactor",
        "hydroponic gardens",
        "ship's artificial mind",
    ),
    "detective": (
        "inspector Marlowe",
        "murdered banker",
        "fog over the Thames",
        "missing ledger",
        "train to Brighton",
        "widow's alibi",
        "locked study",
        "forged will",
    ),
}

COOKBOOK_REVIEW = (
    "These recipes are simple and reliable. The sourdough loaf rose beautifully on the "
    "first try, the lemon roast chicken is now our Sunday dinner, and the chapter on "
    "soups and stocks taught me to stop wasting vegetable scraps. Clear measurements in "
    "grams and cups, lovely photographs of every dish, and the baking times are accurate "
    "for a normal oven. The spiced lentil stew and the almond cake are family favourites."
)

GENERIC_REVIEW = (
    "I bought this for a long weekend away and could not put it down. The writing is "
    "lovely, the pace is right, and I was sad when the story ended. I will read "
    "everything this author writes from now on, and I have already lent my copy to a "
    "friend from my book club."
)


def genuine(rng: np.random.Generator, topics: tuple[str, ...], sentences: int = 4) -> str:
    parts = []
    for _ in range(sentences):
        a, b = rng.choice(len(topics), 2, replace=False)
        frame = FRAMES[int(rng.integers(len(FRAMES)))]
        parts.append(frame.format(a=topics[int(a)], b=topics[int(b)]))
    return " ".join(parts)


def corpus(
    rng: np.random.Generator, per_book: int = 12, extra: list[tuple[int, str | None]] = ()
) -> tuple[list[str | None], list[int]]:
    """Genuine reviews of every book in BOOKS (book codes in order), then ``extra``
    (book code, text) rows."""
    texts: list[str | None] = []
    product: list[int] = []
    for code, topics in enumerate(BOOKS.values()):
        for _ in range(per_book):
            texts.append(genuine(rng, topics))
            product.append(code)
    for code, text in extra:
        texts.append(text)
        product.append(code)
    return texts, product


def table(texts: list[str | None] | None, product: list[int]) -> Reviews:
    n = len(product)
    return Reviews(
        review_id=[f"r{i}" for i in range(n)],
        product=np.asarray(product, np.int64),
        reviewer=np.arange(n, dtype=np.int64),
        rating=np.full(n, 4, np.int64),
        time=1_600_000_000 + np.arange(n, dtype=np.int64) * SECONDS_PER_DAY,
        verified=np.zeros(n, bool),
        helpful=np.zeros(n, np.int64),
        text=texts,  # type: ignore[arg-type]
    )


def test_a_cookbook_review_pasted_onto_a_novel_is_off_topic() -> None:
    rng = np.random.default_rng(1)
    texts, product = corpus(rng, extra=[(0, COOKBOOK_REVIEW)])
    out = relevance(table(texts, product))
    factor, flag = out.features[FACTOR], out.flags[CODE]
    assert flag[-1] and factor[-1] == OFF_TOPIC_FACTOR
    assert out.features[SIMILARITY][-1] < rel.MAX_SIMILARITY
    assert out.numbers[CODE][-1] == np.round(100 * out.features[SIMILARITY][-1])
    assert not flag[:-1].any() and (factor[:-1] == 1.0).all()


def test_genuine_reviews_are_not_flagged_even_generic_ones() -> None:
    rng = np.random.default_rng(2)
    texts, product = corpus(rng, extra=[(0, GENERIC_REVIEW), (2, GENERIC_REVIEW + " Wow.")])
    out = relevance(table(texts, product))
    assert not out.flags[CODE].any()
    assert (out.features[FACTOR] == 1.0).all()
    assert (out.features[SIMILARITY] > 0.1).mean() > 0.9


def test_short_texts_are_never_flagged() -> None:
    rng = np.random.default_rng(3)
    short = "Great recipes, the sourdough loaf and lemon chicken are wonderful."
    texts, product = corpus(rng, extra=[(0, short), (1, short), (3, "Fast delivery, thanks")])
    out = relevance(table(texts, product))
    assert not out.flags[CODE].any()


def test_too_few_other_reviews_and_no_product_text_is_not_judged() -> None:
    rng = np.random.default_rng(4)
    texts, product = corpus(rng, per_book=4, extra=[(0, COOKBOOK_REVIEW)])
    out = relevance(table(texts, product))
    assert not out.flags[CODE].any()


def test_a_product_text_is_enough_to_judge_a_book_with_few_reviews() -> None:
    rng = np.random.default_rng(5)
    texts, product = corpus(rng, per_book=3, extra=[(0, COOKBOOK_REVIEW)])
    about = [
        "A lighthouse keeper and his daughter on a Cornish island; a storm, a wreck and "
        f"letters from Elena. {genuine(rng, BOOKS['lighthouse'], 2)}",
        "",
        "",
        "",
    ]
    out = relevance(table(texts, product), product_texts=about)
    flag = out.flags[CODE]
    assert flag[-1]
    assert not flag[:-1].any()


def test_a_review_in_another_language_is_not_off_topic() -> None:
    rng = np.random.default_rng(6)
    spanish = (
        "Una novela preciosa sobre un farero y su hija en una isla. La tormenta del "
        "capitulo final me tuvo despierta toda la noche, y las cartas de Elena son lo "
        "mejor del libro. Muy recomendable para leer en vacaciones junto al mar."
    )
    texts, product = corpus(rng, extra=[(0, spanish)])
    assert rel.english_share(spanish) < rel.MIN_ENGLISH_SHARE
    assert rel.english_share(COOKBOOK_REVIEW) >= rel.MIN_ENGLISH_SHARE
    assert not relevance(table(texts, product)).flags[CODE].any()


def test_reviews_without_text_get_factor_one_everywhere() -> None:
    rng = np.random.default_rng(7)
    texts, product = corpus(rng, extra=[(0, COOKBOOK_REVIEW)])
    out = relevance(table(None, product))
    assert (out.features[FACTOR] == 1.0).all() and not out.flags[CODE].any()
    assert len(relevance(table(None, [])).features[FACTOR]) == 0
    texts[3] = None  # a missing text in a column: no similarity, factor 1
    texts[5] = ""
    out = relevance(table(texts, product))
    assert out.features[FACTOR][3] == 1.0 and np.isnan(out.features[SIMILARITY][3])
    assert out.features[FACTOR][5] == 1.0 and out.flags[CODE][-1]


def test_leave_one_out_similarity_matches_a_direct_computation() -> None:
    rng = np.random.default_rng(8)
    dense = rng.random((9, 6)) * (rng.random((9, 6)) < 0.5)
    dense /= np.maximum(np.linalg.norm(dense, axis=1, keepdims=True), 1e-12)
    product = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
    extra = np.zeros((3, 6))
    extra[1, 2] = 0.5
    got = rel.leave_one_out_similarity(sp.csr_matrix(dense), product, sp.csr_matrix(extra))
    for i in range(9):
        rest = dense[(product == product[i]) & (np.arange(9) != i)].sum(0) + extra[product[i]]
        norm = np.linalg.norm(dense[i]) * np.linalg.norm(rest)
        expected = dense[i] @ rest / norm if norm else np.nan
        assert got[i] == pytest.approx(expected, nan_ok=True)


def test_product_texts_must_cover_every_product() -> None:
    with pytest.raises(ValueError, match="product_texts"):
        relevance(table(["a b c", "d e f"], [0, 1]), product_texts=["only one"])


def test_group_medians_and_robust_z_match_numpy() -> None:
    rng = np.random.default_rng(9)
    values = rng.normal(size=60)
    group = rng.integers(0, 7, 60)
    got = rel.group_medians(values, group, 8)
    for g in range(7):
        assert got[g] == pytest.approx(np.median(values[group == g]))
    assert np.isnan(got[7])
    peers = rng.random(60) < 0.8
    z = rel.robust_z(values, group, peers)
    for g in range(7):
        own = values[peers & (group == g)]
        base = own if len(own) >= rel.MIN_PEERS else values[peers]
        middle = np.median(base)
        scale = max(rel.MAD_TO_SD * np.median(np.abs(base - middle)), rel.MIN_SCALE)
        assert z[group == g] == pytest.approx((values[group == g] - middle) / scale)


TRICKY_TEXTS = [
    "The Lighthouse keeper's daughter -- a STORM, a wreck; letters from Elena!",
    "It is what it is: the the the and and of",  # stop words only, and repeats
    "x_y 12 a-b 3.14 don't can't o'clock e-mail",
    "İstanbul ΣΑΣ Straße ÉCOLE café naïve façade œuvre",  # lowercasing changes a length
    # code points above 0xFFFF: emoji, mathematical bold letters and digits
    "Emoji \U0001f600 between words \U0001f600\U0001f600 and \U0001d41b\U0001d428\U0001d425"
    "\U0001d41d letters \U0001d7cf\U0001d7d0",
    "tabs\tand\nnew lines\r\nand\u00a0no-break\u2003em spaces",
    "",
    "a",
    "Ab",
    "日本語のテキスト と 中文 文本",
    "repeat repeat repeat repeat words words",
]


def reference_slot(term: str) -> int:
    """The hashed slot of one sklearn term ("token" or "token token") by the module's hash."""
    hashes = [rel._tokens([token])[0] for token in term.split(" ")]
    mixed = hashes[0] if len(hashes) == 1 else rel._mix(hashes[0] * rel._PAIR + hashes[1])
    return int(mixed[0] >> rel._TERM_SHIFT)


def test_token_hashes_are_the_polynomial_of_the_code_points() -> None:
    """Each token's hash, written out: sum(code point * BASE^k) mod 2^64, mixed; in the
    order of the texts, with the text each token is in and the texts' word counts."""
    texts = [*TRICKY_TEXTS, "ab cd", "x  y\tzz"]
    hashes, text_of, words = rel._tokens(texts)
    expected_hashes, expected_text = [], []
    for t, lowered in enumerate(original.lower() for original in texts):
        for token in rel.TOKEN.findall(lowered):
            value = sum(ord(c) * int(rel._BASE) ** k for k, c in enumerate(token)) % 2**64
            expected_hashes.append(int(rel._mix(np.array([value], np.uint64))[0]))
            expected_text.append(t)
    assert hashes.tolist() == expected_hashes
    assert text_of.tolist() == expected_text
    assert words.tolist() == [len(original.split()) for original in texts]


def test_term_counts_are_hashing_vectorizers_terms() -> None:
    from collections import Counter

    from sklearn.feature_extraction.text import HashingVectorizer  # type: ignore[import-untyped]

    analyse = HashingVectorizer(ngram_range=(1, 2), stop_words="english").build_analyzer()
    rng = np.random.default_rng(10)
    mixed = [*TRICKY_TEXTS, *(genuine(rng, topics) for topics in BOOKS.values())]
    # an all-ASCII batch is lowercased in one call, any other text by text: both checked
    for texts in (mixed, [text for text in mixed if text.isascii()]):
        counts, words = rel.term_counts(texts)
        assert counts.shape == (len(texts), rel.HASH_FEATURES)
        for i, text in enumerate(texts):
            expected = Counter(reference_slot(term) for term in analyse(text))
            row = counts[i]
            assert dict(zip(row.indices.tolist(), row.data.tolist(), strict=True)) == expected
            assert words[i] == len(text.split())


def test_term_counts_do_not_depend_on_the_chunking(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(11)
    texts = [*TRICKY_TEXTS, *(genuine(rng, BOOKS["war"]) for _ in range(30))]
    whole, whole_words = rel.term_counts(texts)
    monkeypatch.setattr(rel, "CHUNK_CHARS", 64)  # a chunk per text or two, longer texts alone
    chunked, chunked_words = rel.term_counts(texts)
    assert (whole != chunked).nnz == 0
    assert (whole_words == chunked_words).all()


def test_tfidf_is_sklearns_sublinear_tfidf() -> None:
    from sklearn.feature_extraction.text import TfidfTransformer

    rng = np.random.default_rng(12)
    texts = [genuine(rng, topics) for topics in BOOKS.values() for _ in range(3)] + ["", "x"]
    counts, _ = rel.term_counts(texts)
    expected = TfidfTransformer(sublinear_tf=True).fit_transform(counts.copy())
    got = rel.tfidf(counts.copy())
    assert abs(got - expected).max() < 1e-12
    small = sp.csr_matrix(counts[:, :200_000])  # few entries: idf of the slots present only
    assert small.nnz < small.shape[1] // 8
    expected = TfidfTransformer(sublinear_tf=True).fit_transform(small.copy())
    assert abs(rel.tfidf(small.copy()) - expected).max() < 1e-12


def test_leave_one_out_similarity_in_many_batches() -> None:
    # 2^40 columns leave room for batches of only 2^11 entries: a dozen of them here
    rng = np.random.default_rng(13)
    n, n_products, columns = 3000, 40, 1 << 40
    product = rng.integers(0, n_products, n)
    terms = rng.integers(0, 60, (n, 8)) * (columns // 60)
    rows = np.repeat(np.arange(n), 8)
    vectors = sp.csr_matrix((rng.random(8 * n), (rows, terms.ravel())), shape=(n, columns))
    vectors.sum_duplicates()
    vectors = sp.csr_matrix(vectors.multiply(1 / np.sqrt(vectors.multiply(vectors).sum(1))))
    extra = sp.csr_matrix(([0.5], ([3], [columns // 60])), shape=(n_products, columns))
    got = rel.leave_one_out_similarity(vectors, product, extra)
    _, compact = np.unique(vectors.indices, return_inverse=True)
    dense = sp.csr_matrix((vectors.data, compact, vectors.indptr)).toarray()
    centroid = np.zeros((n_products, dense.shape[1]))
    np.add.at(centroid, product, dense)
    centroid[3, 1] += 0.5  # column // 60 is the second distinct column
    rest = centroid[product] - dense
    expected = (dense * rest).sum(1) / np.linalg.norm(rest, axis=1)
    assert got == pytest.approx(expected)


def books_context(parts: list[Reviews], texts: int) -> rel.Context:
    """The corpus' context from its parts, as `candor score` assembles it on the engine:
    the parts' document frequencies summed, then the pooled median and MAD of the
    parts' scored log similarities."""
    found = [rel.document_frequency([t or "" for t in part.text or []]) for part in parts]
    slots = np.unique(np.concatenate([s for s, _ in found] + [np.zeros(0, np.int64)]))
    frequency = np.zeros(len(slots), np.int64)
    for part_slots, part_frequency in found:
        frequency[np.searchsorted(slots, part_slots)] += part_frequency
    partial = rel.Context(texts=texts, slots=slots, document_frequency=frequency, pooled=None)
    values = np.concatenate([rel.scored_log_similarity(p, partial) for p in parts])
    values = values[np.isfinite(values)]
    pooled = rel.median_and_mad(values) if len(values) else None
    return rel.Context(texts=texts, slots=slots, document_frequency=frequency, pooled=pooled)


def part_of(reviews: Reviews, rows: np.ndarray) -> Reviews:
    """The reviews ``rows`` (whole books), products renumbered densely."""
    _, product = np.unique(reviews.product[rows], return_inverse=True)
    texts = list(reviews.text or [])
    return Reviews(
        review_id=[reviews.review_id[i] for i in rows],
        product=product.astype(np.int64),
        reviewer=reviews.reviewer[rows],
        rating=reviews.rating[rows],
        time=reviews.time[rows],
        verified=reviews.verified[rows],
        helpful=reviews.helpful[rows],
        text=[texts[i] for i in rows],
    )


@settings(max_examples=25, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 9), min_size=1, max_size=len(BOOKS)),
    odd=st.lists(st.sampled_from(["cookbook", "generic", "short", "none"]), max_size=6),
    parts=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_books_with_the_corpus_context_are_the_whole_corpus(
    sizes: list[int], odd: list[str], parts: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    texts: list[str | None] = []
    product: list[int] = []
    topics = list(BOOKS.values())
    for code, size in enumerate(sizes):  # a size of 0: a book with no review
        for _ in range(size):
            texts.append(genuine(rng, topics[code], int(rng.integers(1, 6))))
            product.append(code)
    kinds = {"cookbook": COOKBOOK_REVIEW, "generic": GENERIC_REVIEW, "short": "Nice.", "none": None}
    for kind in odd:
        texts.append(kinds[kind])
        product.append(int(rng.integers(len(sizes))))
    if not product:
        return
    _, dense = np.unique(product, return_inverse=True)  # books with no review have no code
    order = rng.permutation(len(product))
    whole = table([texts[i] for i in order], dense[order].tolist())
    expected = relevance(whole)
    part = rng.integers(parts, size=whole.n_products)[whole.product]  # whole books
    pieces = [np.flatnonzero(part == k) for k in range(parts)]
    pieces = [rows for rows in pieces if len(rows)]
    books = [part_of(whole, rows) for rows in pieces]
    context = books_context(books, len(whole) + whole.n_products)
    for rows, reviews in zip(pieces, books, strict=True):
        got = relevance(reviews, context=context)
        for kind in ("features", "flags", "numbers"):
            for name, values in getattr(got, kind).items():
                np.testing.assert_array_equal(values, getattr(expected, kind)[name][rows])
