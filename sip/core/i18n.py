"""Language choice and bilingual text stored as {"fr": ..., "en": ...}."""
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale

LANG_SESSION_KEY = "lang"


def languages() -> tuple[str, ...]:
    """The UI languages this installation offers."""
    return tuple(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """Pick the UI language: ?lang= (remembered), the remembered choice, the user's preference, the browser's."""
    from flask_login import current_user

    if not has_request_context():  # the CLI writes in the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    wanted = request.args.get("lang")
    if wanted in languages():
        session[LANG_SESSION_KEY] = wanted
        return wanted
    remembered = session.get(LANG_SESSION_KEY)
    if remembered in languages():
        return remembered
    preferred = getattr(current_user, "language", None) if current_user else None
    if preferred in languages():
        return preferred
    return request.accept_languages.best_match(languages()) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    """The language of the page being rendered."""
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def pick(text: dict | None, lang: str, fallback: tuple[str, ...] = ("fr", "en")) -> str:
    """Bilingual text in `lang`, falling back to the other language when it is missing."""
    if not text:
        return ""
    if text.get(lang):
        return text[lang]
    return next((text[other] for other in fallback if text.get(other)), "")


def translated(text: dict | None) -> str:
    """Bilingual text in the reader's language (template filter `tr`)."""
    return pick(text, current_language())


def is_fallback(text: dict | None) -> bool:
    """True when `text` has no version in the reader's language and another is shown."""
    return bool(text) and not text.get(current_language())
