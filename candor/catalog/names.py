"""A person's name split into family and given names, for citations (CSL-JSON, BibTeX,
RIS) that reference managers such as Zotero read name by name.

The split is a guess from the written name, used when nobody has entered the parts (the
migrations that added them, new people and reviewers): "Family, Given" is taken as
written; otherwise the last word is the family name, with the lower-case particles
before it ("van der", "de", "von") and a suffix after it ("Jr."), and the words before
are the given names. A single word is a family name alone. Names written family name
first ("Xue Litai") are split wrongly by this rule; editors correct the parts in the
admin.
"""

from dataclasses import dataclass

PARTICLES = frozenset(
    "al bin da das de del della der des di do dos du el ibn la le ten ter van von y zu".split()  # noqa: SIM905
)
# Kept with the family name they follow ("King Jr."), so it sorts and cites by "King".
SUFFIXES = frozenset({"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"})


@dataclass(frozen=True)
class NameParts:
    family: str
    given: str

    @property
    def inverted(self) -> str:
        """ "Family, Given" (BibTeX and RIS write names so), or the family name alone."""
        return f"{self.family}, {self.given}" if self.given else self.family


def split_name(name: str) -> NameParts:
    words = name.split()
    text = " ".join(words)
    if "," in text:
        family, given = (part.strip() for part in text.split(",", 1))
        if family:
            return NameParts(family, given)
    if len(words) <= 1:
        return NameParts(text, "")
    start = len(words) - 1
    if words[start] in SUFFIXES and start > 1:
        start -= 1
    while start > 0 and words[start - 1] in PARTICLES:
        start -= 1
    return NameParts(" ".join(words[start:]), " ".join(words[:start]))


def name_parts(name: str, family: str, given: str) -> NameParts:
    """The parts an editor entered, or, when the family name is empty, the guess."""
    family, given = " ".join(family.split()), " ".join(given.split())
    return NameParts(family, given) if family else split_name(name)
