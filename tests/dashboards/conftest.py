"""Fixtures of the dashboard tests."""


