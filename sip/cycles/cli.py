"""Commands: close-strategy, open-strategy, demo-next-strategy."""


def register(app) -> None:
    """Add the cycles commands to `flask sip`."""
