"""The scripted scenario behind ``make demo``: it may import every app; no app imports it."""
