"""URL converters: numbers in addresses that the database can hold.

Ids are 64-bit signed integers in the database; a larger number in an address (`/amendments/9223372036854775808`)
would reach the query and fail there with a 500. The converter refuses it, so the address is simply not found.
"""
import builtins

from flask import Flask
from werkzeug.routing import IntegerConverter

LARGEST_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    """`<int:…>` that matches only non-negative numbers up to 2^63 − 1 (or a smaller `max` given in the rule)."""

    # The argument names are werkzeug's (a rule may say `<int(max=10):n>`), hence the shadowed builtins.
    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False) -> None:
        largest = LARGEST_ID if max is None else builtins.min(max, LARGEST_ID)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=largest, signed=False)


def install(app: Flask) -> None:
    """Make `<int:…>` in every rule refuse numbers outside 64 bits; call before any blueprint is registered
    (werkzeug picks a rule's converters when the rule is added)."""
    app.url_map.converters["int"] = IdConverter
