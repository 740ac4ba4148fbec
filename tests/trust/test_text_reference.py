"""The text model's vectorised features equal a plain, text-by-text spelling of them.

`candor.trust.text` computes every n-gram hash, count and style rate with numpy over a
whole batch at once. Here the same definitions are written the obvious way (regular
expressions, string slices, Python sums) and compared on random texts full of the awkward
cases: whitespace runs, apostrophes, accents, capitals, digits, emoji, a lone surrogate.
"""

import math
import random
import re
from collections import Counter

import numpy as np
import pytest

from candor.trust import text as tm

MASK = (1 << 64) - 1
ALPHABET = (
    list("abcdefghijklmnopqrstuvwxyz") * 6
    + list("ABCDEFGHIJKLMNOPQRSTUVWXYZ") * 2
    + list("0123456789")
    + list(".,!?;:()\"'-_/&") * 2
    + [" "] * 40
    + ["\n", "\t", "  ", "\u00a0", "\u2028", "\r\n"]
    + list("éÜßİǅñøçà")
    + ["日", "本", "語", "😀", "👍🏽", "\ud800", "\x02", "\x03", "Ⅻ", "²"]
)
WORDS = ["I", "we", "you're", "don't", "best", "the", "it", "Never", "honest", "BEST", "X"]


def random_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = ["", "a", " ", "word " * 3, "it's it's it's it's", "A.B a.B! c?D"]
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(0, 80)):
            if rng.random() < 0.3:
                parts.append(rng.choice(WORDS) + rng.choice([" ", ". ", ", ", "! "]))
            else:
                parts.append(rng.choice(ALPHABET))
        texts.append("".join(parts))
    texts.append("x" * (len(tm.R) + 20) + " and a very long word before it")
    return texts


def chars_hash(s: str) -> int:
    last = len(tm.R) - 1
    return sum((ord(c) + 1) * int(tm.R[min(k, last)]) for k, c in enumerate(s)) & MASK


def reference_counts(text: str) -> Counter[int]:
    """Bucket -> count: word 1-3-grams (tokens: \\w+ or one other non-space character)
    and char 1-5-grams of the marked text, runs of 2+ whitespace characters read as " "."""
    marked = f"{tm.START} {text} {tm.END}"
    shift = 64 - tm.HASH_BITS
    counts: Counter[int] = Counter()
    tokens = [chars_hash(t) for t in re.findall(r"\w+|[^\w\s]", marked)]
    for n in range(tm.WORD_NGRAMS[0], tm.WORD_NGRAMS[1] + 1):
        for i in range(len(tokens) - n + 1):
            gram = sum(h * int(tm.Q[j]) for j, h in enumerate(tokens[i : i + n])) & MASK
            counts[gram >> shift] += 1
    collapsed = re.sub(r"\s\s+", " ", marked)
    for n in range(tm.CHAR_NGRAMS[0], tm.CHAR_NGRAMS[1] + 1):
        for i in range(len(collapsed) - n + 1):
            counts[tm.BLOCK_SIZE + (chars_hash(collapsed[i : i + n]) >> shift)] += 1
    return counts


def lower(word: str) -> str:
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in word)


def style_words(text: str) -> list[str]:
    """Runs of letters, joined across an apostrophe that has a letter on both sides."""
    words, current = [], ""
    for i, ch in enumerate(text):
        joins = ch == "'" and current and i + 1 < len(text) and text[i + 1].isalpha()
        if ch.isalpha() or joins:
            current += ch
        elif current:
            words.append(current)
            current = ""
    return [*words, current] if current else words


def reference_style(text: str) -> list[float]:
    words = style_words(text)
    low = [lower(w) for w in words]
    n = max(1, len(words))
    chars = max(1, len(text))
    sentences = [s for s in re.split(r"[.!?]+", text) if s.strip()]
    trigrams = list(zip(low, low[1:], low[2:], strict=False))
    rates = [
        math.log1p(len(text)),
        math.log1p(len(words)),
        sum(map(len, words)) / n,
        len(words) / max(1, len(sentences)),
        len(set(low)) / n,
    ]
    rates += [sum(w in s for w in low) / n for s in tm.WORD_SETS[:-1]]
    rates += [
        sum(len(w) > 4 and w.endswith("est") for w in low) / n,
        sum(w in tm.WORD_SETS[-1] for w in low) / n,
        text.count("!") / n,
        text.count("?") / n,
        text.count(",") / n,
        sum(c.isdigit() for c in text) / chars,
        sum(c.isupper() for c in text) / chars,
        sum(
            len(w) > 1 and not any(c.islower() for c in w) and any(c.isupper() for c in w)
            for w in words
        )
        / n,
        float(text.rstrip()[-1:] in set(tm.ENDINGS) if text.strip() else 0.0),
        len(re.findall(r"[a-z][.!?][A-Z]", text)) / n,
        (1.0 - len(set(trigrams)) / len(trigrams)) if trigrams else 0.0,
        text.count("\n") / n,
        sum(text[i] == " " == text[i - 1] for i in range(1, len(text))) / n,
        text.count("(") / n,
        text.count('"') / n,
    ]
    return rates


def reference_decision(model: tm.TextModel, head: tm.Head, text: str) -> float:
    """Sublinear tf x idf, l2-normalised per block, times the head's coefficients."""
    counts = reference_counts(text)
    total = 0.0
    for offset, columns, df, coef in (
        (0, head.word_columns, head.word_df, head.coef_word),
        (tm.BLOCK_SIZE, head.char_columns, head.char_df, head.coef_char),
    ):
        kept = {int(c) + offset: i for i, c in enumerate(columns)}
        idf = np.log((1 + head.n_docs) / (1 + df)) + 1
        values = [
            ((1 + math.log(c)) * idf[kept[b]], coef[kept[b]])
            for b, c in counts.items()
            if b in kept
        ]
        norm = math.sqrt(sum(v * v for v, _ in values))
        total += sum(v * w for v, w in values) / norm if norm else 0.0
    style = np.array(reference_style(text))
    z = (style - head.style_mean) / head.style_scale * tm.STYLE_WEIGHT
    return total + float(z @ head.coef_style) + head.intercept


@pytest.mark.parametrize("seed", [1, 2])
def test_counts_equal_the_plain_definition(seed: int) -> None:
    texts = random_texts(150, seed)
    matrix = tm.count_matrix(texts)
    for i, text in enumerate(texts):
        row = matrix.getrow(i)
        fast = dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))
        assert fast == dict(reference_counts(text)), repr(text)


@pytest.mark.parametrize("seed", [1, 2])
def test_style_rates_equal_the_plain_definition(seed: int) -> None:
    texts = random_texts(150, seed)
    fast = tm.style_matrix(texts)
    for i, text in enumerate(texts):
        np.testing.assert_allclose(fast[i], reference_style(text), rtol=1e-12, err_msg=repr(text))


def test_decisions_equal_the_plain_definition_whatever_the_batch() -> None:
    model = tm.TextModel.load()
    texts = [*random_texts(60, 3), "I loved every page of this book and read it twice."]
    together = model.decisions(texts)
    for i, text in enumerate(texts):
        alone = model.decisions([text])
        for name, head in model.heads.items():
            expected = reference_decision(model, head, text)
            # the scoring table holds float32 weights
            assert together[name][i] == pytest.approx(expected, rel=1e-5, abs=1e-5)
            assert alone[name][0] == pytest.approx(together[name][i], rel=1e-9, abs=1e-9)


def test_streams_longer_than_one_key_space_are_split() -> None:
    texts = random_texts(40, 4)
    many = texts * (tm.MAX_STREAM // len(texts) + 2)
    assert len(many) > tm.MAX_STREAM
    once, repeated = tm.count_matrix(texts), tm.count_matrix(many)
    for k in range(0, len(many), len(texts)):
        assert (repeated[k : k + len(texts)] != once).nnz == 0
    with pytest.raises(ValueError, match="at most"):
        tm.ngram_keys(tm.Stream.of(many))
