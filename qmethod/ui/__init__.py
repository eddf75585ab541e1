"""The Streamlit interface: participant pages, browser components and interface strings.

Pages hold layout only and call :mod:`qmethod.service`; the database is the truth, the browser
session only remembers which participant this tab belongs to (also kept in the URL).
"""
