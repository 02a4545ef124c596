"""The translation catalogues: extraction from the code, completeness, and the English catalogue."""
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from sip.config import ROOT

TRANSLATIONS = ROOT / "sip" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            # A word whose translation depends on what it qualifies ("Open": une période ouverte, un point ouvert).
            "pgettext": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2)}
METHODS = [("sip/**.py", "python"), ("templates/**.html", "jinja2")]


def catalogue_path(lang: str) -> Path:
    """Where the catalogue of a language lives."""
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def read_catalogue(lang: str) -> Catalog:
    """The catalogue of a language."""
    with catalogue_path(lang).open("rb") as handle:
        return read_po(handle, locale=lang)


def _key(context: str | None, message) -> str:
    """A string's key in the checks: its singular form, after its context when it has one."""
    singular = message[0] if isinstance(message, (tuple, list)) else message
    return f"{context}\x04{singular}" if context else singular


def extracted_ids() -> set[str]:
    """Every UI string the code and templates use (singular form, with its context)."""
    found = extract_from_dir(str(ROOT), METHODS, keywords=KEYWORDS, options_map={"templates/**.html": {}})
    ids = {_key(context, message) for _filename, _lineno, message, _comments, context in found}
    return {i for i in ids if i}


def problems(lang: str) -> list[str]:
    """Strings that are missing, untranslated or fuzzy in a language's catalogue."""
    catalogue = read_catalogue(lang)
    present = {_key(m.context, m.id): m for m in catalogue if m.id}
    issues = [f"missing: {i}" for i in sorted(extracted_ids() - present.keys())]
    for key, message in sorted(present.items()):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            issues.append(f"untranslated: {key}")
        if message.fuzzy:
            issues.append(f"fuzzy: {key}")
    return issues


def fill_english() -> int:
    """Give every untranslated English entry its own text (the UI is written in English)."""
    catalogue = read_catalogue("en")
    filled = 0
    for message in catalogue:
        if not message.id or (all(message.string) if isinstance(message.string, tuple) else message.string):
            continue
        message.string = message.id if isinstance(message.id, str) else tuple(message.id)
        message.flags.discard("fuzzy")
        filled += 1
    with catalogue_path("en").open("wb") as handle:
        write_po(handle, catalogue, width=120)
    return filled


if __name__ == "__main__":
    print(f"English catalogue: {fill_english()} entries filled.")
    for lang in ("fr", "en"):
        for issue in problems(lang):
            print(f"{lang}: {issue}")
