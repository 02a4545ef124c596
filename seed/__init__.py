"""Seed data: the Logistics Cluster SIP 2022–2026 (November 2023 revision) as bilingual JSON."""
from __future__ import annotations

import json
from pathlib import Path

SEED_DIR = Path(__file__).resolve().parent
SOURCE_DOCUMENT = SEED_DIR / "source" / "sip-2023-11.fr.txt"


def load_json(name: str) -> object:
    """Load seed/<name>.json ("plan", "bodies", "commitments" or "glossary")."""
    return json.loads((SEED_DIR / f"{name.removesuffix('.json')}.json").read_text(encoding="utf-8"))
