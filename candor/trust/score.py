"""One entry point for trust analysis: reviews in, trust and reasons out.

Every caller goes through `analyse`: the batch pipeline (`candor score`), the web app's
batch command and its live path for a new review, the robustness benchmark and the
evaluation. Which signals run is a parameter, because what can be computed depends on
where we are: a review being posted has only its own text (`LIVE_SIGNALS`), a batch run
sees the whole corpus (`ALL_SIGNALS`). Signals that did not run contribute the
combiner's training average, so a partial analysis is a fair, weaker one rather than a
different scale.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from candor.trust.behaviour import behaviour
from candor.trust.bursts import bursts
from candor.trust.codes import TEXT_CODES, TRUNCATED
from candor.trust.combine import Combiner, coded_reasons, combine
from candor.trust.duplicates import duplicate_signal
from candor.trust.lockstep import lockstep
from candor.trust.table import BoolArray, FloatArray, Reviews, SignalOutput
from candor.trust.text import TextModel, text_signal

ALL_SIGNALS = ("behaviour", "bursts", "lockstep", "duplicates", "text")
METADATA_SIGNALS = ("behaviour", "bursts", "lockstep")
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
        found = self.reasons(i, noun)
        truncated = self.truncated
        if truncated is not None and truncated[i]:
            found.append((TRUNCATED, truncation_note(float(self.merged.numbers[TRUNCATED][i]))))
        return found

    @property
    def truncated(self) -> BoolArray | None:
        """Which texts were analysed on their beginning only (None: text not analysed)."""
        return self.merged.flags.get("text_truncated")


def _signals(text_model: TextModel | None) -> dict[str, Signal]:
    return {
        "behaviour": behaviour,
        "bursts": bursts,
        "lockstep": lockstep,
        "duplicates": duplicate_signal,
        "text": lambda reviews: text_signal(reviews, text_model),
    }


def analyse(
    reviews: Reviews,
    signals: Sequence[str] = ALL_SIGNALS,
    *,
    model: Combiner | None = None,
    text_model: TextModel | None = None,
) -> TrustResult:
    """Run ``signals`` over ``reviews`` and combine them into trust.

    Text signals are skipped (not failed) when the reviews carry no text.
    """
    available = _signals(text_model)
    unknown = [name for name in signals if name not in available]
    if unknown:
        raise ValueError(f"signals: unknown {unknown}; choose from {list(ALL_SIGNALS)}")
    seconds: dict[str, float] = {}
    outputs: list[SignalOutput] = []
    ran: list[str] = []
    for name in signals:
        if name in ("text", "duplicates") and reviews.text is None:
            continue
        started = time.perf_counter()
        outputs.append(available[name](reviews))
        seconds[name] = time.perf_counter() - started
        ran.append(name)
    started = time.perf_counter()
    trust, merged = combine(reviews, outputs, model)
    seconds["combine"] = time.perf_counter() - started
    return TrustResult(trust=trust, merged=merged, signals=tuple(ran), seconds=seconds)


__all__ = [
    "ALL_SIGNALS",
    "LIVE_SIGNALS",
    "METADATA_SIGNALS",
    "TEXT_CODES",
    "TRUNCATED",
    "TrustResult",
    "analyse",
    "review_text",
]
