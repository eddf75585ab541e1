"""Researcher pages: studies, design, responses, analysis (each behind the login gate)."""
