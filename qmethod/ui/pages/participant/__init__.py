"""Participant screens: welcome, consent, instruction, presort, grid, comments, survey, thanks."""
