"""Reason codes that code outside the engine names, in a module that imports nothing:
the web app's rating page needs them without loading the models (scikit-learn, scipy)."""

TRUNCATED = "text_truncated"
"""A note, not a reason: the text was analysed on its beginning only. It never lowers
trust; callers list it after the reasons so that truncation is never silent."""
TEXT_CODES = ("deceptive_text", "generated_text", TRUNCATED)
"""Codes that come from a review's own text (what `LIVE_SIGNALS` can say)."""
