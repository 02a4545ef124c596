"""Fixtures of the dashboard tests."""
from datetime import date

import pytest

from sip.extensions import db
