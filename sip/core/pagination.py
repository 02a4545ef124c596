"""Pagination: the page asked for, and one page of a query's rows."""
from dataclasses import dataclass

from flask import request
from sqlalchemy import Select, func, select

from sip.extensions import db


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


def requested_page(param: str = "page") -> int:
    """The page number asked for in ?page= (or another parameter), 1 when absent or not a positive number."""
    value = request.args.get(param, "1")
    return int(value) if value.isdigit() and 0 < int(value) < 1_000_000 else 1


def page_of_rows(rows: list, number: int, size: int) -> Page:
    """Page `number` of a list already in memory (clamped to the last page)."""
    page = Page([], number, size, len(rows))
    page.number = min(number, page.pages)
    page.items = rows[(page.number - 1) * size:page.number * size]
    return page


def page_of(query: Select, number: int, size: int) -> Page:
    """Page `number` of a query's rows (clamped to the last page): one count and one page query."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = Page([], number, size, total)
    page.number = min(number, page.pages)
    if total:
        page.items = list(db.session.execute(query.offset((page.number - 1) * size).limit(size)).all())
    return page
