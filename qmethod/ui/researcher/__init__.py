"""Researcher workspace helpers: the login gate and navigation (:mod:`.auth`), plots (:mod:`.plots`)."""
