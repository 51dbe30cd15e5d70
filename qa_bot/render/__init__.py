"""Renderers: an Answer as markdown (CLI), HTML (page) and JSON (API)."""
