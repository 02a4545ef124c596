"""Hypothesis strategies for hostile input: odd Unicode, huge text, NUL bytes, wrong types, missing and repeated
fields."""
from hypothesis import strategies as st

# Values that have broken web applications before: control characters, bidi overrides, invisible characters,
# astral planes, markup and template syntax, SQL, numbers that do not fit, impossible dates, path tricks.
NASTY = [
    "", " ", "\x00", "a\x00b", "\x00" * 3, "\x1b[31m", "\x7f", "\u0085", "\u2028", "\u202e‮evil", "\ufeff", "\u200b",
    "\ufffd", "𝕊𝕀ℙ 🚚📦", "👩\u200d👩\u200d👧", "e\u0301\u0301\u0301", "ǅİßﬁ", "Ⅻ", "٣٤٥", "１２", "é" * 300,
    "' OR 1=1 --", "'; DROP TABLE user_account; --", '" onmouseover="alert(1)', "<script>alert(1)</script>",
    "{{ 7*7 }}", "{% raw %}", "${7*7}", "%s%s%n", "%(name)s", "../../etc/passwd", "\\\\server\\share", "//evil.example",
    "javascript:alert(1)", "\r\n\r\n", "\r", "\t", "0", "-1", "-0", "+1", "1e309", "NaN", "inf", "0x10", "007",
    "99999999999999999999999", "2147483648", "-2147483649", "1.5", "١٠٠", "true", "null", "None", "[]", "{}",
    "2026-02-30", "9999-12-31", "0000-00-00", "2026-13-01", "0001-01-01", "2026-Q5", "2026-q4 ", "1999-Q1",
    "12345-Q1", "on", "y", "off", "lead", "co_lead", "admin",
]

text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=60)  # surrogates cannot be sent at all
huge = st.builds(lambda chunk, n: chunk * n, st.sampled_from(["x", "é", "𝕏", "<b>", "\x00", "a b\n"]),
                 st.integers(min_value=20_001, max_value=26_000))
odd_small = st.one_of(st.sampled_from(NASTY), text, st.sampled_from(NASTY).map(lambda s: s * 3))
odd = st.one_of(odd_small, odd_small, odd_small, huge)  # a huge value in about one field of ten


def value(*good: str, huge_ok: bool = True):
    """A field's value: one of the good ones, or anything odd."""
    odd_values = odd if huge_ok else odd_small
    return st.one_of(st.sampled_from(good), odd_values) if good else odd_values


def form(fields: dict, extra: bool = True):
    """Form data as (name, value) pairs: each field missing, given once or repeated; plus stray fields."""
    def one(name, strategy):
        return st.one_of(
            st.just([]),  # missing
            strategy.map(lambda v: [(name, v)]),
            st.lists(strategy, min_size=2, max_size=3).map(lambda vs: [(name, v) for v in vs]),  # repeated
        )

    parts = [one(name, strategy) for name, strategy in fields.items()]
    if extra:
        parts.append(st.lists(st.tuples(odd_small, odd_small), max_size=2))
    return st.tuples(*parts).map(lambda groups: [pair for group in groups for pair in group])


encodings = st.sampled_from(["urlencoded", "urlencoded", "urlencoded", "multipart"])


def post(client, path: str, pairs: list, encoding: str = "urlencoded", **kwargs):
    """POST form pairs, url-encoded or as multipart/form-data."""
    from werkzeug.datastructures import MultiDict

    data = MultiDict(pairs)
    if encoding == "multipart":
        return client.post(path, data=data, content_type="multipart/form-data", **kwargs)
    return client.post(path, data=data, **kwargs)
