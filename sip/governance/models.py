"""Amendments to the plan and named plan versions."""
