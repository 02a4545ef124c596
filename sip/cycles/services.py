"""Strategy cycles: opening, carrying over and closing (each step audited)."""


class CycleError(ValueError):
    """A step refused, with the reason in the reader's language."""
