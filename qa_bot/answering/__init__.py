"""Answering: evidence → figure report → named answer → composed Answer."""
