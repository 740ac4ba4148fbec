"""The shipped text model scores one posted review as the sparse-matrix formulas say."""

import numpy as np
import pytest

from candor.trust import text as tm

TEXTS = [
    "I liked the pacing and the characters felt real, though the ending dragged.",
    "Best book ever!!! Amazing amazing amazing, buy it now, you will not regret it.",
    "",  # only the markers' n-grams
    "Ça m'a plu. 日本語のレビューです。 Ünïcödé text with numbers 1234 and (brackets).",
    "The author weaves an intricate tapestry of themes. " * 30,
]


def by_the_formulas(model: tm.TextModel, texts: list[str]) -> dict[str, np.ndarray]:
    """tfidf of the head's columns of the count matrix, then the linear head (the
    training-time recipe, as `research.train_text.design` builds it)."""
    counts = tm.count_matrix(texts).tocsc()
    word, char = counts[:, : tm.BLOCK_SIZE], counts[:, tm.BLOCK_SIZE :]
    style = tm.style_matrix(texts)
    out = {}
    for name, head in model.heads.items():
        xw = tm.tfidf(word[:, head.word_columns], head.word_df, head.n_docs)
        xc = tm.tfidf(char[:, head.char_columns], head.char_df, head.n_docs)
        z = (style - head.style_mean) / head.style_scale * tm.STYLE_WEIGHT
        out[name] = np.asarray(
            xw @ head.coef_word + xc @ head.coef_char + z @ head.coef_style + head.intercept
        )
    return out


@pytest.mark.parametrize("batch", [1, len(TEXTS)])
def test_decisions_equal_the_tfidf_formulas_one_text_or_many(batch: int) -> None:
    model = tm.TextModel.load()
    texts, _ = tm.clean_texts(TEXTS)
    for start in range(0, len(texts), batch):
        chunk = texts[start : start + batch]
        fast, reference = model.decisions(chunk), by_the_formulas(model, chunk)
        for name in model.heads:
            # the scoring table holds the weights as float32
            np.testing.assert_allclose(fast[name], reference[name], rtol=1e-5, atol=1e-5)
