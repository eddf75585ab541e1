"""Streamlit pages, one file per screen, grouped by role (participant; researcher pages later)."""
