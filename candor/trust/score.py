"""One entry point for trust analysis: reviews in, trust and reasons out.

Every caller goes through `analyse`: the batch pipeline (`candor score`), the web app's
batch command and its live path for a new review, the robustness benchmark and the
evaluation. Which signals run is a parameter, because what can be computed depends on
where we are: a review being posted has only its own text (`LIVE_SIGNALS`), a batch run
sees the whole corpus (`ALL_SIGNALS`). A signal that did not run says nothing against
any review (`candor.trust.combine`: each signal can only lower trust from 1), so a
partial analysis is a weaker one on the same scale.
"""

import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

from candor.trust.behaviour import behaviour
from candor.trust.bursts import EXPLAINED, bursts
from candor.trust.changepoint import long_change
from candor.trust.codes import TEXT_CODES, TRUNCATED
from candor.trust.combine import Combiner, coded_reasons, combine, feature_table
from candor.trust.copies import copied_text
from candor.trust.dense import dense_blocks
from candor.trust.duplicates import duplicate_signal
from candor.trust.live import new_account_signal
from candor.trust.lockstep import lockstep
from candor.trust.relevance import relevance
from candor.trust.table import BoolArray, FloatArray, Reviews, SignalOutput
from candor.trust.text import TextModel, text_signal

ALL_SIGNALS = (
    "new_accounts",
    "behaviour",
    "bursts",
    "lockstep",
    "dense",
    "changepoint",
    "copies",
    "relevance",
    "text",
)
"""What a batch run computes. ``duplicates`` (near-identical clusters as features) is not
in it: ``copies`` finds the same clusters and says which review came first."""
METADATA_SIGNALS = ("new_accounts", "behaviour", "bursts", "lockstep", "dense", "changepoint")
TEXT_SIGNALS = ("duplicates", "copies", "relevance", "text")
LIVE_SIGNALS = ("text",)
"""What the web app computes when a review is posted: its text alone. The signals that
need the rest of the corpus (behaviour, bursts, lockstep, duplicates) come with the next
batch run."""


Signal = Callable[[Reviews], SignalOutput]


def review_text(title: str | None, text: str | None) -> str:
    """What the text signals read: the title and the text as a reader sees them."""
    title, text = title or "", text or ""
    return f"{title}\n{text}" if title else text


def truncation_note(characters: float) -> str:
    return (
        f"text analysed on its first {characters:,.0f} characters only "
        "(a note: this does not lower trust)"
    )


@dataclass
class TrustResult:
    """Trust per review (in [0, 1]) and the merged flags and numbers behind the reasons."""

    trust: FloatArray
    merged: SignalOutput
    signals: tuple[str, ...]
    seconds: dict[str, float] = field(default_factory=dict)  # per signal, plus "combine"

    def __len__(self) -> int:
        return len(self.trust)

    def reasons(self, i: int, noun: tuple[str, str] = ("book", "books")) -> list[tuple[str, str]]:
        """``(code, sentence)`` pairs for review ``i``, most serious first."""
        return coded_reasons(self.merged, i, noun)

    def reasons_and_notes(
        self, i: int, noun: tuple[str, str] = ("book", "books")
    ) -> list[tuple[str, str]]:
        """`reasons` then the notes (``text_truncated``) for review ``i``."""
        return reasons_and_notes(self.merged, i, noun)

    @property
    def truncated(self) -> BoolArray | None:
        """Which texts were analysed on their beginning only (None: text not analysed)."""
        return self.merged.flags.get("text_truncated")


def reasons_and_notes(
    merged: SignalOutput, i: int, noun: tuple[str, str] = ("book", "books")
) -> list[tuple[str, str]]:
    """``(code, sentence)`` for review ``i``: its reasons (`coded_reasons` of the merged
    flags and numbers of `combine`), most serious first, then the notes
    (``text_truncated``)."""
    found = coded_reasons(merged, i, noun)
    truncated = merged.flags.get(TRUNCATED)
    if truncated is not None and truncated[i]:
        found.append((TRUNCATED, truncation_note(float(merged.numbers[TRUNCATED][i]))))
    return found


def _signals(text_model: TextModel | None, now: float | None) -> dict[str, Signal]:
    return {
        "new_accounts": lambda reviews: new_account_signal(reviews, now),
        "behaviour": behaviour,
        "bursts": bursts,
        "lockstep": lockstep,
        "dense": dense_blocks,
        "changepoint": long_change,
        "duplicates": duplicate_signal,
        "copies": copied_text,
        "relevance": relevance,
        "text": lambda reviews: text_signal(reviews, text_model),
    }


def ran_signals(
    signals: Sequence[str], has_text: bool, computed: Collection[str] = ()
) -> tuple[str, ...]:
    """Which of ``signals`` `analyse` runs or takes as ``computed``: the text signals it
    runs only when the reviews carry text."""
    return tuple(
        name for name in signals if has_text or name not in TEXT_SIGNALS or name in computed
    )


def signal_outputs(
    reviews: Reviews,
    signals: Sequence[str] = ALL_SIGNALS,
    *,
    text_model: TextModel | None = None,
    now: float | None = None,
    computed: Mapping[str, SignalOutput] | None = None,
    seconds: dict[str, float] | None = None,
) -> list[SignalOutput]:
    """The outputs of ``signals`` (`ran_signals` of them) over ``reviews``, in order, before
    they are combined; ``computed`` as in `analyse`; each signal's time in ``seconds``."""
    available = _signals(text_model, now)
    unknown = [name for name in signals if name not in available]
    if unknown:
        raise ValueError(f"signals: unknown {unknown}; choose from {list(ALL_SIGNALS)}")
    given = dict(computed or {})
    outputs: list[SignalOutput] = []
    for name in ran_signals(signals, reviews.text is not None, given):
        if name in given:
            outputs.append(given[name])
            continue
        started = time.perf_counter()
        if name == "dense":  # judged against a consensus without the bursts found
            explained = feature_table(outputs).get(EXPLAINED)
            outputs.append(dense_blocks(reviews, explained))
        else:
            outputs.append(available[name](reviews))
        if seconds is not None:
            seconds[name] = time.perf_counter() - started
    return outputs


def analyse(
    reviews: Reviews,
    signals: Sequence[str] = ALL_SIGNALS,
    *,
    model: Combiner | None = None,
    text_model: TextModel | None = None,
    now: float | None = None,
    computed: Mapping[str, SignalOutput] | None = None,
) -> TrustResult:
    """Run ``signals`` over ``reviews`` and combine them into trust.

    ``now`` (seconds since 1970) is when the analysis is made, for the age of the
    site's accounts (default: the newest review). Text signals are skipped (not failed)
    when the reviews carry no text. ``computed``: outputs of some of ``signals`` that
    already ran elsewhere on the same reviews in the same order (`candor score` runs the
    text classifier on the engine, `candor.pipeline.stages`); they are used as given,
    in their place in ``signals``, and not run again.
    """
    seconds: dict[str, float] = {}
    outputs = signal_outputs(
        reviews, signals, text_model=text_model, now=now, computed=computed, seconds=seconds
    )
    started = time.perf_counter()
    trust, merged = combine(reviews, outputs, model)
    seconds["combine"] = time.perf_counter() - started
    ran = ran_signals(signals, reviews.text is not None, tuple(computed or ()))
    return TrustResult(trust=trust, merged=merged, signals=ran, seconds=seconds)


__all__ = [
    "ALL_SIGNALS",
    "LIVE_SIGNALS",
    "METADATA_SIGNALS",
    "TEXT_CODES",
    "TEXT_SIGNALS",
    "TRUNCATED",
    "TrustResult",
    "analyse",
    "ran_signals",
    "reasons_and_notes",
    "review_text",
    "signal_outputs",
]
