"""Prepared queries: one named, documented query per family of questions the analysts ask."""
