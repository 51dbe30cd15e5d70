"""Search: vectors, the Chroma store with its sidecar, and hybrid hits."""
