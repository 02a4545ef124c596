"""Reporting commands for `flask --app app sip`: periods and reminders."""
COMMANDS = []
