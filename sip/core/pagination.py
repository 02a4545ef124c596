"""Pagination of lists held in memory."""
from dataclasses import dataclass

from flask import request


@dataclass
class Page:
    """One page of a list."""

    items: list
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one)."""
        return max(1, -(-self.total // self.size))

    @property
    def has_prev(self) -> bool:
        """True when there is a page before this one."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """True when there is a page after this one."""
        return self.number < self.pages


def requested_page() -> int:
    """The page number asked for in ?page=, 1 when absent or not a positive number."""
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) < 1_000_000 else 1


def paginate(items: list, number: int, size: int) -> Page:
    """The page `number` of `items`, clamped to the last page."""
    page = Page([], number, size, len(items))
    page.number = min(number, page.pages)
    start = (page.number - 1) * size
    page.items = items[start : start + size]
    return page
