"""URL converters: numbers in addresses that the database can hold.

Ids are SQL INTEGER columns: 32-bit signed on PostgreSQL (SQLite holds 64 bits). A larger number in an address
(`/amendments/9223372036854775808`, or 2^31 on PostgreSQL) would reach the query and fail there (a 500, or a 400 for
PostgreSQL's "out of range"). The converter refuses it, so the address is simply not found.
"""
import builtins

from flask import Flask
from werkzeug.routing import IntegerConverter

LARGEST_ID = 2**31 - 1  # the largest id an INTEGER column holds on every database


class IdConverter(IntegerConverter):
    """`<int:…>` that matches only non-negative numbers up to 2^31 − 1 (or a smaller `max` given in the rule)."""

    # The argument names are werkzeug's (a rule may say `<int(max=10):n>`), hence the shadowed builtins.
    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False) -> None:
        largest = LARGEST_ID if max is None else builtins.min(max, LARGEST_ID)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=largest, signed=False)


def install(app: Flask) -> None:
    """Make `<int:…>` in every rule refuse numbers no id can be; call before any blueprint is registered
    (werkzeug picks a rule's converters when the rule is added)."""
    app.url_map.converters["int"] = IdConverter
