"""Commands of the sip group from this package (added by sip.cli.register)."""
COMMANDS: list = []
