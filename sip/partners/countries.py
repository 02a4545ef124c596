"""Countries as ISO 3166-1 alpha-2 codes, named in the reader's language from Babel's territory names.

Babel's territories also hold regions ("001" the world, "150" Europe) and private-use codes ("ZZ", "QO"): only
two-letter codes of real countries and territories are offered and accepted.
"""
import unicodedata
from functools import lru_cache

from babel import Locale

# Two-letter codes in Babel's list that are not countries (unknown region, outlying Oceania, the EU, the Eurozone,
# the UN, pseudo-locales).
NOT_COUNTRIES = {"ZZ", "QO", "EU", "EZ", "UN", "XA", "XB"}


@lru_cache(maxsize=8)
def _names(lang: str) -> dict[str, str]:
    """{code: name} of every country in a language."""
    territories = Locale.parse(lang).territories
    return {code: name for code, name in territories.items()
            if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES}


def _folded(text: str) -> str:
    """Lower case without accents or surrounding spaces, to compare names as people type them."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold().replace("\u2019", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def _lookup() -> dict[str, str]:
    """Every code and every name in French and English, folded, to its code."""
    found = {}
    for lang in ("en", "fr"):
        for code, name in _names(lang).items():
            found[_folded(name)] = code
    found.update({code.casefold(): code for code in _names("en")})
    return found


def country_name(code: str | None, lang: str) -> str:
    """A country's name in `lang` ("ML" → "Mali"); an unknown value is returned as it is."""
    if not code:
        return ""
    return _names(lang if lang in ("fr", "en") else "en").get(code.upper(), code)


def country_choices(lang: str) -> list[tuple[str, str]]:
    """(code, name) of every country, sorted by name in `lang` (accents ignored)."""
    names = _names(lang if lang in ("fr", "en") else "en")
    return sorted(names.items(), key=lambda item: _folded(item[1]))


def resolve(value: str | None) -> str | None:
    """The code of a country given by code or by name in French or English ("ml", "Mali", "Côte d'Ivoire"),
    or None when it is not one."""
    if not value or not value.strip():
        return None
    return _lookup().get(_folded(value))


def is_country(code: str | None) -> bool:
    """True for a known two-letter country code (upper case)."""
    return bool(code) and code in _names("en")


def split_codes(value: str | None) -> list[str]:
    """A list of countries as typed ("ML; BF, Niger") as they are, for resolving one by one."""
    if not value:
        return []
    for separator in (",", "|", "\n"):
        value = value.replace(separator, ";")
    return [part.strip() for part in value.split(";") if part.strip()]
