"""ISSNs and DOIs as editors type them, checked and written one way.

ISSNs are checked by python-stdnum (length and check digit) and written NNNN-NNNC.
DOIs may be pasted as a link or with "doi:"; what is stored is the DOI alone, which must
be "10." then a registrant code of 4 to 9 digits, "/" and a suffix without spaces (the
form Crossref recommends matching).
"""

import re

from django.core.exceptions import ValidationError
from stdnum import issn
from stdnum.exceptions import ValidationError as NumberError

DOI_PATTERN = re.compile(r"10\.[0-9]{4,9}/\S+\Z")
DOI_PREFIXES = (
    "https://doi.org/",
    "http://doi.org/",
    "https://dx.doi.org/",
    "http://dx.doi.org/",
    "doi:",
)
DOI_MAX = 200


def normalise_issn(text: str) -> str:
    """The ISSN written NNNN-NNNC, or "" for no ISSN; ValidationError saying why not."""
    value = text.strip()
    if not value:
        return ""
    try:
        return str(issn.format(issn.validate(value)))
    except NumberError as error:
        raise ValidationError(
            f"“{value}” is not a valid ISSN: {error.message} "
            "An ISSN has eight characters, the last a check digit (0-9 or X), e.g. 2049-3630."
        ) from error


def validate_issn(value: str) -> None:
    normalise_issn(value)


def normalise_doi(text: str) -> str:
    """The DOI alone (no link or "doi:" before it), or "" for none; ValidationError
    saying why not."""
    value = text.strip()
    for prefix in DOI_PREFIXES:
        if value.lower().startswith(prefix):
            value = value[len(prefix) :].strip()
            break
    if not value:
        return ""
    if len(value) > DOI_MAX:
        raise ValidationError(f"A DOI here has at most {DOI_MAX} characters.")
    if not DOI_PATTERN.match(value):
        raise ValidationError(
            f"“{value}” is not a DOI: a DOI is “10.”, a registrant code of 4 to 9 digits, "
            "“/” and the item's own part without spaces, e.g. 10.5555/candor.2024.3."
        )
    return value


def validate_doi(value: str) -> None:
    normalise_doi(value)


def doi_url(doi: str) -> str:
    """The DOI as a link (the way DOI's own guidelines ask to show it), or ""."""
    return f"https://doi.org/{doi}" if doi else ""
