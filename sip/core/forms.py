"""Form helpers shared by the domains."""
from wtforms.fields.choices import SelectChoice


def choices(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs or a {value: label} mapping."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]


def strip(value):
    """Filter for text fields: surrounding spaces (as pasted from an e-mail) are dropped."""
    return value.strip() if isinstance(value, str) else value
