"""The framework-free form engine: form definitions from ``config/forms``, answer parsing and checks,
and the walk through a form (next, back, skip, edit, review)."""
