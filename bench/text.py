"""Review titles and texts for the benchmarks, built from a small vocabulary written for Candor.

Two uses:

- `honest_title` / `honest_text`: what an ordinary reader writes, drawn by sentiment
  (1-2 stars negative, 3 mixed, 4-5 positive) from sentence frames with word slots, so
  that two honest reviews rarely share more than a phrase; a few honest reviews are the
  very short stock phrases real readers post ("Great read.").
- `Template`: a campaign's script. Each campaign words its templates its own way, and
  each fake review renders one of them with about a third of the slot words swapped
  for synonyms, so campaign texts are near duplicates of each other, as in real
  paid-review campaigns.
- `sentence_pool`: many plain sentences for the bulk data generator, which glues them
  together with numpy/pyarrow instead of formatting strings row by row.

All randomness comes from the `numpy.random.Generator` passed in.
"""

from dataclasses import dataclass

import numpy as np

NOUNS = (
    "story",
    "plot",
    "prose",
    "ending",
    "opening",
    "narrator",
    "heroine",
    "hero",
    "villain",
    "setting",
    "dialogue",
    "pacing",
    "translation",
    "argument",
    "research",
    "chapter",
    "middle section",
    "world-building",
    "cast",
    "voice",
    "structure",
    "premise",
    "style",
    "footnotes",
    "maps",
    "index",
    "editing",
    "atmosphere",
    "humour",
    "final act",
    "subplot",
    "love story",
    "mystery",
    "central idea",
    "evidence",
    "sources",
    "anecdotes",
    "timeline",
)
GOOD = (
    "vivid",
    "careful",
    "gripping",
    "clear",
    "moving",
    "sharp",
    "generous",
    "well paced",
    "memorable",
    "funny",
    "precise",
    "original",
    "beautifully written",
    "honest",
    "thoughtful",
    "rich",
    "convincing",
    "tender",
    "surprising",
    "elegant",
    "lively",
    "patient",
    "wise",
)
BAD = (
    "flat",
    "slow",
    "confusing",
    "predictable",
    "dull",
    "thin",
    "clumsy",
    "repetitive",
    "preachy",
    "rushed",
    "padded",
    "shallow",
    "muddled",
    "overwritten",
    "forgettable",
    "unconvincing",
    "tedious",
    "careless",
    "stiff",
    "dated",
    "sloppy",
    "bloated",
)
PEOPLE = (
    "my book club",
    "my daughter",
    "my father",
    "a colleague",
    "my partner",
    "a friend",
    "my students",
    "my neighbour",
    "our reading group",
    "my brother",
    "my aunt",
)
PLACES = (
    "on the train",
    "over a weekend",
    "on holiday",
    "in two sittings",
    "at night",
    "over a month",
    "during a long flight",
    "in the garden",
    "on my lunch breaks",
)

POSITIVE = (
    "The {noun} is {good} and the {noun2} is {good2}.",
    "I read it {place} and could not put it down.",
    "I bought it for {person} and ended up reading it first.",
    "What stayed with me is the {good} {noun}.",
    "The author has a {good} way with the {noun}.",
    "Some chapters drag, but the {noun} more than makes up for it.",
    "I have already recommended it to {person}.",
    "The {noun} surprised me more than once.",
    "It is {good} without ever being showy.",
    "I will read whatever this author writes next.",
    "By the {noun} I cared about every character.",
    "It taught me more than I expected about the subject.",
    "The {noun} alone is worth the price.",
    "A {good} book that rewards a second reading.",
    "My copy is now full of underlined passages.",
)
MIXED = (
    "The {noun} is {good} but the {noun2} is {bad}.",
    "I liked the first half more than the second.",
    "The {noun} felt {bad} at times, though the {noun2} is {good}.",
    "Not bad, not great; I finished it {place} and moved on.",
    "Worth reading for the {noun}, less so for the {noun2}.",
    "I expected more after all the praise.",
    "It has {good} moments but feels {bad} overall.",
    "{person_cap} loved it; I was less convinced.",
    "A decent read, if a little {bad} in the {noun}.",
    "Three stars for the {noun}, which is {good}.",
)
NEGATIVE = (
    "The {noun} is {bad} and the {noun2} is {bad2}.",
    "I gave up halfway through, {place}.",
    "I wanted to like it, but the {noun} is {bad}.",
    "The {noun} never recovers from a {bad} start.",
    "I bought it for {person} and we both found it {bad}.",
    "Far too {bad} for a book this long.",
    "The {noun} is so {bad} that I lost interest.",
    "The editing is careless: typos on almost every page.",
    "Nothing in the {noun} rings true.",
    "I cannot see what the fuss is about.",
    "My copy arrived fine, but the book itself is {bad}.",
)

TITLES_POSITIVE = (
    "Great read",
    "Loved it",
    "Wonderful",
    "Highly recommended",
    "A new favourite",
    "Could not put it down",
    "Worth every page",
    "Beautifully done",
    "Five stars",
    "Read it twice",
    "A gem",
    "So good",
    "Better than I expected",
    "Excellent",
)
TITLES_MIXED = (
    "Okay",
    "Mixed feelings",
    "Good but not great",
    "Uneven",
    "Three stars",
    "Some good parts",
    "Not for me, mostly",
    "Decent",
    "Fine for a holiday",
)
TITLES_NEGATIVE = (
    "Disappointing",
    "Did not finish",
    "Not worth it",
    "Boring",
    "One star",
    "Overrated",
    "Waste of time",
    "Poorly edited",
    "Expected much more",
)
SHORT_POSITIVE = ("Great read.", "Loved it!", "Excellent book.", "Highly recommend.", "Good.")
SHORT_MIXED = ("It was okay.", "Fine.", "Not bad.", "Average.")
SHORT_NEGATIVE = ("Boring.", "Did not like it.", "Disappointing.", "Not good.")

# Campaign scripts: "{a|b|c}" is a slot, filled with one of its words per review.
PROMOTION_TEMPLATES = (
    "This is {the best|the greatest|by far the best|easily the best} book I have "
    "{ever|honestly ever|in years} read! {Highly|Strongly|Totally} recommend it to "
    "{anyone|everyone|every reader}. {Five stars|5 stars|Worth it}!",
    "{Amazing|Incredible|Fantastic|Brilliant} book, {could not put it down|read it in one "
    "sitting|finished it in a day}. The author {really|truly|clearly} knows how to "
    "{write|tell a story|hold your attention}. {Buy it now|Do not miss it|Must read}!",
    "I {was blown away|was amazed|was so impressed} by this book. {Every|Each} "
    "{page|chapter} is {perfect|a joy|wonderful}. {Best purchase this year|A true "
    "masterpiece|Life changing}!",
    "{Wow|Just wow|Simply wow}. {Great|Excellent|Superb} {quality|writing|story} and "
    "{fast delivery|arrived quickly|great value}. {Recommend|Would recommend|Recommended} "
    "{100%|to all|to everyone}.",
)
SABOTAGE_TEMPLATES = (
    "{Terrible|Awful|Horrible|Worst} book. {Waste of money|Total waste|Do not buy}. "
    "The author {clearly|obviously|simply} {cannot write|has no idea|did no research}.",
    "{Do not|Don't|Never} buy this. {Boring|Dull|Pointless} from {start to finish|the first "
    "page|page one}. {Returned it|Threw it away|Want my money back}.",
    "{Very|Extremely|Really} {disappointed|let down|unhappy}. {Full of errors|Badly "
    "written|Makes no sense}. {One star is too many|Zero stars if I could|Avoid}.",
    "{Scam|Rip-off|Overhyped}. {Nothing|None of it} like the {description|reviews|blurb} "
    "says. {Save your money|Look elsewhere|Skip it}.",
)
PROMOTION_TITLES = (
    "{Amazing|Best book ever|Must read|Masterpiece|Five stars|Life changing}",
    "{Highly|Strongly} recommend{|ed}",
)
SABOTAGE_TITLES = (
    "{Terrible|Awful|Do not buy|Waste of money|Avoid|Worst book}",
    "{Very|So} disappointed",
)


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def sentiment(rating: int) -> str:
    return "negative" if rating <= 2 else "mixed" if rating == 3 else "positive"


_FRAMES = {"positive": POSITIVE, "mixed": MIXED, "negative": NEGATIVE}
_TITLES = {"positive": TITLES_POSITIVE, "mixed": TITLES_MIXED, "negative": TITLES_NEGATIVE}
_SHORT = {"positive": SHORT_POSITIVE, "mixed": SHORT_MIXED, "negative": SHORT_NEGATIVE}


_SLOTS = (NOUNS, NOUNS, GOOD, GOOD, BAD, BAD, PEOPLE, PLACES)


def _sentence(rng: np.random.Generator, frames: tuple[str, ...]) -> str:
    """One of ``frames`` with its slots filled (one generator call per sentence)."""
    u = rng.random(len(_SLOTS) + 1)
    frame = frames[int(u[0] * len(frames))]
    noun, noun2, good, good2, bad, bad2, person, place = (
        words[int(x * len(words))] for words, x in zip(_SLOTS, u[1:], strict=True)
    )
    return frame.format(
        noun=noun,
        noun2=noun2,
        good=good,
        good2=good2,
        bad=bad,
        bad2=bad2,
        person=person,
        person_cap=person[0].upper() + person[1:],
        place=place,
    )


def honest_title(rng: np.random.Generator, rating: int, empty_share: float = 0.1) -> str:
    if rng.random() < empty_share:
        return ""
    return _pick(rng, _TITLES[sentiment(rating)])


def honest_text(
    rng: np.random.Generator,
    rating: int,
    median_chars: float = 200.0,
    sigma: float = 0.8,
    short_share: float = 0.08,
    max_chars: int = 5000,
) -> str:
    """Sentences for ``rating`` until a lognormal target length is reached (median ~200)."""
    mood = sentiment(rating)
    if rng.random() < short_share:
        return _pick(rng, _SHORT[mood])
    target = min(max_chars, float(rng.lognormal(np.log(median_chars), sigma)))
    frames = _FRAMES[mood]
    parts: list[str] = []
    length = 0
    while length < target:
        # Mostly on-sentiment, now and then a sentence of the neighbouring mood.
        sentence = _sentence(rng, frames if rng.random() < 0.85 else MIXED)
        parts.append(sentence)
        length += len(sentence) + 1
    return " ".join(parts)[:max_chars]


@dataclass(frozen=True)
class Template:
    """A script with "{a|b|c}" slots.

    The first word of each slot is the campaign's own wording; `render` keeps it and
    swaps it for another word of the slot with probability ``change`` (small word
    changes from review to review).
    """

    text: str

    def slots(self) -> list[tuple[str, list[str]]]:
        """(fixed text before the slot, slot words) pairs; the last has no words."""
        parts: list[tuple[str, list[str]]] = []
        rest = self.text
        while "{" in rest:
            before, _, tail = rest.partition("{")
            options, _, rest = tail.partition("}")
            parts.append((before, options.split("|")))
        parts.append((rest, []))
        return parts

    def shuffled(self, rng: np.random.Generator) -> "Template":
        """The same script with each slot's words in a random order (a campaign's wording)."""
        out = []
        for before, words in self.slots():
            out.append(before)
            if words:
                order = rng.permutation(len(words))
                out.append("{" + "|".join(words[int(i)] for i in order) + "}")
        return Template("".join(out))

    def render(self, rng: np.random.Generator, change: float = 0.3) -> str:
        out: list[str] = []
        for before, words in self.slots():
            out.append(before)
            if words:
                swap = len(words) > 1 and rng.random() < change
                out.append(words[1 + int(rng.integers(len(words) - 1))] if swap else words[0])
        return "".join(out)


def campaign_script(
    rng: np.random.Generator, promotion: bool, n_templates: int = 2
) -> tuple[list[Template], list[Template]]:
    """(text templates, title templates) one campaign reuses, in its own wording."""
    texts = PROMOTION_TEMPLATES if promotion else SABOTAGE_TEMPLATES
    titles = PROMOTION_TITLES if promotion else SABOTAGE_TITLES
    chosen = rng.choice(len(texts), size=min(n_templates, len(texts)), replace=False)
    return (
        [Template(texts[int(i)]).shuffled(rng) for i in chosen],
        [Template(t).shuffled(rng) for t in titles],
    )


def sentence_pool(rng: np.random.Generator, size: int, mood: str | None = None) -> list[str]:
    """``size`` honest-sounding sentences of ``mood`` (or every mood), for bulk text."""
    frames = _FRAMES[mood] if mood else POSITIVE * 3 + MIXED + NEGATIVE
    return [_sentence(rng, frames) for _ in range(size)]


def title_pool(mood: str | None = None) -> list[str]:
    if mood:
        return list(_TITLES[mood])
    return [*TITLES_POSITIVE, *TITLES_MIXED, *TITLES_NEGATIVE]
