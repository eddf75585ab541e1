"""Developer pages (not linked from the participant flow)."""
